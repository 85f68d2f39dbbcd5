"""The accept race through the JSON API: 200 overlapping bookings of one band accepted at once with the
band's token (PostgreSQL; a smaller round on SQLite). One wins, every other call is a 409 problem that
says what is in the way, and the band is booked once."""

import queue
import random
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.tests.factories import UserFactory
from bookings.models import Booking, BookingEvent
from bookings.tests.api_helpers import token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from bookings.tests.test_concurrency import (
    CLEAR_CONFLICT,
    POOL,
    SQLITE_POOL,
    TIMEOUT,
    booked_overlaps,
    overlapping_gigs,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

Status = Booking.Status


def accept_all(uids: list, *, token: str, pool: int) -> list[tuple[int, str, str]]:
    """POST accept for every booking from `pool` threads that start together: (status, detail, error)."""
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for job in enumerate(uids):
        jobs.put(job)
    outcomes: list[tuple[int, str, str]] = [(0, "", "")] * len(uids)
    pool = min(pool, len(uids))
    start = threading.Barrier(pool)

    def work() -> None:
        client = Client()
        try:
            connection.ensure_connection()
            start.wait(timeout=60)
            while True:
                try:
                    index, uid = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    response = client.post(
                        f"/api/v1/bookings/{uid}/accept", headers={"Authorization": f"Bearer {token}"}
                    )
                    detail = response.json().get("detail", "") if response.status_code >= 400 else ""
                    outcomes[index] = (response.status_code, detail, "")
                except Exception as exc:  # whatever it is, the test names it
                    outcomes[index] = (0, "", f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(pool)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"requests still waiting after {TIMEOUT} s"
    return outcomes


@pytest.mark.parametrize(
    ("count", "pool"),
    [
        pytest.param(200, POOL, marks=pytest.mark.postgres, id="postgres-200"),
        pytest.param(24, SQLITE_POOL, id="sqlite-24"),
    ],
)
def test_concurrent_api_accepts_book_the_band_once(count, pool, settings):
    on_postgres = connection.vendor == "postgresql"
    if on_postgres == (pool == SQLITE_POOL):
        pytest.skip("PostgreSQL takes the full load, SQLite the smaller one")
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_token": "100000/m", "api_ip": "100000/m"}
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    bookings = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=20, count=count)
    uids = [b.uid for b in bookings]
    random.Random(7).shuffle(uids)
    outcomes = accept_all(uids, token=token_for(leader), pool=pool)

    errors = [error for _, _, error in outcomes if error]
    assert errors == [], f"{len(errors)} calls failed, the first: {errors[0]}"
    statuses = sorted(status for status, _, _ in outcomes)
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == count - 1, statuses
    vague = {detail for status, detail, _ in outcomes if status == 409 and not CLEAR_CONFLICT.search(detail)}
    assert not vague, f"409 without a clear reason: {vague}"
    ids = [b.pk for b in bookings]
    assert Booking.objects.filter(pk__in=ids, status=Status.BOOKED).count() == 1
    assert Booking.objects.filter(pk__in=ids, status=Status.DECLINED).count() == count - 1
    assert BookingEvent.objects.filter(booking_id__in=ids, to_status=Status.BOOKED).count() == 1
    assert booked_overlaps(band) == []
