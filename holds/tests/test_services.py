"""The hold ladder: levels, one act per level, challenges with a deadline, letting go moves everyone up,
confirming makes an offer; who may act; bad input refused with nothing changed."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from bookings.models import Booking
from holds import selectors, services
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
    assert "Rafael" not in second.on_behalf  # by reference (docs/decisions/0131), drawn when shown
    assert people_draw(second.on_behalf) == "Rafael Promoter, Riverside Rooms, for Kellerbar"
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


# ---- A hold over a slot the stage has; who may challenge -----------------------------------------------


def late_show(w, starts_at, ends_at, **extra):
    from bookings.tests.factories import SlotFactory

    return SlotFactory(
        venue=w.venue, stage=w.stage, starts_at=starts_at, ends_at=ends_at, title="Friday Late Show", **extra
    )


def test_a_hold_over_a_slot_stands_with_a_warning_naming_it_and_confirming_refuses_in_the_same_words(w):
    from venues.services import SlotClashError

    slot = late_show(w, w.start + dt.timedelta(hours=1), w.end + dt.timedelta(hours=2))
    hold = place(w, w.bands[0])
    assert hold.is_held and [clash.slot for clash in hold.clashes] == [slot]
    (clash,) = hold.clashes
    assert "already has “Friday Late Show”" in clash.message
    warning = services.hold_clash_warning(hold.clashes)
    assert warning.startswith(clash.message) and "cannot be confirmed until that slot moves" in warning
    with pytest.raises(SlotClashError) as caught:
        services.hold_confirm(hold=hold, by=w.owner)
    assert caught.value.messages[0].startswith(clash.message)
    assert Hold.objects.get(pk=hold.pk).is_held and not Booking.objects.exists()


def test_the_warning_and_confirming_share_one_rule_a_touching_or_cancelled_slot_is_not_in_the_way(w):
    late_show(w, w.end, w.end + dt.timedelta(hours=3))  # begins as the hold ends
    late_show(w, w.start, w.end, cancelled_at=timezone.now())
    hold = place(w, w.bands[0])
    assert hold.clashes == [] and services.hold_clash_warning(hold.clashes) == ""
    (ladder_,) = selectors.venue_ladders(venue=w.venue, first_day=hold.date)
    assert ladder_.holds[0].clash is None
    assert services.hold_confirm(hold=hold, by=w.owner).status == Booking.Status.PENDING


def test_the_ladder_names_the_slot_each_hold_meets_in_two_queries(w, django_assert_num_queries):
    slot = late_show(w, w.start + dt.timedelta(hours=2), w.end + dt.timedelta(hours=2))
    place(w, w.bands[0])
    place(w, w.bands[1], by=w.promoter)
    next_week = {k: v + dt.timedelta(days=7) for k, v in (("starts_at", w.start), ("ends_at", w.end))}
    place(w, w.bands[2], expires_at=w.expires, **next_week)
    with django_assert_num_queries(2):
        ladders = selectors.venue_ladders(venue=w.venue, first_day=timezone.localdate(), viewer=w.owner)
    clashed, free = ladders
    assert [h.clash for h in clashed.holds] == [slot, slot]
    assert all("Friday Late Show" in h.clash_message for h in clashed.holds)
    assert [(h.clash, h.clash_message) for h in free.holds] == [(None, "")]


class _Undo(Exception):
    pass


def _challenge_taken(hold, by) -> bool:
    try:
        with transaction.atomic():
            services.hold_challenge(hold=hold, by=by)
            raise _Undo
    except _Undo:
        return True
    except HoldError:
        return False


def test_the_challenge_is_offered_exactly_where_the_service_takes_it(w):
    first = place(w, w.bands[0], by=w.owner)
    second = place(w, w.bands[1], by=w.promoter)
    place(w, w.bands[2], by=w.booker)
    offered = {}
    for who in ("owner", "booker", "promoter"):
        (ladder_,) = selectors.venue_ladders(venue=w.venue, first_day=first.date, viewer=getattr(w, who))
        for hold in ladder_.holds:
            offered[(who, hold.level)] = hold.may_challenge
            assert hold.may_challenge == _challenge_taken(hold, getattr(w, who)), (who, hold.level)
    # The 1st's own holder is never offered it; the holders of lower holds are.
    assert not any(offered[("owner", level)] for level in (1, 2, 3))
    assert offered[("promoter", 2)] and offered[("booker", 3)] and not offered[("promoter", 1)]
    services.hold_challenge(hold=second, by=w.promoter)
    (ladder_,) = selectors.venue_ladders(venue=w.venue, first_day=first.date, viewer=w.booker)
    assert not any(h.may_challenge for h in ladder_.holds)  # a challenge runs
    with pytest.raises(HoldError) as caught:
        services.hold_challenge(hold=ladder_.holds[2], by=w.booker)
    assert caught.value.code == "running"
