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

SERIES = ("feed", "calendar", "dashboard", "search")
SEARCHES = 40
NOISE = 0.10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="leave out the largest step of the long series")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", nargs="+", choices=SERIES, default=list(SERIES))
    parser.add_argument("--database-name", default="stageslot_bench_growth")
    parser.add_argument("--seed", type=int, default=14)
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
        for name in args.only:
            series_started = time.perf_counter()
            tables.update(runners[name](worlds, args))
            print(f"{name} series in {time.perf_counter() - series_started:.0f} s")
        flagged = report(tables)
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
