"""seed_world's rows are the services' rows, and no page's query count grows with the world (decision 0088).

One small world for the module: --scale 0.1 (one unit: 10 bands, 300 bookings, a few thousand busy rows),
the query count of every visit of stageslot.demo.world.visits read, then the world grown to --scale 0.4 (four
units: what a rerun adds, resumably) and every count read again."""

import datetime as dt
import io
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from availability.models import BusyInterval, Rule
from availability.services import horizon, rule_materialise
from bands.models import Band, BandBlock
from bands.services import band_block_materialise, gig_busy_window
from bookings.models import Booking
from stageslot.demo import world as seeding
from stageslot.tests.once import rows_for_the_module
from venues.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.xdist_group("seed_world")]

SEED = 7


# The heaviest visits (most queries and time at --scale 10, decision 0088), one of each kind of page.
HEAVIEST = {
    "band search: free on",
    "gig finder",
    "band calendar",
    "who is in",
    "dashboard: leader",
    "dashboard: venue owner",
    "venue calendar",
    "venue holds",
    "booking page",
    "band analytics",
    "feed: member",
    "API: bookings",
}


def query_counts() -> dict[str, int]:
    counts = {}
    for visit in seeding.visits(seed=SEED):
        if visit.name not in HEAVIEST:
            continue
        client = Client()
        if visit.email:
            client.force_login(User.objects.get(email=visit.email))
        assert client.get(visit.url, **visit.headers).status_code == 200, visit.name
        with CaptureQueriesContext(connection) as captured:
            assert client.get(visit.url, **visit.headers).status_code == 200, visit.name
        counts[visit.name] = len(captured)
    return counts


@pytest.fixture(scope="module")
def grown(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    with rows_for_the_module(django_db_blocker):
        call_command("seed_world", scale=0.1, seed=SEED, stdout=io.StringIO())
        small = query_counts()
        bands_small = Band.objects.count()
        call_command("seed_world", scale=0.4, seed=SEED, stdout=io.StringIO())
        yield SimpleNamespace(small=small, large=query_counts(), bands=(bands_small, Band.objects.count()))


def test_a_rerun_adds_the_missing_units_and_no_page_reads_more_queries_in_a_bigger_world(grown):
    assert grown.bands == (10, 40)
    assert grown.large == grown.small
    assert set(grown.small) == HEAVIEST
    assert seeding.done_units(seeding.context(seed=SEED), 4) == {0, 1, 2, 3}


def _rows(**filters) -> set[tuple]:
    start, end = horizon()
    return set(
        BusyInterval.objects.filter(starts_at__lt=end, ends_at__gt=start, **filters).values_list(
            "user_id", "starts_at", "ends_at", "source", "title", "latitude", "longitude"
        )
    )


def test_the_seeded_busy_time_is_what_the_services_write(grown):
    rules = Rule.objects.filter(user__email__endswith=seeding.EMAIL_DOMAIN).order_by("pk")
    for rule in [rules.filter(rrule__startswith="FREQ=WEEKLY").first(), rules.filter(all_day=True).last()]:
        seeded = _rows(source=BusyInterval.Source.RULE, source_id=rule.pk)
        assert seeded
        rule_materialise(rule)
        assert _rows(source=BusyInterval.Source.RULE, source_id=rule.pk) == seeded

    booking = Booking.objects.filter(status="booked", block__isnull=False, venue__isnull=False).order_by("pk").first()
    block = BandBlock.objects.select_related("band").get(pk=booking.block_id)
    assert gig_busy_window(block) == (
        dt.datetime.combine(block.start_date, block.start_time, tzinfo=dt.UTC),
        dt.datetime.combine(block.end_date, block.end_time, tzinfo=dt.UTC),
    )
    seeded = _rows(source=BusyInterval.Source.GIG, source_id=block.pk)
    assert len(seeded) == booking.band.memberships.count()
    band_block_materialise(block)
    assert _rows(source=BusyInterval.Source.GIG, source_id=block.pk) == seeded


def test_the_seeded_slots_count_the_places_their_bookings_take(grown):
    for slot in Slot.objects.filter(venue__slug__startswith=f"w{SEED}-").order_by("pk")[:200]:
        played = Booking.objects.filter(slot=slot, status__in=Booking.PLAYED, role="headliner").count()
        assert slot.headliner_booked == played
