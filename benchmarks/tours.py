"""Tour routes: the planner page over thousands of open slots.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/tours.py
        [--slots 5000] [--days 21] [--requests 40] [--database-name stageslot_bench_tours] [--keep]
    .venv/bin/python benchmarks/tours.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. Migrating loads the gazetteer. It then makes
250 venues at random points between the Alps and the North Sea, --slots open public slots at them over
the --days days of the tour (a week from now) and as many again in the days after (at most
5,000 each with 21 days: one show a stage a day), and a band of four
whose members are busy on some evenings (rehearsals, a day job, a few days away). The band's leader asks
the planner (/bands/<slug>/manage/tour/) through Django's test client for routes over the whole --days
days between pairs of cities with 300, 400 or 500 km a day, and the figures say p50/p95/max of the
server time, how many slots were candidate stops, and the queries per request; then p50/p95 of the
route search alone (bookings.tours.tour_routes) on the same stops.

Budget: p95 under 2 s for 21 days over 5,000 open slots on PostgreSQL (docs/decisions/0024).
"""

import argparse
import datetime as dt
import logging
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)

BUDGET_MS = 2000.0
TRIPS = [("Hamburg", "Munich"), ("Berlin", "Cologne"), ("Leipzig", "Hanover"), ("Munich", "Hamburg")]
CANDIDATES = re.compile(r"Open dates on the way on nights the band is free: (\d+)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slots", type=int, default=5000, help="open public slots in the tour's days")
    parser.add_argument("--days", type=int, default=21, help="days of the tour")
    parser.add_argument("--requests", type=int, default=40, help="planner requests measured")
    parser.add_argument("--database-name", default="stageslot_bench_tours")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def make_world(args: argparse.Namespace, rng: random.Random, first_day: dt.date):
    """Venues with open slots in and after the tour's days, and the planning band (its leader)."""
    import zoneinfo

    from accounts.models import User
    from availability.models import BusyInterval
    from bands.models import ApprovalStatus, Band, Membership
    from venues.models import Slot, Stage, Venue

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    venues = Venue.objects.bulk_create(
        Venue(name=f"Club {i}", slug=f"club-{i}", city=f"Town {i}", country="DE", time_zone="Europe/Berlin",
              status=ApprovalStatus.APPROVED, exact_point=True,
              latitude=rng.uniform(47.5, 54.5), longitude=rng.uniform(6.0, 15.0))
        for i in range(250)
    )  # fmt: skip
    stages = Stage.objects.bulk_create(Stage(venue=v, name="Main") for v in venues)
    rows = []
    # The tour's days (one show per stage a day), then as many again in the days after it.
    for n in range(2 * args.slots):
        later = n >= args.slots
        stage = stages[(n // args.days) % len(stages)]
        venue = venues[(n // args.days) % len(venues)]
        offset = n % args.days + (args.days if later else 0)
        day = first_day + dt.timedelta(days=offset)
        start = dt.datetime.combine(day, dt.time(rng.choice([19, 20, 21])), tzinfo=berlin)
        rows.append(
            Slot(venue_id=venue.pk, stage=stage, starts_at=start, ends_at=start + dt.timedelta(hours=3),
                 title="Open night", fee=rng.choice([None, 200, 300, 400, 600, 800]),
                 support_places=rng.choice([0, 1, 2]), headliner_booked=1 if rng.random() < 0.1 else 0,
                 latitude=venue.latitude, longitude=venue.longitude)
        )  # fmt: skip
    Slot.objects.bulk_create(rows, batch_size=2000)
    band = Band.objects.create(
        name="The Travellers", slug="the-travellers", city="Berlin", time_zone="Europe/Berlin", status="approved"
    )
    people = [User.objects.create_user(email=f"traveller{i}@bench.test", password="x") for i in range(4)]  # noqa: S106
    for i, person in enumerate(people):
        Membership.objects.create(band=band, user=person, role="leader" if i == 0 else "member", required=True)
    busy = []
    for d in range(-7, 200):
        day = dt.datetime.combine(first_day + dt.timedelta(days=d), dt.time(0), tzinfo=berlin)
        if d % 7 == 2:  # a weekly rehearsal
            busy.append((people[1], day + dt.timedelta(hours=18), day + dt.timedelta(hours=22)))
        if d % 7 < 5:  # a day job
            busy.append((people[2], day + dt.timedelta(hours=8), day + dt.timedelta(hours=17)))
        if 9 <= d < 12:  # a few days away
            busy.append((people[3], day, day + dt.timedelta(days=1)))
    BusyInterval.objects.bulk_create(
        BusyInterval(user=u, starts_at=s, ends_at=e, source="rule", source_id=1) for u, s, e in busy
    )
    return people[0], band, len(rows)


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-tours.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from bookings.selectors.tours import road_factor, tour_stops
    from bookings.tours import Ask, tour_routes

    setup_test_environment()
    rng = random.Random(24)
    try:
        call_command("migrate", verbosity=0)
        postgres = connection.vendor == "postgresql"
        first_day = timezone.localdate() + dt.timedelta(days=7)
        last_day = first_day + dt.timedelta(days=args.days - 1)
        began = time.perf_counter()
        leader, band, made = make_world(args, rng, first_day)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"database: {where}; {made} open slots ({args.slots} in the {args.days} days of the tour); "
            f"made in {time.perf_counter() - began:.1f} s; load {search_bench.load_average()}"
        )
        client = Client()
        client.force_login(leader)
        url = f"/bands/{band.slug}/manage/tour/"
        asks = []
        for i in range(args.requests):
            start, end = TRIPS[i % len(TRIPS)]
            drive = (300, 400, 500)[i % 3]
            query = {"start": start, "end": end, "first_day": first_day.isoformat(), "last_day": last_day.isoformat(),
                     "drive_km": drive, "kinds": ["headliner", "support"]}  # fmt: skip
            asks.append(url + "?" + urlencode(query, doseq=True))
        client.get(asks[0])  # warm
        counter = search_bench.QueryCounter()
        times, queries, found = [], [], []
        for ask_url in asks:
            counter.count = 0
            with connection.execute_wrapper(counter):
                t = time.perf_counter()
                response = client.get(ask_url)
                times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (ask_url, response.status_code)
            queries.append(counter.count)
            match = CANDIDATES.search(response.content.decode())
            found.append(int(match.group(1)) if match else 0)
        p95 = search_bench.percentile(times, 95)
        verdict = f"within {BUDGET_MS:.0f} ms" if p95 < BUDGET_MS else f"OVER {BUDGET_MS:.0f} ms"
        print(
            f"planner page, {args.days} days      p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {max(times):7.1f} ms  candidate stops {min(found)}–{max(found)}  "
            f"queries {min(queries)}–{max(queries)}  {verdict if postgres else '(SQLite: no budget)'}"
        )
        # The route search alone, on the stops of the first trip.
        from places.models import City

        start, end = (City.objects.filter(name=n).order_by("-population").first() for n in ("Hamburg", "Munich"))
        stops = tour_stops(band=band, start=start, end=end, first_day=first_day, last_day=last_day, drive_km=400,
                           now=timezone.now())  # fmt: skip
        ask = Ask(start=(start.latitude, start.longitude), first_day=first_day, end=(end.latitude, end.longitude),
                  last_day=last_day, drive_km=400, road_factor=road_factor())  # fmt: skip
        alone = []
        for _ in range(10):
            t = time.perf_counter()
            routes = tour_routes(ask, stops)
            alone.append((time.perf_counter() - t) * 1000)
        print(
            f"route search alone, {len(stops)} stops   p50 {statistics.median(alone):7.1f} ms  "
            f"max {max(alone):7.1f} ms  best route {routes[0].nights if routes else 0} nights"
        )
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
