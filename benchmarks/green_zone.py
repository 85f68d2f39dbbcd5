"""Time to work out a band's green zone: one query for the members' busy time, then the engine.

Usage:
    .venv/bin/python benchmarks/green_zone.py [--runs 40] [--members 8] [--days 365]
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/green_zone.py

SQLite by default (a throwaway file); PostgreSQL when DATABASE_URL is set (the server is
used, the database is its own: --database-name, dropped at the end). Creates 16 musicians,
each with 5 weekly busy rules and 40 one-off blocks (a few whole days and trips) made through
availability.services.rule_create, so the busy time is really materialised. A band is the
first N of them. End to end is what the band calendar does: its busy time over the range
(one query) plus engine.day_statuses() for every day of it, in the band's time zone, with
a 3-hour shortest gig. Prints p50/p95 of the whole and of each part, the queries per run for
4, 8 and 16 members (and --members, when more), and how the cost grows when the members and the days double.

Budget: p50 under 30 ms for 8 members over 365 days.
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

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

BUDGET_P50_MS = 30.0
ZONES = ["Europe/Berlin", "Europe/London", "Europe/Berlin", "Europe/Paris"]
BAND_ZONE = "Europe/Berlin"
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--database-name", default="stageslot_bench_green")
    parser.add_argument("--profile", action="store_true", help="print a profile of 20 runs")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    return search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-green.sqlite3")


def musician_rules(rng: random.Random, today: dt.date) -> list[dict]:
    """5 weekly rules and 40 one-off blocks, as rule_create fields."""
    rules = []
    for day, (hour, hours) in zip(rng.sample(WEEKDAYS, 5), [(9, 8), (19, 3), (16, 4), (18, 2), (12, 3)], strict=True):
        first = today - dt.timedelta(days=rng.randint(0, 6))
        rules.append(
            {
                "title": "Weekly",
                "start_date": first,
                "start_time": dt.time(hour),
                "end_date": first,
                "end_time": dt.time(hour + hours),
                "rrule": f"FREQ=WEEKLY;BYDAY={day}",
            }
        )
    for _ in range(40):
        day = today + dt.timedelta(days=rng.randint(0, 364))
        roll = rng.random()
        if roll < 0.1:
            rules.append({"title": "Away", "all_day": True, "start_date": day, "end_date": day})
        elif roll < 0.15:
            back = day + dt.timedelta(days=rng.randint(2, 5))
            rules.append({"title": "Trip", "all_day": True, "start_date": day, "end_date": back})
        else:
            start = rng.randint(8, 20)
            end = min(start + rng.randint(1, 6), 23)
            rules.append(
                {
                    "title": "Appointment",
                    "start_date": day,
                    "start_time": dt.time(start),
                    "end_date": day,
                    "end_time": dt.time(end, 59 if end == 23 else 0),
                }
            )
    return rules


def generate(rng: random.Random, people: int) -> list[int]:
    from accounts.models import User
    from availability.models import BusyInterval
    from availability.services import rule_create

    started = time.perf_counter()
    today = dt.date.today()
    users = []
    for i in range(people):
        user = User.objects.create(
            email=f"green{i}@bench.stageslot.test", display_name=f"Musician {i}", time_zone=ZONES[i % len(ZONES)]
        )
        for fields in musician_rules(rng, today):
            rule_create(user=user, **fields)
        users.append(user.pk)
    rows = BusyInterval.objects.count()
    print(
        f"created {people} musicians with {5 * people} weekly rules and {40 * people} one-off blocks "
        f"through rule_create: {rows:,} busy intervals in {time.perf_counter() - started:.1f} s"
    )
    return users


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def one_run(user_ids: list[int], days: int, micros: bool = True) -> tuple[float, float, int, int]:
    """(query ms, engine ms, queries, busy rows) of one green zone from today over `days` days, the busy time
    read as the month reads it (microseconds, busy_micros_by_user) or, without `micros`, as datetimes (the week
    reads it so, for its windows)."""
    from django.db import connection

    from availability import engine
    from availability.selectors import busy_by_user, busy_micros_by_user

    tz = engine.zone(BAND_ZONE)
    first = dt.datetime.now(tz).date()
    last = first + dt.timedelta(days=days - 1)
    # As the band calendar does: a margin either side, for gigs that run past midnight and zone jumps.
    start = engine.day_bounds(first, tz)[0] - dt.timedelta(days=2)
    end = engine.day_bounds(last, tz)[1] + dt.timedelta(days=2)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        busy = (busy_micros_by_user if micros else busy_by_user)(user_ids=user_ids, start=start, end=end)
        t1 = time.perf_counter()
    engine.day_statuses(busy, user_ids, first, last, BAND_ZONE, min_length=dt.timedelta(minutes=180))
    t2 = time.perf_counter()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, counter.count, sum(len(v) for v in busy.values())


def measure(user_ids: list[int], days: int, runs: int, micros: bool = True) -> dict:
    one_run(user_ids, days, micros)
    results = [one_run(user_ids, days, micros) for _ in range(runs)]
    query = [r[0] for r in results]
    eng = [r[1] for r in results]
    total = [q + e for q, e in zip(query, eng, strict=True)]
    return {
        "p50": statistics.median(total),
        "p95": search_bench.percentile(total, 95),
        "query p50": statistics.median(query),
        "engine p50": statistics.median(eng),
        "queries": sorted({r[2] for r in results}),
        "rows": results[0][3],
    }


def profile(user_ids: list[int], days: int) -> None:
    """Where the time goes: pyinstrument when installed (pip install pyinstrument), else cProfile."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [one_run(user_ids, days) for _ in range(20)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(20):
        one_run(user_ids, days)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


def main() -> None:
    args = parse_args()
    maintenance_url, where = setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, connections

    try:
        call_command("migrate", verbosity=0)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {connection.vendor} ({where}), load average {load}")
        rng = random.Random(args.seed)
        users = generate(rng, max(16, args.members))

        main_run = measure(users[: args.members], args.days, args.runs)
        verdict = "within" if main_run["p50"] < BUDGET_P50_MS else "OVER"
        print(
            f"\n{args.members} members, {args.days} days, {args.runs} runs: "
            f"p50 {main_run['p50']:.1f} ms, p95 {main_run['p95']:.1f} ms "
            f"(busy_micros_by_user p50 {main_run['query p50']:.1f} ms,"
            f" day_statuses p50 {main_run['engine p50']:.1f} ms; "
            f"{main_run['rows']:,} busy rows, {main_run['queries'][0]} query)"
        )
        if args.members == 8:
            print(f"p50 {main_run['p50']:.1f} ms: {verdict} the {BUDGET_P50_MS:.0f} ms budget (8 members, a year)")
        as_datetimes = measure(users[: args.members], args.days, args.runs, micros=False)
        print(
            f"the same read as datetimes (busy_by_user, as the week reads it): p50 {as_datetimes['p50']:.1f} ms"
            f" (query {as_datetimes['query p50']:.1f} ms, day_statuses {as_datetimes['engine p50']:.1f} ms)"
        )

        print("\nhow it grows (p50 of the whole, and of each part)")
        print(
            f"{'members':>8}{'days':>6}{'busy rows':>11}{'queries':>9}{'query ms':>10}{'engine ms':>11}{'total ms':>10}"
        )
        baseline = None
        years = {}
        for members in (4, 8, 16, *((args.members,) if args.members > 16 else ())):
            for days in (91, 182, 365):
                row = measure(users[:members], days, max(10, args.runs // 2))
                baseline = baseline or row["p50"]
                years[members] = row["p50"]
                print(
                    f"{members:>8}{days:>6}{row['rows']:>11,}{row['queries'][0]:>9}{row['query p50']:>10.1f}"
                    f"{row['engine p50']:>11.1f}{row['p50']:>10.1f}  ×{row['p50'] / baseline:.1f}"
                )
        if args.members > 16:
            print(f"a year, {args.members} vs 8 members (query and engine): {years[args.members] / years[8]:.2f}x")
        if args.profile:
            profile(users[: args.members], args.days)
    finally:
        connections.close_all()
        if maintenance_url:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
