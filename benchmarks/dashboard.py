"""Dashboard and bookings inbox: does their cost follow the person's own bookings, or the whole site's?

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/dashboard.py
        [--others 1000 10000 100000] [--runs 60] [--database-name stageslot_bench_dashboard] [--keep] [--explain]

PostgreSQL only (the plans are the point); the database is its own, dropped at the end unless --keep.
Loads the demo world (`seed_demo`), then for each step of --others adds that many bookings of other
bands, venues and clients (booked, pending, completed and cancelled, past and future; none concerns the
demo people) and asks, as the demo band leader, venue owner and client in turn, for /dashboard/ and
/bookings/ through Django's test client (after a warm-up). Prints p50/p95 per page and person at each
step, the ratio of each p95 to the p95 with no other bookings, and the queries per request.
Goal: with 100,000 other bookings, p95 within 10 % of the p95 with none. --explain prints the plan of
the dashboard's slowest statement at the largest step.

    .venv/bin/python benchmarks/dashboard.py --cpu [--runs 200] [--reuse] [--json FILE] [--compare FILE]
        [--profile PERSON]

--cpu: the dashboard's own cost on a throwaway SQLite file (DEBUG off) with the demo world: CPU time of
this process (time.process_time) per request through Django's test client, p50 and p95 over --runs
requests after a warm-up, and the SQL statements per request, for the demo band leader, band member,
venue owner, client and agent. --json saves the run, --compare prints a saved one beside it; --profile
prints where one request's time goes (cProfile, the slowest 40 functions by own time) for one person.
Goal: under 12 ms p50 for each person (issue 86 asks 8). Last measured (issue 86, a quiet machine, the demo world with
its tours and festival desk): band leader 9.5, member 8.8, venue owner 8.0, client 6.1, agent 9.1 ms (before the tours
and desks were compiled once: 13.0, 12.3, 10.9, 9.0, 12.3); 12, 12, 11, 11 and 12 queries.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (database helpers, percentiles)

GOAL_RATIO = 1.10
GOAL_CPU_P50_MS = 12.0
CPU_PEOPLE = [
    ("band leader", "mara@demo.stageslot.test"),
    ("band member", "ayla@demo.stageslot.test"),
    ("venue owner", "kellerbar-owner@demo.stageslot.test"),
    ("client", "client@demo.stageslot.test"),
    ("agent", "agent@demo.stageslot.test"),
]
PEOPLE = [
    ("band leader", "mara@demo.stageslot.test"),
    ("venue owner", "kellerbar-owner@demo.stageslot.test"),
    ("client", "client@demo.stageslot.test"),
]
PAGES = [("dashboard", "/dashboard/"), ("bookings", "/bookings/")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--others", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-name", default="stageslot_bench_dashboard")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cpu", action="store_true", help="CPU time per person on SQLite (see above)")
    parser.add_argument("--reuse", action="store_true", help="--cpu: keep the file a previous run seeded")
    parser.add_argument("--json", metavar="FILE", help="--cpu: save this run's figures")
    parser.add_argument("--compare", metavar="FILE", help="--cpu: a saved run to print beside this one")
    parser.add_argument("--profile", metavar="PERSON", help="--cpu: profile one request of this person")
    return parser.parse_args()


def add_other_bookings(count: int, rng: random.Random, tag: str) -> None:
    """`count` bookings that concern none of the demo people: 200 other bands, 50 other venues, 500
    other clients; booked gigs of one band never overlap (the database forbids it)."""
    from django.db import transaction

    from accounts.models import User
    from bands.models import ApprovalStatus, Band
    from bookings.models import Booking
    from venues.models import Slot, Stage, Venue

    bands = Band.objects.bulk_create(
        Band(name=f"Other Band {tag}-{i}", slug=f"other-band-{tag}-{i}", status=ApprovalStatus.APPROVED,
             city="Berlin", country="DE", time_zone="Europe/Berlin")
        for i in range(200)
    )  # fmt: skip
    venues = Venue.objects.bulk_create(
        Venue(name=f"Other Venue {tag}-{i}", slug=f"other-venue-{tag}-{i}", status=ApprovalStatus.APPROVED,
              city="Hamburg", country="DE", time_zone="Europe/Berlin")
        for i in range(50)
    )  # fmt: skip
    clients = User.objects.bulk_create(
        User(email=f"other.{tag}.{i}@bench.stageslot.test", display_name=f"Other {i}", time_zone="Europe/Berlin")
        for i in range(500)
    )
    stages = Stage.objects.bulk_create(Stage(venue=v, name=f"Room {k}") for v in venues for k in range(2))
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    days_back = count // len(bands) // 2
    statuses = [Booking.Status.BOOKED] * 4 + [Booking.Status.PENDING] * 3 + [Booking.Status.CANCELLED]
    slots, bookings = [], []

    def flush() -> None:
        made = iter(Slot.objects.bulk_create(slots))
        for booking in bookings:
            if booking.kind != Booking.Kind.REQUEST:
                booking.slot = next(made)
        Booking.objects.bulk_create(bookings)
        slots.clear()
        bookings.clear()

    with transaction.atomic():
        for i in range(count):
            # Each band's bookings follow one another a day apart, half of them past: none overlap; so do
            # the slots of each stage (two per venue, each used once a day).
            band = bands[i % len(bands)]
            starts = now + dt.timedelta(days=i // len(bands) - days_back, hours=19)
            ends = starts + dt.timedelta(hours=3)
            status = rng.choice(statuses)
            if status == Booking.Status.BOOKED and starts < now:
                status = Booking.Status.COMPLETED
            common = {"band": band, "starts_at": starts, "ends_at": ends, "status": status}
            common["time_zone"] = "Europe/Berlin"
            if i % 2:
                venue = venues[(i // 2) % len(venues)]
                stage = stages[2 * ((i // 2) % len(venues)) + (i // 2 // len(venues)) % 2]
                slots.append(Slot(venue=venue, stage=stage, starts_at=starts, ends_at=ends, title="Other night",
                                  headliner_booked=status in ("booked", "completed")))  # fmt: skip
                kind = Booking.Kind.APPLICATION if i % 4 == 1 else Booking.Kind.OFFER
                bookings.append(Booking(kind=kind, venue=venue, **common))
            else:
                client = clients[i % len(clients)]
                bookings.append(Booking(kind=Booking.Kind.REQUEST, client=client, requested_by=client,
                                        event_type="Wedding", **common))  # fmt: skip
            if len(bookings) == 5000:
                flush()
        flush()


def measure(runs: int) -> dict[tuple[str, str], tuple[float, float, int, float]]:
    """(person, page) -> (p50 ms, p95 ms, queries, SQL execution ms)."""
    import gc

    gc.collect()  # what adding the bookings left behind is not the pages' to pay for
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    out = {}
    for who, email in PEOPLE:
        client = Client()
        client.force_login(User.objects.get(email=email))
        for page, path in PAGES:
            for _ in range(5):  # warm-up: templates, connections, caches
                assert client.get(path).status_code == 200
            counter = search_bench.QueryCounter()
            times = []
            with connection.execute_wrapper(counter):
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(path)
                    times.append(time.perf_counter() - started)
            out[(who, page)] = (
                statistics.median(times) * 1000,
                search_bench.percentile(times, 95) * 1000,
                counter.count // runs,
                min(sql_time(path, email) for _ in range(3)),
            )
    return out


def sql_time(path: str, email: str) -> float:
    """The summed execution time (EXPLAIN ANALYZE, ms) of every statement one request of `path` makes:
    the database's share, free of Python's and the machine's noise."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    total = 0.0
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN ANALYZE {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            total += float(plan.rsplit("Execution Time: ", 1)[1].split()[0])
    return total


def explain_dashboard() -> None:
    """The plan of the dashboard's statements for the band leader."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from stageslot.selectors import dashboard_bookings

    user = User.objects.get(email=PEOPLE[0][1])
    with CaptureQueriesContext(connection) as ctx:
        dashboard_bookings(user=user, now=timezone.now())
    slowest = None
    for query in ctx.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        took = float(plan.rsplit("Execution Time: ", 1)[1].split()[0])
        if slowest is None or took > slowest[0]:
            slowest = (took, query["sql"], plan)
    print(f"\nslowest dashboard statement ({slowest[0]:.2f} ms):\n{slowest[1][:600]}\n\n{slowest[2]}")


def cpu_measure(email: str, runs: int) -> dict:
    """CPU ms p50/p95 of /dashboard/ for the person with `email`, and the statements one request makes."""
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    for _ in range(30):  # warm-up: templates, translations, connections
        assert client.get("/dashboard/").status_code == 200
    counter = search_bench.QueryCounter()
    times = []
    with connection.execute_wrapper(counter):
        for _ in range(runs):
            started = time.process_time()
            client.get("/dashboard/")
            times.append(time.process_time() - started)
    return {
        "p50": statistics.median(times) * 1000,
        "p95": search_bench.percentile(times, 95) * 1000,
        "queries": counter.count // runs,
    }


def cpu_profile(email: str) -> None:
    import cProfile
    import pstats

    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    for _ in range(30):
        client.get("/dashboard/")
    # CPU time, not wall time: what the process itself spent, whatever else the machine runs.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(20):
        client.get("/dashboard/")
    profiler.disable()
    print("\n20 requests, by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    print("\n20 requests, by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


def cpu_main(args: argparse.Namespace) -> None:
    import json

    os.environ.pop("DATABASE_URL", None)  # SQLite: the Python side is the point
    _url, where = search_bench.point_at_fresh_database(
        "stageslot_bench_dashboard_cpu", "stageslot-bench-dashboard-cpu.sqlite3", reuse=args.reuse
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User

    assert not settings.DEBUG
    call_command("migrate", verbosity=0)
    if not (args.reuse and User.objects.filter(email=CPU_PEOPLE[0][1]).exists()):
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if args.profile:
        cpu_profile(dict(CPU_PEOPLE)[args.profile])
        return
    before = json.loads(Path(args.compare).read_text()) if args.compare else None
    print(f"{where}; {args.runs} requests per person after 30 to warm up; load {search_bench.load_average()}")
    results = {who: cpu_measure(email, args.runs) for who, email in CPU_PEOPLE}
    head = f"{'/dashboard/ CPU ms':<16}{'p50':>8}{'p95':>8}{'queries':>9}"
    print(f"\n{head}" + (f"{'before: p50':>14}{'p95':>8}{'queries':>9}" if before else ""))
    for who, f in results.items():
        line = f"{who:<16}{f['p50']:8.2f}{f['p95']:8.2f}{f['queries']:9d}"
        if before and who in before:
            b = before[who]
            line += f"{b['p50']:14.2f}{b['p95']:8.2f}{b['queries']:9d}"
        print(line)
    worst = max(f["p50"] for f in results.values())
    verdict = "meets" if worst < GOAL_CPU_P50_MS else "misses"
    print(f"\nslowest p50 {worst:.2f} ms ({verdict} the goal of {GOAL_CPU_P50_MS:.0f} ms)")
    print(f"load average {search_bench.load_average()}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
        print(f"saved to {args.json}")


def main() -> None:
    args = parse_args()
    if args.cpu:
        cpu_main(args)
        return
    bench_url, maintenance_url = search_bench.bench_database_url(args.database_name)
    search_bench.recreate_database(maintenance_url, args.database_name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, connections

    from bookings.models import Booking

    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"PostgreSQL database {args.database_name}; {args.runs} requests per page and person; load {load}")
        base = measure(args.runs)
        steps = [(0, base)]
        added = 0
        for target in sorted(args.others):
            add_other_bookings(target - added, rng, tag=str(target))
            added = target
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            steps.append((Booking.objects.count(), measure(args.runs)))
        print(f"\n{'page':<11}{'person':<13}" + "".join(f"{f'{n:,} bookings':>26}" for n, _ in steps))
        print(f"{'':<24}" + "".join(f"{'p50/p95 ms (×p95₀) q':>26}" for _ in steps))
        worst = 0.0
        for who, _ in PEOPLE:
            for page, _ in PAGES:
                cells = []
                p95_0 = base[(who, page)][1]
                for _, figures in steps:
                    p50, p95, queries, _sql = figures[(who, page)]
                    ratio = p95 / p95_0
                    cells.append(f"{p50:5.1f}/{p95:5.1f} ({ratio:4.2f}) {queries:>2}")
                worst = max(worst, steps[-1][1][(who, page)][1] / p95_0)
                print(f"{page:<11}{who:<13}" + "".join(f"{c:>26}" for c in cells))
        print("\nSQL execution per request (EXPLAIN ANALYZE, summed over its statements), ms")
        for who, _ in PEOPLE:
            for page, _ in PAGES:
                cells = [f"{figures[(who, page)][3]:.2f}" for _, figures in steps]
                print(f"{page:<11}{who:<13}" + "".join(f"{c:>26}" for c in cells))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        verdict = "meets" if worst <= GOAL_RATIO else "misses"
        print(f"\nworst p95 ratio at the largest step: {worst:.2f} ({verdict} the goal of {GOAL_RATIO:.2f})")
        print(f"load average {load}")
        if args.explain:
            explain_dashboard()
    finally:
        connections.close_all()
        if not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)


if __name__ == "__main__":
    main()
