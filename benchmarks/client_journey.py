"""The client's journey: the availability strip, instant bookings under contention, file downloads.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/client_journey.py
        [--runs 200] [--bookings 100] [--pool 40] [--file-mb 25] [--database-name stageslot_bench_client] [--keep]
    .venv/bin/python benchmarks/client_journey.py   # SQLite, a throwaway file (the contention part is smaller)

1. The strip: a band of 8 required members, each with a day job on weekdays, two evening rehearsals a
   week, a few one-off evenings and the band's own booked gigs over the next 8 weeks, as materialised
   busy intervals. Draws the 8-week strip (bookings.selectors.strip.band_strip) --runs times, and the
   band page's strip section through Django's test client (HTMX part). Budget: p95 under 80 ms.
2. Contention: --bookings clients book the band's instant package at overlapping starts (the same
   evening, a few minutes apart) at once, from --pool worker processes with their own connections
   (services.instant.booking_instant). Checks that exactly one is BOOKED and every other refused with
   a conflict; prints p50/p99/max latency. Budget: p99 under 2 s on PostgreSQL.
3. Download: a --file-mb file shared on the booking, downloaded through the view; prints the time and
   the peak of Python memory allocated while streaming it (tracemalloc), which stays far below the size.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

STRIP_BUDGET_P95_MS = 80.0
CONTENTION_BUDGET_P99_S = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--bookings", type=int, default=100)
    parser.add_argument("--pool", type=int, default=40)
    parser.add_argument("--file-mb", type=int, default=25)
    parser.add_argument("--database-name", default="stageslot_bench_client")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def ms(seconds: float) -> float:
    return seconds * 1000


def world():
    """The band of 8 with its busy time, its leader, an instant package, and a client."""
    from django.utils import timezone

    from accounts.models import User
    from availability.models import BusyInterval
    from bands.models import ApprovalStatus, Band, BandBlock, Membership, Package

    now = timezone.now()
    band = Band.objects.create(
        name="Bench Octet", slug=f"bench-octet-{int(time.time())}", status=ApprovalStatus.APPROVED,
        time_zone="Europe/Berlin", load_in_minutes=90, pack_down_minutes=45,
    )  # fmt: skip
    members = [
        User.objects.create(email=f"m{i}.{band.slug}@bench.test", display_name=f"Member {i}", time_zone="Europe/Berlin")
        for i in range(8)
    ]
    for i, user in enumerate(members):
        Membership.objects.create(band=band, user=user, role="leader" if i == 0 else "member")
    rows = []
    today = now.date()
    for day_offset in range(-2, 60):
        day = today + dt.timedelta(days=day_offset)
        base = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        for i, user in enumerate(members):
            if day.weekday() < 5:  # a day job, each member's own hours
                rows.append((user, base + dt.timedelta(hours=7 + i % 2), base + dt.timedelta(hours=15 + i % 3)))
            if day.weekday() in (1, 3) and i % 2 == 0:  # rehearsals with another band
                rows.append((user, base + dt.timedelta(hours=18), base + dt.timedelta(hours=21)))
            if (day_offset * 5 + i) % 37 == 0:  # now and then, a one-off evening
                rows.append((user, base + dt.timedelta(hours=19), base + dt.timedelta(hours=23)))
    BusyInterval.objects.bulk_create(
        BusyInterval(user=u, starts_at=s, ends_at=e, source="rule", source_id=n) for n, (u, s, e) in enumerate(rows)
    )
    package = Package.objects.create(band=band, name="Bench set", sets=2, set_minutes=45, price=1000, instant=True)
    client = User.objects.create(
        email=f"client.{band.slug}@bench.test", display_name="Client", time_zone="Europe/London"
    )
    del BandBlock  # gigs come from the contention part, through the service
    return band, package, client, len(rows)


def bench_strip(band, package, runs: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from bookings.selectors.strip import band_strip

    length = dt.timedelta(minutes=package.length_minutes)
    band_strip(band=band, length=length, viewer_zone="Europe/London")
    times, queries = [], 0
    for _ in range(runs):
        counter = search_bench.QueryCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            strip = band_strip(band=band, length=length, viewer_zone="Europe/London")
        times.append(time.perf_counter() - start)
        queries = counter.count
    days = {s: sum(1 for d in strip.days if d.status == s) for s in ("free", "partly", "booked", "busy", "past")}
    p95 = search_bench.percentile(times, 95)
    print(
        f"strip, 8 weeks, 8 members  p50 {ms(statistics.median(times)):6.1f} ms  p95 {ms(p95):6.1f} ms  "
        f"max {ms(max(times)):6.1f} ms  queries {queries}  days {days}  "
        f"{'ok' if ms(p95) < STRIP_BUDGET_P95_MS else 'OVER BUDGET'} (p95 < {STRIP_BUDGET_P95_MS:.0f} ms)"
    )
    client = Client()
    url = reverse("bookings:band_strip", args=[band.slug]) + f"?package={package.pk}"
    reset_queries()
    page = []
    for _ in range(max(20, runs // 4)):
        start = time.perf_counter()
        response = client.get(url, headers={"HX-Request": "true"})
        page.append(time.perf_counter() - start)
        assert response.status_code == 200
    print(
        f"strip section (HTMX page)  p50 {ms(statistics.median(page)):6.1f} ms  "
        f"p95 {ms(search_bench.percentile(page, 95)):6.1f} ms  max {ms(max(page)):6.1f} ms"
    )


def _book(job):
    """One worker's booking: (seconds, "booked" | "conflict" | error text)."""
    from django.db import connections

    from bands.models import Band, Package
    from bookings.errors import BookingConflict, BookingError
    from bookings.services.instant import booking_instant

    band_id, package_id, client_id, starts_iso, price = job
    from accounts.models import User

    band, package = Band.objects.get(pk=band_id), Package.objects.get(pk=package_id)
    client = User.objects.get(pk=client_id)
    start = time.monotonic()
    try:
        booking_instant(
            band=band, package=package, client=client, starts_at=dt.datetime.fromisoformat(starts_iso), price=price
        )
        outcome = "booked"
    except BookingConflict:
        outcome = "conflict"
    except BookingError as exc:
        outcome = f"refused: {exc}"
    except Exception as exc:  # reported, whatever it is
        outcome = f"{type(exc).__name__}: {exc}"
    finally:
        connections.close_all()
    return time.monotonic() - start, outcome


def bench_contention(band, package, count: int, pool: int) -> None:
    import multiprocessing

    from django.db import connections

    from accounts.models import User
    from bands.packages import package_price
    from bookings.models import Booking
    from bookings.selectors.strip import band_strip

    strip = band_strip(band=band, length=dt.timedelta(minutes=package.length_minutes), viewer_zone="Europe/Berlin")
    day = next(d for d in strip.days if d.starts and d.day.weekday() == 5)
    first = day.starts[-1].at - dt.timedelta(minutes=30)
    clients = [
        User.objects.create(email=f"c{i}.{band.slug}@bench.test", display_name=f"Client {i}", time_zone="UTC")
        for i in range(count)
    ]
    jobs = [
        (band.pk, package.pk, c.pk, (first + dt.timedelta(minutes=i % 30)).isoformat(), package_price(package))
        for i, c in enumerate(clients)
    ]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = time.monotonic()
    with context.Pool(min(pool, count)) as workers:
        results = workers.map(_book, jobs, chunksize=1)
    total = time.monotonic() - start
    latency = [r[0] for r in results]
    outcomes = [r[1] for r in results]
    booked = Booking.objects.filter(band=band, status__in=Booking.ON).count()
    errors = [o for o in outcomes if o not in ("booked", "conflict")]
    p99 = search_bench.percentile(latency, 99)
    ok = booked == 1 and outcomes.count("booked") == 1 and not errors
    print(
        f"instant bookings at once   {count} from {min(pool, count)} processes: booked {booked}, "
        f"conflicts {outcomes.count('conflict')}, other {len(errors)}  p50 {ms(statistics.median(latency)):6.0f} ms  "
        f"p99 {ms(p99):6.0f} ms  max {ms(max(latency)):6.0f} ms  all answered in {total:.2f} s  "
        f"{'ok' if ok else 'WRONG'}{'' if p99 < CONTENTION_BUDGET_P99_S else ' OVER BUDGET'}"
    )
    for error in errors[:3]:
        print(f"    !! {error}")


def bench_download(band, size_mb: int) -> None:
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.test import Client
    from django.urls import reverse

    from bands.models import Membership
    from bookings.models import Booking
    from bookings.services.files import booking_file_add

    booking = Booking.objects.get(band=band, status=Booking.Status.BOOKED)
    leader = Membership.objects.get(band=band, role="leader").user
    upload = TemporaryUploadedFile("recording.wav", "audio/wav", size_mb * 1024 * 1024, None)
    upload.write(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    chunk = b"\x00" * (1024 * 1024)
    for _ in range(size_mb):
        upload.write(chunk)
    upload.truncate(size_mb * 1024 * 1024)
    upload.size = size_mb * 1024 * 1024
    upload.seek(0)
    row = booking_file_add(booking=booking, by=leader, upload=upload, title="Recording", kind="audio")
    upload.close()
    client = Client()
    client.force_login(booking.client)
    url = reverse("bookings:file_download", args=[booking.uid, row.pk])
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url)
    received = sum(len(part) for part in response.streaming_content)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"download {size_mb} MB          {seconds * 1000:6.0f} ms, {received / 1e6:.1f} MB received, "
        f"streamed: {response.streaming}, peak Python memory while streaming {peak / 1e6:.2f} MB  "
        f"{'ok' if response.streaming and peak < row.size / 4 else 'WRONG'}"
    )


def main() -> None:
    args = parse_args()
    maintenance_url, what = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-client.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")

    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.STORAGES["booking_files"]["OPTIONS"]["location"] = str(Path("/tmp") / "stageslot-bench-files")  # noqa: S108
    print(f"client journey benchmark on {what}")
    try:
        call_command("migrate", verbosity=0)
        band, package, _, busy_rows = world()
        print(f"band of 8 required members, {busy_rows} busy intervals over 8 weeks\n")
        bench_strip(band, package, args.runs)
        count = args.bookings if maintenance_url else min(args.bookings, 20)
        bench_contention(band, package, count, args.pool if maintenance_url else 4)
        bench_download(band, args.file_mb)
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
