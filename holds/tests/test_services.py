"""The hold ladder: levels, one act per level, challenges with a deadline, letting go moves everyone up,
confirming makes an offer; who may act; bad input refused with nothing changed."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Booking
from holds import services
from holds.models import Hold, HoldEvent
from holds.services import HoldError, HoldPermissionError

from .factories import hold_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return hold_world()


def place(w, band, by=None, **kwargs):
    values = {"starts_at": w.start, "ends_at": w.end, "expires_at": w.expires}
    values.update(kwargs)
    return services.hold_place(by=by or w.owner, stage=w.stage, band=band, **values)


def ladder(w) -> list[tuple[str, int]]:
    held = Hold.objects.filter(stage=w.stage, status=Hold.Status.HELD).order_by("level")
    return [(h.band.name, h.level) for h in held.select_related("band")]


def test_holds_stack_up_one_act_per_level_and_a_taken_level_is_refused(w):
    first = place(w, w.bands[0])
    second = place(w, w.bands[1], by=w.promoter)
    assert (first.level, second.level) == (1, 2)
    assert first.date == w.start.date()
    assert second.on_behalf == "Rafael Promoter, Riverside Rooms, for Kellerbar"
    with pytest.raises(HoldError) as caught:
        place(w, w.bands[2], level=2)
    assert caught.value.code == "level_taken" and "Band 2" in caught.value.messages[0]
    with pytest.raises(HoldError) as caught:
        place(w, w.bands[2], level=5)
    assert caught.value.code == "level_gap"
    with pytest.raises(HoldError) as caught:
        place(w, w.bands[0])
    assert caught.value.code == "band_held"
    assert ladder(w) == [("Band 1", 1), ("Band 2", 2)]
    assert Notification.objects.filter(recipient=w.leaders[1], kind="hold").exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends_at": "start"}, "times"),
        ({"starts_at": "past"}, "past"),
        ({"expires_at": "after"}, "expiry"),
    ],
)
def test_bad_times_are_refused_and_nothing_is_held(w, change, code):
    values = {
        "start": {"ends_at": w.start},
        "past": {
            "starts_at": timezone.now() - dt.timedelta(hours=5),
            "ends_at": timezone.now() - dt.timedelta(hours=2),
        },
        "after": {"expires_at": w.start + dt.timedelta(hours=1)},
    }[next(iter(change.values()))]
    with pytest.raises(HoldError) as caught:
        place(w, w.bands[0], **values)
    assert caught.value.code == code
    assert not Hold.objects.exists()


def test_only_the_venues_staff_hold_its_dates(w):
    for who in (w.viewer, w.other_owner, w.stranger, w.leaders[0]):
        with pytest.raises(HoldPermissionError):
            place(w, w.bands[0], by=who)
    assert not Hold.objects.exists()


def test_letting_go_moves_everyone_below_up_one_level(w):
    holds = [place(w, band) for band in w.bands[:3]]
    services.hold_release(hold=holds[0], by=w.booker)
    assert ladder(w) == [("Band 2", 1), ("Band 3", 2)]
    assert HoldEvent.objects.filter(hold=holds[2], what=HoldEvent.What.MOVED_UP, level=2).exists()
    with pytest.raises(HoldError):
        services.hold_release(hold=holds[0], by=w.booker)


def test_a_challenge_the_first_lets_lapse_promotes_the_challenger_who_confirms(w):
    first = place(w, w.bands[0], by=w.owner)
    second = place(w, w.bands[1], by=w.promoter)
    place(w, w.bands[2], by=w.promoter)
    now = timezone.now()
    challenged = services.hold_challenge(hold=second, by=w.promoter, now=now)
    assert challenged.pk == first.pk and challenged.challenge_ends_at == now + dt.timedelta(hours=48)
    with pytest.raises(HoldError) as caught:  # one challenge at a time
        services.hold_challenge(hold=Hold.objects.get(band=w.bands[2]), by=w.booker, now=now)
    assert caught.value.code == "running"
    with pytest.raises(HoldError) as caught:  # the 2nd cannot confirm over the 1st
        services.hold_confirm(hold=second, by=w.promoter, now=now)
    assert caught.value.code == "not_first"
    # The 1st stays silent: 48 hours later the round lets it go and everyone moves up.
    assert services.holds_settle(now=now + dt.timedelta(hours=47)) == 0
    assert services.holds_settle(now=now + dt.timedelta(hours=48, minutes=1)) == 1
    first.refresh_from_db()
    assert (first.status, first.ended) == (Hold.Status.LAPSED, Hold.End.CHALLENGE_LAPSED)
    assert ladder(w) == [("Band 2", 1), ("Band 3", 2)]
    booking = services.hold_confirm(
        hold=second, by=w.promoter, fee=800, message="See you then.", now=now + dt.timedelta(hours=49)
    )
    assert (booking.kind, booking.status, booking.band_id, booking.fee) == ("offer", "pending", w.bands[1].pk, 800)
    assert booking.slot.stage_id == w.stage.pk and booking.starts_at == w.start
    second.refresh_from_db()
    assert second.status == Hold.Status.CONFIRMED and second.booking_id == booking.pk
    assert ladder(w) == []  # the 3rd was let go: the date is confirmed for another act
    assert Hold.objects.get(band=w.bands[2]).ended == Hold.End.DATE_CONFIRMED


def test_the_first_confirms_within_the_challenge_and_keeps_the_date(w):
    first = place(w, w.bands[0], by=w.owner)
    second = place(w, w.bands[1], by=w.promoter)
    services.hold_challenge(hold=second, by=w.promoter)
    booking = services.hold_confirm(hold=first, by=w.owner)
    assert booking.band_id == w.bands[0].pk
    assert Hold.objects.get(pk=second.pk).ended == Hold.End.DATE_CONFIRMED


def test_no_challenge_of_the_first_hold_itself_or_of_ones_own(w):
    first = place(w, w.bands[0], by=w.owner)
    second = place(w, w.bands[1], by=w.owner)
    with pytest.raises(HoldError) as caught:
        services.hold_challenge(hold=first, by=w.promoter)
    assert caught.value.code == "first"
    with pytest.raises(HoldError) as caught:
        services.hold_challenge(hold=second, by=w.owner)
    assert caught.value.code == "own"
    assert Hold.objects.get(pk=first.pk).challenge_ends_at is None


def test_a_challenger_that_lets_go_ends_its_challenge(w):
    first = place(w, w.bands[0], by=w.owner)
    second = place(w, w.bands[1], by=w.promoter)
    services.hold_challenge(hold=second, by=w.promoter)
    services.hold_release(hold=second, by=w.promoter)
    first.refresh_from_db()
    assert first.challenged_by_id is None and first.challenge_ends_at is None and first.is_held


def test_an_expired_hold_lets_go_and_the_next_moves_up(w):
    place(w, w.bands[0], expires_at=timezone.now() + dt.timedelta(hours=1))
    place(w, w.bands[1])
    services.holds_settle(now=timezone.now() + dt.timedelta(hours=2))
    assert ladder(w) == [("Band 2", 1)]
    assert Hold.objects.get(band=w.bands[0]).ended == Hold.End.EXPIRED


def test_a_hold_never_makes_a_member_busy_and_a_booked_stage_cannot_be_held(w):
    from bookings.selectors.bookings import band_free_for_gig

    place(w, w.bands[0])
    assert band_free_for_gig(band=w.bands[0], start=w.start, end=w.end)
    booking = services.hold_confirm(hold=Hold.objects.get(), by=w.owner)
    from bookings.services import answering

    answering.booking_accept(booking=booking, by=w.leaders[0])
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED
    with pytest.raises(HoldError) as caught:
        place(w, w.bands[1])
    assert caught.value.code == "booked"


def test_a_group_viewer_and_a_stranger_cannot_move_a_hold(w):
    hold = place(w, w.bands[0])
    for who in (w.viewer, w.stranger, w.other_owner, w.leaders[0]):
        for move in (services.hold_release, services.hold_confirm):
            with pytest.raises(HoldPermissionError):
                move(hold=hold, by=who)
    assert Hold.objects.get(pk=hold.pk).is_held
