"""What every in-process benchmark shares: Django set up on a database of its own, the demo world seeded,
a page or a callable timed N times with its queries counted, a table and a last line with the figure.

A benchmark script is its measure and little else:

    from harness import bench, demo_world, table, time_url

    def main() -> None:
        args = bench(__doc__, runs=50)  # parses --runs, --reuse; sets Django up
        demo_world(reuse=args.reuse)
        rows = [time_url(client_for("mara@demo.stageslot.test"), "/bands/the-night-owls/", runs=args.runs)]
        table(rows)
        figure("band page p50 ms", rows[0].p50)

Uses DATABASE_URL when set (PostgreSQL), else a SQLite file of the script's own in the temporary folder.

A script that makes its own world on a database of its own (anew each run, dropped at the end unless --keep)
uses `scratch` instead of `bench`, and reports its budgets with `spread` and `verdict`:

    args = scratch(__doc__, runs=20, database="stageslot_bench_offline")  # --runs, --database-name, --keep
    times = [...]
    print(f"keep list: {spread(times)}")
    verdict(problems)  # "every budget met", or the problems and exit status 1

Scripts that start servers (gunicorn, nginx, localstripe) keep their own set-up: this module is for what
runs in one process.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_SEEDED = "stageslot-bench-demo-seeded"


def bench(doc: str | None, *, runs: int = 50, database: str = "stageslot-bench", extra=None) -> argparse.Namespace:
    """Parse the common options (plus what `extra(parser)` adds) and set Django up on the script's database.

    --runs N (timed repetitions), --reuse (keep the SQLite file and its seeded world between runs).
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=runs, help="timed repetitions of each measure")
    parser.add_argument("--reuse", action="store_true", help="reuse the SQLite file seeded by an earlier run")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    setup(database=database, fresh=not args.reuse)
    return args


def setup(*, database: str = "stageslot-bench", fresh: bool = True) -> None:
    """Django with the test settings, on DATABASE_URL or on <tmp>/<database>.sqlite3 (removed first if fresh)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / f"{database}.sqlite3"
        if fresh:
            path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    logging.disable(logging.INFO)  # the eager tasks' log lines while seeding and measuring


def demo_world(*, reuse: bool = False) -> None:
    """Migrate and load the demo world (`seed_demo`), unless --reuse finds it already there."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if reuse and DEMO_SEEDED in connection.introspection.table_names():
        return
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE IF NOT EXISTS "{DEMO_SEEDED}" (id integer)')


def client_for(email: str | None = None):
    """Django's test client, signed in as the person with that email (anonymous without one)."""
    from django.test import Client

    client = Client()
    if email:
        from accounts.models import User

        client.force_login(User.objects.get(email=email))
    return client


class QueryCounter:
    """Counts every SQL statement, whatever DEBUG says (a connection's execute wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Timing:
    name: str
    timings: list[float]  # ms, wall
    cpu: list[float]  # ms, this process's CPU
    queries: int
    status: int | str = ""
    calls: int = 0  # Python function calls of one call (cProfile): steady however busy the machine is

    @property
    def p50(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, int(len(ordered) * 0.95) - 1)]

    @property
    def cpu50(self) -> float:
        return statistics.median(self.cpu)

    @property
    def per_second(self) -> float:
        """Requests a second one CPU would answer at the median CPU cost."""
        return 1000 / self.cpu50 if self.cpu50 else float("inf")


def function_calls(call: Callable[[], object]) -> int:
    """How many Python function calls one call of `call` makes."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(call)
    return pstats.Stats(profile).total_calls


def _first(name: str, call: Callable[[], object]) -> Timing:
    """The first (warming) call: its status and queries, then the function calls of a second."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        answer = call()
    return Timing(name, [], [], counter.count, getattr(answer, "status_code", ""), function_calls(call))


def time_call(name: str, call: Callable[[], object], *, runs: int = 50) -> Timing:
    """Call `call` once to warm it (queries and function calls counted), then time `runs` calls (wall, CPU)."""
    result = _first(name, call)
    gc.collect()
    for _ in range(runs):
        wall, used = time.perf_counter(), time.process_time()
        call()
        result.cpu.append((time.process_time() - used) * 1000)
        result.timings.append((time.perf_counter() - wall) * 1000)
    return result


def time_url(client, url: str, *, name: str | None = None, runs: int = 50, headers: dict | None = None) -> Timing:
    """GET `url` with `client` (and `headers`) as `time_call` does."""
    return time_call(name or url, lambda: client.get(url, headers=headers or {}), runs=runs)


def table(rows: list[Timing]) -> None:
    """One line per measure: status, queries, Python function calls, wall p50/p95 and CPU p50 in ms."""
    width = max([len(r.name) for r in rows] + [20]) + 2
    print(f"{'measure':<{width}}{'status':>7}{'queries':>9}{'calls':>8}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}")
    for r in rows:
        print(f"{r.name:<{width}}{r.status!s:>7}{r.queries:>9}{r.calls:>8}{r.p50:>9.1f}{r.p95:>9.1f}{r.cpu50:>9.1f}")


def figure(label: str, value: float | str, unit: str = "") -> None:
    """The last line: the one figure the benchmark is about."""
    shown = f"{value:.2f}" if isinstance(value, float) else str(value)
    print(f"FIGURE {label}: {shown}{(' ' + unit) if unit else ''}")


def alternate(measures: dict[str, Callable[[], object]], *, rounds: int, runs: int) -> list[Timing]:
    """Time several callables in alternating rounds (a busy moment of the machine falls on all of them)."""
    results = {name: _first(name, call) for name, call in measures.items()}
    gc.collect()
    for _ in range(rounds):
        for name, call in measures.items():
            for _ in range(runs):
                wall, used = time.perf_counter(), time.process_time()
                call()
                results[name].cpu.append((time.process_time() - used) * 1000)
                results[name].timings.append((time.perf_counter() - wall) * 1000)
    return list(results.values())


# ---- Scripts with a database of their own, made anew -----------------------------------------------------
def scratch(doc: str | None, *, runs: int = 20, database: str, extra=None) -> argparse.Namespace:
    """Parse --runs, --database-name (default `database`), --keep and what `extra(parser)` adds; point Django at
    the script's own database – on the PostgreSQL server DATABASE_URL names, the database made anew and dropped
    when the script ends unless --keep; without DATABASE_URL a SQLite file anew in the temporary folder – set it
    up with the test settings, tasks queued on an in-memory broker rather than run inline, any host allowed,
    and migrate it. Prints which database and the load average."""
    import atexit

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=runs, help="timed repetitions of each measure")
    parser.add_argument("--database-name", default=database, help="the benchmark's own database (PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import search as search_bench

    sqlite_file = database.replace("_", "-") + ".sqlite3"
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, sqlite_file)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from stageslot.celery_app import app as celery_app

    settings.ALLOWED_HOSTS = ["*"]
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"

    def drop() -> None:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)

    atexit.register(drop)
    call_command("migrate", verbosity=0)
    print(f"database: {connections['default'].vendor} ({where}); load average {load_average()}")
    return args


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def spread(values_ms: list[float], width: int = 7) -> str:
    """p50, p95 and max of milliseconds, and how many."""
    return (
        f"p50 {statistics.median(values_ms):{width}.1f} ms  p95 {percentile(values_ms, 95):{width}.1f} ms  "
        f"max {max(values_ms):{width}.1f} ms  (n={len(values_ms)})"
    )


def timed_ms(call: Callable[[], object]) -> tuple[float, object]:
    """Milliseconds `call()` took, and what it returned."""
    began = time.perf_counter()
    result = call()
    return (time.perf_counter() - began) * 1000, result


def verdict(problems: list[str]) -> None:
    """The last line of a benchmark with budgets: every budget met, or the problems (exit status 1)."""
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        sys.exit(1)
    print("every budget met")


# ---- Servers measured over HTTP: StageSlot's and a peer's, the same way ----------------------------------
def add_peer_options(parser: argparse.ArgumentParser) -> None:
    """--peer-url (a peer already running, or where --peer-command serves it), --peer-path (its page or feed
    measured beside ours, once per ours, in the same order) and --peer-command (a shell line that starts the
    peer's server afresh in the foreground: needed to time its first request as ours)."""
    parser.add_argument("--peer-url", help="a peer's server, e.g. http://127.0.0.1:9000")
    parser.add_argument("--peer-path", action="append", default=[], help="the peer's page beside ours (repeat)")
    parser.add_argument("--peer-command", help="shell line starting the peer afresh (listening on --peer-url)")


def http_get(base_url: str, path: str, headers: dict[str, str] | None = None, connection=None):
    """GET base_url + path: (wall ms, status, body, response headers). On `connection` (kept alive) when given,
    else on a new one, closed after."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    conn = connection or http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=120)
    sent = {"Accept": "*/*", "User-Agent": "stageslot-bench", **(headers or {})}
    began = time.perf_counter()
    conn.request("GET", parts.path.rstrip("/") + path, headers=sent)
    response = conn.getresponse()
    body = response.read()
    ms = (time.perf_counter() - began) * 1000
    if connection is None:
        conn.close()
    return ms, response.status, body, dict(response.getheaders())


def _session_cpu_ticks(session: int) -> int:
    """CPU clock ticks (user + system) of every process in a session (a server and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # fields after the name: state ppid pgrp session …
            total += int(fields[11]) + int(fields[12])
    return total


class FreshServer:
    """A server started afresh from a shell line in a session of its own, ready when its port accepts and
    its processes have used no CPU for `quiet` seconds (every worker booted and idle) — no request is sent
    before, so the first one timed is the first its worker answers."""

    def __init__(self, command: str, port: int, *, env: dict[str, str] | None = None, cwd=None, quiet: float = 1.0):
        import signal as _signal
        import socket
        import subprocess

        self._signal = _signal
        self.log = Path(tempfile.gettempdir()) / f"bench-fresh-server-{port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                ["/bin/sh", "-c", command], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        began = time.monotonic()
        listening, last, still_since = False, -1, 0.0
        while True:
            if self.process.poll() is not None or time.monotonic() - began > 120:
                self.stop()
                sys.exit(f"the server did not come up on port {port}: {command}\n{self.log.read_text()[-2000:]}")
            if not listening:
                with socket.socket() as sock:
                    listening = sock.connect_ex(("127.0.0.1", port)) == 0
            ticks = _session_cpu_ticks(self.process.pid)
            now = time.monotonic()
            if ticks != last:
                last, still_since = ticks, now
            elif listening and now - still_since >= quiet:
                break
            time.sleep(0.1)
        self.ready_s = time.monotonic() - began

    def stop(self) -> None:
        import subprocess

        if self.process.poll() is None:
            os.killpg(self.process.pid, self._signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, self._signal.SIGKILL)
                self.process.wait()
        self.log.unlink(missing_ok=True)


def first_and_warm(base_url: str, path: str, *, runs: int, headers: dict[str, str] | None = None):
    """The first request of a fresh server (one connection, kept alive, so one worker answers all), then
    `runs` more on it: (first wall ms, [warm wall ms], status codes, body of the first answer)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=120)
    first_ms, status, body, _ = http_get(base_url, path, headers, conn)
    statuses, warm = {status}, []
    for _ in range(runs):
        ms, status, _body, _ = http_get(base_url, path, headers, conn)
        warm.append(ms)
        statuses.add(status)
    conn.close()
    return first_ms, warm, sorted(statuses), body
