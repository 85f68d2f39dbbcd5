"""Requests per second of a real server: the login page, the public band page and its availability month, the
bell and the dashboard.

Usage:
    .venv/bin/python benchmarks/throughput.py [--connections 20] [--seconds 10] [--warm-up 2] [--rounds 3]
        [--workers 2] [--threads 4] [--pages login band availability bell bell-seen dashboard]
        [--pin availability band 0.17]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/0]
        [--database-name stageslot_bench_throughput] [--keep] [--gigs 500 --members 8]
        [--peer-url http://127.0.0.1:9000 --peer-page login /login --peer-page band /band/1
         --peer-cookie sessionid=… --peer-page band-member /band/1]

Makes a PostgreSQL database of its own on the server --database-url names (dropped at the end unless
--keep), migrates it and loads the demo world (`seed_demo`), collects the static files when they are
older than static/, then starts the Procfile's web line (gunicorn, its worker class, timeouts and
recycling) with the production settings (DEBUG off, Redis cache, hashed static files) on a free port,
with --workers × --threads. --gigs N gives The Night Owls N more bookings in the feed window and --members M
brings the band to M members (benchmarks/feeds.py's generate_gigs and band_members: the side-by-side
runs use a band of 8 with 500 gigs, as the peer's data). The band leader's session is written to the
database as signing in would.
Requests come as through the production proxy (X-Forwarded-Proto: https, X-Forwarded-For).

Each page is then loaded by --connections kept-alive connections at once (one thread each, this
machine's Python, no other tool): --warm-up seconds not counted, then --seconds counted. Rounds
alternate the pages (login, band, bell, …, login, band, …) so that a busy moment of the machine falls on
all of them; with a peer, each of our pages is loaded right before the peer's same page. Prints per page
the requests per second of each round and their median, p50/p95/p99 of
the latency over all rounds, the errors (a refused or broken connection, or any answer but 2xx/3xx),
and the load average after the page's last round (Linux counts runnable threads: the load's own
--connections threads and the server's are in it). Pages:

    login        GET /accounts/login/, anonymous, as a first visit (no cookies)
    band         GET /bands/the-night-owls/, the public band page, anonymous
    band-member  the same page, signed in as the band leader
    availability GET /bands/the-night-owls/availability/ as the band page and the widget load it (htmx): the
                 band's public month, anonymous
    bell         GET /notifications/bell/ as base.html polls it (htmx), signed in, without `seen`
    bell-seen    the same with `seen` the count and stamp it last answered: answered 204 from the stamp, no body
    dashboard    GET /dashboard/, signed in

--peer-url loads another server already running at that address in the same rounds, one page for
each --peer-page NAME PATH (NAME one of the pages above, so the two are compared: the ratio is
StageSlot's median requests per second over the peer's); --peer-cookie is sent with the peer's
band-member, bell and dashboard pages. The load generator runs on the same machine as the server and
takes a share of its cores: compare figures measured the same way, not with other tools'.
Goal: no errors on any page; the public band page and the login page serve at least as many requests
per second as a peer band app's on the same machine and workers (ratio >= 1.0).

--pin PAGE BASE FRACTION holds a page's speed to another's of the same run: PAGE's median requests per
second must be at least FRACTION of BASE's, or the run prints FAIL and exits with status 1 (both pages
must be loaded). The default pins the availability month to the band page (PIN_AVAILABILITY below): the
month lost half its speed once when its grid became a Django include per day (docs/decisions/0078); a ratio
of the same run is steadier than requests per second on a shared machine.
"""

import argparse
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BAND = "the-night-owls"
LEADER = "mara@demo.stageslot.test"
PAGES = {
    "login": ("/accounts/login/", False),
    "band": (f"/bands/{BAND}/", False),
    "band-member": (f"/bands/{BAND}/", True),
    "availability": (f"/bands/{BAND}/availability/", False),
    "bell": ("/notifications/bell/", True),
    "bell-seen": ("/notifications/bell/?seen=", True),
    "dashboard": ("/dashboard/", True),
}
# gunicorn's access log lines ('%(h)s %(l)s %(u)s %(t)s "%(r)s" …') and its own news (booting, recycling a
# worker): the rest of the server's log (warnings, errors) is printed.
ROUTINE_LINE = re.compile(r'^\S+ - \S+ \[[^]]+\] "|^\[[^]]+\] \[\d+\] \[INFO\] |^\{"time": "[^"]*", "level": "INFO", ')
DEFAULT_PAGES = ["login", "band", "availability", "bell", "bell-seen", "dashboard"]
# The availability month's requests per second, at least this share of the band page's (--pin): measured
# 0.21 (15 / 71) with the grid in Jinja2, 0.13 (10 / 80) with a Django include per day (docs/decisions/0078;
# 2 workers × 4 threads, 20 connections, 2 cores under load 8–14).
PIN_AVAILABILITY = ("availability", "band", 0.17)
# What the production proxy adds (SECURE_PROXY_SSL_HEADER, one trusted proxy): no redirect to HTTPS.
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
HTMX = {"HX-Request": "true", "HX-Trigger": "bell", "HX-Current-URL": "https://127.0.0.1/dashboard/"}
# What htmx sends when the band page loads its availability month (the section's hx-get).
HTMX_MONTH = {
    "HX-Request": "true",
    "HX-Target": "band-availability",
    "HX-Current-URL": f"https://127.0.0.1/bands/{BAND}/",
}
SESSION_SCRIPT = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from accounts.models import User
user = User.objects.get(email=%r)
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""

# The side-by-side data: The Night Owls with --gigs more bookings and --members members (benchmarks/feeds.py).
BAND_SCRIPT = """
import sys
sys.path.insert(0, "benchmarks")
import feeds
if %d:
    feeds.generate_gigs(%d)
feeds.band_members(%d)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=20, help="kept-alive connections at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="counted seconds per page and round")
    parser.add_argument("--warm-up", type=float, default=2.0, help="seconds not counted before each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (WEB_THREADS)")
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=DEFAULT_PAGES)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server (its database name is ignored)")  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database-name", default="stageslot_bench_throughput")
    parser.add_argument("--keep", action="store_true", help="leave the database and the server's log in place")
    parser.add_argument("--gigs", type=int, default=0, help="more bookings of The Night Owls (feeds.py's)")
    parser.add_argument("--members", type=int, default=0, help="bring The Night Owls up to this many members")
    parser.add_argument("--peer-url", help="another server, already running, loaded in the same rounds")
    parser.add_argument("--peer-page", nargs=2, action="append", default=[], metavar=("NAME", "PATH"),
                        help="a page of the peer, compared with StageSlot's page NAME")  # fmt: skip
    parser.add_argument("--peer-cookie", default="", help="Cookie header for the peer's signed-in pages")
    parser.add_argument("--pin", nargs=3, action="append", metavar=("PAGE", "BASE", "FRACTION"),
                        help="fail unless PAGE serves at least FRACTION of BASE's requests per second")  # fmt: skip
    args = parser.parse_args()
    if args.pin is None:
        args.pin = [PIN_AVAILABILITY] if {"availability", "band"} <= set(args.pages) else []
    pins = []
    for page, base, fraction in args.pin:
        if page not in args.pages or base not in args.pages:
            parser.error(f"--pin: load both {page!r} and {base!r} (--pages)")
        try:
            pins.append((page, base, float(fraction)))
        except ValueError:
            parser.error(f"--pin: {fraction!r} is not a fraction")
    args.pin = pins
    for name, _path in args.peer_page:
        if name not in PAGES:
            parser.error(f"--peer-page: {name!r} is none of {', '.join(PAGES)}")
    if args.peer_page and not args.peer_url:
        parser.error("--peer-page needs --peer-url")
    return args


# --- The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_urls(server_url: str, name: str) -> tuple[str, str]:
    """(URL of the benchmark's database, URL of the server's maintenance database)."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("benchmarks/throughput.py serves the site as production does: --database-url must be PostgreSQL.")
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def recreate_database(maintenance_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *words: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *words], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(words[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def static_files_stale() -> bool:
    """True when the collected static files are missing or older than a file under static/."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    return any(path.stat().st_mtime > collected for path in (ROOT / "static").rglob("*") if path.is_file())


def web_command() -> str:
    """The Procfile's web line as the platform runs it (sh expands ${VAR:-default})."""
    line = next(
        part.split(":", 1)[1] for part in (ROOT / "Procfile").read_text().splitlines() if part.startswith("web:")
    )
    line = line.strip()
    if not line.startswith("gunicorn "):
        sys.exit(f"The Procfile's web line does not start gunicorn: {line}")
    return "exec " + shlex.quote(str(Path(sys.executable).with_name("gunicorn"))) + line[len("gunicorn") :]


class Server:
    """gunicorn with the Procfile's web line in a process group of its own; its log in a temporary file."""

    def __init__(self, env: dict[str, str], args: argparse.Namespace) -> None:
        self.port = free_port()
        env = {**env, "PORT": str(self.port), "WEB_CONCURRENCY": str(args.workers), "WEB_THREADS": str(args.threads)}
        self.log = Path(tempfile.gettempdir()) / f"stageslot-throughput-{self.port}.log"
        self.command = web_command()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                ["/bin/sh", "-c", self.command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _ = Connection(f"http://127.0.0.1:{self.port}", PROXY).get("/accounts/login/")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn did not come up on port {self.port}; see {self.log}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def forget_cache(redis_url: str, prefix: str) -> None:
    """Remove this run's keys (its own prefix) from the shared Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


# --- The load ---------------------------------------------------------------------------------------


class Connection:
    """One kept-alive HTTP/1.1 connection to a base URL, with fixed headers (the proxy's, a cookie)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Accept": "text/html,*/*", "Accept-Language": "en", "User-Agent": "throughput", **headers}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            self.connection.request("GET", self.prefix + path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.reopen()
            raise
        if response.will_close:
            self.reopen()
        return response.status, body

    def reopen(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)


@dataclass
class Target:
    """One page of one server, as loaded: its rounds' requests per second and every counted latency."""

    site: str
    name: str
    base_url: str
    path: str
    headers: dict[str, str]
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    load: str = ""


def load(target: Target, connections: int, warm_up: float, seconds: float) -> None:
    """--connections threads request the page again and again for warm_up + seconds. Requests per second
    count the answers that came within the counted seconds; the latencies and errors are those of every
    request sent within them, also when its answer came later (a stall across the end is not lost)."""
    start = threading.Barrier(connections + 1)
    window: list[float] = []
    results: list[tuple[list[float], dict[str, int], list[int]]] = []

    def worker() -> None:
        conn = Connection(target.base_url, target.headers)
        latencies: list[float] = []
        errors: dict[str, int] = {}
        answered = [0]
        results.append((latencies, errors, answered))
        start.wait()
        begin, end = window
        now = time.perf_counter()
        while now < end:
            sent = now
            try:
                status, _ = conn.get(target.path)
                problem = "" if 200 <= status < 400 else str(status)
            except (OSError, http.client.HTTPException) as exc:
                problem = type(exc).__name__
            now = time.perf_counter()
            if sent >= begin:
                latencies.append(now - sent)
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
            if begin <= now < end:
                answered[0] += 1
        conn.connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    begin = time.perf_counter() + warm_up
    window.extend([begin, begin + seconds])
    start.wait()
    for thread in threads:
        thread.join()
    counted = 0
    for latencies, errors, answered in results:
        counted += answered[0]
        target.requests += len(latencies)
        target.latencies.extend(latencies)
        for problem, count in errors.items():
            target.errors[problem] = target.errors.get(problem, 0) + count
    target.rates.append(counted / seconds)
    target.load = ", ".join(f"{x:.1f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def check(target: Target, expect: int) -> None:
    """One request before the load: the page answers as it should, or the figures would mean nothing."""
    status, body = Connection(target.base_url, target.headers).get(target.path)
    if status != expect:
        sys.exit(f"{target.site} {target.name} {target.path}: {status}, not {expect}\n{body[:500]!r}")


def stageslot_targets(base_url: str, cookie: str, pages: list[str]) -> list[Target]:
    proxy = PROXY
    signed_in = {**proxy, "Cookie": cookie}
    # What the page shows, as the bell's hidden `seen` field carries it: "<count>:<stamp>".
    _, body = Connection(base_url, {**signed_in, **HTMX}).get("/notifications/bell/")
    seen = re.search(rb'name="seen" value="(\d+:[^"]+)"', body)
    if not seen:
        sys.exit(f"The bell did not answer with its count:\n{body[:500]!r}")
    targets = []
    for name in pages:
        path, needs_session = PAGES[name]
        headers = dict(signed_in if needs_session else proxy)
        if name.startswith("bell"):
            headers.update(HTMX)
        if name == "availability":
            headers.update(HTMX_MONTH)
        if name == "bell-seen":
            path += quote(seen.group(1).decode(), safe=":")
        target = Target("StageSlot", name, base_url, path, headers)
        check(target, 204 if name == "bell-seen" else 200)
        targets.append(target)
    return targets


def peer_targets(args: argparse.Namespace) -> list[Target]:
    targets = []
    for name, path in args.peer_page:
        headers = {"Cookie": args.peer_cookie} if PAGES[name][1] and args.peer_cookie else {}
        target = Target("peer", name, args.peer_url, path, headers)
        check(target, 204 if name == "bell-seen" else 200)
        targets.append(target)
    return targets


def print_table(targets: list[Target], args: argparse.Namespace) -> None:
    print(
        f"\n{args.connections} connections, {args.warm_up:g} s warm-up + {args.seconds:g} s counted per page "
        f"and round, {args.rounds} rounds"
    )
    print(f"{'site':<10} {'page':<12} {'req/s by round':<22} {'median':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>12}  load average")  # fmt: skip
    for t in targets:
        rounds = " ".join(f"{rate:.0f}" for rate in t.rates)
        ms = [1000 * x for x in t.latencies] or [0.0]
        errors = f"{sum(t.errors.values())}/{t.requests}"
        print(
            f"{t.site:<10} {t.name:<12} {rounds:<22} {statistics.median(t.rates):>7.0f} {percentile(ms, 50):>7.1f} "
            f"{percentile(ms, 95):>7.1f} {percentile(ms, 99):>7.1f} {errors:>12}  {t.load}"
        )
        if t.errors:
            print(f"{'':<24}errors: " + ", ".join(f"{k} × {v}" for k, v in sorted(t.errors.items())))
    peers = {t.name: t for t in targets if t.site == "peer"}
    if peers:
        print("\nStageSlot / peer, median requests per second:")
        for t in targets:
            if t.site == "StageSlot" and t.name in peers:
                ratio = statistics.median(t.rates) / max(statistics.median(peers[t.name].rates), 1e-9)
                # Each round's own ratio (the two loads minutes apart at most): steadier on a busy machine.
                by_round = [a / max(b, 1e-9) for a, b in zip(t.rates, peers[t.name].rates, strict=False)]
                rounds = " ".join(f"{r:.2f}" for r in by_round)
                print(f"  {t.name:<12} {ratio:.2f}   by round {rounds}, their median {statistics.median(by_round):.2f}")


def check_pins(targets: list[Target], pins: list[tuple[str, str, float]]) -> bool:
    """Print each pinned page's median requests per second beside its base page's, their ratio and PASS or
    FAIL; True when every pin holds."""
    if not pins:
        return True
    rates = {t.name: statistics.median(t.rates) for t in targets if t.site == "StageSlot"}
    print("\npinned, median requests per second:")
    held = True
    for page, base, fraction in pins:
        ratio = rates[page] / max(rates[base], 1e-9)
        verdict = "PASS" if ratio >= fraction else "FAIL"
        held &= verdict == "PASS"
        figures = f"{page} {rates[page]:.0f} / {base} {rates[base]:.0f} = {ratio:.2f}"
        print(f"  {figures}, at least {fraction:.2f}: {verdict}")
    return held


def main() -> None:
    args = parse_args()
    held = True
    bench_url, maintenance_url = database_urls(args.database_url, args.database_name)
    media = Path(tempfile.mkdtemp(prefix="stageslot-throughput-media-"))
    prefix = f"bench-throughput-{secrets.token_hex(4)}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STAGESLOT_", "REDIS_URL"))}
    base.update({
        "DATABASE_URL": bench_url,
        "DJANGO_MEDIA_ROOT": str(media / "media"), "DJANGO_TEST_MEDIA_ROOT": str(media / "media"),
        "BOOKING_FILES_ROOT": str(media / "files"), "DJANGO_TEST_BOOKING_FILES_ROOT": str(media / "files"),
    })  # fmt: skip
    production = {
        **base,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": args.redis_url,
        "DJANGO_CACHE_PREFIX": prefix,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    server = None
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    recreate_database(maintenance_url, args.database_name)
    try:
        # As the other benchmarks: migrated and seeded with the test settings (tasks run inline).
        seeding = {**base, "DJANGO_SETTINGS_MODULE": "stageslot.settings.test"}
        t0 = time.perf_counter()
        manage(seeding, "migrate", "--noinput", "-v0")
        manage(seeding, "seed_demo", "--force", "--quiet")
        if args.gigs or args.members:
            print(manage(seeding, "shell", "-v0", "-c", BAND_SCRIPT % (args.gigs, args.gigs, args.members)).strip())
        print(f"database {args.database_name}: migrated and seeded in {time.perf_counter() - t0:.0f} s")
        if static_files_stale():
            t0 = time.perf_counter()
            manage(production, "collectstatic", "--noinput", "-v0")
            print(f"static files collected in {time.perf_counter() - t0:.0f} s")
        cookie = manage(production, "shell", "-c", SESSION_SCRIPT % LEADER).strip().splitlines()[-1]
        server = Server(production, args)
        print(f"server: {server.command.removeprefix('exec ')}")
        print(f"  on port {server.port}, WEB_CONCURRENCY={args.workers} WEB_THREADS={args.threads}, "
              "stageslot.settings.production")  # fmt: skip
        base_url = f"http://127.0.0.1:{server.port}"
        targets = stageslot_targets(base_url, cookie, args.pages)
        if args.peer_url:
            print(f"peer: {args.peer_url}")
            targets += peer_targets(args)
            # Each page of ours beside the peer's same page, one after the other: seconds apart, not minutes.
            order = {name: i for i, name in enumerate(args.pages)}
            targets.sort(key=lambda t: order.get(t.name, len(order)))
        for number in range(args.rounds):
            for target in targets:
                load(target, args.connections, args.warm_up, args.seconds)
                print(f"  round {number + 1}: {target.site} {target.name}: {target.rates[-1]:.0f} req/s", flush=True)
        print_table(targets, args)
        held = check_pins(targets, args.pin)
        lines = server.log.read_text().splitlines()
        recycled = sum("Autorestarting worker" in line for line in lines)
        print(f"workers recycled at --max-requests during the run: {recycled}")
        other = [line for line in lines if not ROUTINE_LINE.match(line)]
        print(f"server log: {len(other)} warnings or errors" + "".join(f"\n  {x}" for x in other[:10]))
    finally:
        if server:
            server.stop()
            if args.keep:
                print(f"kept: server log {server.log}")
            else:
                server.log.unlink(missing_ok=True)
        try:
            forget_cache(args.redis_url, prefix)
        except Exception as exc:  # a cache left behind expires; the figures stand
            print(f"Redis keys {prefix}* not removed: {exc}")
        shutil.rmtree(media, ignore_errors=True)
        if args.keep:
            print(f"kept: database {args.database_name}")
        else:
            recreate_database(maintenance_url, args.database_name, drop_only=True)
    if not held:
        sys.exit("FAIL: a pinned page lost its speed against its base page (see above)")


if __name__ == "__main__":
    main()
