"""The money round's read of the client bookings still waiting for their first payment (`deposits_lapse`) goes by
the expression index `bookings_unpaid_client` (bookings 0026, decision 0092): one query whatever the number of
bookings on the site, and on PostgreSQL a plan that index serves. That the unpaid deposit still lapses is
`test_flow.test_an_unpaid_deposit_lapses_and_frees_the_time`."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, unpaid_client_since
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from payments.services.periodic import deposits_lapse

pytestmark = pytest.mark.django_db


def site(count: int) -> None:
    """`count` booked gigs ahead and `count` over: none waits for a client's first payment."""
    now = timezone.now()
    for n in range(count):
        band, _ = band_with_leader()
        venue, _ = venue_with_owner()
        for days, status in ((5 + n, Booking.Status.BOOKED), (-9 - n, Booking.Status.COMPLETED)):
            starts = now + dt.timedelta(days=days)
            slot = SlotFactory(venue=venue, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
            BookingFactory(band=band, slot=slot, status=status)


def quiet_run() -> list[dict]:
    with CaptureQueriesContext(connection) as captured:
        assert deposits_lapse(now=timezone.now()) == 0
    return captured.captured_queries


def test_with_nothing_waiting_the_round_reads_once_at_any_size():
    assert len(quiet_run()) == 1
    site(1)
    assert len(quiet_run()) == 1
    site(6)
    assert len(quiet_run()) == 1


@pytest.mark.postgres
def test_on_postgresql_the_index_serves_the_expression_the_round_filters_by():
    site(2)
    # The round filters by unpaid_client_since() (payments.services.periodic): the expression, compiled as the
    # round compiles it, is one the index serves. The tables are small enough that the planner would read them
    # whole: what matters is that it can use the index.
    waiting = Booking.objects.alias(unpaid_since=unpaid_client_since()).filter(unpaid_since__lte=timezone.now())
    sql, params = waiting.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        for kind in ("seqscan", "indexscan", "indexonlyscan"):  # only bitmap scans, which need the index's quals
            cursor.execute(f"SET LOCAL enable_{kind} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bookings_unpaid_client" in plan, plan
