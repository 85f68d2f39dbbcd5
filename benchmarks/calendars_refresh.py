"""Busy-time refresh of 1,000 connected CalDAV calendars on one local Radicale, by the worker's code path.

Usage:
    .venv/bin/python benchmarks/calendars_refresh.py [--calendars 1000] [--workers 16] [--per-host 8]
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/calendars_refresh.py

SQLite by default (a throwaway file); PostgreSQL when DATABASE_URL is set (its own database, made anew).
Radicale (requirements-dev) is started on a free port with 200 accounts of 5 calendars each, written
straight into its storage folder: per calendar a weekly rehearsal, a one-off evening and a whole day.
Each calendar is a ConnectedCalendar of its own member. Then every calendar is refreshed through
calendars.services.connected_calendar_refresh (what the worker's task runs: free-busy REPORT, busy
rows replaced, the band triggers) from a pool of --workers threads, while the client allows at most
--per-host requests to the server at once (CALDAV_CONNECTIONS_PER_HOST). Prints the total, p50/p95 per
calendar, the busy rows made and the most connections open at once.

Budget: all of it in under 120 s on the 2-core development machine.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

BUDGET_SECONDS = 120.0
PER_ACCOUNT = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calendars", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument("--database-name", default="stageslot_bench_calendars")
    return parser.parse_args()


def write_storage(folder: Path, accounts: int, today: dt.date) -> None:
    """Radicale's filesystem storage, written directly: `accounts` users with PER_ACCOUNT calendars each."""
    from calendars.testing import event_ics

    root = folder / "collections" / "collection-root"
    for a in range(accounts):
        for c in range(PER_ACCOUNT):
            calendar = root / f"u{a}" / f"cal{c}"
            calendar.mkdir(parents=True)
            props = {
                "tag": "VCALENDAR",
                "D:displayname": f"Calendar {c}",
                "C:supported-calendar-component-set": "VEVENT",
            }
            (calendar / ".Radicale.props").write_text(json.dumps(props))
            day = today + dt.timedelta(days=(a + c) % 20 + 1)
            evening = dt.datetime.combine(day, dt.time(18), tzinfo=dt.UTC)
            rehearsal = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(17 + c % 3), tzinfo=dt.UTC)
            events = [
                ("rehearsal", rehearsal, rehearsal + dt.timedelta(hours=2), "Rehearsal", "FREQ=WEEKLY;COUNT=40"),
                ("evening", evening, evening + dt.timedelta(hours=4), "Dinner", ""),
                (
                    "day",
                    evening + dt.timedelta(days=7, hours=-18),
                    evening + dt.timedelta(days=8, hours=-18),
                    "Away",
                    "",
                ),
            ]
            for name, start, end, title, rule in events:
                (calendar / f"{name}.ics").write_text(event_ics(f"{name}-{a}-{c}@bench", start, end, title, rrule=rule))


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot-bench-calendars.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from accounts.models import User
    from availability.models import BusyInterval
    from calendars import caldav_client, services
    from calendars.models import ConnectedCalendar
    from calendars.testing import RadicaleServer, radicale_installed

    if not radicale_installed():
        print("Radicale is not installed (make install-dev): nothing measured.")
        return
    accounts = -(-args.calendars // PER_ACCOUNT)
    folder = Path(tempfile.mkdtemp(prefix="stageslot-bench-radicale-"))
    server = RadicaleServer(folder=folder, users={f"u{a}": f"pw-{a}" for a in range(accounts)})
    try:
        call_command("migrate", verbosity=0)
        write_storage(folder, accounts, dt.date.today())
        server.start()
        settings.CALDAV_ALLOW_HOSTS = (server.host,)
        settings.CALDAV_CONNECTIONS_PER_HOST = args.per_host
        users = User.objects.bulk_create(
            User(email=f"bench{a}@example.com", display_name=f"Bench {a}", time_zone="Europe/Berlin")
            for a in range(accounts)
        )
        rows = []
        for a, user in enumerate(users):
            for c in range(PER_ACCOUNT):
                if len(rows) == args.calendars:
                    break
                url = f"{server.url}u{a}/cal{c}/"
                calendar = ConnectedCalendar(
                    user=user, provider="caldav", server_url=server.url, username=f"u{a}", calendar_names={url: "C"}
                )
                calendar.secret = f"pw-{a}"
                rows.append(calendar)
        ids = [c.pk for c in ConnectedCalendar.objects.bulk_create(rows)]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {connection.vendor} ({where}), load average {load}")
        print(f"{len(ids)} calendars in {accounts} Radicale accounts at {server.url}")

        durations: list[float] = []
        failures: list[str] = []

        def refresh(calendar_id: int) -> None:
            started = time.perf_counter()
            try:
                calendar = services.connected_calendar_refresh(calendar_id=calendar_id)
                if calendar.last_error:
                    failures.append(calendar.last_error)
            finally:
                durations.append(time.perf_counter() - started)
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(refresh, ids))
        total = time.perf_counter() - started
        busy = BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED).count()
        p50 = statistics.median(durations) * 1000
        p95 = search_bench.percentile(durations, 95) * 1000
        peak = max(caldav_client.peak_connections.values(), default=0)
        print(
            f"\nrefreshed {len(ids)} calendars in {total:.1f} s ({len(ids) / total:.0f}/s) "
            f"with {args.workers} workers: "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms per calendar; {busy:,} busy rows; "
            f"at most {peak} connections to the server at once (limit {args.per_host}); {len(failures)} failed"
        )
        if failures:
            print("first failure:", failures[0])
        verdict = "within" if total < BUDGET_SECONDS and not failures else "OVER"
        print(f"{total:.1f} s: {verdict} the {BUDGET_SECONDS:.0f} s budget")
    finally:
        server.stop()
        connections.close_all()
        if maintenance_url:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)


if __name__ == "__main__":
    main()
