"""The public month keeps the working out of its green days (bands.calendar.band_green_days) under the very
inputs it read, so every change to what makes an evening busy shows at once, by whichever path it came: a
member's rule added or deleted, a band block, an imported calendar, a booking, a member joining or
leaving, the line-up changed. An unchanged month is not worked out again and costs the same queries."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import busy_replace, rule_create, rule_delete
from bands import calendar, sections
from bands.models import Membership
from bands.services import band_block_create, membership_remove
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from bookings.tests.test_public_calendar import calendar as month_page
from bookings.tests.test_public_calendar import next_month, state_of

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def nothing_kept():
    """Ids come again after a rolled-back test: start each with nothing kept."""
    calendar._green_kept.clear()


@pytest.fixture
def world():
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls", min_gig_minutes=180)
    drummer = MembershipFactory(band=band, instrument="Drums").user
    day = next_month().replace(day=11)
    return SimpleNamespace(band=band, leader=leader, drummer=drummer, day=day)


def state(client, world) -> str:
    """The day's state on its month's page (the month of `world.day`, whatever a test makes today)."""
    return state_of(month_page(client, world.band, world.day.replace(day=1)).content.decode(), world.day)


def evening(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(19), tzinfo=BERLIN)
    return start, start + dt.timedelta(hours=4)


def test_a_members_rule_added_or_deleted_shows_at_once(client, world):
    assert state(client, world) == "available"
    rule = rule_create(user=world.drummer, all_day=True, start_date=world.day, end_date=world.day)
    assert state(client, world) == "none"
    rule_delete(rule=rule, by=world.drummer)
    assert state(client, world) == "available"


def test_a_band_block_shows_at_once(client, world):
    assert state(client, world) == "available"
    band_block_create(
        band=world.band, by=world.leader, title="Rehearsal", all_day=True, start_date=world.day, end_date=world.day
    )
    assert state(client, world) == "none"


def test_an_imported_calendar_shows_at_once_and_its_removal_too(client, world):
    assert state(client, world) == "available"
    start, end = evening(world.day)
    busy_replace(source=BusyInterval.Source.CALENDAR, source_id=991, rows=[(world.drummer.pk, start, end, "Wedding")])
    assert state(client, world) == "none"
    busy_replace(source=BusyInterval.Source.CALENDAR, source_id=991, rows=[])
    assert state(client, world) == "available"


def test_a_busy_interval_moved_in_place_shows_at_once(client, world):
    start, end = evening(world.day)
    row = BusyInterval.objects.create(
        user=world.drummer,
        starts_at=start - dt.timedelta(days=1),
        ends_at=end - dt.timedelta(days=1),
        source=BusyInterval.Source.CALENDAR,
        source_id=992,
    )
    assert state(client, world) == "available"
    BusyInterval.objects.filter(pk=row.pk).update(starts_at=start, ends_at=end)
    assert state(client, world) == "none"


def test_a_booking_shows_at_once(client, world):
    assert state(client, world) == "available"
    venue, _owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    start, end = evening(world.day)
    BookingFactory(
        band=world.band, slot=SlotFactory(venue=venue, starts_at=start, ends_at=end), status=Booking.Status.BOOKED
    )
    assert state(client, world) == "booked"


def test_a_member_joining_busy_or_leaving_shows_at_once(client, world):
    newcomer = UserFactory()
    rule_create(user=newcomer, all_day=True, start_date=world.day, end_date=world.day)
    assert state(client, world) == "available"
    membership = MembershipFactory(band=world.band, user=newcomer)
    assert state(client, world) == "none"
    membership_remove(membership=membership, by=world.leader)
    assert state(client, world) == "available"


def test_a_member_made_optional_or_needed_shows_at_once(client, world):
    rule_create(user=world.drummer, all_day=True, start_date=world.day, end_date=world.day)
    assert state(client, world) == "none"
    Membership.objects.filter(band=world.band, user=world.drummer).update(required=False)
    assert state(client, world) == "available"
    Membership.objects.filter(band=world.band, user=world.drummer).update(required=True)
    assert state(client, world) == "none"


def test_the_line_up_changed_shows_at_once(client, world):
    assert state(client, world) == "available"
    sections.lineup_set(band=world.band, by=world.leader, needs={}, total=3)
    assert state(client, world) == "none"
    sections.lineup_set(band=world.band, by=world.leader, needs={}, total=None)
    assert state(client, world) == "available"


def test_the_shortest_gig_changed_shows_at_once(client, world):
    # Busy until 22:00: a free evening for a gig of two hours, not of three.
    start = dt.datetime.combine(world.day, dt.time(17), tzinfo=BERLIN)
    BusyInterval.objects.create(
        user=world.drummer,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=5),
        source=BusyInterval.Source.CALENDAR,
        source_id=993,
    )
    assert state(client, world) == "none"
    world.band.min_gig_minutes = 120
    world.band.save(update_fields=["min_gig_minutes"])
    assert state(client, world) == "available"


def test_a_new_day_is_worked_out_anew(client, world, monkeypatch):
    assert state(client, world) == "available"
    # Tomorrow the month's days are the same, but today is not: nothing kept for yesterday answers.
    later = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    worked = []
    real = calendar.band_availability
    monkeypatch.setattr(calendar, "band_availability", lambda **kw: worked.append(kw["today"]) or real(**kw))
    assert state(client, world) == "available"
    assert worked == [later.astimezone(BERLIN).date()]


def test_an_unchanged_month_is_not_worked_out_again_and_costs_the_same_queries(
    client, world, monkeypatch, django_assert_num_queries
):
    rule_create(user=world.drummer, all_day=True, start_date=world.day, end_date=world.day)
    worked = []
    real = calendar.band_availability
    monkeypatch.setattr(calendar, "band_availability", lambda **kw: worked.append(1) or real(**kw))
    # band, members, busy time, the band's gigs, bookings
    with django_assert_num_queries(5):
        assert state(client, world) == "none"
    with django_assert_num_queries(5):
        assert state(client, world) == "none"
    assert worked == [1]


def test_an_unchanged_month_is_drawn_once_and_anything_it_shows_draws_it_again(client, world, monkeypatch):
    """The section is kept drawn under a digest of everything it shows (bookings.pages.month_fragment_key):
    the same month again is not drawn, and a changed day, the language or the clock's minute draws it anew."""
    from stageslot.templatetags import fragments

    caches["fragments"].clear()  # another test may have drawn this very month this minute
    drawn = []
    real = fragments.render_jinja
    monkeypatch.setattr(fragments, "render_jinja", lambda name, context: drawn.append(name) or real(name, context))
    htmx = {"HTTP_HX_REQUEST": "true"}
    first = month_page(client, world.band, next_month(), **htmx).content
    assert drawn == ["bookings/public/band_month.html"]
    again = month_page(client, world.band, next_month(), **htmx).content
    assert again == first and len(drawn) == 1
    # The page without htmx keeps the same section.
    assert first in month_page(client, world.band, next_month()).content
    assert len(drawn) == 1
    rule = rule_create(user=world.drummer, all_day=True, start_date=world.day, end_date=world.day)
    assert state(client, world) == "none"
    assert len(drawn) == 2
    rule_delete(rule=rule, by=world.drummer)
    assert state(client, world) == "available"
    german = month_page(client, world.band, next_month(), HTTP_ACCEPT_LANGUAGE="de", **htmx).content.decode()
    assert "Verfügbar" in german and len(drawn) == 3
    # A minute later the section says when it was updated: drawn anew.
    later = timezone.now() + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    month_page(client, world.band, next_month(), **htmx)
    assert len(drawn) == 4
