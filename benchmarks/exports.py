"""Exports: the CSV of 100,000 bookings, streamed; and a band's month of availability as a PDF.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/exports.py
        [--bookings 100000] [--runs 3] [--pdf-runs 5] [--database-name stageslot_bench_exports] [--keep] [--reuse]
    .venv/bin/python benchmarks/exports.py --bookings 20000     # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. The data is built in a child process (one
band with --bookings bookings: applications to its venue's slot, offers, and private requests of
clients, in every status but booked, bulk-created), so this process's memory holds nothing of it.

1. CSV: GET /documents/exports/bookings.csv as the band's leader (Django's test client, in this
   process), the streamed body read piece by piece and its rows counted, --runs times. Prints rows/s,
   the queries the export ran, and the process's memory: the resident set (VmRSS) sampled at every
   piece, its growth over the run, and the peak (ru_maxrss) growth. Budget: 20,000 rows/s or more and
   the memory growing by less than 50 MB.
2. PDF: the band's month of availability (documents.availability_pdf) rendered --pdf-runs times, each
   a new month so WeasyPrint works every time (a month asked for again is a look-up). Prints p50/max.

Exits with 1 when a budget is missed or a count is wrong.
"""

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import search as search_bench  # noqa: E402  (benchmarks/search.py: the benchmark database helpers)

ROWS_PER_SECOND_BUDGET = 20_000
MEMORY_BUDGET_MB = 50.0
BAND_SLUG = "bench-export-band"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=5)
    parser.add_argument("--database-name", default="stageslot_bench_exports")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the database (and its data) as it is")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # the child's part
    return parser.parse_args()


def rss_mb() -> float:
    """The resident set now, from /proc/self/status (VmRSS, in kB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()


def build(count: int) -> None:
    """One band, its leader and five members, a venue with a slot, `count` bookings of the band."""
    import datetime as dt
    import itertools

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from bands.models import ApprovalStatus, Band, Membership
    from bookings.models import Booking
    from venues.models import Slot, Stage, Venue, VenueStaff

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    leader = User.objects.create_user(email="leader@bench.example", password=None, display_name="Lea Leader")
    leader.time_zone = "Europe/Berlin"
    leader.save(update_fields=["time_zone"])
    band = Band.objects.create(
        name="The Benchmark Five", slug=BAND_SLUG, status=ApprovalStatus.APPROVED, time_zone="Europe/Berlin"
    )
    Membership.objects.create(band=band, user=leader, role=Membership.Role.LEADER)
    for i in range(5):
        user = User.objects.create_user(email=f"member{i}@bench.example", password=None, display_name=f"Member {i}")
        Membership.objects.create(band=band, user=user, role=Membership.Role.MEMBER)
    owner = User.objects.create_user(email="owner@bench.example", password=None, display_name="Olli Owner")
    venue = Venue.objects.create(
        name="Kellerbar, Keller & Co.",
        slug="bench-kellerbar",
        status=ApprovalStatus.APPROVED,
        time_zone="Europe/Berlin",
    )
    VenueStaff.objects.create(venue=venue, user=owner, role=VenueStaff.Role.OWNER)
    stage = Stage.objects.create(venue=venue, name="Main room")
    now = timezone.now()
    slot = Slot.objects.create(
        venue=venue, stage=stage, starts_at=now + dt.timedelta(days=30), ends_at=now + dt.timedelta(days=30, hours=3)
    )
    clients = [
        User.objects.create_user(email=f"client{i}@bench.example", password=None, display_name=f"Client «{i}» Ü")
        for i in range(50)
    ]
    # One live booking per band and slot: pending ones are private requests only.
    statuses = itertools.cycle([Booking.Status.DECLINED, Booking.Status.WITHDRAWN, Booking.Status.CANCELLED])
    first = now - dt.timedelta(days=3 * 365)
    kinds = (Booking.Kind.REQUEST, Booking.Kind.APPLICATION, Booking.Kind.OFFER)
    batch: list[Booking] = []
    for i in range(count):
        starts = first + dt.timedelta(hours=7 * i)
        private = i % 3 == 0
        batch.append(
            Booking(
                kind=kinds[i % 3],
                band=band,
                slot=None if private else slot,
                venue=None if private else venue,
                client=clients[i % len(clients)] if private else None,
                requested_by=clients[i % len(clients)] if private else leader,
                status=Booking.Status.PENDING if private and i % 2 else next(statuses),
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3),
                time_zone="Europe/Berlin",
                fee=300 + i % 900,
                event_type='Wedding, with "quotes"' if private else "",
                location="Gut Kleinow, Brandenburg" if private else "",
                message="We would love to play.",
            )
        )
        if len(batch) == 5000:
            Booking.objects.bulk_create(batch)
            batch.clear()
    Booking.objects.bulk_create(batch)
    print(f"built {count:,} bookings in {time.perf_counter() - started:.1f} s", flush=True)


def run_csv(expected: int, runs: int) -> bool:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User

    leader = User.objects.get(email="leader@bench.example")
    client = Client()
    client.force_login(leader)
    url = reverse("documents:export_bookings")
    ok = True
    for run in range(1, runs + 1):
        gc.collect()
        reset_queries()
        rss_start, peak_start = rss_mb(), peak_mb()
        rss_max = rss_start
        newlines = size = pieces = 0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            for piece in response.streaming_content:
                newlines += piece.count(b"\r\n")
                size += len(piece)
                pieces += 1
                if pieces % 50 == 0:
                    rss_max = max(rss_max, rss_mb())
            took = time.perf_counter() - started
        rss_max = max(rss_max, rss_mb())
        rows = newlines - 1  # the header
        rate = rows / took
        growth, peak_growth = rss_max - rss_start, peak_mb() - peak_start
        print(
            f"CSV run {run}: {rows:,} rows, {size / 1e6:.1f} MB in {pieces:,} pieces, {took:.2f} s = "
            f"{rate:,.0f} rows/s; {len(queries)} queries in the request; "
            f"RSS {rss_start:.0f} → max {rss_max:.0f} MB (growth {growth:.1f} MB), "
            f"peak RSS growth (ru_maxrss) {peak_growth:.1f} MB",
            flush=True,
        )
        if rows != expected:
            print(f"  WRONG: {expected:,} rows expected")
            ok = False
        if rate < ROWS_PER_SECOND_BUDGET:
            print(f"  OVER BUDGET: under {ROWS_PER_SECOND_BUDGET:,} rows/s")
            ok = False
        if max(growth, peak_growth) >= MEMORY_BUDGET_MB:
            print(f"  OVER BUDGET: memory grew by {MEMORY_BUDGET_MB:.0f} MB or more")
            ok = False
    return ok


def run_pdf(runs: int) -> None:
    import logging
    import zoneinfo

    from django.utils import timezone

    from bands.models import Band
    from bookings.selectors.public import shift_month
    from documents.availability_pdf import availability_pdf, band_live_share_link

    for noisy in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    band = Band.objects.get(slug=BAND_SLUG)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    times = []
    for i in range(runs):
        month = shift_month(today.replace(day=1), i)
        started = time.perf_counter()
        pdf = availability_pdf(band=band, month_start=month, today=today, link=band_live_share_link(band=band))
        times.append((time.perf_counter() - started) * 1000)
        assert pdf.data[:4] == b"%PDF"
    started = time.perf_counter()
    availability_pdf(band=band, month_start=today.replace(day=1), today=today, link=None)
    again = (time.perf_counter() - started) * 1000
    print(
        f"Availability PDF: {runs} months rendered, p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
        f"(first {times[0]:.0f} ms, WeasyPrint's fonts loading); a month asked for again {again:.0f} ms",
        flush=True,
    )


def main() -> None:
    args = parse_args()
    if args.build:
        setup_django()
        build(args.bookings)
        return
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot_bench_exports.sqlite3", reuse=args.reuse
    )
    print(f"Exports benchmark on {where}; load average {search_bench.load_average()}", flush=True)
    if not args.reuse:
        # Built in a child, so this process's memory holds nothing of the data set.
        subprocess.run(  # noqa: S603 (this same script, with our own arguments)
            [sys.executable, __file__, "--build", "--bookings", str(args.bookings)], check=True, env=os.environ
        )
    setup_django()
    ok = run_csv(args.bookings, args.runs)
    run_pdf(args.pdf_runs)
    if maintenance_url and not args.keep:
        from django.db import connections

        connections.close_all()
        search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
