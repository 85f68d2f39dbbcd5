"""Shows: the gig finder with support calls, the public show page and a venue's "What's on".

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/shows.py
        [--slots 5000] [--calls 1000] [--shows 200] [--requests 200]
        [--database-name stageslot_bench_shows] [--keep]
    .venv/bin/python benchmarks/shows.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. It makes --slots open public slots at 250
venues over the next ten months, --calls shows hosted by as many bands looking for support acts, and
a band of four whose members are busy on many evenings (weekly rehearsals, day jobs, a tour). Its
leader then asks the gig finder, through Django's test client, for "only what we can play" – every
place, then support calls only, then support calls in one city – and the figures say p50/p95/max of
the server time and the queries per request. Then one venue gets --shows shows, each with a headliner,
two supports with set times and two ticket links, and the show pages and "What's on" pages are asked
for by an anonymous visitor: p50/p95 and the queries of each page, which must not grow with the rows.

Budgets: the finder p95 under 150 ms on PostgreSQL; the show page and "What's on" p95 under 60 ms.
"""

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)

FINDER_BUDGET_MS = 150.0
PAGE_BUDGET_MS = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slots", type=int, default=5000, help="open public slots at venues")
    parser.add_argument("--calls", type=int, default=1000, help="band-hosted shows looking for support")
    parser.add_argument("--shows", type=int, default=200, help="shows at the venue whose What's on is read")
    parser.add_argument("--requests", type=int, default=200, help="requests per measured page")
    parser.add_argument("--database-name", default="stageslot_bench_shows")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def make_world(args: argparse.Namespace, rng: random.Random):
    """Venues with open slots, bands hosting support calls, and the searching band (its leader)."""
    from django.utils import timezone

    from accounts.models import User
    from availability.models import BusyInterval
    from bands.models import ApprovalStatus, Band, Genre, Membership
    from bookings.models import Booking
    from venues.models import Slot, Stage, Venue

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    genres = [Genre.objects.get_or_create(slug=f"g{i}", defaults={"name": f"Genre {i}"})[0] for i in range(12)]
    cities = ["Berlin", "Leipzig", "Hamburg", "Köln", "München", "Wien", "Zürich", "Prag"]
    venues = Venue.objects.bulk_create(
        Venue(name=f"Venue {i}", slug=f"venue-{i}", city=cities[i % len(cities)], country="DE",
              time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED)
        for i in range(250)
    )  # fmt: skip
    stages = Stage.objects.bulk_create(Stage(venue=v, name="Main") for v in venues)
    slots = []
    for n in range(args.slots):
        stage = stages[n % len(stages)]
        day = 2 + (n // len(stages)) * 300 // max(1, args.slots // len(stages))
        start = now.replace(hour=19) + dt.timedelta(days=day)
        slots.append(
            Slot(venue_id=stage.venue_id, stage=stage, starts_at=start, ends_at=start + dt.timedelta(hours=4),
                 title=f"Night {n}", fee=rng.choice([None, 200, 400, 800]), support_places=rng.choice([0, 1, 2]))
        )  # fmt: skip
    slots = Slot.objects.bulk_create(slots)
    through = Slot.genres.through
    through.objects.bulk_create(
        through(slot_id=s.pk, genre_id=rng.choice(genres).pk) for s in slots if rng.random() < 0.6
    )
    hosts = Band.objects.bulk_create(
        Band(name=f"Host {i}", slug=f"host-{i}", city=cities[i % len(cities)], time_zone="Europe/Berlin",
             status=ApprovalStatus.APPROVED)
        for i in range(args.calls)
    )  # fmt: skip
    calls = []
    for i, band in enumerate(hosts):
        start = now.replace(hour=20) + dt.timedelta(days=3 + i * 300 // max(1, args.calls))
        calls.append(
            Slot(host_band=band, starts_at=start, ends_at=start + dt.timedelta(hours=4), title=f"DIY show {i}",
                 place_name=f"Basement {i}", place_city=cities[i % len(cities)], time_zone="Europe/Berlin",
                 support_places=rng.choice([1, 2, 3]), support_picker="headliner", headliner_booked=1,
                 support_terms="Door split")
        )  # fmt: skip
    calls = Slot.objects.bulk_create(calls)
    Booking.objects.bulk_create(
        Booking(kind="host", role="headliner", status="booked", band_id=s.host_band_id, slot=s,
                starts_at=s.starts_at, ends_at=s.ends_at, time_zone="Europe/Berlin", location=s.place_name)
        for s in calls
    )  # fmt: skip

    searching = Band.objects.create(
        name="The Seekers", slug="the-seekers", city="Berlin", time_zone="Europe/Berlin", status="approved"
    )
    people = [User.objects.create_user(email=f"seeker{i}@bench.test", password="x") for i in range(4)]  # noqa: S106
    for i, person in enumerate(people):
        Membership.objects.create(band=searching, user=person, role="leader" if i == 0 else "member", required=True)
    busy = []
    for day in range(0, 320):
        moment = now.replace(hour=0) + dt.timedelta(days=day)
        if day % 7 in (1, 3):  # rehearsals
            busy.append((people[1], moment + dt.timedelta(hours=18), moment + dt.timedelta(hours=21)))
        if day % 7 < 5:  # a day job
            busy.append((people[2], moment + dt.timedelta(hours=8), moment + dt.timedelta(hours=17)))
        if 60 <= day < 75:  # a tour of someone's other band
            busy.append((people[3], moment, moment + dt.timedelta(days=1)))
    BusyInterval.objects.bulk_create(
        BusyInterval(user=u, starts_at=s, ends_at=e, source="rule", source_id=1) for u, s, e in busy
    )
    return people[0], searching


def make_venue_shows(count: int, rng: random.Random):
    """One venue with `count` shows, each booked: a headliner, two supports with set times, two ticket links."""
    from decimal import Decimal

    from django.utils import timezone

    from bands.models import Band
    from bookings.models import Booking
    from venues.models import Slot, Stage, Ticket, Venue

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    venue = Venue.objects.create(
        name="The Big Room", slug="the-big-room", city="Berlin", time_zone="Europe/Berlin", status="approved"
    )
    stage = Stage.objects.create(venue=venue, name="Main")
    bands = Band.objects.bulk_create(
        Band(name=f"Act {i}", slug=f"act-{i}", time_zone="Europe/Berlin", status="approved") for i in range(count * 3)
    )
    slots = Slot.objects.bulk_create(
        Slot(venue=venue, stage=stage, starts_at=now.replace(hour=19) + dt.timedelta(days=1 + i),
             ends_at=now.replace(hour=23) + dt.timedelta(days=1 + i), title=f"Show {i}", support_places=2,
             headliner_booked=1, supports_booked=2)
        for i in range(count)
    )  # fmt: skip
    rows, tickets = [], []
    h = dt.timedelta(hours=1)
    for i, slot in enumerate(slots):
        for k, role in enumerate(("support", "support", "headliner")):
            rows.append(
                Booking(kind="offer", role=role, status="booked", band=bands[i * 3 + k], slot=slot, venue=venue,
                        starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone="Europe/Berlin",
                        load_in_at=slot.starts_at - h, set_starts_at=slot.starts_at + k * h,
                        set_ends_at=slot.starts_at + k * h + h * 3 / 4)
            )  # fmt: skip
        tickets += [
            Ticket(slot=slot, label="Presale", url=f"https://tickets.example.com/{i}", price_min=Decimal("12"),
                   price_max=Decimal("18"), position=0),
            Ticket(slot=slot, label="Door", url=f"https://door.example.com/{i}", price_min=Decimal("20"), position=1),
        ]  # fmt: skip
    Booking.objects.bulk_create(rows)
    Ticket.objects.bulk_create(tickets)
    rng.shuffle(slots)
    return venue, slots


def measure(client, urls: list[str], counter) -> tuple[list[float], list[int]]:
    from django.db import connection

    times, queries = [], []
    for url in urls:
        counter.count = 0
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(counter.count)
    return times, queries


def report(label: str, times: list[float], queries: list[int], budget: float | None) -> bool:
    p95 = search_bench.percentile(times, 95)
    within = budget is None or p95 < budget
    verdict = "" if budget is None else (f"  within {budget:.0f} ms" if within else f"  OVER {budget:.0f} ms")
    print(
        f"{label:<46} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {max(times):6.1f} ms  "
        f"queries {min(queries)}–{max(queries)}{verdict}"
    )
    return within


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-shows.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    rng = random.Random(16)
    try:
        call_command("migrate", verbosity=0)
        postgres = connection.vendor == "postgresql"
        began = time.perf_counter()
        leader, band = make_world(args, rng)
        venue, shows = make_venue_shows(args.shows, rng)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"database: {where}; {args.slots} open slots, {args.calls} support calls, {args.shows} shows at one "
            f"venue; made in {time.perf_counter() - began:.1f} s; load {search_bench.load_average()}"
        )
        counter = search_bench.QueryCounter()
        ok = True
        member = Client()
        member.force_login(leader)
        finder = f"/slots/?band={band.slug}&playable=on"
        for label, extra in (
            ("finder, only what we can play", ""),
            ("finder, support calls we can play", "&role=support_call"),
            ("finder, support calls we can play in Leipzig", "&role=support_call&city=Leipzig"),
        ):
            member.get(finder + extra)  # warm
            times, queries = measure(member, [finder + extra] * args.requests, counter)
            ok &= report(label, times, queries, FINDER_BUDGET_MS if postgres else None)
        visitor = Client()
        show_urls = [f"/shows/{s.pk}/" for s in shows]
        visitor.get(show_urls[0])
        times, queries = measure(visitor, [rng.choice(show_urls) for _ in range(args.requests)], counter)
        ok &= report("show page (3 acts, 2 tickets)", times, queries, PAGE_BUDGET_MS)
        pages = (args.shows + 9) // 10
        whats_on = [f"/venues/{venue.slug}/whats-on/?page={1 + i % pages}" for i in range(args.requests)]
        times, queries = measure(visitor, whats_on, counter)
        ok &= report(f"What's on ({pages} pages of 10)", times, queries, PAGE_BUDGET_MS)
        band_shows = [f"/bands/act-{3 * i + 2}/shows/" for i in range(min(args.requests, args.shows))]
        times, queries = measure(visitor, band_shows, counter)
        ok &= report("a band's upcoming shows", times, queries, PAGE_BUDGET_MS)
        print("all within budget" if ok else "SOME OVER BUDGET")
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
