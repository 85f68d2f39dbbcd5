"""The nightly `band_blocks_extend` reads the band blocks not yet written out to the horizon's end by the index
`bands_block_materialised` (bands 0022, decision 0092): one query whatever the number of blocks, and on
PostgreSQL a plan that index serves; a block behind the horizon is still extended."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from availability.services import horizon
from bands.models import BandBlock
from bands.services import band_block_create, band_blocks_extend
from bookings.tests.factories import band_with_leader

pytestmark = pytest.mark.django_db


def rehearsals(count: int) -> None:
    """`count` bands, each with a weekly rehearsal (written out to the horizon) and a one-off hold."""
    day = timezone.localdate() + dt.timedelta(days=3)
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    for _ in range(count):
        band, leader = band_with_leader()
        for rrule in (f"FREQ=WEEKLY;BYDAY={weekday}", ""):
            band_block_create(
                band=band, by=leader, kind="rehearsal", title="Proberaum", start_date=day, start_time=dt.time(19),
                end_date=day, end_time=dt.time(22), rrule=rrule,
            )  # fmt: skip


def quiet_run() -> list[dict]:
    with CaptureQueriesContext(connection) as captured:
        assert band_blocks_extend() == 0
    return captured.captured_queries


def test_with_nothing_behind_the_round_reads_once_at_any_size_and_a_block_behind_is_extended():
    band_blocks_extend()
    assert len(quiet_run()) == 1
    rehearsals(1)
    band_blocks_extend()
    assert len(quiet_run()) == 1
    rehearsals(6)
    band_blocks_extend()
    assert len(quiet_run()) == 1
    block = BandBlock.objects.exclude(rrule="").first()
    _start, end = horizon(None)
    BandBlock.objects.filter(pk=block.pk).update(materialised_until=end - dt.timedelta(days=30))
    assert band_blocks_extend() == 1
    block.refresh_from_db()
    assert block.materialised_until >= end


@pytest.mark.postgres
def test_on_postgresql_the_index_serves_what_the_round_filters_by():
    rehearsals(2)
    _start, end = horizon(None)
    # The round's filter (bands.services.band_blocks_extend) on its own. The tables are small enough that the
    # planner would read them whole, or walk another index: with only bitmap scans allowed, the plan shows
    # whether the index can serve the filter.
    behind = BandBlock.objects.exclude(materialised_until__gte=end).order_by().values("pk")
    sql, params = behind.query.sql_with_params()
    with connection.cursor() as cursor:
        for kind in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{kind} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bands_block_materialised" in plan, plan
