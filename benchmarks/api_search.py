"""Server time of the JSON API's band search by free date and genre over 10,000 bands.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/api_search.py
        [--searches 300] [--without-busy] [--keep] [--reuse] [--database-name stageslot_bench_api]

PostgreSQL only (prints a message and stops on SQLite). The script creates its own database
(DATABASE_URL supplies the server; the name is replaced by --database-name), migrates it, generates
the bands of benchmarks/search.py (10,000 bands, 60,000 memberships, 40,000 people) and, unless
--without-busy, the millions of busy intervals of benchmarks/free_search.py. It then sends
`GET /api/v1/bands?free_on=…&genre=…` (with a part of the day, a place or a sort now and then, and
the next page of some) through Django's test client with a personal access token, and prints
p50/p95/max server time, the CPU time of this process and of the PostgreSQL backend, and the queries
per request, for the first pages and the next pages alike (keyset: a next page costs what the first does).

Budget: p95 under 100 ms.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import free_search as free_bench  # noqa: E402  (its busy intervals)
import search as search_bench  # noqa: E402  (its bands, places and helpers)

BUDGET_P95_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--database-name", default="stageslot_bench_api")
    parser.add_argument("--without-busy", action="store_true", help="bands only, no busy time")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the data a --keep run left")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def random_query(rng: random.Random, today: dt.date, genres: list[str]) -> list[tuple[str, str]]:
    params = [("free_on", str(today + dt.timedelta(days=rng.randint(1, 60)))), ("genre", rng.choice(genres))]
    if rng.random() < 0.3:
        params.append(("part", rng.choice(["evening", "afternoon", "day"])))
    if rng.random() < 0.2:
        params.append(("country", rng.choice(search_bench.PLACES)[2]))
    if rng.random() < 0.2:
        params.append(("sort", "newest"))
    return params


def run_searches(count: int, rng: random.Random) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.api_tokens import api_token_create
    from accounts.models import User
    from bands.models import Genre

    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_token": "1000000/m", "api_ip": "1000000/m"}
    user = User.objects.order_by("pk").first()
    _token, raw = api_token_create(user=user, name="benchmark", scopes=["read"], expires_at=None)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    today = timezone.now().date()
    genres = list(Genre.objects.values_list("slug", flat=True))
    for _ in range(3):  # warm-up: the cached genre and country lists, the first connection
        client.get("/api/v1/bands", {"free_on": str(today + dt.timedelta(days=3)), "genre": genres[0]})
    server = search_bench.ServerCPU()
    rows = []
    load_before = search_bench.load_average()
    for _ in range(count):
        url = f"/api/v1/bands?{urlencode(random_query(rng, today, genres))}"
        for page in ("first page", "next page"):
            counter = search_bench.QueryCounter()
            with connection.execute_wrapper(counter):
                db_cpu = server.ms()
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed, cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
                db_cpu = server.ms() - db_cpu if db_cpu is not None else float("nan")
            if response.status_code != 200:
                print(f"!! {response.status_code} for {url}: {response.content[:200]!r}")
                break
            body = response.json()
            rows.append((page, elapsed, counter.count, url, len(body["items"]), cpu, db_cpu))
            if not body["next"] or rng.random() < 0.7:
                break
            url = body["next"].split("://", 1)[1].split("/", 1)[1]
            url = "/" + url

    load = search_bench.load_average()
    print(f"\n{len(rows)} API band searches (free_on + genre) on {connection.vendor} {connection.pg_version // 10000}")
    print(f"load average {load_before} before, {load} after")
    print("wall: server time through the test client; cpu: this process; db cpu: the PostgreSQL backend")
    print(
        f"{'request':<12}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}{'db cpu p50':>12}"
        f"{'queries':>9}{'items (median)':>16}"
    )
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    groups["all"] = rows
    for name, group in groups.items():
        times = [r[1] for r in group]
        queries = sorted({r[2] for r in group})
        q = f"{queries[0]}" if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
        print(
            f"{name:<12}{len(group):>5}{statistics.median(times):>9.1f}{search_bench.percentile(times, 95):>9.1f}"
            f"{max(times):>9.1f}{statistics.median(r[5] for r in group):>9.1f}"
            f"{statistics.median(r[6] for r in group):>12.1f}{q:>9}{statistics.median(r[4] for r in group):>16.0f}"
        )
    p95 = search_bench.percentile([r[1] for r in rows], 95)
    verdict = "within" if p95 < BUDGET_P95_MS else "OVER"
    print(f"\np95 {p95:.1f} ms: {verdict} the {BUDGET_P95_MS:.0f} ms budget (load average {load})")
    print("\nslowest requests (wall ms, cpu ms, db cpu ms):")
    for row in sorted(rows, key=lambda r: -r[1])[:5]:
        print(f"  {row[1]:7.1f} {row[5]:6.1f} {row[6]:6.1f}  {row[2]} queries  {row[3][:140]}")


def main() -> None:
    args = parse_args()
    maintenance_url = search_bench.postgres_only_setup("api_search.py", args.database_name, reuse=args.reuse)
    if maintenance_url is None:
        return

    from django.core.management import call_command
    from django.db import connection, connections

    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            search_bench.generate(rng)
            if not args.without_busy:
                free_bench.generate_busy(rng)
        else:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        run_searches(args.searches, rng)
    finally:
        connections.close_all()
        if args.keep or args.reuse:
            print(f"\nkept database {args.database_name}")
        else:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
