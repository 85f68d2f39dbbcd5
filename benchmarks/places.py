"""Server time of the city autocomplete (`GET /places/cities/?q=…`) over the whole gazetteer.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/places.py
        [--prefixes 400] [--keep] [--reuse] [--without-indexes] [--database-name stageslot_bench_places]

PostgreSQL only (prints a message and stops on SQLite). The script creates its own database
(DATABASE_URL supplies the server; the name is replaced by --database-name) and migrates it, which
loads the gazetteer (~34,000 cities). It then types a few hundred prefixes the way people do – two
to eight letters of a city's name, drawn with the cities' sizes as weights, other names ("münch",
"köln"), and letters that start no name – and sends each through Django's test client, printing
p50/p95/max server time, the PostgreSQL backend's CPU time and the queries per request; then the
same for matching typed text on a form submit (places.selectors.city_pick) and for the time zone at
a point. --without-indexes drops the two autocomplete indexes of places/0003 first, to compare.

Budget: p95 under 30 ms for the autocomplete.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (database helpers, percentiles, CPU and query counters)

BUDGET_P95_MS = 30.0
OTHER_NAMES = ["münch", "köln", "moskau", "mailand", "lissabon", "warschau", "praha", "wien", "nürnb", "kopenh"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefixes", type=int, default=400)
    parser.add_argument("--database-name", default="stageslot_bench_places")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--without-indexes", action="store_true", help="drop the autocomplete indexes first")
    parser.add_argument("--seed", type=int, default=19)
    return parser.parse_args()


def typed_prefixes(rng: random.Random, count: int) -> list[str]:
    """What people type: mostly the start of a city's name (big cities more often), some other names
    and some letters that start no name."""
    from places.models import City

    cities = list(City.objects.values_list("name", "population"))
    names = rng.choices([n for n, _ in cities], weights=[max(p, 1) ** 0.5 for _, p in cities], k=count)
    typed = []
    for name in names:
        roll = rng.random()
        if roll < 0.08:
            typed.append(rng.choice(OTHER_NAMES))
        elif roll < 0.12:
            typed.append("".join(rng.choice("qxzjvw") for _ in range(rng.randint(2, 5))))
        else:
            typed.append(name[: rng.randint(2, min(8, max(2, len(name))))])
    return typed


def measure(label: str, calls: list, run) -> list[float]:
    from django.db import connection

    server = search_bench.ServerCPU()
    rows = []
    for call in calls:
        counter = search_bench.QueryCounter()
        with connection.execute_wrapper(counter):
            db_cpu = server.ms()
            start = time.perf_counter()
            run(call)
            elapsed = (time.perf_counter() - start) * 1000
            db_cpu = server.ms() - db_cpu if db_cpu is not None else float("nan")
        rows.append((elapsed, db_cpu, counter.count, call))
    times = [r[0] for r in rows]
    queries = sorted({r[2] for r in rows})
    q = f"{queries[0]}" if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
    print(
        f"{label:<28}{len(rows):>5}{statistics.median(times):>9.2f}{search_bench.percentile(times, 95):>9.2f}"
        f"{max(times):>9.2f}{statistics.median(r[1] for r in rows):>12.2f}{q:>9}"
    )
    return times


def run(args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client

    from places.models import City
    from places.selectors import city_pick

    client = Client()
    typed = typed_prefixes(rng, args.prefixes)
    for q in ("le", "ber", "par"):  # warm-up: the first connection, templates, the plans
        client.get("/places/cities/", {"q": q})
    load_before = search_bench.load_average()
    print(f"\n{City.objects.count():,} cities on {connection.vendor} {connection.pg_version // 10000}")
    print("wall: server time through the test client; db cpu: the PostgreSQL backend")
    print(f"{'request':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'db cpu p50':>12}{'queries':>9}")
    sizes: dict[str, int] = {}

    def suggest(q: str) -> None:
        response = client.get("/places/cities/", {"q": q})
        assert response.status_code == 200, response.status_code
        sizes[q] = response.content.count(b'role="option"')

    times = measure("autocomplete", typed, suggest)
    measure("  two letters", [q for q in typed if len(q) == 2], suggest)
    measure("  five letters or more", [q for q in typed if len(q) >= 5], suggest)
    names = [q for q in typed if sizes.get(q)]
    measure("typed text matched (submit)", names[:200], lambda q: city_pick(q))
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(200)]
    measure(
        "time zone at a point",
        points,
        lambda p: client.get("/places/time-zone/", {"latitude": f"{p[0]:.4f}", "longitude": f"{p[1]:.4f}"}),
    )
    empty = sum(1 for q in typed if not sizes.get(q))
    median = statistics.median(sizes.values())
    print(f"\n{empty} of {len(typed)} prefixes found no city; median {median:.0f} suggestions")
    p95 = search_bench.percentile(times, 95)
    load = search_bench.load_average()
    verdict = "within" if p95 < BUDGET_P95_MS else "OVER"
    print(f"autocomplete p95 {p95:.2f} ms: {verdict} the {BUDGET_P95_MS:.0f} ms budget")
    print(f"load average {load_before} before, {load} after")


def main() -> None:
    args = parse_args()
    maintenance_url = search_bench.postgres_only_setup("places.py", args.database_name, reuse=args.reuse)
    if maintenance_url is None:
        return

    from django.core.management import call_command
    from django.db import connection, connections

    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)  # loads the gazetteer
        with connection.cursor() as cursor:
            if args.without_indexes:
                cursor.execute("DROP INDEX IF EXISTS places_city_search_prefix")
                cursor.execute("DROP INDEX IF EXISTS places_city_other_names_trgm")
            cursor.execute("ANALYZE places_city")
        run(args, rng)
    finally:
        connections.close_all()
        if args.keep or args.reuse:
            print(f"\nkept database {args.database_name}")
        else:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
