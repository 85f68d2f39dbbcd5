"""The hourly advancing reminders cost the same queries for one gig as for many, a round that tells nobody
writes nothing, and after its first run a round reads only the gigs whose reminder fell due since: a day
begun where the gig is, or a change of the gig or its checklist (decision 0092)."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from gigs.services.day_sheets import advance_item_plan_set, advance_reminders_send

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

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


def long_ago() -> None:
    """Every booking last changed a day ago: what the reminders' last run has read."""
    Booking.objects.update(updated_at=timezone.now() - dt.timedelta(days=1))


def rounds(now: dt.datetime) -> tuple[int, int, int]:
    """(notifications made, queries of the first round, queries of the next, which tells nobody)."""
    with CaptureQueriesContext(connection) as first:
        made = advance_reminders_send(now=now)
    long_ago()
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
    # preferences, the rows, the rows read back, the bells' stamps, and the transaction's savepoint and release;
    # the round's mark read, and written (the first time: none to move, one made).
    assert first <= 13
    # The next round, an hour on: its mark, the gigs and checklists changed since, the gigs and the items
    # whose day came where a day began (somewhere on earth, nearly every hour), and its mark moved; no gig read.
    assert again <= 6


# The mark, the gigs and the checklists changed since, the mark moved.
QUIET_QUERIES = 4


@pytest.mark.parametrize("count", [1, 6])
def test_a_round_with_nothing_fallen_due_reads_no_gig(count):
    now = timezone.now()
    booked_gigs(count, starts_at=now + dt.timedelta(days=12))
    assert advance_reminders_send(now=now) == 5 * count
    long_ago()
    with CaptureQueriesContext(connection) as quiet:
        assert advance_reminders_send(now=now) == 0
    assert len(quiet) == QUIET_QUERIES


def berlin_gig(*, days: int) -> tuple[Booking, object]:
    """A gig booked `days` days after today in Berlin, at 20:00 there, and its venue's owner."""
    today = timezone.now().astimezone(BERLIN).date()
    start = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(20), tzinfo=BERLIN)
    band, _ = band_with_leader()
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    booking = BookingFactory(band=band, slot=slot, status=Booking.Status.BOOKED, time_zone="Europe/Berlin")
    return booking, owner


def told(booking: Booking) -> set[str]:
    keys = Notification.objects.filter(kind="advance_due").values_list("dedupe_key", flat=True)
    return {key for key in keys if f":{booking.pk}:" in key}


def test_a_day_begun_where_the_gig_is_brings_its_items_due_then():
    # Six days out, the 14- and 7-day items are late; the 3-day ones are due in three days.
    booking, _owner = berlin_gig(days=6)
    now = timezone.now()
    assert advance_reminders_send(now=now) == 9
    long_ago()
    # Half past midnight in Berlin, five days out: the 3-day items are due within two days, each told once.
    tomorrow = now.astimezone(BERLIN).date() + dt.timedelta(days=1)
    after_midnight = dt.datetime.combine(tomorrow, dt.time(0, 30), tzinfo=BERLIN)
    assert advance_reminders_send(now=after_midnight) == 4
    assert {key.split(":")[0] + ":" + key.split(":")[2] for key in told(booking) if key.startswith("advance_due:")} == {
        "advance_due:load_in",
        "advance_due:soundcheck",
        "advance_due:doors",
        "advance_due:parking",
    }
    assert advance_reminders_send(now=after_midnight + dt.timedelta(hours=1)) == 0


def test_a_changed_checklist_or_a_gig_booked_since_the_last_round_is_read():
    booking, owner = berlin_gig(days=6)
    now = timezone.now()
    assert advance_reminders_send(now=now) == 9
    long_ago()
    # The doors are now due tomorrow: news, told in the next round, at the same hour.
    tomorrow = now.astimezone(BERLIN).date() + dt.timedelta(days=1)
    advance_item_plan_set(booking=booking, item="doors", by=owner, owner="venue", due_on=tomorrow, now=now)
    assert advance_reminders_send(now=now) == 1
    assert any(key.startswith("advance_due:") and ":doors:" in key for key in told(booking))
    # A gig booked since: all its items due so far, in the next round.
    later, _ = berlin_gig(days=6)
    assert advance_reminders_send(now=now) == 9
    assert len(told(later)) == 9
    assert advance_reminders_send(now=now) == 0
