"""The booking race and a graceful reload, straight to PostgreSQL and through PgBouncer in transaction mode
(docs/decisions/0100, 0114): p50/p99 and errors of each, with and without the pooler.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/stageslot_bench_pooler \\
           .venv/bin/python benchmarks/pooler.py [--racers 16] [--runs 5] [--no-reload] [--rate 20] [--settle 3]
--runs is the race's rounds.

1. The race, in this process (benchmarks/harness.py on DATABASE_URL's database, migrated): one band, --racers
   pending bookings at overlapping times, all accepted at once by its leader from as many threads, each with
   its own connection (booking_accept, the one path to BOOKED). Exactly one wins each round; a refusal is the
   answer a loser gets, anything else is an error. Through the pooler: PgBouncer (core.local_servers,
   as bin/topology.py --pooler and the pooler's tests start it) with the site's DATABASE_TRANSACTION_POOLER
   settings, 10 server connections for all the racers.
2. The reload (unless --no-reload): benchmarks/reload.py's steady load through nginx while node2 reloads
   (HUP), on a bin/topology.py of its own without and then with --pooler (each a new database; a minute or
   more apiece on a busy machine).
"""

import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from harness import ROOT, bench, figure

ERRORS_SHOWN = 3


def extra(parser) -> None:
    parser.add_argument("--racers", type=int, default=16, help="accepts sent at once each round")
    parser.add_argument("--no-reload", action="store_true", help="the race only (no topology started)")
    parser.add_argument("--rate", type=float, default=20.0, help="the reload's load, requests a second")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of load before and after the reload")


def percentile(values: list[float], n: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * n / 100) - 1))]


def line(what: str, seconds: list[float], errors: list[str], note: str = "") -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{what:<34}{len(ms):>6}{statistics.median(ms):>9.0f}{percentile(ms, 99):>9.0f}{max(ms):>9.0f}"
        f"{len(errors):>8}  {note}"
    )
    for error in errors[:ERRORS_SHOWN]:
        print(f"    !! {error}")


# ---- 1. The race ------------------------------------------------------------------------------------------
def race_world():
    from accounts.tests.factories import UserFactory
    from bookings.tests.factories import band_with_leader

    band, leader = band_with_leader(name="Raced Band")
    return band, leader, UserFactory(email=f"client-{band.pk}@bench.stageslot.test")


def overlapping(band, client, *, day: int, count: int) -> list:
    """`count` pending private requests for `band`, all on the evening `day` days from now."""
    import datetime as dt

    from bookings.models import Booking

    base = dt.datetime.now(dt.UTC).replace(hour=18, minute=0, second=0, microsecond=0) + dt.timedelta(days=day)
    return Booking.objects.bulk_create(
        Booking(kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client,
                starts_at=base + dt.timedelta(minutes=i), ends_at=base + dt.timedelta(minutes=i, hours=3),
                time_zone="Europe/Berlin", event_type="Wedding", location="Orangerie", fee=900)
        for i in range(count)
    )  # fmt: skip


def race(bookings: list, leader) -> tuple[list[float], int, list[str]]:
    """Every booking accepted at one moment from a thread of its own: each one's seconds, the winners and the
    errors (anything but a booking's refusal)."""
    from django.db import connection

    from bookings.errors import BookingError
    from bookings.services import answering

    start = threading.Barrier(len(bookings))
    seconds, errors, won = [], [], []
    lock = threading.Lock()

    def accept(booking) -> None:
        try:
            connection.ensure_connection()
            start.wait(timeout=60)
            began = time.perf_counter()
            try:
                answering.booking_accept(booking=booking, by=leader)
                outcome = "won"
            except BookingError:
                outcome = "lost"
            except Exception as error:  # what it is, is the figure
                outcome = f"{error.__class__.__name__}: {error}"[:200]
            with lock:
                seconds.append(time.perf_counter() - began)
                if outcome == "won":
                    won.append(booking.pk)
                elif outcome != "lost":
                    errors.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(b,)) for b in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return seconds, len(won), errors


@contextmanager
def through_pooler():
    """Every connection of this process through PgBouncer, with the DATABASE_TRANSACTION_POOLER settings."""
    from django.db import connection

    from core import local_servers
    from stageslot.settings.base import behind_transaction_pooler

    db = connection.settings_dict
    kept = dict(db)
    folder = Path(tempfile.mkdtemp(prefix="stageslot-bench-pgbouncer-"))
    process, port = local_servers.pgbouncer_start(
        folder,
        server_host=db["HOST"] or "127.0.0.1",
        server_port=int(db["PORT"] or 5432),
        user=db["USER"] or "postgres",
    )
    connection.close()
    db.update(behind_transaction_pooler({**db, "HOST": "127.0.0.1", "PORT": str(port)}))
    try:
        yield
    finally:
        connection.close()
        db.clear()
        db.update(kept)
        local_servers.child_stop(process, wait=10)
        shutil.rmtree(folder, ignore_errors=True)


def measure_race(args) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # Commits wait as production's do, both ways (the test settings' synchronous_commit=off is a startup
    # option, which PgBouncer refuses).
    connection.close()
    connection.settings_dict["OPTIONS"] = {
        k: v for k, v in connection.settings_dict.get("OPTIONS", {}).items() if k != "options"
    }
    band, leader, client = race_world()
    p99 = {}
    day = 30
    for mode in ("direct", "pooler"):
        seconds, errors, wrong = [], [], 0
        with through_pooler() if mode == "pooler" else _nothing():
            for _ in range(args.rounds):
                day += 1
                bookings = overlapping(band, client, day=day, count=args.racers)
                took, winners, failed = race(bookings, leader)
                seconds += took
                errors += failed
                wrong += winners != 1
        line(f"race, {args.racers} accepts at once ({mode})", seconds, errors, "ok" if not wrong else f"{wrong} WRONG")
        p99[mode] = percentile(seconds, 99) * 1000
    return p99


@contextmanager
def _nothing():
    yield


# ---- 2. The reload ----------------------------------------------------------------------------------------
@contextmanager
def on_database(url: str):
    """This process's connection on the database at `url` for the block."""
    from urllib.parse import urlsplit

    from django.db import connection

    parts, db = urlsplit(url), connection.settings_dict
    kept = dict(db)
    connection.close()
    db.update(
        NAME=parts.path.lstrip("/"),
        HOST=parts.hostname or "127.0.0.1",
        PORT=str(parts.port or 5432),
        USER=parts.username or "postgres",
        PASSWORD=parts.password or "",
    )
    try:
        yield
    finally:
        connection.close()
        db.clear()
        db.update(kept)


def measure_reload(args) -> dict[str, float]:
    sys.path[:0] = [str(ROOT / "bin"), str(ROOT / "benchmarks")]
    import reload as reload_bench
    import topology as topologies

    p99 = {}
    for mode in ("direct", "pooler"):
        site = topologies.Topology(workers=False, for_tests=True, pooler=mode == "pooler")
        print(f"  (a topology {mode} in {site.directory} …)", flush=True)
        site.start()
        try:
            with on_database(site.database_url):  # the topology's own database, not this script's
                band, people = reload_bench.people_made(site, 2)
            writers = [reload_bench.signed_in(site, email, password) for email, password in people]
            load = reload_bench.steady_load(
                site,
                lambda s=site: reload_bench.reloaded(s, "node2"),
                writers=writers,
                band=band,
                rate=args.rate,
                settle=args.settle,
            )
        finally:
            site.stop(quick=True)
        line(f"reload under {args.rate:.0f} req/s ({mode})", load.latencies, load.failures)
        p99[mode] = percentile(load.latencies, 99) * 1000
    return p99


def main() -> None:
    args = bench(__doc__, runs=5, database="stageslot-bench-pooler", extra=extra)
    args.rounds = args.runs
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("benchmarks/pooler.py needs DATABASE_URL=postgres://… (PgBouncer stands before PostgreSQL)")
    print(f"{'measure':<34}{'count':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    race_p99 = measure_race(args)
    figures = [f"race {race_p99['direct']:.0f} → {race_p99['pooler']:.0f}"]
    if not args.no_reload:
        reload_p99 = measure_reload(args)
        figures.append(f"reload {reload_p99['direct']:.0f} → {reload_p99['pooler']:.0f}")
    figure("p99 ms straight → through the pooler", "; ".join(figures))


if __name__ == "__main__":
    main()
