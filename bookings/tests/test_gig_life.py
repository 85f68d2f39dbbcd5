"""A gig's life: in progress, completed, disputed and resolved; cancellation terms; rescheduling."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.packages import package_price
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, RescheduleProposal
from bookings.services import asking, checks, ending, life, periodic, reschedule
from bookings.services.instant import booking_instant

from .journey import band_party, local

pytestmark = pytest.mark.django_db
Status = Booking.Status


def _booked(p, days=10, hour=20):
    return booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(days, hour), price=package_price(p.instant)
    )


def test_periodic_tasks_move_a_gig_through_in_progress_to_completed():
    p = band_party()
    booking = _booked(p)
    assert periodic.bookings_start(now=booking.starts_at - dt.timedelta(minutes=1)) == 0
    assert periodic.bookings_start(now=booking.starts_at + dt.timedelta(minutes=1)) == 1
    booking.refresh_from_db()
    assert booking.status == Status.IN_PROGRESS
    # still taken: nothing else can be booked over it
    with pytest.raises(BookingConflict):
        checks.band_free_check(p.band, booking.starts_at, booking.ends_at, booking.zone)
    assert periodic.bookings_complete(now=booking.ends_at) == 1
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    assert list(BookingEvent.objects.filter(booking=booking).values_list("to_status", flat=True)) == [
        "booked",
        "in_progress",
        "completed",
    ]


def test_dispute_within_seven_days_and_staff_resolve_it():
    p = band_party()
    booking = _booked(p)
    ended = booking.ends_at + dt.timedelta(days=2)
    with pytest.raises(BookingError):
        life.booking_dispute(booking=booking, by=p.client, reason="x", now=booking.ends_at - dt.timedelta(hours=1))
    with pytest.raises(ValidationError):
        life.booking_dispute(booking=booking, by=p.client, reason=" ", now=ended)
    with pytest.raises(BookingPermissionError):
        life.booking_dispute(booking=booking, by=UserFactory(), reason="x", now=ended)
    life.booking_dispute(booking=booking, by=p.client, reason="They played one set.", now=ended)
    booking.refresh_from_db()
    assert booking.status == Status.DISPUTED
    assert p.leader.notifications.filter(kind="booking_disputed").exists()
    with pytest.raises(BookingConflict):
        life.booking_dispute(booking=booking, by=p.leader, reason="again", now=ended)
    with pytest.raises(BookingPermissionError):
        life.booking_dispute_resolve(booking=booking, by=p.leader, outcome="completed", note="ok")
    staff = UserFactory(is_staff=True)
    life.booking_dispute_resolve(booking=booking, by=staff, outcome="cancelled", note="Half the fee back.")
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED and booking.block_id is None
    assert BookingEvent.objects.filter(booking=booking, note__startswith="Dispute resolved (cancelled)").exists()
    assert p.client.notifications.filter(kind="booking_dispute_resolved").exists()


def test_a_dispute_after_seven_days_is_refused():
    p = band_party()
    booking = _booked(p)
    periodic.bookings_complete(now=booking.ends_at)
    with pytest.raises(BookingError, match="7 days"):
        life.booking_dispute(booking=booking, by=p.leader, reason="late", now=booking.ends_at + dt.timedelta(days=7))
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED


def test_late_cancellation_is_marked_in_the_audit_log():
    p = band_party()
    early = _booked(p, days=60)
    ending.booking_cancel(booking=early, by=p.client, reason="Moved abroad")
    assert BookingEvent.objects.get(booking=early, to_status="cancelled").note == "Moved abroad"
    late = _booked(p, days=10)
    ending.booking_cancel(booking=late, by=p.client, reason="Venue closed")
    note = BookingEvent.objects.get(booking=late, to_status="cancelled").note
    assert note == "Late cancellation (terms: Cancelled now, 10 days before the gig: 50 % back) – Venue closed"


def test_request_records_the_terms_the_client_read():
    p = band_party()
    asked = asking.booking_request(
        band=p.band,
        client=p.client,
        starts_at=local(40),
        ends_at=local(40, 23),
        time_zone="Europe/Berlin",
        package=p.on_request,
        setting="indoor",
        power_notes="Two sockets",
        load_in_notes="Lift at the back",
    )
    assert asked.cancel_terms == "; ".join(p.band.cancellation_words) and asked.package == p.on_request
    assert asked.cancel_late_percent == p.band.cancel_late_percent
    assert asked.power_notes == "Two sockets" and asked.setting == "indoor"


# ---- Reschedule ----------------------------------------------------------------------------


def test_reschedule_accepted_moves_the_same_booking_and_its_busy_time():
    p = band_party()
    booking = _booked(p)
    uid, sequence = booking.uid, booking.sequence
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(11, 19), ends_at=local(11, 20, 45), reason="Rain date"
    )
    assert p.leader.notifications.filter(kind="booking_reschedule").exists()
    with pytest.raises(BookingPermissionError):
        reschedule.reschedule_accept(proposal=proposal, by=p.client)
    with pytest.raises(BookingConflict):
        reschedule.reschedule_propose(
            booking=booking, by=p.leader, starts_at=local(12, 19), ends_at=local(12, 21), reason="Other"
        )
    moved = reschedule.reschedule_accept(proposal=proposal, by=p.leader)
    assert moved.uid == uid and moved.sequence == sequence + 1
    assert moved.starts_at == local(11, 19) and moved.status == Status.BOOKED
    busy = BusyInterval.objects.get(user=p.member, source="gig")
    assert busy.starts_at == local(11, 18)
    assert moved.cancel_free_until == local(11, 19) - dt.timedelta(days=30)
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert BookingEvent.objects.filter(booking=booking, note__startswith="Rescheduled: ").exists()


def test_reschedule_onto_another_gig_or_busy_members_is_refused_and_nothing_moves():
    p = band_party()
    booking = _booked(p, days=10)
    _booked(p, days=11)
    with pytest.raises(BookingConflict):
        reschedule.reschedule_propose(
            booking=booking, by=p.client, starts_at=local(11, 20), ends_at=local(11, 22), reason="r"
        )
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(12, 20), ends_at=local(12, 22), reason="r"
    )
    BusyInterval.objects.create(
        user=p.member, starts_at=local(12, 21), ends_at=local(12, 23), source="rule", source_id=9
    )
    with pytest.raises(BookingConflict, match="busy"):
        reschedule.reschedule_accept(proposal=proposal, by=p.leader)
    booking.refresh_from_db()
    assert booking.starts_at == local(10, 20)
    proposal.refresh_from_db()
    assert proposal.status == "open"
    reschedule.reschedule_decline(proposal=proposal, by=p.leader, note="We are away")
    proposal.refresh_from_db()
    assert proposal.status == "declined"
    # a new proposal may follow once the first is answered
    reschedule.reschedule_propose(
        booking=booking, by=p.leader, starts_at=local(13, 20), ends_at=local(13, 22), reason="r"
    )


def test_reschedule_input_is_checked():
    p = band_party()
    booking = _booked(p)
    for starts, ends, reason in (
        (local(-1), local(-1, 22), "r"),
        (local(12, 22), local(12, 21), "r"),
        (local(12), local(12, 22), ""),
    ):
        with pytest.raises(ValidationError):
            reschedule.reschedule_propose(booking=booking, by=p.client, starts_at=starts, ends_at=ends, reason=reason)
    with pytest.raises(BookingPermissionError):
        reschedule.reschedule_propose(
            booking=booking, by=p.member, starts_at=local(12), ends_at=local(12, 22), reason="r"
        )
    assert not RescheduleProposal.objects.exists()


def test_withdraw_by_the_proposer_only():
    p = band_party()
    booking = _booked(p)
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(12), ends_at=local(12, 22), reason="r"
    )
    with pytest.raises(BookingPermissionError):
        reschedule.reschedule_withdraw(proposal=proposal, by=p.leader)
    reschedule.reschedule_withdraw(proposal=proposal, by=p.client)
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_the_band_feed_keeps_the_uid_and_raises_the_sequence_when_the_gig_moves(client, settings):
    from django.urls import reverse

    from bookings.services.feeds import feed_create

    settings.SITE_URL = "https://stageslot.example/"
    p = band_party()
    booking = _booked(p)
    feed = feed_create(by=p.leader, scope="band", band=p.band)
    url = reverse("bookings:feed", args=[feed.token])

    def vevent() -> str:
        body = client.get(url).content.decode()
        return body[body.index("BEGIN:VEVENT") : body.index("END:VEVENT")]

    before = vevent()
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(11, 19), ends_at=local(11, 21), reason="Rain"
    )
    reschedule.reschedule_accept(proposal=proposal, by=p.leader)
    after = vevent()
    uid = next(line for line in before.splitlines() if line.startswith("UID:"))
    assert uid in after.splitlines()
    sequence = [
        int(line.split(":")[1])
        for text in (before, after)
        for line in text.splitlines()
        if line.startswith("SEQUENCE:")
    ]
    assert sequence[1] == sequence[0] + 1
    assert local(11, 19).astimezone(dt.UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ") in after
    # In progress, the gig is still a confirmed event of the feed.
    periodic.bookings_start(now=local(11, 19, 30))
    assert "STATUS:CONFIRMED" in vevent()
