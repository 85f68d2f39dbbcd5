"""Racing accepts on a show a band hosts: its headliner accepts support applications through the same
service as a venue, so concurrent accepts fill exactly its support places and the rest get a clear 409."""

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.services import shows
from bookings.tests.factories import band_with_leader, in_days
from bookings.tests.test_concurrency import (
    POOL,
    SQLITE_POOL,
    accept_urls,
    check_outcomes,
    on_postgres,
    post_all,
    session_of,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.mark.parametrize(
    ("count", "pool"),
    [
        pytest.param(40, POOL, marks=pytest.mark.postgres, id="postgres-40"),
        pytest.param(12, SQLITE_POOL, id="sqlite-12"),
    ],
)
def test_concurrent_accepts_on_a_hosted_show_fill_its_two_places_exactly(count, pool):
    if on_postgres() == (pool == SQLITE_POOL):
        pytest.skip("PostgreSQL takes the full load, SQLite the smaller one")
    host_band, host = band_with_leader(name="The Hosts")
    start = in_days(20, hour=19)
    show = shows.show_host(
        band=host_band, by=host, starts_at=start, ends_at=start + dt.timedelta(hours=4), time_zone="Europe/Berlin",
        title="Race night", place_name="Basement", support_places=2,
    )  # fmt: skip
    applicants = [band_with_leader() for _ in range(count)]
    applications = Booking.objects.bulk_create(
        Booking(kind=Booking.Kind.APPLICATION, role=Booking.Role.SUPPORT, band=band, slot=show, picker_band=host_band,
                requested_by=leader, starts_at=show.starts_at, ends_at=show.ends_at, time_zone="Europe/Berlin",
                location="Basement")
        for band, leader in applicants
    )  # fmt: skip
    outcomes = post_all(accept_urls(applications, seed=16), session=session_of(host), pool=pool)
    check_outcomes(outcomes, winners=2)
    show.refresh_from_db()
    assert show.supports_booked == 2 and show.headliner_booked == 1
    booked = Booking.objects.filter(slot=show, role=Booking.Role.SUPPORT, status=Booking.Status.BOOKED)
    assert booked.count() == 2
