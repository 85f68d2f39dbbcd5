"""Accepting one booking declines every pending booking it makes impossible: how long that takes.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/decline.py
        [--pending 1000] [--database-name stageslot_bench_decline] [--keep]
    .venv/bin/python benchmarks/decline.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. One band gets --pending pending bookings
at the same evening: half offers from as many venues (each with an owner and a booker), half private
requests from as many clients. Its leader accepts one request; the others all overlap it, so
losers._decline_losers declines every one of them, in a transaction of its own after the accept's
commit, with an audit row and a notification to both sides of each. Prints the accept's time, and
the decline transaction's time and queries (the row locks on the losers are held for that long),
then checks that nothing is left pending and that every declined booking told its people.
"""

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=1000, help="pending bookings that overlap the accepted one")
    parser.add_argument("--database-name", default="stageslot_bench_decline")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    return search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-decline.sqlite3")


def make_world(pending: int):
    """The band, its leader and the request to accept; `pending` - 1 other bookings overlap it."""
    from django.utils import timezone

    from accounts.tests.factories import UserFactory
    from bookings.models import Booking
    from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner
    from venues.models import VenueStaff
    from venues.tests.factories import VenueStaffFactory

    band, leader = band_with_leader(name="The Busy Band")
    starts = (timezone.now() + dt.timedelta(days=30)).replace(hour=19, minute=0, second=0, microsecond=0)
    ends = starts + dt.timedelta(hours=3)
    rows = []
    for n in range(pending // 2):
        venue, owner = venue_with_owner(name=f"Venue {n}", slug=f"venue-{n}")
        VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER)
        slot = SlotFactory(venue=venue, starts_at=starts, ends_at=ends)
        rows.append(Booking(kind=Booking.Kind.OFFER, band=band, slot=slot, venue=venue, requested_by=owner, fee=400))
    for n in range(pending - len(rows)):
        client = UserFactory(display_name=f"Client {n}")
        rows.append(
            Booking(kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client, location="A garden")
        )
    for row in rows:
        row.starts_at, row.ends_at, row.time_zone = starts, ends, "Europe/Berlin"
    Booking.objects.bulk_create(rows)
    winner = Booking.objects.filter(band=band, kind=Booking.Kind.REQUEST).order_by("pk").first()
    return band, leader, winner


def main() -> None:
    args = parse_args()
    maintenance_url, where = setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from stageslot.celery_app import app as celery_app

    # As in production with a worker: the emails are queued; nobody takes them here.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"

    from accounts.models import Notification
    from bookings.models import Booking
    from bookings.services import answering, losers

    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({where})")
        started = time.perf_counter()
        band, leader, winner = make_world(args.pending)
        print(
            f"{args.pending} pending bookings of one band at the same time, "
            f"made in {time.perf_counter() - started:.1f} s"
        )

        measured = {}
        originals = {name: getattr(losers, name) for name in ("_decline_losers", "_auto_decline")}

        def timed(name: str):
            def run(**kwargs):
                with CaptureQueriesContext(connection) as queries:
                    begun = time.perf_counter()
                    result = originals[name](**kwargs)
                    measured[name] = (time.perf_counter() - begun, len(queries))
                return result

            return run

        for name in originals:
            setattr(losers, name, timed(name))
        begun = time.perf_counter()
        answering.booking_accept(booking=winner, by=leader)
        total = time.perf_counter() - begun
        for name, original in originals.items():
            setattr(losers, name, original)
        under_locks, in_locks_queries = measured["_auto_decline"]
        whole, whole_queries = measured["_decline_losers"]
        print(f"accept with its declines: {total * 1000:.0f} ms")
        print(f"declining, under the losers' row locks: {under_locks * 1000:.0f} ms, {in_locks_queries} queries")
        print(
            f"the decline transaction with its commit and emails queued: {whole * 1000:.0f} ms, {whole_queries} queries"
        )

        declined = Booking.objects.filter(band=band, status=Booking.Status.DECLINED).count()
        left = Booking.objects.filter(band=band, status=Booking.Status.PENDING).count()
        notices = Notification.objects.filter(kind="booking_declined").count()
        print(f"declined {declined}, left pending {left}, decline notifications {notices}")
        assert left == 0 and declined == args.pending - 1
        # Each offer tells its venue's owner and booker, each request its client (the leader is the one who acted).
        assert notices == (args.pending // 2) * 2 + (args.pending - args.pending // 2 - 1)
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
