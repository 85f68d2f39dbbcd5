"""Cost as the data grows: does each page's cost grow no faster than the data it stands on?

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/growth.py
        [--quick] [--runs 20] [--only feed calendar dashboard search] [--database-name stageslot_bench_growth]

PostgreSQL only (the plans are the point). Four series, each step through Django's test client:
- feed: Mara's member feed at 50 / 500 / 5,000 gigs of her band (benchmarks/feeds.py's gigs), cold
  (every VEVENT written anew, as after a deploy) and warm (the polls in between);
- band calendar: a band's calendar page at 4 / 8 / 16 members, each with their own busy rules
  (benchmarks/green_zone.py's musicians);
- dashboard: the band leader's dashboard at 1,000 / 10,000 / 100,000 bookings of others on the
  site (benchmarks/dashboard.py's bookings);
- band search: 40 mixed /bands/ searches at 1,000 / 10,000 / 100,000 bands (benchmarks/search.py's
  bands, its searches).
--quick drops the largest step of each series but the calendar's (about 4 minutes instead of 12).

A fifth series, `--only world --scales 1 10`, grows the whole site together: a database per scale
(<--database-name>_<N>, kept for the next run with --keep) filled by `manage.py seed_world --scale N`
(resumable: a kept database is only topped up), then every page and API read of stageslot.demo.world.visits,
each as the person who uses it: p50/p95 wall time and the query count at each scale, and the ratio of the
largest scale's p50 to the smallest's. Then each periodic job of the beat schedule (tasks it would queue
are counted, not run): a first run that catches up, and a second, timed: ms, queries and what it returned.
--visits NAME… and --jobs NAME… measure only the visits whose name starts so and only those jobs (a kept
world re-measured after a change). --explain FILE writes EXPLAIN (ANALYZE, BUFFERS) of the ten slowest queries
at the largest scale and lists every sequential scan of a table of more than 10,000 rows that any visit's queries plan.

Each step is measured over --runs requests (each of the 40 searches once per run for the search):
p50 wall time, p50 CPU time of this process and of the PostgreSQL backend (read from /proc, so it
needs the server on this machine). The table gives, for each step, its data and time next to the
previous step's: "×10 data → ×1.3 time". The verdict and the flag use the CPU time (this process
plus the backend), which a busy machine does not inflate; the wall-time ratio is shown beside it.
A step whose time grows faster than its data is flagged; one within NOISE of its data is marked
linear (a p50 of 20 requests moves that much between runs on this machine).
"""

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboard as dashboard_bench  # noqa: E402
import feeds as feeds_bench  # noqa: E402
import green_zone as green_bench  # noqa: E402
import search as search_bench  # noqa: E402

SERIES = ("feed", "calendar", "dashboard", "search", "world")
DEFAULT_SERIES = ("feed", "calendar", "dashboard", "search")
BIG_TABLE_ROWS = 10_000
SEARCHES = 40
NOISE = 0.10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="leave out the largest step of the long series")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", nargs="+", choices=SERIES, default=list(DEFAULT_SERIES))
    parser.add_argument("--scales", nargs="+", type=float, default=[1, 10], help="the world series' scales")
    parser.add_argument("--keep", action="store_true", help="keep the world series' databases (and reuse them)")
    parser.add_argument("--explain", help="the world series: write the heaviest queries' plans to this file")
    parser.add_argument("--database-name", default="stageslot_bench_growth")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--visits", nargs="+", help="the world series: only the visits whose name starts so")
    parser.add_argument("--jobs", nargs="+", help="the world series: only these jobs of the beat schedule")
    return parser.parse_args()


@dataclass
class Step:
    label: str
    data: int  # what the cost should follow: events, members, bookings, bands
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)

    def p50(self, name: str) -> float:
        return statistics.median(getattr(self, name))

    @property
    def total_cpu(self) -> float:
        return self.p50("cpu") + self.p50("db")


class Worlds:
    """Fresh databases for each series, copied from one migrated template (migrating takes longer)."""

    def __init__(self, name: str) -> None:
        self.name, self.template = name, f"{name}_template"
        bench_url, self.maintenance_url = search_bench.bench_database_url(name)
        search_bench.recreate_database(self.maintenance_url, name)
        os.environ["DATABASE_URL"] = bench_url
        os.environ["DJANGO_CONN_MAX_AGE"] = "3600"  # one backend per series: its CPU time is measured

    def migrate(self) -> None:
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        connections.close_all()
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.name}"')

    def fresh(self, *, demo: bool = True) -> None:
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        if demo:
            call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        for name in (self.name, self.template):
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(statement)


def measure(step: Step, client, urls: list[str], runs: int) -> Step:
    """Adds `runs` rounds of GETs of `urls` (after one warm-up round) to the step's timings."""
    server = search_bench.ServerCPU()
    for url in urls:
        assert client.get(url).status_code == 200, url
    for _ in range(runs):
        for url in urls:
            db = server.ms()
            start, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            step.wall.append((time.perf_counter() - start) * 1000)
            step.cpu.append((time.process_time() - cpu) * 1000)
            step.db.append(server.ms() - db)
    return step


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def feed_series(worlds: Worlds, args: argparse.Namespace) -> dict[str, list[Step]]:
    from django.test import Client

    from bookings.ical import feed_render_forget

    cold, warm = [], []
    for gigs in [50, 500] if args.quick else [50, 500, 5000]:
        worlds.fresh()
        feeds_bench.generate_gigs(gigs)
        token = feeds_bench.make_feeds()["member"]
        client = Client()
        url = f"/feeds/{token}.ics"
        events = client.get(url).content.count(b"BEGIN:VEVENT")
        label = f"{gigs:,} gigs ({events:,} events)"
        timings = feeds_bench.time_requests(client, url, args.runs, cold=True)
        cold.append(Step(label, events, *timings))
        feed_render_forget()
        warm.append(measure(Step(label, events), client, [url], args.runs))
    return {"member feed, cold": cold, "member feed, warm": warm}


def calendar_series(worlds: Worlds, args: argparse.Namespace) -> dict[str, list[Step]]:
    from django.test import Client

    from accounts.models import User
    from bands.models import ApprovalStatus, Band, Membership

    worlds.fresh(demo=False)
    user_ids = green_bench.generate(random.Random(args.seed), 16)
    steps = []
    for members in (4, 8, 16):
        band = Band.objects.create(
            name=f"Growth {members}",
            slug=f"growth-{members}",
            status=ApprovalStatus.APPROVED,
            time_zone="Europe/Berlin",
        )
        Membership.objects.bulk_create(
            Membership(band=band, user_id=pk, role="leader" if k == 0 else "member")
            for k, pk in enumerate(user_ids[:members])
        )
        analyse()
        client = Client()
        client.force_login(User.objects.get(pk=user_ids[0]))
        steps.append(measure(Step(f"{members} members", members), client, [f"/bands/{band.slug}/calendar/"], args.runs))
    return {"band calendar": steps}


def dashboard_series(worlds: Worlds, args: argparse.Namespace) -> dict[str, list[Step]]:
    from django.test import Client

    from accounts.models import User
    from bookings.models import Booking

    worlds.fresh()
    rng = random.Random(args.seed)
    client = Client()
    client.force_login(User.objects.get(email=dashboard_bench.PEOPLE[0][1]))
    steps, added = [], 0
    for others in [1000, 10_000] if args.quick else [1000, 10_000, 100_000]:
        dashboard_bench.add_other_bookings(others - added, rng, tag=str(others))
        added = others
        analyse()
        total = Booking.objects.count()
        steps.append(measure(Step(f"{total:,} bookings", total), client, ["/dashboard/"], args.runs))
    return {"dashboard (band leader)": steps}


def search_series(worlds: Worlds, args: argparse.Namespace) -> dict[str, list[Step]]:
    from django.test import Client

    from bands.models import Band

    worlds.fresh(demo=False)
    rng = random.Random(args.seed)
    urls = []
    while len(urls) < SEARCHES:
        kind, url = search_bench.random_search(rng)
        if kind == "bands":
            urls.append(url)
    client = Client()
    steps, made = [], 0
    for bands in [1000, 10_000] if args.quick else [1000, 10_000, 100_000]:
        search_bench.generate(rng, bands=bands - made, first=made)
        made = bands
        analyse()
        total = Band.objects.count()
        steps.append(measure(Step(f"{total:,} bands", total), client, urls, max(1, args.runs // 4)))
    return {f"band search ({SEARCHES} searches)": steps}


def world_database(worlds: Worlds, scale: float) -> str:
    return f"{worlds.name}_{scale:g}".replace(".", "_")


def world_use(name: str) -> None:
    """Point Django's connection at the database `name` (on the same server)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def world_series(worlds: Worlds, args: argparse.Namespace) -> dict:
    """Every visit and job at each scale: {"visits": {scale: {name: (p50, p95, queries)}}, "jobs": …}."""
    import psycopg
    from django.core.management import call_command

    with psycopg.connect(worlds.maintenance_url, autocommit=True) as conn:
        present = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    results: dict = {"visits": {}, "jobs": {}, "sizes": {}, "slowest": []}
    scales = sorted(args.scales)
    for scale in scales:
        name = world_database(worlds, scale)
        if name not in present or not args.keep:
            worlds._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            worlds._sql(f'CREATE DATABASE "{name}" TEMPLATE "{worlds.template}"')
        world_use(name)
        started = time.perf_counter()
        call_command("seed_world", scale=scale, seed=args.seed, chunk=20)
        print(f"scale {scale:g}: seed_world in {time.perf_counter() - started:.0f} s")
        analyse()
        results["sizes"][scale] = world_sizes()
        last = scale == scales[-1]
        results["visits"][scale], slowest = world_visits(args, collect=last)
        results["jobs"][scale] = world_jobs(only=args.jobs)
        if last and args.explain:
            world_explain(slowest, args.explain)
        world_use(worlds.name)
        if not args.keep:
            worlds._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def world_sizes() -> dict[str, int]:
    from django.db import connection

    tables = ["bands_band", "venues_venue", "accounts_user", "bookings_booking", "availability_busyinterval",
              "bands_bandbusyinterval", "venues_slot"]  # fmt: skip
    with connection.cursor() as cursor:
        sizes = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 – our own table names
            sizes[table] = cursor.fetchone()[0]
    return sizes


def world_visits(args: argparse.Namespace, *, collect: bool) -> tuple[dict, list]:
    """(name -> (p50 ms, p95 ms, queries)) of every visit; with `collect`, the queries of one request of
    each visit as (ms, visit, sql)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from stageslot.demo.world import visits

    out, slowest = {}, []
    for visit in visits(seed=args.seed):
        if args.visits and not any(visit.name.startswith(prefix) for prefix in args.visits):
            continue
        client = Client()
        if visit.email:
            client.force_login(User.objects.get(email=visit.email))
        response = client.get(visit.url, **visit.headers)
        assert response.status_code == 200, (visit.name, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(visit.url, **visit.headers)
        queries = len(captured)  # now: the connection's log is a bounded deque that later queries move on
        if collect:
            slowest += [(float(q["time"]) * 1000, visit.name, q["sql"]) for q in captured.captured_queries]
        wall = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(visit.url, **visit.headers)
            wall.append((time.perf_counter() - start) * 1000)
        out[visit.name] = (statistics.median(wall), search_bench.percentile(wall, 95), queries)
    return out, slowest


def world_jobs(only: list[str] | None = None) -> dict:
    """Each periodic job of the beat schedule, run twice (tasks it queues are counted, not run); the second
    run's (ms, queries, what it returned, tasks queued)."""
    import importlib
    from unittest import mock

    from celery.app.task import Task
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for entry, plan in settings.CELERY_BEAT_SCHEDULE.items():
        if only is not None and entry not in only:
            continue
        module, _, function = plan["task"].rpartition(".")
        task = getattr(importlib.import_module(module), function)
        queued = []
        with mock.patch.object(Task, "apply_async", lambda self, *a, queued=queued, **k: queued.append(self.name)):
            try:
                task()
                queued.clear()
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    result = task()
                    ms = (time.perf_counter() - start) * 1000
                queries = len(captured)
            except Exception as exc:
                out[entry] = (0.0, 0, f"failed: {exc!r}"[:60], 0)
                continue
        out[entry] = (ms, queries, str(result)[:40], len(queued))
    return out


def world_explain(slowest: list, path: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the ten slowest distinct queries into `path`; every sequential scan of a
    big table in any visit's plans printed."""
    import re

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables")
        big = {name for name, rows in cursor.fetchall() if rows > BIG_TABLE_ROWS}
        seq = set()
        for _ms, visit, sql in slowest:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            seq |= {(visit, t) for t in re.findall(r"Seq Scan on (\w+)", plan) if t in big}
        print("sequential scans of big tables:", ", ".join(f"{v}: {t}" for v, t in sorted(seq)) or "none")
        seen, lines = set(), []
        for ms, visit, sql in sorted(slowest, reverse=True):
            if sql in seen or not sql.lstrip().upper().startswith("SELECT"):
                continue
            seen.add(sql)
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            lines.append(f"### {visit} ({ms:.1f} ms)\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```\n")
            if len(seen) == 10:
                break
    Path(path).write_text("\n".join(lines))
    print(f"plans of the ten slowest queries in {path}")


def world_report(results: dict) -> list[str]:
    """The world table; returns the visits whose query count changes with the scale."""
    scales = sorted(results["visits"])
    first, last = scales[0], scales[-1]
    print(f"\nload average {search_bench.load_average()}; ms are wall time; q = queries of one request")
    for scale in scales:
        sizes = results["sizes"][scale]
        print(f"scale {scale:g}: " + ", ".join(f"{t.split('_', 1)[1]} {n:,}" for t, n in sizes.items()))
    head = "".join(f"{f'N={s:g} p50/p95 (q)':>24}" for s in scales)
    print(f"{'visit':<28}{head}{f'p50 N={last:g}/N={first:g}':>16}")
    flagged = []
    for name in results["visits"][first]:
        cells = ""
        for scale in scales:
            p50, p95, queries = results["visits"][scale][name]
            cells += f"{f'{p50:.1f}/{p95:.1f} ({queries})':>24}"
        ratio = results["visits"][last][name][0] / results["visits"][first][name][0]
        counts = {results["visits"][s][name][2] for s in scales}
        if len(counts) > 1:
            flagged.append(f"{name}: queries {sorted(counts)}")
        print(f"{name:<28}{cells}{f'×{ratio:.2f}':>16}")
    print(f"\n{'periodic job':<40}" + "".join(f"{f'N={s:g} ms (q) → result':>34}" for s in scales))
    for entry in results["jobs"][first]:
        cells = ""
        for scale in scales:
            ms, queries, result, _queued = results["jobs"][scale][entry]
            cells += f"{f'{ms:.0f} ({queries}) → {result}'[:32]:>34}"
        print(f"{entry:<40}{cells}")
    return flagged


def report(tables: dict[str, list[Step]]) -> list[str]:
    """The growth table; returns the flagged steps."""
    flagged = []
    print(f"\nload average {search_bench.load_average()}; ms are p50; cpu = this process + the database backend")
    print(f"{'series':<30}{'step':<26}{'wall':>8}{'cpu':>8}{'db':>7}   {'vs the step before (cpu; wall)':<44}")
    for series, steps in tables.items():
        previous = None
        for step in steps:
            cells = f"{step.p50('wall'):>8.1f}{step.p50('cpu'):>8.1f}{step.p50('db'):>7.1f}"
            growth = ""
            if previous is not None:
                data = step.data / previous.data
                cpu = step.total_cpu / previous.total_cpu
                wall = step.p50("wall") / previous.p50("wall")
                flag = "  FASTER THAN ITS DATA" if cpu > data * (1 + NOISE) else "  linear" if cpu > data else ""
                growth = f"×{data:.1f} data → ×{cpu:.2f} time (wall ×{wall:.2f}){flag}"
                if "FASTER" in flag:
                    flagged.append(f"{series}: {previous.label} → {step.label}")
            print(f"{series:<30}{step.label:<26}{cells}   {growth}")
            previous = step
        print()
    return flagged


def main() -> None:
    args = parse_args()
    worlds = Worlds(args.database_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)

    started = time.perf_counter()
    tables: dict[str, list[Step]] = {}
    runners = {
        "feed": feed_series,
        "calendar": calendar_series,
        "dashboard": dashboard_series,
        "search": search_series,
    }
    try:
        print(f"PostgreSQL database {args.database_name}, load average {search_bench.load_average()}")
        worlds.migrate()
        world = None
        for name in args.only:
            series_started = time.perf_counter()
            if name == "world":
                world = world_series(worlds, args)
            else:
                tables.update(runners[name](worlds, args))
            print(f"{name} series in {time.perf_counter() - series_started:.0f} s")
        flagged = report(tables) if tables else []
        if world is not None:
            flagged += world_report(world)
        verdict = f"every step grows no faster than its data (linear: within {NOISE:.0%} of it)"
        print(verdict if not flagged else "faster than their data:")
        for line in flagged:
            print(f"  {line}")
        print(f"\n{dt.timedelta(seconds=round(time.perf_counter() - started))} in all")
    finally:
        worlds.drop()
        print(f"dropped databases {args.database_name} and {worlds.template}")


if __name__ == "__main__":
    main()
