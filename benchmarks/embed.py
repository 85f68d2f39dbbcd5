"""The band's website widget (/embed/bands/<slug>/): a band with 200 upcoming public shows, four members
busy on many evenings, an instant package – the page other sites frame, asked for by anonymous visitors.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/embed.py
        [--shows 200] [--requests 300] [--database-name stageslot_bench_embed] [--keep]
    .venv/bin/python benchmarks/embed.py   # SQLite, a throwaway file

Figures (p50/p95/max server time and the queries per request):
- drawn: every request a new address (cache cleared before each), 12 weeks and 20 shows;
- cached: the addresses visitors repeat (a few option sets, zones and languages), as served from the
  widget's cache – one query (the band and the stamp of its feed marks);
- after a booking of the band changes: the next request draws again (its marks moved).
The queries must not grow with the shows: the drawn count is measured at 20 and at --shows shows.
Budgets: drawn p95 under 150 ms, cached p95 under 15 ms.
"""

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)

DRAWN_BUDGET_MS = 150.0
CACHED_BUDGET_MS = 15.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shows", type=int, default=200, help="upcoming public shows of the band")
    parser.add_argument("--requests", type=int, default=300, help="requests per measured case")
    parser.add_argument("--database-name", default="stageslot_bench_embed")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def make_band(shows: int, *, slug: str):
    """A listed band of four (busy evenings, a day job, a tour), an instant package and `shows` shows
    it headlines at as many venues over the next months."""
    from django.utils import timezone

    from accounts.models import User
    from availability.models import BusyInterval
    from bands.models import ApprovalStatus, Band, Membership, Package
    from bookings.models import Booking
    from venues.models import Slot, Stage, Venue

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    band = Band.objects.create(
        name=f"Band {slug}", slug=slug, city="Berlin", time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED
    )
    people = [User.objects.create_user(email=f"{slug}{i}@bench.test", password="x") for i in range(4)]  # noqa: S106
    for i, person in enumerate(people):
        Membership.objects.create(band=band, user=person, role="leader" if i == 0 else "member", required=True)
    Package.objects.create(band=band, name="Party", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True)
    busy = []
    for day in range(0, 120):
        moment = now.replace(hour=0) + dt.timedelta(days=day)
        if day % 7 in (1, 3):
            busy.append((people[1], moment + dt.timedelta(hours=18), moment + dt.timedelta(hours=21)))
        if day % 7 < 5:
            busy.append((people[2], moment + dt.timedelta(hours=8), moment + dt.timedelta(hours=17)))
        if 30 <= day < 40:
            busy.append((people[3], moment, moment + dt.timedelta(days=1)))
    BusyInterval.objects.bulk_create(
        BusyInterval(user=u, starts_at=s, ends_at=e, source="rule", source_id=1) for u, s, e in busy
    )
    venues = Venue.objects.bulk_create(
        Venue(name=f"Club {slug} {i}", slug=f"club-{slug}-{i}", city="Berlin", time_zone="Europe/Berlin",
              status=ApprovalStatus.APPROVED)
        for i in range(shows)
    )  # fmt: skip
    stages = Stage.objects.bulk_create(Stage(venue=v, name="Main") for v in venues)
    slots = Slot.objects.bulk_create(
        Slot(venue_id=st.venue_id, stage=st, starts_at=now.replace(hour=19) + dt.timedelta(days=2 + i),
             ends_at=now.replace(hour=22) + dt.timedelta(days=2 + i), title=f"Night {i}", headliner_booked=1)
        for i, st in enumerate(stages)
    )  # fmt: skip
    Booking.objects.bulk_create(
        Booking(kind="offer", role="headliner", status="booked", band=band, slot=s, venue_id=s.venue_id,
                starts_at=s.starts_at, ends_at=s.ends_at, time_zone="Europe/Berlin")
        for s in slots
    )  # fmt: skip
    return band


def measure(client, urls: list[str], counter, *, clear: bool) -> tuple[list[float], list[int]]:
    from django.core.cache import cache
    from django.db import connection

    times, queries = [], []
    for url in urls:
        if clear:
            cache.clear()
        counter.count = 0
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert not response.cookies
        queries.append(counter.count)
    return times, queries


def report(label: str, times: list[float], queries: list[int], budget: float | None) -> bool:
    p95 = search_bench.percentile(times, 95)
    within = budget is None or p95 < budget
    verdict = "" if budget is None else (f"  within {budget:.0f} ms" if within else f"  OVER {budget:.0f} ms")
    print(
        f"{label:<52} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {max(times):6.1f} ms  "
        f"queries {min(queries)}–{max(queries)}{verdict}"
    )
    return within


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-embed.sqlite3")
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

    setup_test_environment()
    rng = random.Random(46)
    try:
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        small = make_band(20, slug="few-shows")
        band = make_band(args.shows, slug="many-shows")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"database: {where}; a band with {args.shows} upcoming shows (and one with 20); made in "
            f"{time.perf_counter() - began:.1f} s; load {search_bench.load_average()}"
        )
        counter = search_bench.QueryCounter()
        visitor = Client()
        ok = True
        full = "?weeks=12&shows=20&tz=America/New_York"
        _, few = measure(visitor, [f"/embed/bands/{small.slug}/{full}"] * 5, counter, clear=True)
        url = f"/embed/bands/{band.slug}/{full}"
        visitor.get(url)  # warm
        times, queries = measure(visitor, [url] * args.requests, counter, clear=True)
        ok &= report(f"drawn, 12 weeks, 20 of {args.shows} shows", times, queries, DRAWN_BUDGET_MS)
        print(f"{'  queries with 20 shows / with ' + str(args.shows):<52} {max(few)} / {max(queries)}")
        assert max(queries) == max(few), "the queries grow with the shows"
        options = [
            f"?weeks={w}&shows={s}&lang={lang}&theme={t}&tz={tz}"
            for w in (4, 8)
            for s in (5, 10)
            for lang in ("en", "de")
            for t in ("light", "dark")
            for tz in ("Europe/Berlin", "America/New_York")
        ]
        urls = [f"/embed/bands/{band.slug}/{rng.choice(options)}" for _ in range(args.requests)]
        for u in set(urls):
            visitor.get(u)
        times, queries = measure(visitor, urls, counter, clear=False)
        ok &= report(f"cached ({len(set(urls))} addresses)", times, queries, CACHED_BUDGET_MS)
        from bookings.models import Booking

        booking = Booking.objects.filter(band=band).order_by("starts_at").first()
        Booking.objects.filter(pk=booking.pk).update(status="cancelled")
        counter.count = 0
        with connection.execute_wrapper(counter):
            visitor.get(urls[0])
        print(f"{'after a booking changed: queries of the next request':<52} {counter.count} (drawn again)")
        print("all within budget" if ok else "SOME OVER BUDGET")
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
