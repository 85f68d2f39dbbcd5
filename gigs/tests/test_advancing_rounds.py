"""The hourly advancing reminders cost the same queries for one gig as for many, and a round that tells
nobody writes nothing (decision 0092)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from gigs.services.day_sheets import advance_reminders_send

pytestmark = pytest.mark.django_db


def booked_gigs(count: int, *, starts_at: dt.datetime) -> None:
    """`count` booked gigs, each of its own band (with a leader) at its own venue (with an owner)."""
    for n in range(count):
        band, _ = band_with_leader()
        venue, _ = venue_with_owner()
        slot = SlotFactory(
            venue=venue, starts_at=starts_at + dt.timedelta(hours=n), ends_at=starts_at + dt.timedelta(hours=n + 3)
        )
        BookingFactory(band=band, slot=slot, status=Booking.Status.BOOKED)


def rounds(now: dt.datetime) -> tuple[int, int, int]:
    """(notifications made, queries of the first round, queries of the next, which tells nobody)."""
    with CaptureQueriesContext(connection) as first:
        made = advance_reminders_send(now=now)
    with CaptureQueriesContext(connection) as again:
        assert advance_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    return made, len(first), len(again)


@pytest.mark.parametrize("count", [1, 6])
def test_the_reminders_cost_the_same_queries_for_one_gig_or_many(count):
    now = timezone.now()
    booked_gigs(count, starts_at=now + dt.timedelta(days=12))
    made, first, again = rounds(now)
    # Late at 12 days out: four venue items (its owner) and the band's files (its leader), each gig.
    assert made == 5 * count == Notification.objects.filter(kind="advance_due").count()
    # The gigs with their checklists, the bands' leaders, the venues' staff, who was told already, their
    # preferences, the rows, the rows read back, the bells' stamps, and the transaction's savepoint and release.
    assert first <= 10
    # The next round: the gigs, their checklists, the people, who was told already, and the savepoint and
    # its release; nothing written.
    assert again <= 7
