"""Never a double booking under concurrent instant bookings: many clients book the same band's
instant package at overlapping starts at once, each in its own thread and database connection.

PostgreSQL gets the issue's load (100 at once); SQLite, whose IMMEDIATE transactions queue writers,
a smaller one. The last test takes the band lock and the checks under it away, to show that the race
is real there, and that the exclusion constraint alone still keeps the band to one gig.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from bands.packages import package_price
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import checks, instant, locks

from .journey import band_party, local

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TIMEOUT = 240


def book_all(p, starts: list[dt.datetime], *, pool: int) -> list[str]:
    """Every client books at its start, from `pool` threads released together; each outcome in order."""
    clients = [UserFactory() for _ in starts]
    outcomes = [""] * len(starts)
    jobs = list(enumerate(zip(clients, starts, strict=True)))
    lock = threading.Lock()
    barrier = threading.Barrier(min(pool, len(jobs)))
    price = package_price(p.instant)

    def work() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            while True:
                with lock:
                    if not jobs:
                        return
                    index, (client, starts_at) = jobs.pop()
                try:
                    instant.booking_instant(
                        band=p.band, package=p.instant, client=client, starts_at=starts_at, price=price
                    )
                    outcomes[index] = "booked"
                except BookingConflict:
                    outcomes[index] = "conflict"
                except Exception as exc:  # whatever it is, the test names it
                    outcomes[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(pool, len(starts)))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"bookings still waiting after {TIMEOUT} s"
    return outcomes


def overlapping(count: int) -> list[dt.datetime]:
    return [local(14, 19) + dt.timedelta(minutes=i % 40) for i in range(count)]


def test_concurrent_instant_bookings_book_the_band_once():
    p = band_party()
    postgres = connection.vendor == "postgresql"
    count, pool = (100, 40) if postgres else (12, 6)
    outcomes = book_all(p, overlapping(count), pool=pool)
    errors = [o for o in outcomes if o not in ("booked", "conflict")]
    assert errors == [], errors[:3]
    assert outcomes.count("booked") == 1
    assert Booking.objects.filter(band=p.band, status__in=Booking.ON).count() == 1
    # The members are busy once, for the one gig.
    assert p.member.busy_intervals.filter(source="gig").count() == 1


@pytest.mark.guard_removed
@pytest.mark.postgres
def test_without_the_lock_the_race_is_real_and_the_constraint_holds(monkeypatch):
    """Take away the band lock, the members' locks and the checks under them: the racers all pass their
    checks and meet in the exclusion constraint, where they fail with database errors (deadlocks) instead
    of a clear refusal – so the locks are what the tests above rely on – yet never is the band booked
    twice."""
    p = band_party()
    monkeypatch.setattr(instant, "band_free_check", lambda *args, **kwargs: None)
    monkeypatch.setattr(checks, "band_free_check", lambda *args, **kwargs: None)
    monkeypatch.setattr(checks, "gig_fit", lambda *args, **kwargs: checks.GigFit(ok=True, busy=[]))
    monkeypatch.setattr(instant, "start_fits", lambda **kwargs: True)

    class NoLock:
        @staticmethod
        def select_for_update():
            return type(p.band).objects

    monkeypatch.setattr(locks, "Band", type("Band", (), {"objects": NoLock}))
    # The members' locks (decision 0072) queue one band's racers too: take them away as well.
    monkeypatch.setattr(locks, "people_lock", lambda user_ids: sorted(set(user_ids)))
    outcomes = book_all(p, overlapping(30), pool=15)
    unclear = [o for o in outcomes if o not in ("booked", "conflict")]
    assert unclear, "without the lock every racer still got a clear answer: this test shows nothing"
    assert outcomes.count("booked") <= 1
    assert Booking.objects.filter(band=p.band, status__in=Booking.ON).count() <= 1
