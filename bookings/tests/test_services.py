"""The booking workflow against the real database: states, who may act, what accepting declines,
the members' busy time, cancelling a slot, bad input, offers by email, notifications, lock order."""

import datetime as dt
import re
import zoneinfo
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import ApprovalStatus, Membership
from bands.selectors import band_managers
from bands.services import band_create, band_invite_accept, band_invite_create, membership_leave
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, OfferInvite
from bookings.selectors.bookings import band_free_between, side_of, venue_team
from bookings.services import answering, asking, ending, periodic, venue_slots
from bookings.services import losers as declines
from bookings.tasks import bookings_complete_task
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from core.fields.scheduling import day_text, scheduling_last_day, scheduling_today
from venues.models import Slot, VenueStaff
from venues.services import slot_update
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

S = Booking.Status
SITE = "https://stageslot.example"


def slot_on(venue, day: int = 10, hour: int = 20, hours: int = 3, **fields) -> Slot:
    start = in_days(day, hour)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=hours), **fields)


@pytest.fixture
def w():
    """A venue (owner, booker) with a slot for a headliner and one support; a band (leader, admin,
    plain member); a rival band; another venue; a client."""
    venue, owner = venue_with_owner(name="Kellerbar")
    booker = VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER).user
    band, leader = band_with_leader(name="The Lanterns")
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    rival, rival_leader = band_with_leader(name="Rival Sons")
    other_venue, other_owner = venue_with_owner(name="Elsewhere")
    return SimpleNamespace(
        venue=venue,
        owner=owner,
        booker=booker,
        band=band,
        leader=leader,
        admin=admin,
        member=member,
        rival=rival,
        rival_leader=rival_leader,
        other_venue=other_venue,
        other_owner=other_owner,
        client=UserFactory(),
        slot=slot_on(venue, support_places=1),
    )


def apply(w, band=None, by=None, slot=None, role="headliner", **kw) -> Booking:
    return asking.booking_apply(
        slot=slot or w.slot, band=band or w.band, by=by or w.leader, role=role, fee=kw.pop("fee", 300), **kw
    )


def offer(w, band=None, slot=None, role="headliner", by=None) -> Booking:
    return asking.booking_offer(slot=slot or w.slot, band=band or w.band, by=by or w.owner, role=role)


def request(w, day: int = 12, hour: int = 18, hours: int = 4, band=None) -> Booking:
    start = in_days(day, hour)
    return asking.booking_request(
        band=band or w.band,
        client=w.client,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gartenstraße 5, Potsdam",
        guests=80,
        fee=1200,
    )


def state(booking: Booking) -> tuple:
    """What must not move when a service refuses."""
    booking.refresh_from_db()
    return booking.status, booking.sequence, booking.status_note, booking.events.count()


def recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def busy_gig(user) -> list[tuple]:
    return list(BusyInterval.objects.filter(user=user, source="gig").values_list("starts_at", "ends_at"))


# ---- The state machine ------------------------------------------------------------------------


def test_every_transition_writes_an_event_and_bumps_the_sequence(w):
    booking = apply(w, message="  We bring our own backline.  ")
    assert (booking.status, booking.sequence) == (S.PENDING, 0)
    assert booking.message == "We bring our own backline."
    assert (booking.starts_at, booking.ends_at, booking.time_zone) == (
        w.slot.starts_at,
        w.slot.ends_at,
        "Europe/Berlin",
    )

    answering.booking_accept(booking=booking, by=w.booker)
    ending.booking_cancel(booking=booking, by=w.owner, reason="  The roof leaks.  ")
    booking.refresh_from_db()
    assert (booking.status, booking.sequence, booking.status_note) == (S.CANCELLED, 2, "The roof leaks.")
    assert booking.status_changed_at is not None
    events = list(booking.events.order_by("pk").values_list("actor_id", "from_status", "to_status", "note"))
    assert events == [
        (w.leader.pk, "", S.PENDING, "Applied"),
        (w.booker.pk, S.PENDING, S.BOOKED, "Accepted"),
        (w.owner.pk, S.BOOKED, S.CANCELLED, "The roof leaks."),
    ]


def test_decline_with_and_without_a_reason(w):
    first = apply(w)
    second = apply(w, band=w.rival, by=w.rival_leader, role="support")
    answering.booking_decline(booking=first, by=w.owner, reason="Not our sound, sorry.")
    answering.booking_decline(booking=second, by=w.owner)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.status_note, first.sequence) == (S.DECLINED, "Not our sound, sorry.", 1)
    assert (second.status, second.status_note) == (S.DECLINED, "Declined")
    assert first.events.last().note == "Not our sound, sorry."


def test_withdraw_while_pending(w):
    booking = apply(w)
    answering.booking_withdraw(booking=booking, by=w.admin)
    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == (S.WITHDRAWN, 1)
    assert booking.events.last().actor == w.admin


def test_cancel_needs_a_reason_and_changes_nothing_without_one(w):
    booking = apply(w)
    answering.booking_accept(booking=booking, by=w.owner)
    before = state(booking)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            ending.booking_cancel(booking=booking, by=w.leader, reason=reason)
        assert "reason" in exc.value.message_dict
    assert state(booking) == before
    assert busy_gig(w.member)


def test_completed_only_after_the_end_and_only_from_booked(w):
    booked = apply(w)
    answering.booking_accept(booking=booked, by=w.owner)
    pending = apply(w, band=w.rival, by=w.rival_leader, role="support")
    assert periodic.bookings_complete(now=w.slot.ends_at - timedelta(minutes=1)) == 0
    booked.refresh_from_db()
    assert booked.status == S.BOOKED

    assert periodic.bookings_complete(now=w.slot.ends_at) == 1
    assert periodic.bookings_complete(now=w.slot.ends_at + timedelta(hours=1)) == 0
    booked.refresh_from_db()
    pending.refresh_from_db()
    assert (booked.status, booked.sequence) == (S.COMPLETED, 2)
    assert booked.events.last().actor is None
    assert pending.status == S.PENDING
    with pytest.raises(BookingConflict):
        ending.booking_cancel(booking=booked, by=w.owner, reason="Too late", now=w.slot.ends_at)


def test_the_periodic_task_completes_past_gigs(w):
    booking = apply(w, slot=slot_on(w.venue, day=1, hour=0, hours=1))
    answering.booking_accept(booking=booking, by=w.owner)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert bookings_complete_task.delay().get() == 1
    assert state(booking)[0] == S.COMPLETED


def _booking_in(w, status: str) -> Booking:
    booking = apply(w)
    if status == S.BOOKED:
        answering.booking_accept(booking=booking, by=w.owner)
    elif status == S.DECLINED:
        answering.booking_decline(booking=booking, by=w.owner)
    elif status == S.WITHDRAWN:
        answering.booking_withdraw(booking=booking, by=w.leader)
    elif status == S.CANCELLED:
        answering.booking_accept(booking=booking, by=w.owner)
        ending.booking_cancel(booking=booking, by=w.owner, reason="Flooded")
    elif status == S.COMPLETED:
        answering.booking_accept(booking=booking, by=w.owner)
        periodic.bookings_complete(now=w.slot.ends_at + timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.status == status
    return booking


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.PENDING, "cancel"),
        (S.BOOKED, "accept"),
        (S.BOOKED, "decline"),
        (S.BOOKED, "withdraw"),
        *[(st, act) for st in (S.DECLINED, S.WITHDRAWN, S.CANCELLED) for act in ("accept", "decline", "withdraw")],
        (S.DECLINED, "cancel"),
        (S.WITHDRAWN, "cancel"),
        (S.CANCELLED, "cancel"),
        (S.COMPLETED, "accept"),
        (S.COMPLETED, "decline"),
        (S.COMPLETED, "withdraw"),
    ],
)
def test_any_other_move_is_refused_and_changes_nothing(w, status, action):
    booking = _booking_in(w, status)
    before = state(booking)
    slot_before = Slot.objects.values_list("headliner_booked", "supports_booked").get(pk=w.slot.pk)
    busy_before = busy_gig(w.member)
    calls = {
        "accept": lambda: answering.booking_accept(booking=booking, by=w.owner),
        "decline": lambda: answering.booking_decline(booking=booking, by=w.owner, reason="No"),
        "withdraw": lambda: answering.booking_withdraw(booking=booking, by=w.leader),
        "cancel": lambda: ending.booking_cancel(booking=booking, by=w.owner, reason="No"),
    }
    with pytest.raises(BookingConflict) as exc:
        calls[action]()
    assert "nothing was changed" in str(exc.value)
    assert state(booking) == before
    assert Slot.objects.values_list("headliner_booked", "supports_booked").get(pk=w.slot.pk) == slot_before
    assert busy_gig(w.member) == busy_before


def test_nothing_is_ever_deleted(w):
    bookings = [_booking_in(w, st) for st in (S.DECLINED, S.WITHDRAWN, S.CANCELLED, S.BOOKED)]
    venue_slots.slot_cancel(slot=w.slot, by=w.owner, reason="Closed")
    assert Booking.objects.filter(pk__in=[b.pk for b in bookings]).count() == 4
    assert BookingEvent.objects.filter(booking__in=bookings).count() == 2 + 2 + 3 + 3


def test_a_gig_that_has_started_can_no_longer_be_accepted_or_cancelled_once_over(w):
    booking = apply(w)
    with pytest.raises(BookingError, match="already started"):
        answering.booking_accept(booking=booking, by=w.owner, now=w.slot.starts_at)
    assert state(booking)[0] == S.PENDING
    answering.booking_accept(booking=booking, by=w.owner)
    with pytest.raises(BookingError, match="over"):
        ending.booking_cancel(booking=booking, by=w.owner, reason="Late", now=w.slot.ends_at)


# ---- Who may act ------------------------------------------------------------------------------


def test_applications_are_answered_by_the_venue_staff_only(w):
    booking = apply(w)
    before = state(booking)
    for outsider in (w.leader, w.admin, w.member, w.rival_leader, w.other_owner, w.client):
        with pytest.raises(BookingPermissionError):
            answering.booking_accept(booking=booking, by=outsider)
        with pytest.raises(BookingPermissionError):
            answering.booking_decline(booking=booking, by=outsider)
    assert state(booking) == before
    answering.booking_accept(booking=booking, by=w.booker)
    assert state(booking)[0] == S.BOOKED


@pytest.mark.parametrize("kind", ["offer", "request"])
def test_offers_and_requests_are_answered_by_the_bands_leaders_and_admins_only(w, kind):
    booking = offer(w) if kind == "offer" else request(w)
    before = state(booking)
    for outsider in (w.member, w.rival_leader, w.owner, w.booker, w.other_owner, w.client):
        with pytest.raises(BookingPermissionError):
            answering.booking_accept(booking=booking, by=outsider)
        with pytest.raises(BookingPermissionError):
            answering.booking_decline(booking=booking, by=outsider)
    assert state(booking) == before
    answering.booking_accept(booking=booking, by=w.admin)
    assert state(booking)[0] == S.BOOKED


def test_withdraw_only_by_the_asking_side(w):
    application, the_offer, the_request = apply(w), offer(w, band=w.rival, role="support"), request(w)
    cases = [
        (application, [w.member, w.owner, w.rival_leader], w.admin),
        (the_offer, [w.rival_leader, w.other_owner, w.leader], w.booker),
        (the_request, [w.leader, w.admin, w.owner], w.client),
    ]
    for booking, refused, allowed in cases:
        for person in refused:
            with pytest.raises(BookingPermissionError):
                answering.booking_withdraw(booking=booking, by=person)
        assert state(booking)[0] == S.PENDING
        answering.booking_withdraw(booking=booking, by=allowed)
        assert state(booking)[0] == S.WITHDRAWN


def test_cancel_by_either_side_or_the_client_but_nobody_else(w):
    gigs = []
    for slot_day, canceller in ((10, w.booker), (11, w.admin)):
        slot = w.slot if slot_day == 10 else slot_on(w.venue, day=11)
        booking = apply(w, slot=slot)
        answering.booking_accept(booking=booking, by=w.owner)
        gigs.append((booking, canceller))
    private = request(w, day=13)
    answering.booking_accept(booking=private, by=w.leader)
    gigs.append((private, w.client))
    for booking, canceller in gigs:
        for outsider in (w.member, w.rival_leader, w.other_owner, UserFactory()):
            with pytest.raises(BookingPermissionError):
                ending.booking_cancel(booking=booking, by=outsider, reason="Because")
        assert state(booking)[0] == S.BOOKED
        ending.booking_cancel(booking=booking, by=canceller, reason="Because")
        assert state(booking)[0] == S.CANCELLED
    with pytest.raises(BookingPermissionError):
        ending.booking_cancel(booking=private, by=w.owner, reason="Not theirs")


def test_shortlist_is_the_venues_note_on_pending_applications(w):
    booking = apply(w)
    for outsider in (w.leader, w.other_owner):
        with pytest.raises(BookingPermissionError):
            answering.booking_shortlist(booking=booking, by=outsider, shortlisted=True)
    answering.booking_shortlist(booking=booking, by=w.booker, shortlisted=True)
    booking.refresh_from_db()
    assert booking.shortlisted and booking.sequence == 0
    with pytest.raises(BookingPermissionError):
        answering.booking_shortlist(booking=offer(w, band=w.rival, role="support"), by=w.owner, shortlisted=True)
    answering.booking_decline(booking=booking, by=w.owner)
    with pytest.raises(BookingConflict):
        answering.booking_shortlist(booking=booking, by=w.owner, shortlisted=False)


def test_side_of(w):
    booking = apply(w)
    assert side_of(booking, w.owner) == "venue"
    assert side_of(booking, w.admin) == "band"
    assert side_of(booking, w.member) is None
    assert side_of(booking, w.other_owner) is None
    assert side_of(request(w), w.client) == "client"


# ---- Accepting declines what it made impossible -----------------------------------------------


def test_accepting_the_headliner_declines_the_other_headliners_but_not_the_supports(w):
    mine = apply(w)
    theirs = apply(w, band=w.rival, by=w.rival_leader)
    third, third_leader = band_with_leader()
    support = apply(w, band=third, by=third_leader, role="support")
    answering.booking_accept(booking=mine, by=w.owner)
    theirs.refresh_from_db()
    support.refresh_from_db()
    assert theirs.status == S.DECLINED
    assert theirs.status_note == "Declined automatically: the headliner place went to another band."
    assert theirs.events.last().to_status == S.DECLINED
    assert support.status == S.PENDING
    w.slot.refresh_from_db()
    assert w.slot.status == Slot.Status.NEED_SUPPORT
    assert w.rival_leader.pk in recipients("booking_declined")
    assert w.owner.pk not in recipients("booking_declined")  # the actor knows


def test_supports_are_declined_only_when_the_last_support_place_fills(w):
    slot = slot_on(w.venue, day=14, support_places=2)
    bands = [band_with_leader() for _ in range(3)]
    asks = [apply(w, band=b, by=lead, slot=slot, role="support") for b, lead in bands]
    answering.booking_accept(booking=asks[0], by=w.owner)
    for b in asks[1:]:
        b.refresh_from_db()
        assert b.status == S.PENDING
    answering.booking_accept(booking=asks[1], by=w.owner)
    asks[2].refresh_from_db()
    assert (asks[2].status, asks[2].status_note) == (
        S.DECLINED,
        "Declined automatically: every support place has been filled.",
    )
    slot.refresh_from_db()
    assert (slot.headliner_booked, slot.supports_booked, slot.status) == (0, 2, Slot.Status.OPEN)
    with pytest.raises(BookingConflict, match="support place"):
        apply(w, band=w.rival, by=w.rival_leader, slot=slot, role="support")


def test_accepting_declines_the_same_bands_overlapping_bookings_and_keeps_the_rest(w):
    # The gig: day 10, 20:00–23:00 UTC at Kellerbar.
    gig = apply(w)
    # The other venue's slots that evening are on rooms of their own (one show per stage at a time).
    room = iter(w.other_venue.stages.create(name=name) for name in ("Cellar", "Garden", "Loft"))
    overlapping_offer = offer(w, slot=slot_on(w.other_venue, day=10, hour=22, hours=4), by=w.other_owner)
    overlapping_request = request(w, day=10, hour=19, hours=2)
    adjacent = apply(
        w, slot=slot_on(w.other_venue, day=10, hour=23, hours=2, stage=next(room))
    )  # starts as the gig ends
    next_day = apply(w, slot=slot_on(w.other_venue, day=11))
    rival_same_time = apply(w, band=w.rival, by=w.rival_leader, slot=slot_on(w.other_venue, day=10, stage=next(room)))

    answering.booking_accept(booking=gig, by=w.owner)

    for loser in (overlapping_offer, overlapping_request):
        loser.refresh_from_db()
        assert loser.status == S.DECLINED
        assert loser.status_note.startswith("Declined automatically: The Lanterns is now booked ")
        assert "overlaps" in loser.status_note
        # The other side learns when, never where (another venue, a client's address).
        assert "Kellerbar" not in loser.status_note
        assert loser.events.last().actor == w.owner
    for stays in (adjacent, next_day, rival_same_time):
        stays.refresh_from_db()
        assert stays.status == S.PENDING
    # Both sides of each loser hear of it; the actor does not.
    told = recipients("booking_declined")
    assert {w.client.pk, w.other_owner.pk, w.leader.pk, w.admin.pk} <= told
    assert w.owner.pk not in told and w.member.pk not in told


@pytest.mark.parametrize("count", [2, 8])
def test_declining_the_losers_takes_the_same_few_queries_however_many_venues_and_bands(w, count, monkeypatch):
    """The losers' row locks are held while they are declined: that takes a fixed number of queries,
    not one per venue or band they come from (benchmarks/decline.py: 1,000 losers)."""
    losers = []
    for n in range(count):
        venue, owner = venue_with_owner(name=f"Hall {n}")
        VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER)
        losers.append(offer(w, slot=slot_on(venue, day=10, hour=21), by=owner))
        rival, rival_leader = band_with_leader(name=f"Rival {n}")
        losers.append(apply(w, band=rival, by=rival_leader))
    gig = apply(w)
    decline_losers, counted = declines._decline_losers, []

    def counting(**kwargs):
        with CaptureQueriesContext(connection) as ctx:
            decline_losers(**kwargs)
        counted.append(len(ctx.captured_queries))

    monkeypatch.setattr(declines, "_decline_losers", counting)
    answering.booking_accept(booking=gig, by=w.owner)
    # Two of them ask, once, whether the one who accepted acted through an agency or venue group.
    assert counted[0] <= 16
    assert Booking.objects.filter(pk__in=[b.pk for b in losers], status=S.DECLINED).count() == 2 * count
    for loser in losers:
        loser.refresh_from_db()
        assert loser.sequence == 1 and loser.events.last().to_status == S.DECLINED
        told = set(
            Notification.objects.filter(
                kind="booking_declined", dedupe_key__startswith=f"booking:{loser.uid}:"
            ).values_list("recipient_id", flat=True)
        )
        # Both sides of each, but not the venue owner who accepted.
        people = {user.pk for user in [*venue_team(loser.venue_id), *band_managers(loser.band_id)]}
        assert told == people - {w.owner.pk}


def test_a_stale_pending_booking_of_a_booked_band_cannot_be_accepted(w):
    gig = apply(w)
    answering.booking_accept(booking=gig, by=w.owner)
    # As if it had slipped in while the gig was being accepted.
    racer = BookingFactory(band=w.band, slot=slot_on(w.other_venue, day=10, hour=21), requested_by=w.leader)
    before = state(racer)
    with pytest.raises(BookingConflict, match="The Lanterns is already booked") as exc:
        answering.booking_accept(booking=racer, by=w.other_owner)
    assert "Kellerbar" not in str(exc.value)
    assert state(racer) == before


# ---- Members are busy for a booked gig --------------------------------------------------------


def test_a_booked_gig_makes_every_member_busy_in_every_band_they_play_in(w):
    side_project, side_leader = band_with_leader(name="Side Project")
    MembershipFactory(band=side_project, user=w.member, role=Membership.Role.MEMBER)
    start, end = w.slot.starts_at, w.slot.ends_at
    assert band_free_between(band_id=side_project.pk, start=start, end=end)

    booking = apply(w)
    answering.booking_accept(booking=booking, by=w.owner)
    booking.refresh_from_db()
    # Busy with the band's usual load-in (2 h) before and pack-down (1 h) after.
    padded = (start - timedelta(hours=2), end + timedelta(hours=1))
    for person in (w.leader, w.admin, w.member):
        assert busy_gig(person) == [padded]
    assert busy_gig(side_leader) == []
    assert not band_free_between(band_id=side_project.pk, start=start, end=end)
    assert not band_free_between(band_id=side_project.pk, start=end - timedelta(minutes=1), end=end)
    assert not band_free_between(band_id=side_project.pk, start=end, end=end + timedelta(hours=2))
    assert band_free_between(band_id=side_project.pk, start=padded[1], end=padded[1] + timedelta(hours=2))
    assert not band_free_between(band_id=w.band.pk, start=start, end=end)
    assert band_free_between(band_id=w.band.pk, start=start, end=end, exclude_block_id=booking.block_id)

    ending.booking_cancel(booking=booking, by=w.leader, reason="Singer is ill")
    booking.refresh_from_db()
    assert booking.block is None
    assert busy_gig(w.member) == []
    assert band_free_between(band_id=side_project.pk, start=start, end=end)
    assert band_free_between(band_id=w.band.pk, start=start, end=end)


def test_who_joins_after_the_booking_is_busy_too_and_who_leaves_is_freed(w):
    booking = apply(w)
    answering.booking_accept(booking=booking, by=w.owner)
    invite = band_invite_create(band=w.band, by=w.leader)
    newcomer = UserFactory()
    band_invite_accept(invite=invite, user=newcomer)
    assert busy_gig(newcomer) == [(w.slot.starts_at - timedelta(hours=2), w.slot.ends_at + timedelta(hours=1))]

    membership_leave(band=w.band, by=w.member)
    assert busy_gig(w.member) == []
    assert busy_gig(newcomer)


# ---- Cancelling a slot ------------------------------------------------------------------------


def test_slot_cancel_declines_the_pending_cancels_the_booked_and_frees_everyone(w, django_capture_on_commit_callbacks):
    slot = slot_on(w.venue, day=15, support_places=2)
    headliner = apply(w, slot=slot)
    answering.booking_accept(booking=headliner, by=w.owner)
    support = apply(w, band=w.rival, by=w.rival_leader, slot=slot, role="support")
    answering.booking_accept(booking=support, by=w.owner)
    waiting_band, waiting_leader = band_with_leader()
    waiting = apply(w, band=waiting_band, by=waiting_leader, slot=slot, role="support")
    offered_band, offered_leader = band_with_leader()
    offered = offer(w, band=offered_band, slot=slot, role="support")
    invite = venue_slots.offer_invite_create(
        slot=slot, by=w.owner, email="new@band.example", role="support", site_url=SITE
    )
    Notification.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        venue_slots.slot_cancel(slot=slot, by=w.booker, reason="  Burst pipe  ")

    slot.refresh_from_db()
    assert (slot.status, slot.cancel_reason) == (Slot.Status.CANCELLED, "Burst pipe")
    assert (slot.headliner_booked, slot.supports_booked) == (0, 0)
    for booking, status in (
        (headliner, S.CANCELLED),
        (support, S.CANCELLED),
        (waiting, S.DECLINED),
        (offered, S.DECLINED),
    ):
        booking.refresh_from_db()
        assert booking.status == status
        assert booking.status_note == "The venue cancelled the slot: Burst pipe"
        assert booking.events.last().actor == w.booker
    assert busy_gig(w.member) == [] and busy_gig(w.rival_leader) == []
    invite.refresh_from_db()
    assert venue_slots.offer_invite_state(invite) == "revoked"
    told = recipients("booking_slot_cancelled")
    assert {w.leader.pk, w.admin.pk, w.member.pk, w.rival_leader.pk, waiting_leader.pk, offered_leader.pk} <= told
    assert w.booker.pk not in told
    assert w.owner.pk in told  # the booked gigs concern the rest of the venue's staff
    assert {m.to[0] for m in mail.outbox} >= {w.member.email, waiting_leader.email}

    with pytest.raises(BookingConflict, match="already cancelled"):
        venue_slots.slot_cancel(slot=slot, by=w.owner, reason="Again")


def test_slot_cancel_needs_a_reason_and_the_venues_staff(w):
    booking = apply(w)
    for person, error in (
        (w.leader, BookingPermissionError),
        (w.other_owner, BookingPermissionError),
    ):
        with pytest.raises(error):
            venue_slots.slot_cancel(slot=w.slot, by=person, reason="Mine now")
    with pytest.raises(ValidationError) as exc:
        venue_slots.slot_cancel(slot=w.slot, by=w.owner, reason=" ")
    assert "reason" in exc.value.message_dict
    w.slot.refresh_from_db()
    assert not w.slot.is_cancelled
    assert state(booking)[0] == S.PENDING


def test_a_pending_booking_on_a_slot_cancelled_meanwhile_cannot_be_accepted(w):
    booking = apply(w)
    Slot.objects.filter(pk=w.slot.pk).update(cancelled_at=timezone.now(), cancel_reason="Closed")
    before = state(booking)
    with pytest.raises(BookingConflict, match="cancelled this slot"):
        answering.booking_accept(booking=booking, by=w.owner)
    assert state(booking) == before


def test_nothing_can_be_done_on_a_cancelled_slot(w):
    venue_slots.slot_cancel(slot=w.slot, by=w.owner, reason="Closed")
    with pytest.raises(BookingConflict, match="cancelled"):
        apply(w)
    with pytest.raises(BookingConflict, match="cancelled"):
        offer(w)
    with pytest.raises(BookingConflict, match="cancelled"):
        venue_slots.offer_invite_create(slot=w.slot, by=w.owner, email="a@b.example", role="headliner", site_url=SITE)
    with pytest.raises(ValidationError):
        slot_update(slot=w.slot, by=w.owner, title="Back on")
    assert not Booking.objects.filter(slot=w.slot).exists()


# ---- Bad input --------------------------------------------------------------------------------


def test_applying_twice_is_refused(w):
    apply(w)
    with pytest.raises(BookingConflict, match="already has a pending application"):
        apply(w, by=w.admin, role="support")
    assert Booking.objects.filter(band=w.band, slot=w.slot).count() == 1


def test_a_declined_band_may_apply_again(w):
    answering.booking_decline(booking=apply(w), by=w.owner)
    assert apply(w).status == S.PENDING


def test_applying_to_your_own_venue_is_refused(w):
    MembershipFactory(band=w.band, user=w.booker, role=Membership.Role.LEADER)
    with pytest.raises(BookingPermissionError, match="staff of this venue"):
        apply(w, by=w.booker)
    assert not Booking.objects.exists()


def test_accepting_your_own_offer_is_refused(w):
    # The venue's booker also leads the band: the offer is theirs, someone else in the band answers.
    MembershipFactory(band=w.band, user=w.booker, role=Membership.Role.LEADER)
    booking = offer(w, by=w.booker)
    before = state(booking)
    with pytest.raises(BookingPermissionError, match="sent this yourself"):
        answering.booking_accept(booking=booking, by=w.booker)
    assert state(booking) == before
    answering.booking_accept(booking=booking, by=w.leader)


def test_a_client_cannot_accept_their_own_request_nor_request_a_band_they_play_in(w):
    booking = request(w)
    with pytest.raises(BookingPermissionError):
        answering.booking_accept(booking=booking, by=w.client)
    with pytest.raises(BookingPermissionError, match="You play in"):
        asking.booking_request(
            band=w.band,
            client=w.member,
            starts_at=in_days(20),
            ends_at=in_days(20, 23),
            time_zone="Europe/Berlin",
        )


def test_a_stale_accept_of_something_already_declined_changes_nothing(w):
    booking = apply(w)
    stale_copy = Booking.objects.get(pk=booking.pk)
    answering.booking_decline(booking=booking, by=w.owner, reason="Full")
    before = state(booking)
    with pytest.raises(BookingConflict, match="already declined"):
        answering.booking_accept(booking=stale_copy, by=w.booker)
    assert state(booking) == before
    w.slot.refresh_from_db()
    assert w.slot.headliner_booked == 0
    assert busy_gig(w.member) == []


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_a_band_not_approved_takes_no_part(w, status):
    w.band.status = status
    w.band.save()
    with pytest.raises(BookingError):
        apply(w)
    with pytest.raises(BookingError):
        offer(w)
    with pytest.raises(BookingError):
        request(w)
    assert not Booking.objects.exists()


def test_a_band_suspended_while_pending_cannot_be_booked(w):
    booking = apply(w)
    w.band.status = ApprovalStatus.SUSPENDED
    w.band.save()
    with pytest.raises(BookingError, match="suspended"):
        answering.booking_accept(booking=booking, by=w.owner)
    assert state(booking)[0] == S.PENDING


def test_a_venue_not_approved_takes_no_bookings(w):
    w.venue.status = ApprovalStatus.PENDING
    w.venue.save()
    with pytest.raises(BookingError, match="not taking bookings"):
        apply(w)
    with pytest.raises(BookingError, match="not taking bookings"):
        offer(w)
    assert not Booking.objects.exists()


def test_an_invite_only_slot_takes_offers_not_applications(w):
    slot = slot_on(w.venue, day=16, visibility=Slot.Visibility.INVITE)
    with pytest.raises(BookingPermissionError, match="invitation only"):
        apply(w, slot=slot)
    assert offer(w, slot=slot).status == S.PENDING


def test_a_tampered_band_is_refused(w):
    # The leader of one band posts another band's id.
    with pytest.raises(BookingPermissionError):
        apply(w, band=w.rival, by=w.leader)
    with pytest.raises(BookingPermissionError):
        apply(w, by=w.member)
    assert not Booking.objects.exists()


def test_places_and_times_that_cannot_be_booked(w):
    answering.booking_accept(booking=apply(w), by=w.owner)
    with pytest.raises(BookingConflict, match="headliner place"):
        apply(w, band=w.rival, by=w.rival_leader)
    no_supports = slot_on(w.venue, day=17, support_places=0)
    with pytest.raises(BookingConflict, match="no support places"):
        apply(w, band=w.rival, by=w.rival_leader, slot=no_supports, role="support")
    with pytest.raises(BookingError, match="already started"):
        apply(w, band=w.rival, by=w.rival_leader, slot=no_supports, now=no_supports.starts_at)
    with pytest.raises(BookingConflict, match="already booked"):
        apply(w, slot=slot_on(w.other_venue, day=10, hour=21))  # the band plays Kellerbar then
    with pytest.raises(BookingConflict, match="already booked"):
        request(w, day=10, hour=22)
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"fee": -1}, "fee"), ({"role": "drummer"}, "role"), ({"message": "x" * 2001}, "message")],
)
def test_bad_fields_of_an_application(w, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        apply(w, **kwargs)
    assert field in exc.value.message_dict
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": lambda s: s - timedelta(hours=1)}, "ends_at"),
        ({"ends_at": lambda s: s}, "ends_at"),
        ({"ends_at": lambda s: s + timedelta(hours=24, minutes=1)}, "ends_at"),
        ({"starts_at": lambda s: timezone.now() - timedelta(hours=1)}, "starts_at"),
        ({"fee": lambda s: -5}, "fee"),
        ({"guests": lambda s: -1}, "guests"),
        ({"time_zone": lambda s: "Mars/Olympus"}, "time_zone"),
        ({"location": lambda s: "x" * 201}, "location"),
    ],
)
def test_bad_fields_of_a_request(w, change, field):
    start = in_days(20)
    kwargs = {
        "band": w.band,
        "client": w.client,
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "time_zone": "Europe/Berlin",
    }
    for name, value in change.items():
        kwargs[name] = value(start)
    with pytest.raises(ValidationError) as exc:
        asking.booking_request(**kwargs)
    assert field in exc.value.message_dict
    assert not Booking.objects.exists()


# ---- Offers by email --------------------------------------------------------------------------


def make_invite(w, django_capture_on_commit_callbacks, **kw) -> OfferInvite:
    with django_capture_on_commit_callbacks(execute=True):
        return venue_slots.offer_invite_create(
            slot=kw.pop("slot", w.slot),
            by=w.owner,
            email=" New.Band@Example.com ",
            band_name="The Newcomers",
            role=kw.pop("role", "headliner"),
            fee=kw.pop("fee", 500),
            message="Come and play!",
            site_url=SITE + "/",
            **kw,
        )


def test_an_emailed_offer_sends_its_link_and_is_claimed_once(w, django_capture_on_commit_callbacks):
    invite = make_invite(w, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["New.Band@Example.com"]
    assert f"{SITE}/offers/{invite.token}/" in email.body
    assert "Kellerbar" in email.subject and "(Europe/Berlin)" in email.body
    assert venue_slots.offer_invite_state(invite) == "open"

    newcomer = UserFactory()
    new_band = band_create(by=newcomer, name="The Newcomers", slug="the-newcomers")
    assert new_band.status == ApprovalStatus.PENDING  # just signed up: still takes the offer meant for it
    booking = venue_slots.offer_invite_claim(invite=invite, band=new_band, by=newcomer)
    assert (booking.kind, booking.status, booking.band, booking.fee, booking.requested_by) == (
        Booking.Kind.OFFER,
        S.PENDING,
        new_band,
        500,
        w.owner,
    )
    invite.refresh_from_db()
    assert (venue_slots.offer_invite_state(invite), invite.booking) == ("claimed", booking)
    assert recipients("booking_invite_claimed") == {w.owner.pk, w.booker.pk}

    with pytest.raises(BookingConflict, match="already been taken"):
        venue_slots.offer_invite_claim(invite=invite, band=w.band, by=w.leader)
    assert Booking.objects.count() == 1
    # The new band answers the offer like any other.
    answering.booking_accept(booking=booking, by=newcomer)
    assert state(booking)[0] == S.BOOKED


def test_an_expired_or_revoked_offer_cannot_be_claimed(w, django_capture_on_commit_callbacks):
    invite = make_invite(w, django_capture_on_commit_callbacks)
    later = invite.expires_at + timedelta(seconds=1)
    assert venue_slots.offer_invite_state(invite, now=later) == "expired"
    with pytest.raises(BookingConflict, match="expired"):
        venue_slots.offer_invite_claim(invite=invite, band=w.band, by=w.leader, now=later)

    with pytest.raises(BookingPermissionError):
        venue_slots.offer_invite_revoke(invite=invite, by=w.leader)
    venue_slots.offer_invite_revoke(invite=invite, by=w.booker)
    first = OfferInvite.objects.get(pk=invite.pk).revoked_at
    venue_slots.offer_invite_revoke(invite=invite, by=w.owner)
    assert OfferInvite.objects.get(pk=invite.pk).revoked_at == first
    with pytest.raises(BookingConflict, match="withdrew"):
        venue_slots.offer_invite_claim(invite=invite, band=w.band, by=w.leader)
    assert not Booking.objects.exists()


def test_only_a_bands_leaders_and_admins_claim_an_offer(w, django_capture_on_commit_callbacks):
    invite = make_invite(w, django_capture_on_commit_callbacks)
    for person in (w.member, w.rival_leader, UserFactory()):
        with pytest.raises(BookingPermissionError):
            venue_slots.offer_invite_claim(invite=invite, band=w.band, by=person)
    w.rival.status = ApprovalStatus.SUSPENDED
    w.rival.save()
    with pytest.raises(BookingError, match="suspended"):
        venue_slots.offer_invite_claim(invite=invite, band=w.rival, by=w.rival_leader)
    invite.refresh_from_db()
    assert venue_slots.offer_invite_state(invite) == "open"
    assert venue_slots.offer_invite_claim(invite=invite, band=w.band, by=w.admin).status == S.PENDING


def test_an_offer_by_email_needs_the_venue_staff_and_a_good_address(w, django_capture_on_commit_callbacks):
    with pytest.raises(BookingPermissionError):
        venue_slots.offer_invite_create(slot=w.slot, by=w.leader, email="a@b.example", role="headliner", site_url=SITE)
    for email, role, fee, field in (
        ("not-an-address", "headliner", None, "email"),
        ("a@b.example", "roadie", None, "role"),
        ("a@b.example", "support", -3, "fee"),
    ):
        with pytest.raises(ValidationError) as exc:
            venue_slots.offer_invite_create(slot=w.slot, by=w.owner, email=email, role=role, fee=fee, site_url=SITE)
        assert field in exc.value.message_dict
    assert not OfferInvite.objects.exists()
    assert mail.outbox == []


def test_a_rolled_back_offer_sends_no_email(w, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        venue_slots.offer_invite_create(slot=w.slot, by=w.owner, email="a@b.example", role="headliner", site_url=SITE)
        raise RuntimeError("the page failed after the service")
    assert callbacks == []
    assert mail.outbox == []
    assert not OfferInvite.objects.exists()


# ---- Notifications of the workflow ------------------------------------------------------------


def test_each_step_tells_the_people_it_concerns_and_never_the_actor(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = apply(w)
    assert recipients("booking_created") == {w.owner.pk, w.booker.pk}
    assert {m.to[0] for m in mail.outbox} == {w.owner.email, w.booker.email}

    with django_capture_on_commit_callbacks(execute=True):
        answering.booking_accept(booking=booking, by=w.booker)
    assert recipients("booking_booked") == {w.leader.pk, w.admin.pk, w.member.pk, w.owner.pk}
    text = Notification.objects.filter(kind="booking_booked").first().text
    assert "The Lanterns" in text and "Kellerbar" in text and "(Europe/Berlin)" in text

    with django_capture_on_commit_callbacks(execute=True):
        ending.booking_cancel(booking=booking, by=w.leader, reason="Ill")
    assert recipients("booking_cancelled") == {w.admin.pk, w.member.pk, w.owner.pk, w.booker.pk}
    # Nobody outside the booking heard anything.
    outsiders = {w.rival_leader.pk, w.other_owner.pk, w.client.pk}
    assert not Notification.objects.filter(recipient_id__in=outsiders).exists()
    assert Notification.objects.filter(email_state=Notification.Email.SENT).count() == Notification.objects.count()


def test_a_request_beyond_the_scheduling_horizon_is_refused_naming_the_last_date(w):
    zone = zoneinfo.ZoneInfo("America/New_York")
    last = scheduling_last_day(scheduling_today(zone))
    kwargs = {"band": w.band, "client": w.client, "time_zone": "America/New_York"}
    beyond = dt.datetime.combine(last + timedelta(days=1), dt.time(18), tzinfo=zone)
    with pytest.raises(ValidationError) as exc:
        asking.booking_request(**kwargs, starts_at=beyond, ends_at=beyond + timedelta(hours=3))
    assert exc.value.message_dict["starts_at"] == [
        f"StageSlot plans at most three years ahead: pick a date up to {day_text(last)}."
    ]
    assert not Booking.objects.exists()
    on_the_last_day = beyond - timedelta(days=1)
    assert asking.booking_request(**kwargs, starts_at=on_the_last_day, ends_at=on_the_last_day + timedelta(hours=3))


def test_request_decline_and_withdraw_tell_the_other_side(w):
    declined = request(w)
    assert recipients("booking_created") == {w.leader.pk, w.admin.pk}
    answering.booking_decline(booking=declined, by=w.admin, reason="Booked out")
    assert recipients("booking_declined") == {w.client.pk}
    assert "Booked out" in Notification.objects.get(kind="booking_declined").text
    withdrawn = request(w, day=14)
    answering.booking_withdraw(booking=withdrawn, by=w.client)
    assert recipients("booking_withdrawn") == {w.leader.pk, w.admin.pk}


def test_a_rolled_back_accept_leaves_no_trace(w, django_capture_on_commit_callbacks):
    booking = apply(w)
    Notification.objects.all().delete()
    before = state(booking)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        answering.booking_accept(booking=booking, by=w.owner)
        raise RuntimeError("the response could not be rendered")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert state(booking) == before
    assert busy_gig(w.member) == []
    w.slot.refresh_from_db()
    assert w.slot.headliner_booked == 0


# ---- Locks (PostgreSQL: SQLite has no row locks) ----------------------------------------------

LOCK_RANK = {"bands_band": 0, "venues_slot": 1, "bookings_offerinvite": 2, "bookings_booking": 3}


def locked_tables(queries) -> list[str]:
    """The table each FOR UPDATE of the captured queries locks, in order; checks OF on outer joins."""
    tables = []
    for q in queries:
        sql = q["sql"]
        if "FOR UPDATE" not in sql and "FOR NO KEY UPDATE" not in sql:
            continue
        if "LEFT OUTER JOIN" in sql:
            assert re.search(r"FOR (NO KEY )?UPDATE( SKIP LOCKED| NOWAIT)? OF ", sql), sql
        tables.append(re.search(r'FROM "(\w+)"', sql).group(1))
    return tables


def assert_lock_order(tables: list[str], what: str = "") -> None:
    ranks = [LOCK_RANK[t] for t in tables if t in LOCK_RANK]
    assert ranks == sorted(ranks), (what, tables)


@pytest.mark.postgres
def test_every_service_locks_band_then_slot_then_invite_then_booking(w, django_capture_on_commit_callbacks):
    steps = {
        "apply": lambda: apply(w),
        "offer": lambda: offer(w, band=w.rival, role="support"),
        "accept": lambda: answering.booking_accept(booking=Booking.objects.get(band=w.band), by=w.owner),
        "decline": lambda: answering.booking_decline(booking=Booking.objects.get(band=w.rival), by=w.rival_leader),
        "request": lambda: request(w, day=20),
        "withdraw": lambda: answering.booking_withdraw(booking=Booking.objects.get(client=w.client), by=w.client),
        "cancel": lambda: ending.booking_cancel(
            booking=Booking.objects.get(band=w.band, slot=w.slot), by=w.owner, reason="r"
        ),
        "invite": lambda: make_invite(w, django_capture_on_commit_callbacks, slot=second),
        "claim": lambda: venue_slots.offer_invite_claim(invite=OfferInvite.objects.get(), band=w.band, by=w.leader),
        "revoke": lambda: venue_slots.offer_invite_revoke(
            invite=make_invite(w, django_capture_on_commit_callbacks, slot=second), by=w.owner
        ),
        "shortlist": lambda: answering.booking_shortlist(booking=apply(w, slot=third), by=w.owner, shortlisted=True),
        "slot_cancel": lambda: venue_slots.slot_cancel(slot=second, by=w.owner, reason="r"),
        "complete": lambda: periodic.bookings_complete(now=timezone.now() + timedelta(days=400)),
    }
    second = slot_on(w.venue, day=30)
    third = slot_on(w.venue, day=31)
    seen = set()
    for name, step in steps.items():
        with CaptureQueriesContext(connection) as ctx:
            step()
        tables = locked_tables(ctx.captured_queries)
        assert_lock_order(tables, name)
        seen.update(tables)
    assert seen >= set(LOCK_RANK)


@pytest.mark.postgres
def test_slot_cancel_locks_every_band_in_id_order_before_the_slot(w):
    bands = [band_with_leader() for _ in range(3)]
    slot = slot_on(w.venue, day=18, support_places=3)
    for band, lead in reversed(bands):
        apply(w, band=band, by=lead, slot=slot, role="support")
    with CaptureQueriesContext(connection) as ctx:
        venue_slots.slot_cancel(slot=slot, by=w.owner, reason="r")
    band_locks = [
        q["sql"] for q in ctx.captured_queries if 'FROM "bands_band"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]
    assert len(band_locks) == 1 and re.search(r'ORDER BY (1|"bands_band"."id") ASC FOR UPDATE$', band_locks[0])
    assert_lock_order(locked_tables(ctx.captured_queries))


def test_a_pending_booking_whose_start_has_passed_lapses_and_both_sides_are_told():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Notification
    from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner

    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue)
    later = SlotFactory(venue=venue)
    band, leader = band_with_leader()
    lapsing = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    waiting = asking.booking_apply(slot=later, band=band, by=leader, role="headliner")
    assert periodic.bookings_expire(now=slot.starts_at + timedelta(minutes=1)) == 1
    lapsing.refresh_from_db()
    waiting.refresh_from_db()
    assert lapsing.status == "declined"
    assert "date passed without an answer" in lapsing.status_note
    assert lapsing.events.last().actor is None
    assert waiting.status == "pending"
    assert Notification.objects.filter(kind="booking_expired", recipient__in=[owner, leader]).count() == 2
    assert periodic.bookings_expire(now=timezone.now()) == 0
