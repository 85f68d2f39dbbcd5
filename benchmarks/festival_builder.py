"""The organiser's builder at size: 3 days × 6 stages × 120 acts (the world of benchmarks/festival.py: 2,000
applications to the call, players shared between acts), from the offers to the schedule file.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/festival_builder.py
        [--runs 20] [--database-name stageslot_bench_festival_builder] [--keep]
    .venv/bin/python benchmarks/festival_builder.py          # SQLite, a throwaway file

Prints:
1. offer and accept: each of the 120 sets offered (timetable.placement_offer) and accepted by the act's
   leader (timetable.placement_accept, through booking_book): p50/p95/max each.
2. the builder page (its organiser), --runs times: p50/p95/max and its queries; the queries again after 12
   more acts (they must not grow).
3. publishing: release 1 (every act told its set), and release 2 with nothing changed.
4. schedule.xml of the last release: its size, the first fetch and the next ones (p50/p95/max), and the same
   bytes twice.
Exits with 1 when the builder's queries grow with the acts or the schedule's bytes differ.
"""

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import festival as festival_bench
import search as search_bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-name", default="stageslot_bench_festival_builder")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def timed_book(offers: list[float], accepts: list[float]):
    """festival_bench._book, timing the offer and the accept apart."""

    def book(*, by, now, **offer):
        from bands.models import Membership
        from festivals.services import timetable

        began = time.perf_counter()
        placement = timetable.placement_offer(by=by, now=now, **offer)
        offers.append((time.perf_counter() - began) * 1000)
        leader = Membership.objects.filter(band=placement.band, role=Membership.Role.LEADER).order_by("pk").first()
        began = time.perf_counter()
        placement = timetable.placement_accept(placement=placement, by=leader.user, now=now)
        accepts.append((time.perf_counter() - began) * 1000)
        return placement

    return book


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot-bench-festival-builder.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from festivals.services import releases
    from stageslot.celery_app import app as celery_app

    settings.ALLOWED_HOSTS = ["*"]
    celery_app.conf.task_always_eager = True
    logging.getLogger("celery").setLevel(logging.WARNING)  # a line per eager task would drown the figures
    problems: list[str] = []
    offers: list[float] = []
    accepts: list[float] = []
    festival_bench._book = timed_book(offers, accepts)
    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({where}); load average {search_bench.load_average()}")
        began = time.perf_counter()
        owner, festival, fstages, bands, first_day, tz = festival_bench.build()
        days, stages, acts = festival_bench.DAYS, festival_bench.STAGES, festival_bench.ACTS
        print(f"built: {days} days × {stages} stages, {acts} acts in {time.perf_counter() - began:.1f} s")
        print(f"{'offer a set':26s} {festival_bench.figures(offers)}")
        print(f"{'accept a set':26s} {festival_bench.figures(accepts)}")

        client = Client()
        client.force_login(owner)
        builder = reverse("festivals:builder", args=[festival.slug])
        festival_bench.timed_get(client, builder, 3)
        times, queries = festival_bench.timed_get(client, builder, args.runs)
        print(f"{'the builder':26s} {festival_bench.figures(times)}  {queries} queries")

        now = timezone.now()
        began = time.perf_counter()
        first = releases.release_publish(festival=festival, by=owner, note="Bench release", now=now)
        print(f"{'publish release 1':26s} {(time.perf_counter() - began) * 1000:6.1f} ms  ({len(first.sets)} sets)")
        began = time.perf_counter()
        releases.release_publish(festival=festival, by=owner, now=now)
        print(f"{'publish release 2':26s} {(time.perf_counter() - began) * 1000:6.1f} ms  (nothing changed)")

        schedule = reverse("festivals:schedule_xml", args=[festival.slug])
        reader = Client()
        began = time.perf_counter()
        body = reader.get(schedule).content
        first_ms = (time.perf_counter() - began) * 1000
        times, _queries = festival_bench.timed_get(reader, schedule, args.runs)
        again = reader.get(schedule).content
        print(
            f"{'schedule.xml':26s} {len(body) / 1024:6.1f} KB; first fetch {first_ms:.1f} ms, then "
            f"{festival_bench.figures(times)}; same bytes twice: {body == again}"
        )
        if body != again:
            problems.append("schedule.xml differs between two fetches")

        # Twelve more acts: the builder's queries must not grow.
        for k in range(12):
            festival_bench._book(
                fstage=fstages[k % stages],
                band=bands[1000 + k],
                starts_at=dt.datetime.combine(first_day + dt.timedelta(days=k % days), dt.time(21), tzinfo=tz)
                + dt.timedelta(minutes=70 * (k // stages)),
                set_minutes=festival_bench.SET_MINUTES,
                by=owner,
                now=now,
            )
        _times, more = festival_bench.timed_get(client, builder, 2)
        print(f"{'the builder':26s} {more} queries with 12 more acts (was {queries})")
        if more != queries:
            problems.append("the builder's queries grow with the acts")
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        sys.exit(1)
    print("every check met")


if __name__ == "__main__":
    main()
