"""The periodic jobs of bookings with nothing due cost the same queries whatever the number of bookings on
the site (decision 0092). The gig reminders read only the gigs come within 48 hours or changed since their last
run; the waiting reminders' rows are read by the partial index of bookings 0024, the
start's and expiry's by the live bookings' start (bookings 0025); the losers sweep reads only what changed
since its last run."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from bookings.services import losers, periodic, reminders, request_groups
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from venues.models import Slot

pytestmark = pytest.mark.django_db

Status = Booking.Status


def site(count: int) -> None:
    """`count` of each: a gig booked ahead, a gig booked that is over, and a pending application asked today
    for another band: none of them is due for any of these jobs."""
    now = timezone.now()
    for n in range(count):
        band, _ = band_with_leader()
        venue, _ = venue_with_owner()
        ahead = SlotFactory(
            venue=venue, starts_at=now + dt.timedelta(days=5 + n), ends_at=now + dt.timedelta(days=5 + n, hours=3)
        )
        BookingFactory(band=band, slot=ahead, status=Status.BOOKED)
        past = SlotFactory(
            venue=venue, starts_at=now - dt.timedelta(days=9 + n), ends_at=now - dt.timedelta(days=9 + n, hours=-3)
        )
        BookingFactory(band=band, slot=past, status=Status.COMPLETED)
        other, _ = band_with_leader()
        later = SlotFactory(
            venue=venue, starts_at=now + dt.timedelta(days=40 + n), ends_at=now + dt.timedelta(days=40 + n, hours=3)
        )
        BookingFactory(band=other, slot=later, status=Status.PENDING)
    # Written a day ago: the losers sweep's last run has read them.
    Booking.objects.update(updated_at=now - dt.timedelta(days=1))
    Slot.objects.update(updated_at=now - dt.timedelta(days=1))


JOBS = {
    "bookings-start": lambda now: periodic.bookings_start(now=now),
    "bookings-expire": lambda now: periodic.bookings_expire(now=now),
    "bookings-waiting-reminders": lambda now: reminders.waiting_reminders_send(now=now),
    "bookings-gig-reminders": lambda now: reminders.gig_reminders_send(now=now),
    "bookings-losers-sweep": lambda now: (
        losers.booking_losers_sweep(now=now) + request_groups.request_groups_sweep(now=now)
    ),
}
# With nothing due each reads once: the started gigs, the lapsed requests, the waiting ones; the sweep its
# mark, the live bookings and full slots changed since, its mark moved, and the request groups with a booked
# booking.
QUERIES = {
    "bookings-start": 1,
    "bookings-expire": 1,
    "bookings-waiting-reminders": 1,
    # Its mark, the gigs come within 48 hours and those changed since, its mark moved.
    "bookings-gig-reminders": 4,
    "bookings-losers-sweep": 5,
}


def quiet_run(job: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert JOBS[job](timezone.now()) == 0
    return len(captured)


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_run_with_nothing_due_costs_the_same_queries_at_any_size(job):
    JOBS[job](timezone.now())  # the first run (the sweep's reads everything and sets its mark)
    assert quiet_run(job) == QUERIES[job]
    site(1)
    assert quiet_run(job) == QUERIES[job]
    site(5)
    assert quiet_run(job) == QUERIES[job]


def test_among_many_rows_the_gig_started_and_the_request_lapsed_are_found():
    site(3)
    now = timezone.now()
    band, _ = band_with_leader()
    venue, _ = venue_with_owner()
    playing = SlotFactory(venue=venue, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2))
    gig = BookingFactory(band=band, slot=playing, status=Status.BOOKED)
    other, _ = band_with_leader()
    elsewhere, _ = venue_with_owner()
    passed = SlotFactory(venue=elsewhere, starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=1))
    asked = BookingFactory(band=other, slot=passed, status=Status.PENDING)
    assert periodic.bookings_start(now=now) == 1
    assert periodic.bookings_expire(now=now) == 1
    gig.refresh_from_db()
    asked.refresh_from_db()
    assert (gig.status, asked.status) == (Status.IN_PROGRESS, Status.DECLINED)
    assert periodic.bookings_start(now=now) == periodic.bookings_expire(now=now) == 0


def test_after_its_first_run_the_gig_reminder_still_finds_the_gig_come_near_and_the_gig_booked_since():
    site(3)
    now = timezone.now()
    assert reminders.gig_reminders_send(now=now) == 0  # the first run: its mark
    band, _ = band_with_leader()
    venue, _ = venue_with_owner()
    soon = SlotFactory(venue=venue, starts_at=now + dt.timedelta(hours=60), ends_at=now + dt.timedelta(hours=63))
    coming = BookingFactory(band=band, slot=soon, status=Status.BOOKED)
    # Booked a day ago (its last change before the mark): it comes within 48 hours twelve hours from now.
    Booking.objects.filter(pk=coming.pk).update(updated_at=now - dt.timedelta(days=1))
    assert reminders.gig_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    later = now + dt.timedelta(hours=13)
    assert reminders.gig_reminders_send(now=later) > 0
    assert reminders.gig_reminders_send(now=later + dt.timedelta(minutes=5)) == 0
    other, _ = band_with_leader()
    near = SlotFactory(venue=venue, starts_at=later + dt.timedelta(hours=20), ends_at=later + dt.timedelta(hours=23))
    booked = BookingFactory(band=other, slot=near, status=Status.BOOKED)  # already within 48 hours
    Booking.objects.filter(pk=booked.pk).update(updated_at=later + dt.timedelta(minutes=8))  # booked between the runs
    assert reminders.gig_reminders_send(now=later + dt.timedelta(minutes=10)) > 0
