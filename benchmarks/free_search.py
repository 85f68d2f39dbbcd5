"""Server time of band searches by free date over millions of busy intervals.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/free_search.py
        [--searches 300] [--without-span-index] [--explain] [--compare-previous]
        [--compare-without-travel] [--keep] [--reuse] [--database-name stageslot_bench_free]

PostgreSQL only (prints a message and stops on SQLite): the point is the real query plan.
The script creates its own database (DATABASE_URL supplies the server; the name is
replaced by --database-name), migrates it, generates the bands of benchmarks/search.py
(10,000 bands, 60,000 memberships, 40,000 people) and then, in SQL with generate_series,
a few million busy intervals over the materialised horizon: weekly rehearsals and day
jobs, one-off calendar events (some multi-day tours, a few a year long), band blocks
copied onto every member, and booked gigs with their points (GIG_BLOCKS_SQL; a --reuse of a
database kept without them adds them), whose journeys the search counts as busy. It then
sends /bands/ searches with a free-date filter (an evening, an afternoon, a whole day, a
weekend, a week) mixed with the other filters and
sorts through Django's test client and prints p50/p95/max server time, the CPU time of this
process and of the PostgreSQL backend (read from /proc: a figure a busy machine does not
inflate, when the server runs on this machine), the load average, and the queries per request.
The search reads the per-band copy of busy time (bands.BandBusyInterval, kept by the triggers
of bands.0008), which the busy rows generated here fill as they are inserted.
--without-span-index drops the GiST index of availability.0002 first (the search no longer
reads it; other readers of busy time do); --explain prints EXPLAIN (ANALYZE, BUFFERS) of the
query behind three typical windows. --reuse keeps the data of a database left by --keep
(migrating it first, which fills a new copy table from the rows there).
--compare-without-travel sends each search twice, with and without the journeys to and from gigs
(bands.selectors._on_the_road), interleaved, and says how many bands the journeys took out.

Budget: p95 under 150 ms for a free-date search.
"""

import argparse
import contextlib
import datetime as dt
import importlib
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: its bands, places and helpers)

BUDGET_P95_MS = 150.0
FOUND = re.compile(r"([\d,]+) bands? found")
OPTIONAL_SHARE = 0.15

# Busy time in SQL, all relative to the start of the horizon (:h0, today - 62 days) and its length.
# Each statement inserts (user_id, starts_at, ends_at, source, source_id).
BUSY_SQL = {
    # A third of the people rehearse or teach one evening a week, every week of the horizon.
    "weekly evening": """
        SELECT u.id, %(h0)s + (w * 7 + u.id %% 7) * interval '1 day' + (17 + u.id %% 4) * interval '1 hour',
               %(h0)s + (w * 7 + u.id %% 7) * interval '1 day' + (20 + u.id %% 4) * interval '1 hour',
               'rule', u.id
        FROM accounts_user u, generate_series(0, %(weeks)s) w WHERE u.id %% 3 = 0
    """,
    # One in ten has a day job on two weekdays.
    "day job": """
        SELECT u.id, %(h0)s + (w * 7 + d) * interval '1 day' + interval '8 hours',
               %(h0)s + (w * 7 + d) * interval '1 day' + interval '17 hours', 'rule', u.id + 1000000
        FROM accounts_user u, generate_series(0, %(weeks)s) w, (VALUES (1), (3)) AS days(d) WHERE u.id %% 10 = 1
    """,
    # Twenty imported calendar events each: mostly a few hours, some whole days, a few tours;
    # one person in a thousand is away for a whole year.
    "calendar": """
        SELECT user_id, s, s + CASE WHEN r < 0.80 THEN (1 + floor(random() * 8)) * interval '30 minutes'
                                    WHEN r < 0.95 THEN (1 + floor(random() * 2)) * interval '1 day'
                                    WHEN r < 0.999 THEN (5 + floor(random() * 17)) * interval '1 day'
                                    ELSE interval '365 days' END,
               'calendar', user_id
        FROM (
            SELECT u.id AS user_id, random() AS r,
                   %(h0)s + floor(random() * %(days)s) * interval '1 day'
                          + floor(random() * 48) * interval '30 minutes' AS s
            FROM accounts_user u, generate_series(1, 20) g
            OFFSET 0  -- keeps r one value per event: a flattened subquery would draw it anew at each use
        ) events
    """,
    # Eight rehearsals and holds per band, materialised onto each of its members.
    "band blocks": """
        SELECT m.user_id, blocks.s, blocks.s + blocks.len, 'band_block', blocks.band_id * 100 + blocks.k
        FROM (
            SELECT b.id AS band_id, k,
                   %(h0)s + floor(random() * %(days)s) * interval '1 day'
                          + (10 + floor(random() * 10)) * interval '1 hour' AS s,
                   (2 + floor(random() * 4)) * interval '1 hour' AS len
            FROM bands_band b, generate_series(1, 8) k
        ) blocks JOIN bands_membership m ON m.band_id = blocks.band_id
    """,
}

# Booked gigs (bands.BandBlock of kind gig, with the venue's point) and their busy rows on every member,
# as bands.services.band_gig_block_add writes them: eight per band over the horizon, an evening each
# with an hour's load-in and pack-down; half at home, half in a city (of the bands' cities) within
# 1,000 km of home, so journeys run from none to some 14 hours at 70 km/h.
GIGS_PER_BAND = 8
GIG_BLOCKS_SQL = """
    WITH cities AS (SELECT DISTINCT latitude, longitude FROM bands_band WHERE latitude IS NOT NULL),
    reach AS (
        SELECT a.latitude AS lat, a.longitude AS lon, b.latitude AS to_lat, b.longitude AS to_lon,
               row_number() OVER (PARTITION BY a.latitude, a.longitude ORDER BY b.latitude, b.longitude) AS n,
               count(*) OVER (PARTITION BY a.latitude, a.longitude) AS total
        FROM cities a JOIN cities b ON 2 * 6371 * asin(sqrt(
            power(sin(radians(b.latitude - a.latitude) / 2), 2)
            + cos(radians(a.latitude)) * cos(radians(b.latitude))
              * power(sin(radians(b.longitude - a.longitude) / 2), 2)
        )) < 1000
    ),
    gigs AS (
        SELECT b.id AS band_id, b.latitude AS lat, b.longitude AS lon, random() AS away, random() AS pick,
               %(h0)s + floor(random() * %(days)s) * interval '1 day'
                      + (17 + floor(random() * 5)) * interval '1 hour' AS s,
               (2 + floor(random() * 3)) * interval '1 hour' AS len
        FROM bands_band b, generate_series(1, %(per_band)s) k
        OFFSET 0  -- one random value per gig (see "calendar")
    ),
    placed AS (
        SELECT g.band_id, g.s, g.s + g.len AS e,
               CASE WHEN g.away < 0.5 THEN g.lat ELSE r.to_lat END AS lat,
               CASE WHEN g.away < 0.5 THEN g.lon ELSE r.to_lon END AS lon
        FROM gigs g LEFT JOIN reach r
          ON r.lat = g.lat AND r.lon = g.lon AND r.n = 1 + floor(g.pick * r.total)
    )
    INSERT INTO bands_bandblock (title, time_zone, all_day, start_date, start_time, end_date, end_time, rrule,
                                 exdates, created_at, updated_at, kind, band_id, gig_starts_at, gig_ends_at,
                                 load_in_minutes, pack_down_minutes, latitude, longitude)
    SELECT 'Gig', 'UTC', false, (s - interval '1 hour')::date, (s - interval '1 hour')::time,
           (e + interval '1 hour')::date, (e + interval '1 hour')::time, '', '[]', now(), now(), 'gig', band_id,
           s, e, 60, 60, lat, lon
    FROM placed
"""
GIG_BUSY_SQL = """
    INSERT INTO availability_busyinterval (user_id, starts_at, ends_at, source, source_id, title)
    SELECT m.user_id, g.gig_starts_at - interval '1 hour', g.gig_ends_at + interval '1 hour', 'gig', g.id, ''
    FROM bands_bandblock g JOIN bands_membership m ON m.band_id = g.band_id
    WHERE g.kind = 'gig'
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--database-name", default="stageslot_bench_free")
    parser.add_argument("--without-span-index", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--compare-previous",
        action="store_true",
        help="also run each search with the previous query (people and memberships), interleaved",
    )
    parser.add_argument(
        "--compare-without-travel",
        action="store_true",
        help="also run each search without the journeys to and from gigs (bands.selectors._on_the_road), interleaved",
    )
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the data a --keep run left")
    parser.add_argument("--seed", type=int, default=5)
    return parser.parse_args()


def generate_busy(rng: random.Random) -> None:
    from django.db import connection, transaction

    from availability.services import horizon
    from bands.models import Membership

    started = time.perf_counter()
    h0, h1 = horizon()
    days = (h1 - h0).days
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [rng.random()])
        # Some members are optional (a guest horn section); the green zone ignores them.
        cursor.execute("UPDATE bands_membership SET required = (random() >= %s)", [OPTIONAL_SHARE])
        for name, sql in BUSY_SQL.items():
            columns = "user_id, starts_at, ends_at, source, source_id, title"
            insert = f"INSERT INTO availability_busyinterval ({columns}) SELECT *, '' FROM ({sql}) AS rows_"  # noqa: S608
            cursor.execute(insert, {"h0": h0, "days": days, "weeks": days // 7})
            print(f"  {name:<16}{cursor.rowcount:>12,} busy intervals")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*), max(ends_at - starts_at) FROM availability_busyinterval")
        total, longest = cursor.fetchone()
    optional = Membership.objects.filter(required=False).count()
    print(
        f"generated {total:,} busy intervals (longest {longest.days} days), {optional:,} optional memberships "
        f"in {time.perf_counter() - started:.1f} s"
    )


def generate_gigs(rng: random.Random) -> None:
    """Booked gigs with their points and their members' busy rows (GIG_BLOCKS_SQL), unless there are some:
    a --reuse of a database kept before gigs were generated gets them too."""
    from django.db import connection, transaction

    from availability.services import horizon
    from bands.models import BandBlock

    if BandBlock.objects.filter(kind=BandBlock.Kind.GIG).exists():
        return
    started = time.perf_counter()
    h0, h1 = horizon()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [rng.random()])
        cursor.execute(GIG_BLOCKS_SQL, {"h0": h0, "days": (h1 - h0).days, "per_band": GIGS_PER_BAND})
        blocks = cursor.rowcount
        cursor.execute(GIG_BUSY_SQL)
        rows = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FILTER (WHERE latitude IS NULL) FROM bands_bandblock WHERE kind = 'gig'")
        (no_point,) = cursor.fetchone()
    print(
        f"generated {blocks:,} gigs ({no_point:,} without a point) and their {rows:,} busy intervals "
        f"in {time.perf_counter() - started:.1f} s"
    )


def set_span_index(*, present: bool) -> None:
    """Drop the GiST index of availability.0002, or put it back (a --reuse run may follow one without it)."""
    from django.db import connection

    migration = importlib.import_module("availability.migrations.0002_busy_span_index")
    with connection.cursor() as cursor:
        if present:
            cursor.execute(migration.CREATE_SQL)
        else:
            cursor.execute(f'DROP INDEX IF EXISTS "{migration.INDEX_NAME}"')
            print(f"dropped {migration.INDEX_NAME}: measuring without it")
        cursor.execute("ANALYZE availability_busyinterval")


def free_window(rng: random.Random, today: dt.date) -> tuple[str, list[tuple[str, str]]]:
    """(kind, query parameters) of one free-date filter a booker might set."""
    day = today + dt.timedelta(days=rng.choice([rng.randint(1, 30), rng.randint(1, 30), rng.randint(31, 380)]))
    roll = rng.random()
    if roll < 0.35:
        return "evening", [("free_on", day.isoformat()), ("part", "evening")]
    if roll < 0.45:
        return "afternoon", [("free_on", day.isoformat()), ("part", "afternoon")]
    if roll < 0.65:
        return "whole day", [("free_on", day.isoformat()), ("part", "day")]
    if roll < 0.9:
        friday = day + dt.timedelta(days=(4 - day.weekday()) % 7)
        return "weekend", [
            ("free_from", f"{friday.isoformat()}T18:00"),
            ("free_until", f"{(friday + dt.timedelta(days=3)).isoformat()}T00:00"),
        ]
    return "week", [
        ("free_from", f"{day.isoformat()}T00:00"),
        ("free_until", f"{(day + dt.timedelta(7)).isoformat()}T00:00"),
    ]


def random_free_search(rng: random.Random, today: dt.date) -> tuple[str, str]:
    """(kind, URL): a free-date filter, half the time with the other filters of benchmarks/search.py."""
    kind, params = free_window(rng, today)
    if rng.random() < 0.5:
        _kind, url = search_bench.random_search(rng)
        while not url.startswith("/bands/"):
            _kind, url = search_bench.random_search(rng)
        params += parse_qsl(url.partition("?")[2])
    elif rng.random() < 0.5:
        params.append(("sort", "newest"))
    return kind, f"/bands/?{urlencode(params)}"


def run_searches(count: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    client = Client()
    today = timezone.now().date()
    for url in ("/bands/", f"/bands/?free_on={today + dt.timedelta(days=3)}&part=evening"):
        client.get(url)
        client.get(url, headers={"HX-Request": "true"})
    server = search_bench.ServerCPU()
    rows = []
    load_before = search_bench.load_average()
    for _ in range(count):
        kind, url = random_free_search(rng, today)
        htmx = rng.random() < 0.5
        counter = search_bench.QueryCounter()
        with connection.execute_wrapper(counter):
            db_cpu = server.ms()
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            elapsed, cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
            db_cpu = server.ms() - db_cpu if db_cpu is not None else float("nan")
        if response.status_code != 200 or b"We left out filters" in response.content:
            print(f"!! {response.status_code} for {url}")
        found = int(FOUND.search(response.content.decode()).group(1).replace(",", ""))
        rows.append((kind, elapsed, counter.count, url, found, cpu, db_cpu))

    load = search_bench.load_average()
    print(
        f"\n{count} free-date searches on {connection.vendor} {connection.pg_version // 10000} "
        f"(load average {load_before} before, {load} after)"
    )
    print("wall: server time through the test client; cpu: this process; db cpu: the PostgreSQL backend")
    print(
        f"{'window':<14}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}{'cpu p95':>9}"
        f"{'db cpu p50':>12}{'db cpu p95':>12}{'queries':>9}{'bands found (median)':>22}"
    )
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    groups["all"] = rows
    for name, group in groups.items():
        times = [r[1] for r in group]
        queries = sorted({r[2] for r in group})
        q = f"{queries[0]}" if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
        found = statistics.median(r[4] for r in group)
        cpu, db_cpu = [r[5] for r in group], [r[6] for r in group]
        print(
            f"{name:<14}{len(group):>5}{statistics.median(times):>9.1f}{search_bench.percentile(times, 95):>9.1f}"
            f"{max(times):>9.1f}{statistics.median(cpu):>9.1f}{search_bench.percentile(cpu, 95):>9.1f}"
            f"{statistics.median(db_cpu):>12.1f}{search_bench.percentile(db_cpu, 95):>12.1f}{q:>9}{found:>22,.0f}"
        )
    p95 = search_bench.percentile([r[1] for r in rows], 95)
    verdict = "within" if p95 < BUDGET_P95_MS else "OVER"
    print(f"\np95 {p95:.1f} ms: {verdict} the {BUDGET_P95_MS:.0f} ms budget (load average {load})")
    print("\nslowest requests (wall ms, cpu ms, db cpu ms):")
    for row in sorted(rows, key=lambda r: -r[1])[:5]:
        print(f"  {row[1]:7.1f} {row[5]:6.1f} {row[6]:6.1f}  {row[2]} queries  {row[4]:>5} found  {row[3]}")
    print("\nmost database cpu (wall ms, cpu ms, db cpu ms):")
    for row in sorted(rows, key=lambda r: -r[6])[:5]:
        print(f"  {row[1]:7.1f} {row[5]:6.1f} {row[6]:6.1f}  {row[2]} queries  {row[4]:>5} found  {row[3]}")


def previous_band_not_busy(start: dt.datetime, end: dt.datetime):
    """The filter before bands.0008: no required membership whose person has a busy row in the
    window, through availability.0002's GiST index on the busy rows (an anti-join over people)."""
    from django.db.models import Exists, OuterRef

    from availability.models import BusyInterval
    from bands.models import Membership
    from bands.selectors import BusyOverlaps

    busy = BusyInterval.objects.filter(BusyOverlaps(start, end), user_id=OuterRef("user_id"))
    return ~Exists(Membership.objects.filter(Exists(busy), band=OuterRef("pk"), required=True))


def compare_previous(count: int, rng: random.Random) -> None:
    """Each search twice, with today's filter and the previous one, in random order: their times
    side by side (the same machine, the same moment) and whether they found the same bands."""
    from unittest import mock

    from django.test import Client
    from django.utils import timezone

    from bands import selectors

    client = Client()
    today = timezone.now().date()
    server = search_bench.ServerCPU()
    timings: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "cpu": [], "db": []} for name in ("today", "previous")
    }
    same = 0
    load_before = search_bench.load_average()
    for _ in range(count):
        _kind, url = random_free_search(rng, today)
        headers = {"HX-Request": "true"} if rng.random() < 0.5 else {}
        found = {}
        for name in rng.sample(["today", "previous"], 2):
            previous = mock.patch.object(selectors, "_band_not_busy", previous_band_not_busy)
            with previous if name == "previous" else contextlib.nullcontext():
                db = server.ms()
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get(url, headers=headers)
                timings[name]["wall"].append((time.perf_counter() - start) * 1000)
                timings[name]["cpu"].append((time.process_time() - cpu) * 1000)
                timings[name]["db"].append(server.ms() - db)
            found[name] = re.findall(rb'class="result-card__title">\s*<a\s+href="([^"]+)"', response.content)
            found[name].append(FOUND.search(response.content.decode()).group(1).encode())
        same += found["today"] == found["previous"]
    print(
        f"\n{count} free-date searches, each with today's query and the previous one in turn "
        f"(load average {load_before} before, {search_bench.load_average()} after)"
    )
    print(f"{'query':<10}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'cpu p95':>9}{'db cpu p50':>12}{'db cpu p95':>12}")
    for name, t in timings.items():
        p = search_bench.percentile
        print(
            f"{name:<10}{statistics.median(t['wall']):>9.1f}{p(t['wall'], 95):>9.1f}{statistics.median(t['cpu']):>9.1f}"
            f"{p(t['cpu'], 95):>9.1f}{statistics.median(t['db']):>12.1f}{p(t['db'], 95):>12.1f}"
        )
    ratio = {
        key: search_bench.percentile(timings["today"][key], 95) / search_bench.percentile(timings["previous"][key], 95)
        for key in ("wall", "db")
    }
    print(f"today / previous at p95: wall ×{ratio['wall']:.2f}, database CPU ×{ratio['db']:.2f}")
    print(f"same page of bands and count: {same} of {count} searches")


def compare_without_travel(count: int, rng: random.Random) -> None:
    """Each search twice, with the journeys to and from gigs and without them (the search before
    bands.selectors._on_the_road), in random order: their times side by side, and how many bands the
    journeys took out of the count."""
    from unittest import mock

    from django.db.models import BooleanField, Func
    from django.test import Client
    from django.utils import timezone

    from bands import selectors

    class NoJourneys(Func):
        output_field = BooleanField()

        def __init__(self, *args, **kwargs) -> None:
            super().__init__()

        def __invert__(self):
            return self

        def as_sql(self, compiler, connection, **extra_context):
            return "TRUE", []

    client = Client()
    today = timezone.now().date()
    server = search_bench.ServerCPU()
    timings: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "cpu": [], "db": []} for name in ("travel", "no travel")
    }
    same, fewer = 0, []
    load_before = search_bench.load_average()
    for _ in range(count):
        _kind, url = random_free_search(rng, today)
        headers = {"HX-Request": "true"} if rng.random() < 0.5 else {}
        found = {}
        for name in rng.sample(["travel", "no travel"], 2):
            without = mock.patch.object(selectors, "_on_the_road", NoJourneys)
            with without if name == "no travel" else contextlib.nullcontext():
                db = server.ms()
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get(url, headers=headers)
                timings[name]["wall"].append((time.perf_counter() - start) * 1000)
                timings[name]["cpu"].append((time.process_time() - cpu) * 1000)
                timings[name]["db"].append(server.ms() - db)
            found[name] = int(FOUND.search(response.content.decode()).group(1).replace(",", ""))
        same += found["travel"] == found["no travel"]
        fewer.append(found["no travel"] - found["travel"])
    print(
        f"\n{count} free-date searches, each with the journeys and without them in turn "
        f"(load average {load_before} before, {search_bench.load_average()} after)"
    )
    print(f"{'query':<10}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'cpu p95':>9}{'db cpu p50':>12}{'db cpu p95':>12}")
    for name, t in timings.items():
        p = search_bench.percentile
        print(
            f"{name:<10}{statistics.median(t['wall']):>9.1f}{p(t['wall'], 95):>9.1f}{statistics.median(t['cpu']):>9.1f}"
            f"{p(t['cpu'], 95):>9.1f}{statistics.median(t['db']):>12.1f}{p(t['db'], 95):>12.1f}"
        )
    print(
        f"same count in {same} of {count} searches; the journeys took out {statistics.median(fewer):.0f} bands "
        f"(median), {max(fewer)} at most; never more found with them: {min(fewer) >= 0}"
    )


def explain() -> None:
    from django.db import connection
    from django.utils import timezone

    from bands.forms.search import local_window
    from bands.selectors import band_search

    today = timezone.now().date()
    utc = dt.UTC
    windows = {
        "an evening in 10 days": local_window(today + dt.timedelta(days=10), "evening", utc),
        "a whole day in 200 days": local_window(today + dt.timedelta(days=200), "day", utc),
        "a weekend in 30 days, genre rock": (
            dt.datetime.combine(today + dt.timedelta(days=30), dt.time(18), tzinfo=utc),
            dt.datetime.combine(today + dt.timedelta(days=33), dt.time(0), tzinfo=utc),
        ),
    }
    for name, window in windows.items():
        genres = ["rock"] if "rock" in name else None
        # What the page runs first (bands.search_pages.KeysFirstPaginator): the ordered keys of every match.
        keys = band_search(free_between=window, genres=genres).values_list("pk", flat=True)
        sql, params = keys.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\nEXPLAIN ANALYZE of the keys of bands free {name}:\n{plan}")


def main() -> None:
    args = parse_args()
    maintenance_url = search_bench.postgres_only_setup("free_search.py", args.database_name, reuse=args.reuse)
    if maintenance_url is None:
        return

    from django.core.management import call_command
    from django.db import connection, connections

    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            search_bench.generate(rng)
            generate_busy(rng)
            generate_gigs(rng)
        else:
            generate_gigs(rng)
            # What autovacuum would do after a migration filled a table (index-only scans need it).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        set_span_index(present=not args.without_span_index)
        if args.explain:
            explain()
        run_searches(args.searches, rng)
        if args.compare_previous:
            compare_previous(args.searches, rng)
        if args.compare_without_travel:
            compare_without_travel(args.searches, rng)
    finally:
        connections.close_all()
        if args.keep or args.reuse:
            print(f"\nkept database {args.database_name}")
        else:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
