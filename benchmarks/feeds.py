"""Calendar feeds: server time and queries of a member's, a band's and a venue's .ics with 500 gigs.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/feeds.py
        [--gigs 500] [--runs 50] [--database-name stageslot_bench_feeds] [--keep]
    .venv/bin/python benchmarks/feeds.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. Starts from the demo world (`seed_demo`),
then gives The Night Owls --gigs more bookings at Kellerbar and at private events over the feed
window (62 days back to 400 ahead): booked and played ones, each slot with a booked support act
from one of five other bands, pending ones and some cancelled in the last 30 days. Then, through
Django's test client, asks for Mara's member feed, the band's feed and Kellerbar's venue feed (all
with pending gigs shown), and the band's feed with its available windows, --runs times each, plus a
conditional GET that answers 304. "(cold)" rows make the process forget the VEVENTs it keeps before
each request, so django-ical and icalendar build every event (as after a restart); the others are the
polls in between, where only new or changed events are built.
Prints events, body size, queries per request, p50/p95/max wall time and p95 CPU time of the process
(wall time on a busy machine includes waiting for a core). Budget: p95 under 200 ms for 500 events.
"""

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

BUDGET_P95_MS = 200.0
SUPPORT_BANDS = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigs", type=int, default=500, help="bookings of the band in the feed window")
    parser.add_argument("--runs", type=int, default=50, help="requests per feed")
    parser.add_argument("--database-name", default="stageslot_bench_feeds")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    if os.environ.get("DATABASE_URL"):
        bench_url, maintenance_url = search_bench.bench_database_url(args.database_name)
        search_bench.recreate_database(maintenance_url, args.database_name)
        os.environ["DATABASE_URL"] = bench_url
        return maintenance_url, f"PostgreSQL database {args.database_name}"
    path = Path(tempfile.gettempdir()) / "stageslot-bench-feeds.sqlite3"
    for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        leftover.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return None, f"SQLite file {path}"


def generate_gigs(count: int) -> None:
    """`count` bookings of The Night Owls: one a day from 60 days back, early in the UTC morning so
    that they never overlap the demo's evening gigs. Four in five at Kellerbar slots with a booked
    support act, one in five private requests; every eighth pending, every twentieth cancelled lately."""
    from django.db import connection

    from accounts.models import User
    from bands.models import ApprovalStatus, Band
    from bookings.models import Booking
    from venues.models import Slot, Venue

    Status, Kind, Role = Booking.Status, Booking.Kind, Booking.Role
    started = time.perf_counter()
    band = Band.objects.get(slug="the-night-owls")
    venue = Venue.objects.get(slug="kellerbar")
    stage = venue.stages.order_by("pk").first()
    client = User.objects.get(email="client@demo.stageslot.test")
    supports = [
        Band.objects.create(name=f"Bench Support {i}", slug=f"bench-support-{i}", status=ApprovalStatus.APPROVED)
        for i in range(SUPPORT_BANDS)
    ]
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first_day = now.replace(hour=5) - dt.timedelta(days=60)
    # At least `count` bookings inside the window: two a day when one a day does not fit.
    per_day = 1 if count <= 440 else 2
    plan = []
    for i in range(count):
        day, second = divmod(i, per_day)
        start = first_day + dt.timedelta(days=day, hours=3 * second)
        if i % 20 == 7:
            status, changed = Status.CANCELLED, now - dt.timedelta(days=i % 29)
        elif i % 8 == 3:
            status, changed = Status.PENDING, now - dt.timedelta(days=2)
        else:
            status, changed = (Status.COMPLETED if start < now else Status.BOOKED), start - dt.timedelta(days=20)
        plan.append((i, start, status, changed))

    slots = Slot.objects.bulk_create(
        [
            Slot(
                venue=venue, stage=stage, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                title=f"Early Show {i}", fee=300, support_places=1,
                headliner_booked=int(status in (Status.BOOKED, Status.COMPLETED)), supports_booked=1,
                sequence=i % 3,
            )
            for i, start, status, _ in plan
            if i % 5
        ],
        batch_size=500,
    )  # fmt: skip
    slot_of = dict(zip([i for i, *_ in plan if i % 5], slots, strict=True))
    rows = []
    for i, start, status, changed in plan:
        common = {
            "band": band, "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "time_zone": "Europe/Berlin",
            "status": status, "status_changed_at": changed, "sequence": 1 + i % 4, "fee": 400,
        }  # fmt: skip
        slot = slot_of.get(i)
        if slot is None:
            rows.append(
                Booking(**common, kind=Kind.REQUEST, client=client, event_type="Birthday", location="Tempelhof")
            )
            continue
        rows.append(Booking(**common, kind=Kind.APPLICATION, role=Role.HEADLINER, slot=slot, venue=venue))
        rows.append(
            Booking(
                kind=Kind.OFFER, role=Role.SUPPORT, band=supports[i % SUPPORT_BANDS], slot=slot, venue=venue,
                starts_at=start, ends_at=start + dt.timedelta(hours=2), status=Status.COMPLETED if start < now
                else Status.BOOKED, status_changed_at=start - dt.timedelta(days=30), sequence=1,
            )
        )  # fmt: skip
    Booking.objects.bulk_create(rows, batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(
        f"generated {count} bookings of {band.name} ({len(slots)} Kellerbar slots with a support act, "
        f"{count - len(slots)} private events) in {time.perf_counter() - started:.1f} s"
    )


def measure(runs: int) -> list[tuple]:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bands.models import Band
    from bookings.ical import feed_render_forget
    from bookings.models import CalendarFeed
    from bookings.services.feeds import feed_create, feed_options_update
    from venues.models import Venue

    mara = User.objects.get(email="mara@demo.stageslot.test")
    owner = User.objects.get(email="kellerbar-owner@demo.stageslot.test")
    band = Band.objects.get(slug="the-night-owls")
    venue = Venue.objects.get(slug="kellerbar")
    Scope = CalendarFeed.Scope
    member = feed_create(by=mara, scope=Scope.MEMBER)
    feed_options_update(feed=member, by=mara, include_pending=True)
    band_feed = feed_create(by=mara, scope=Scope.BAND, band=band)
    feed_options_update(feed=band_feed, by=mara, include_pending=True)
    venue_feed = feed_create(by=owner, scope=Scope.VENUE, venue=venue)
    feed_options_update(feed=venue_feed, by=owner, include_pending=True)

    client = Client()
    results = []

    def run(name: str, token: str, *, cold: bool = False, **headers) -> None:
        url = f"/feeds/{token}.ics"
        counter = search_bench.QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url, **headers)
        timings, cpu_timings = [], []
        for _ in range(runs):
            if cold:
                feed_render_forget()
            start, cpu = time.perf_counter(), time.process_time()
            client.get(url, **headers)
            timings.append((time.perf_counter() - start) * 1000)
            cpu_timings.append((time.process_time() - cpu) * 1000)
        events = response.content.count(b"BEGIN:VEVENT")
        results.append((name, response.status_code, events, len(response.content), counter.count, timings, cpu_timings))

    for kept in (False, True):
        suffix = "" if kept else " (cold)"
        run(f"member feed{suffix}", member.token, cold=not kept)
        run(f"band feed{suffix}", band_feed.token, cold=not kept)
        run(f"venue feed{suffix}", venue_feed.token, cold=not kept)
    etag = client.get(f"/feeds/{band_feed.token}.ics")["ETag"]
    run("band feed 304", band_feed.token, HTTP_IF_NONE_MATCH=etag)
    feed_options_update(feed=band_feed, by=mara, include_pending=True, include_available=True)
    run("band + available (cold)", band_feed.token, cold=True)
    run("band + available", band_feed.token)
    return results


def main() -> None:
    args = parse_args()
    maintenance_url, where = setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.db import connection, connections

    try:
        call_command("migrate", verbosity=0)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {connection.vendor} ({where}), load average {load}")
        started = time.perf_counter()
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo in {time.perf_counter() - started:.1f} s")
        generate_gigs(args.gigs)
        results = measure(args.runs)
        print(f"\n{args.runs} requests each; budget p95 < {BUDGET_P95_MS:.0f} ms")
        print(
            f"{'feed':<26}{'status':>7}{'events':>8}{'KiB':>6}{'queries':>9}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p95':>9}"
        )
        for name, status, events, size, queries, timings, cpu_timings in results:
            p95 = search_bench.percentile(timings, 95)
            flag = "" if p95 < BUDGET_P95_MS else "  over budget"
            print(
                f"{name:<26}{status:>7}{events:>8}{size / 1024:>6.0f}{queries:>9}{statistics.median(timings):>9.1f}"
                f"{p95:>9.1f}{max(timings):>9.1f}{search_bench.percentile(cpu_timings, 95):>9.1f}{flag}"
            )
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")
        elif maintenance_url:
            print(f"\nkept database {args.database_name}")


if __name__ == "__main__":
    main()
