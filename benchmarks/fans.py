"""Fans: the public "What's on" of a city among 10,000 upcoming shows nationwide, and the alerts of one new
show to 50,000 followers, sent by the worker in chunks.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/fans.py
        [--shows 10000] [--followers 50000] [--requests 200] [--database-name stageslot_bench_fans] [--keep]
        [--part all|shows|alerts] [--profile]
    .venv/bin/python benchmarks/fans.py   # SQLite, a throwaway file

It makes 120 cities over Germany (Berlin among them), 600 venues in them, 250 bands and --shows public shows
with their headliner booked over the next 300 days; then an anonymous visitor asks /shows/ for Berlin
(50 km), for this weekend there, for a genre and for a later page, through Django's test client: p50/p95/max
of the server time and the queries per request (which must not change with the page). Then --followers
people follow one band (half of them with a home city, most within reach of the show), the band gets a new
show in Potsdam, and the alert round and the chunk tasks run one after another as one worker would: the time
to the last notification, the chunks and the notifications written, and the emails sent a second.

On PostgreSQL it also prints, per /shows/ address, the database's own time for one drawn page (the summed
EXPLAIN ANALYZE of its statements) and the plan of its slowest statement; --profile prints where Python spends
a drawn page's time. The machine's load average is printed beside the figures (a shared machine's wall times
depend on it).

Budget: /shows/ p95 under 150 ms on PostgreSQL.
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

BUDGET_MS = 150.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--followers", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-name", default="stageslot_bench_fans")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="the world a --keep run left (implies --keep)")
    parser.add_argument("--part", choices=["all", "shows", "alerts"], default="all")
    parser.add_argument("--profile", action="store_true", help="cProfile 20 drawn Berlin pages (and the alerts)")
    parser.add_argument(
        "--emails-one-by-one", action="store_true", help="the alerts' emails one task each, as before batches"
    )
    return parser.parse_args()


def make_world(args: argparse.Namespace, rng: random.Random):
    from django.utils import timezone

    from bands.models import ApprovalStatus, Band, Genre
    from bookings.models import Booking
    from places.models import City
    from venues.models import Slot, Stage, Venue

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # The gazetteer the migrations load (when they do) has Berlin and Potsdam; else they are made here.
    known = [
        City(geoname_id=2950159, name="Berlin", search_name="berlin", country="DE", latitude=52.52437,
             longitude=13.41053, time_zone="Europe/Berlin", population=3_426_354),
        City(geoname_id=2852458, name="Potsdam", search_name="potsdam", country="DE", latitude=52.39886,
             longitude=13.06566, time_zone="Europe/Berlin", population=182_112),
    ]  # fmt: skip
    City.objects.bulk_create(known, ignore_conflicts=True)
    cities = list(City.objects.filter(geoname_id__in=[2950159, 2852458]).order_by("-population"))
    towns = [
        City(geoname_id=90_000_000 + i, name=f"Town {i}", search_name=f"town {i}", country="DE",
             latitude=rng.uniform(47.5, 54.5), longitude=rng.uniform(6.0, 15.0), time_zone="Europe/Berlin",
             population=20_000 + i)
        for i in range(118)
    ]  # fmt: skip
    City.objects.bulk_create(towns, ignore_conflicts=True)
    cities += list(City.objects.filter(geoname_id__gte=90_000_000, geoname_id__lt=90_000_118).order_by("pk"))
    genres = [Genre.objects.get_or_create(slug=f"g{i}", defaults={"name": f"Genre {i}"})[0] for i in range(10)]
    venues = Venue.objects.bulk_create(
        Venue(name=f"Venue {i}", slug=f"venue-{i}", city=cities[i % len(cities)].name, country="DE",
              place=cities[i % len(cities)], latitude=cities[i % len(cities)].latitude,
              longitude=cities[i % len(cities)].longitude, time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED)
        for i in range(600)
    )  # fmt: skip
    stages = Stage.objects.bulk_create(Stage(venue=v, name="Main") for v in venues)
    bands = Band.objects.bulk_create(
        Band(name=f"Band {i}", slug=f"band-{i}", time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED)
        for i in range(250)
    )
    # Each stage one show a round, each band at most one show at a time (both are constraints).
    rounds = -(-args.shows // len(stages))
    step = max(1, 300 // rounds)
    slots = []
    for n in range(args.shows):
        r, p = divmod(n, len(stages))
        stage, venue = stages[p], venues[p]
        start = now.replace(hour=14 + 4 * (p // len(bands))) + dt.timedelta(days=1 + r * step)
        slots.append(
            Slot(venue_id=venue.pk, stage=stage, starts_at=start, ends_at=start + dt.timedelta(hours=3),
                 title=f"Night {n}", latitude=venue.latitude, longitude=venue.longitude, headliner_booked=1,
                 support_places=0)
        )  # fmt: skip
    slots = Slot.objects.bulk_create(slots, batch_size=2000)
    Slot.genres.through.objects.bulk_create(
        [Slot.genres.through(slot_id=s.pk, genre_id=genres[i % len(genres)].pk) for i, s in enumerate(slots)],
        batch_size=5000,
    )
    Booking.objects.bulk_create(
        [
            Booking(band=bands[(n % len(stages)) % len(bands)], slot=s, venue_id=s.venue_id, kind=Booking.Kind.OFFER,
                    role=Booking.Role.HEADLINER, status=Booking.Status.BOOKED, starts_at=s.starts_at,
                    ends_at=s.ends_at, time_zone="Europe/Berlin", fee=300)
            for n, s in enumerate(slots)
        ],
        batch_size=2000,
    )  # fmt: skip
    return cities, venues, bands


def make_followers(count: int, band, cities, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from fans.models import FanProfile, Follow

    password = make_password(None)
    made = 0
    while made < count:
        batch = User.objects.bulk_create(
            [User(email=f"fan{made + i}@example.com", password=password) for i in range(min(5000, count - made))]
        )
        Follow.objects.bulk_create([Follow(user_id=u.pk, band_id=band.pk) for u in batch])
        FanProfile.objects.bulk_create(
            [
                FanProfile(user_id=u.pk, city=cities[0] if i % 4 else cities[rng.randrange(2, len(cities))],
                           radius_km=50)
                for i, u in enumerate(batch) if i % 2 == 0
            ]
        )  # fmt: skip
        made += len(batch)


def measure(client, urls: list[str], counter, *, anew: bool = False) -> tuple[list[float], list[int]]:
    """Each URL through the test client; `anew`: the minute's kept page forgotten first (a page drawn)."""
    from django.core.cache import caches
    from django.db import connection

    times, queries = [], []
    for url in urls:
        if anew:
            caches["fragments"].clear()
        counter.count = 0
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(counter.count)
    return times, queries


def report(label: str, times: list[float], queries: list[int], budget: float | None) -> bool:
    p95 = search_bench.percentile(times, 95)
    within = budget is None or p95 < budget
    verdict = "" if budget is None else (f"  within {budget:.0f} ms" if within else f"  OVER {budget:.0f} ms")
    print(
        f"{label:<40} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {max(times):6.1f} ms  "
        f"queries {min(queries)}–{max(queries)}{verdict}"
    )
    return within


def sql_time(client, url: str) -> tuple[float, str, str]:
    """The database's share of one drawn page: the summed EXPLAIN ANALYZE execution time (ms) of its
    statements, and the slowest statement with its plan."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    caches["fragments"].clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    total, slowest = 0.0, (0.0, "", "")
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            took = float(plan.rsplit("Execution Time: ", 1)[1].split()[0])
            total += took
            if took > slowest[0]:
                slowest = (took, query["sql"], plan)
    return total, slowest[1], slowest[2]


def profile_pages(client, url: str, runs: int = 20) -> None:
    import cProfile
    import pstats

    from django.core.cache import caches

    profiler = cProfile.Profile()
    for _ in range(runs):
        caches["fragments"].clear()
        profiler.enable()
        client.get(url)
        profiler.disable()
    where = r"stageslot|fans|bookings|places|accounts|jinja2|template"
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(where, 45)


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def run_alerts(band, potsdam) -> None:
    """A new show, then the round and every task it queues, one after another as one worker runs them."""
    from django.db import connection

    from accounts.models import Notification
    from bookings.models import Booking
    from fans import alerts
    from venues.models import Slot, Stage, Venue

    venue = Venue.objects.filter(place=potsdam).first()
    stage = Stage.objects.filter(venue=venue).first()
    start = Slot.objects.order_by("-starts_at").first().starts_at + dt.timedelta(days=2)
    slot = Slot.objects.create(venue=venue, stage=stage, starts_at=start, ends_at=start + dt.timedelta(hours=3),
                               title="Release show", headliner_booked=1, support_places=0)  # fmt: skip
    Booking.objects.create(band=band, slot=slot, venue=venue, kind=Booking.Kind.OFFER, role=Booking.Role.HEADLINER,
                           status=Booking.Status.BOOKED, starts_at=start, ends_at=slot.ends_at,
                           time_zone="Europe/Berlin", fee=300)  # fmt: skip
    # The shows made above were there before anyone followed: seen, as the migration marks a site's shows.
    from django.utils import timezone

    from fans.models import ShowSeen

    ShowSeen.objects.bulk_create(
        [
            ShowSeen(slot_id=pk, starts_at=at)
            for pk, at in Slot.objects.exclude(pk=slot.pk).values_list("pk", "starts_at")
        ],
        batch_size=5000,
    )
    assert timezone.now() < start
    queue: list[dict] = []
    alerts._queue = lambda name, **kwargs: queue.append({"name": name, **kwargs})  # the worker's queue, in order
    counter = search_bench.QueryCounter()
    began = time.perf_counter()
    tasks = 0
    with connection.execute_wrapper(counter):
        alerts.show_alerts_collect()
        while queue:
            job = queue.pop(0)
            name = job.pop("name")
            tasks += 1
            if name.endswith("show_alert_chunk_task"):
                alerts.show_alert_run(**job)
            elif name.endswith("asks_met_task"):
                alerts.asks_met(**job)
    seconds = time.perf_counter() - began
    from django.core import mail

    told = Notification.objects.filter(kind="fan_show_new").count()
    emails = len(getattr(mail, "outbox", []))
    print(
        f"alerts of one new show: {told} fans told in {seconds:.1f} s by {tasks} tasks "
        f"({counter.count} queries, {told / max(seconds, 1e-9):.0f} a second; {emails} emails sent); {load_average()}"
    )


def main() -> None:
    args = parse_args()
    args.keep |= args.reuse
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot-bench-fans.sqlite3", reuse=args.reuse
    )
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
    rng = random.Random(89)
    try:
        call_command("migrate", verbosity=0)
        postgres = connection.vendor == "postgresql"
        began = time.perf_counter()
        if args.reuse:
            from bands.models import Band
            from places.models import City

            bands = list(Band.objects.order_by("pk"))
            cities = list(City.objects.filter(geoname_id__in=[2950159, 2852458]).order_by("-population"))
            cities += list(City.objects.filter(geoname_id__gte=90_000_000, geoname_id__lt=90_000_118).order_by("pk"))
        else:
            cities, _venues, bands = make_world(args, rng)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {where}; {args.shows} shows; made in {time.perf_counter() - began:.1f} s")
        counter = search_bench.QueryCounter()
        visitor = Client()
        ok = True
        pages = (
            ("/shows/ Berlin 50 km", "/shows/?near=Berlin&km=50"),
            ("/shows/ Berlin this weekend", "/shows/?near=Berlin&km=50&when=weekend"),
            ("/shows/ Berlin, one genre", "/shows/?near=Berlin&km=100&genre=g3"),
            ("/shows/ Berlin, page 3", "/shows/?near=Berlin&km=100&page=3"),
            ("/shows/ everywhere", "/shows/"),
        )
        for label, url in pages if args.part in ("all", "shows") else ():
            visitor.get(url)  # warm
            times, queries = measure(visitor, [url] * args.requests, counter, anew=True)
            ok &= report(label + ", drawn", times, queries, BUDGET_MS if postgres else None)
            times, queries = measure(visitor, [url] * args.requests, counter)
            report(label + ", kept", times, queries, None)
        if args.part in ("all", "shows"):
            print("all within budget" if ok else "SOME OVER BUDGET", f"({load_average()})")
        if postgres and args.part in ("all", "shows"):
            for label, url in pages:
                total, sql, plan = sql_time(visitor, url)
                print(f"{label}: the database's time for a drawn page {total:.1f} ms")
                if label.endswith("50 km"):
                    print(f"  its slowest statement:\n  {sql[:700]}\n{plan}")
        if args.profile:
            profile_pages(visitor, pages[0][1])
        if args.part == "shows":
            return
        began = time.perf_counter()
        make_followers(args.followers, bands[0], cities, rng)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{args.followers} followers made in {time.perf_counter() - began:.1f} s")
        if args.emails_one_by_one:
            from fans import alerts

            batched = alerts.notifications_create_many
            alerts.notifications_create_many = lambda **kwargs: batched(**{**kwargs, "email_batches": False})
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(run_alerts, bands[0], cities[1])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"fans|accounts|mail|template|jinja2", 40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        else:
            run_alerts(bands[0], cities[1])
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
