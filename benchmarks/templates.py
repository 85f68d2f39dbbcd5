"""What the pages spend beyond their queries: search pages against their selector, and throughput over HTTP.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/templates.py
        [--runs 100] [--database-name stageslot_bench_templates] [--keep] [--reuse]
    DATABASE_URL=… .venv/bin/python benchmarks/templates.py --wrk [--reuse --keep]
        [--port 8420] [--seconds 10] [--rounds 3] [--connections 4] [--compare /path/to/other/checkout]

PostgreSQL only. The script creates its own database (DATABASE_URL supplies the server; the name is
replaced by --database-name), migrates it and generates the data of benchmarks/search.py (10,000
bands, 2,000 venues), the busy time of benchmarks/free_search.py and 5,000 open slots as in
benchmarks/booking.py. --reuse keeps the data a --keep run left.

1. Search pages (default). For each search page – /bands/ plain, with a text query, with a free
   date; /venues/; /slots/ – the page through Django's test client and, interleaved with it, the
   selector alone: the same call the view makes with the same arguments, paged the way the view
   pages it (count and the first 24 rows with their prefetches). Prints p50/p95 of both, in ms,
   and the ratio page/selector. Goal: the page within 1.3× its selector.

2. --wrk. gunicorn (production settings: DEBUG off, manifest static files, Redis DB --redis-db as the
   cache; 2 sync workers on --port) serves /health/, a public band page and /accounts/login/;
   `wrk` (apt-get install wrk) loads each in turn, --rounds times --seconds each, interleaved, and the
   script prints the median requests per second of each URL and its ratio to /health/.
   --compare PATH serves a second checkout (another commit) on the next port from the same
   database and measures it in the same rounds, so before and after share the machine's load.

The machine's load average is printed beside every figure: on a shared machine, compare ratios
measured within one run, not absolute times across runs.
"""

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (database helpers, bands and venues, percentiles)

GOAL_RATIO = 1.3
PAGE_SIZE = 24
SLOTS = 5000
TEXT_QUERIES = ["owls", "midnight", "guitars", "harbour", "velvet", "summer", "drums", "neon"]
# The earlier side-by-side measurement with GO3 (issue "Speed at scale", part 3); it cannot be repeated here.
GO3_BEFORE = {"band page": 0.72, "login": 0.56}
WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_COUNT = re.compile(r"(\d+) requests in")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="requests of each search page (and selector calls)")
    parser.add_argument("--database-name", default="stageslot_bench_templates")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the data a --keep run left")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--wrk", action="store_true", help="throughput over HTTP instead of the search pages")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=10)
    parser.add_argument("--compare", type=Path, help="another checkout to serve and measure in the same rounds")
    return parser.parse_args()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- Data ----------------------------------------------------------------------------------------------


def generate(rng: random.Random) -> None:
    import booking as booking_bench
    import free_search as free_bench

    search_bench.generate(rng)
    free_bench.generate_busy(rng)
    booking_bench.generate_slots(rng, SLOTS)


# ---- 1. Search pages against their selector ------------------------------------------------------------


def search_cases(rng: random.Random) -> list[tuple[str, callable]]:
    """(name, make) pairs; make() gives (URL, selector) of one request: the selector runs what the view asks
    the database for, with the arguments the view's form derives from the same query string."""
    from django.core.paginator import Paginator
    from django.http import QueryDict
    from django.utils import timezone

    from bands.forms.search import BandSearchForm
    from bands.search_pages import KeysFirstPaginator
    from bands.selectors import band_search, genres_all
    from bookings.forms.finder import FinderForm
    from bookings.selectors.finder import finder_slots
    from venues.forms.search import VenueSearchForm
    from venues.selectors import venue_search

    genres = list(genres_all())
    today = timezone.localdate()

    def paged(qs, keys_first: bool) -> None:
        paginator = (KeysFirstPaginator if keys_first else Paginator)(qs, PAGE_SIZE)
        page = paginator.get_page(None)
        list(page.object_list)
        return paginator.count

    def band_case(params: dict) -> tuple[str, callable]:
        query = QueryDict(urlencode(params))
        filters = BandSearchForm(query, genres=genres, countries=[]).filters()
        keys_first = bool(filters["free_between"] or filters["free_on_local"])
        return f"/bands/?{query.urlencode()}", lambda: paged(band_search(**filters), keys_first)

    def venue_case() -> tuple[str, callable]:
        filters = VenueSearchForm(QueryDict(), genres=genres, countries=[]).filters()
        return "/venues/", lambda: paged(venue_search(**filters), False)

    def slot_case() -> tuple[str, callable]:
        form = FinderForm(QueryDict(), genres=genres, countries=[], bands=[], zone=timezone.get_current_timezone())
        filters = form.filters()
        playable = filters["playable"]
        # The view asks with its own clock; a few microseconds apart changes nothing that is counted.
        return "/slots/", lambda: paged(finder_slots(now=timezone.now(), band_id=None, **filters), playable)

    def free_day() -> dict:
        return {"free_on": (today + dt.timedelta(days=rng.randint(2, 40))).isoformat(), "part": "evening"}

    return [
        ("bands", lambda: band_case({})),
        ("bands ?q=", lambda: band_case({"q": rng.choice(TEXT_QUERIES)})),
        ("bands free on", lambda: band_case(free_day())),
        ("venues", venue_case),
        ("slots", slot_case),
    ]


def timed(fn) -> tuple[object, float, int]:
    from django.db import connection

    counter = search_bench.QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - start) * 1000
    return result, elapsed, counter.count


def count_templates(client, url: str) -> tuple[int, str]:
    """(templates rendered, the three rendered most often) for one request of `url` (the test client's
    template_rendered signal: every template object rendered, by {% include %} too; not partials)."""
    response = client.get(url)
    names = Counter(t.name for t in response.templates)
    return names.total(), ", ".join(f"{n}× {name}" for name, n in names.most_common(3))


def run_search_pages(runs: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client

    client = Client()
    cases = search_cases(rng)
    # Warm-up: templates compiled and cached, connections open, as in a running server.
    for _name, make in cases:
        url, selector = make()
        for _ in range(3):
            selector()
            assert client.get(url).status_code == 200
            client.get(url, headers={"HX-Request": "true"})
    rows: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name, _ in cases}
    loads = [load_average()]
    for i in range(runs):
        for name, make in cases:
            url, selector = make()
            # Alternate the order, so that neither side always finds the caches the other warmed.
            if i % 2:
                _r, sel_ms, sel_q = timed(selector)
                response, page_ms, page_q = timed(lambda: client.get(url))  # noqa: B023
            else:
                response, page_ms, page_q = timed(lambda: client.get(url))  # noqa: B023
                _r, sel_ms, sel_q = timed(selector)
            assert response.status_code == 200, (url, response.status_code)
            rows[name].append((page_ms, sel_ms, page_q, sel_q))
        if i == runs // 2:
            loads.append(load_average())
    loads.append(load_average())

    print(f"\n{runs} requests of each search page on {connection.vendor} {connection.pg_version // 10000}, each beside")
    print("its selector alone (same arguments, paged as the view pages it), interleaved; times in ms")
    print(f"load average (1, 5, 15 min) at start, middle, end: {' | '.join(loads)}")
    print(
        f"{'page':<15}{'page p50':>9}{'p95':>7}{'q':>4} | {'selector p50':>12}{'p95':>7}{'q':>4} | "
        f"{'ratio p50':>9}{'p95':>6}{'per-request p50':>16}  goal ≤ {GOAL_RATIO}"
    )
    for name, group in rows.items():
        page, sel = [r[0] for r in group], [r[1] for r in group]
        ratio50 = statistics.median(page) / statistics.median(sel)
        ratio95 = search_bench.percentile(page, 95) / search_bench.percentile(sel, 95)
        each = statistics.median(r[0] / r[1] for r in group)
        verdict = "ok" if ratio50 <= GOAL_RATIO and ratio95 <= GOAL_RATIO else "OVER"
        print(
            f"{name:<15}{statistics.median(page):>9.1f}{search_bench.percentile(page, 95):>7.1f}"
            f"{_spread(r[2] for r in group):>4} | {statistics.median(sel):>12.1f}"
            f"{search_bench.percentile(sel, 95):>7.1f}{_spread(r[3] for r in group):>4} | "
            f"{ratio50:>9.2f}{ratio95:>6.2f}{each:>16.2f}  {verdict}"
        )
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client records rendered templates only from here on
    print("\ntemplates rendered per request (form widgets' too), and the most frequent:")
    for name, make in cases:
        url, _selector = make()
        total, frequent = count_templates(client, url)
        print(f"  {name:<15}{total:>4}   {frequent}")


def _spread(values) -> str:
    values = sorted(set(values))
    return f"{values[0]}" if len(values) == 1 else f"{values[0]}–{values[-1]}"


# ---- 2. Throughput over HTTP -----------------------------------------------------------------------------


def collect_static(root: Path, env: dict) -> None:
    """The manifest that production's static files storage reads (into root/staticfiles, git-ignored)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=root, env=env, check=True
    )


def gunicorn_start(root: Path, port: int, env: dict) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"stageslot-bench-templates-{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "stageslot.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync",
         "--backlog", "2048", "--timeout", "120", "--log-level", "warning"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/health/", headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"gunicorn did not come up on port {port}; see {log.name}") from None
            time.sleep(0.3)


def wrk(url: str, *, seconds: int, connections: int) -> tuple[float, int]:
    """(requests per second, requests answered) of `url` under wrk."""
    # One wrk thread: the load generator shares the two cores with the server, the same for every URL.
    # The proxy in front of production says the visit came over HTTPS, so no redirect.
    out = subprocess.run(  # noqa: S603
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", "X-Forwarded-Proto: https", url],  # noqa: S607
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"wrk got error answers from {url}:\n{out}")
    return float(WRK_LINE.search(out).group(1)), int(WRK_COUNT.search(out).group(1))


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) each process has used so far (Linux /proc; a process gone is left out)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings; a process that started in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def worker_pids(server: subprocess.Popen) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    except OSError:
        return []


def database_pids(bench_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark database (the workers keep theirs: CONN_MAX_AGE)."""
    import psycopg

    name = urlsplit(bench_url).path.lstrip("/")
    with psycopg.connect(bench_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [row[0] for row in rows]


def run_wrk(args: argparse.Namespace, bench_url: str) -> None:
    from bands.models import ApprovalStatus, Band

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    # A band with what a press kit shows: photos, genres, a bio and members.
    band = (
        Band.objects.filter(status=ApprovalStatus.APPROVED, photos__isnull=False, genres__isnull=False)
        .order_by("pk")
        .first()
    )
    paths = {"health": "/health/", "band page": f"/bands/{band.slug}/", "login": "/accounts/login/"}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.production",
        "DATABASE_URL": bench_url,
        "DJANGO_SECRET_KEY": "benchmark-only-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "DJANGO_CACHE_PREFIX": "bench-templates",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Each worker keeps its database connection for the whole run, so its backend's CPU can be read.
        "DJANGO_CONN_MAX_AGE": "3600",
    }
    trees = {"this checkout": ROOT}
    if args.compare:
        trees = {str(args.compare): args.compare.resolve(), "this checkout": ROOT}
    servers = {}
    try:
        for offset, (label, root) in enumerate(trees.items()):
            collect_static(root, env)
            servers[label] = (args.port + offset, gunicorn_start(root, args.port + offset, env))
        for _label, (port, _server) in servers.items():
            for path in paths.values():
                wrk(f"http://127.0.0.1:{port}{path}", seconds=2, connections=args.connections)
        # (server, URL) -> [(req/s, app CPU ms per request, database CPU ms per request)]
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        loads = []
        for _round in range(args.rounds):
            for name, path in paths.items():
                for label, (port, server) in servers.items():
                    loads.append(load_average())
                    app_cpu = cpu_seconds(worker_pids(server))
                    db_cpu = cpu_seconds(database_pids(bench_url))
                    url = f"http://127.0.0.1:{port}{path}"
                    rps, count = wrk(url, seconds=args.seconds, connections=args.connections)
                    app_ms = cpu_used(app_cpu, cpu_seconds(worker_pids(server))) * 1000 / count
                    db_ms = cpu_used(db_cpu, cpu_seconds(database_pids(bench_url))) * 1000 / count
                    results.setdefault((label, name), []).append((rps, app_ms, db_ms))
        print(
            f"\nwrk: 1 thread, {args.connections} connections, {args.seconds} s per measurement, {args.rounds} rounds "
            "interleaved; gunicorn with 2 sync workers, production settings (DEBUG off, Redis cache)"
        )
        print(f"band page: {paths['band page']}")
        print(f"load average (1, 5, 15 min) before each measurement: {' | '.join(loads)}")
        print(
            f"{'server':<28}{'URL':<11}{'req/s p50':>10}{'× /health/':>11}{'app CPU ms/req':>16}{'db CPU ms/req':>15}"
            "  req/s of each round"
        )
        for label in servers:
            health = statistics.median(r[0] for r in results[label, "health"])
            for name in paths:
                rows = results[label, name]
                rps = statistics.median(r[0] for r in rows)
                print(
                    f"{label:<28}{name:<11}{rps:>10.1f}{rps / health:>11.2f}"
                    f"{statistics.median(r[1] for r in rows):>16.2f}{statistics.median(r[2] for r in rows):>15.2f}"
                    f"  {' '.join(f'{r[0]:.0f}' for r in rows)}"
                )
        if args.compare:
            other = next(iter(servers))
            print(
                f"\nthis checkout against {other}: requests per second (median of the rounds' ratios, each round "
                "measuring both within a minute) and CPU per request, workers and database together (lower is better)"
            )
            for name in paths:
                mine, theirs = results["this checkout", name], results[other, name]
                paired = statistics.median(m[0] / t[0] for m, t in zip(mine, theirs, strict=True))
                cpu_mine = statistics.median(m[1] + m[2] for m in mine)
                cpu_theirs = statistics.median(t[1] + t[2] for t in theirs)
                print(
                    f"  {name:<11} req/s {paired:5.2f}×   CPU per request {cpu_theirs:6.2f} → {cpu_mine:6.2f} ms "
                    f"({cpu_theirs / cpu_mine:4.2f}× fewer)"
                )
        print(
            "\nGO3 cannot be served here (no network). The earlier side-by-side measurement (issue 'Speed at scale',"
            f" part 3), before this work: public band page {GO3_BEFORE['band page']}× GO3's requests per second,"
            f" login {GO3_BEFORE['login']}×. Reaching GO3 needs this checkout at "
            f"{1 / GO3_BEFORE['band page']:.2f}× and {1 / GO3_BEFORE['login']:.2f}× the requests per second before it."
        )
    finally:
        for _port, server in servers.values():
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    args = parse_args()
    bench_url, maintenance_url = search_bench.bench_database_url(args.database_name)
    if not args.reuse:
        search_bench.recreate_database(maintenance_url, args.database_name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connections

    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            generate(rng)
        if args.wrk:
            connections.close_all()
            run_wrk(args, bench_url)
        else:
            run_search_pages(args.runs, rng)
    finally:
        connections.close_all()
        if args.keep or args.reuse:
            print(f"\nkept database {args.database_name}")
        else:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
