"""Booking: the gig finder's "only slots we can play", and accepts under contention.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/booking.py
        [--slots 5000] [--runs 200] [--accepts 200] [--rounds 3] [--pool 40] [--explain]
        [--inline-email] [--database-name stageslot_bench_booking] [--keep]
        [--no-finder] [--http 200 1000 [--port 8316] [--workers 4]]
    .venv/bin/python benchmarks/booking.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. Both parts start from the demo world
(`seed_demo`: bands whose members have day jobs, shifts, holidays and weekly rehearsals, made
through the availability services, so their busy time is really materialised).

1. The finder. Adds --slots open public slots over the next six months (plus booked, cancelled,
   invite-only and past ones the finder leaves out) at the demo venues and 40 more, then, as the
   leader of each approved demo band in turn, asks for the slots the band can play: the selector
   the page runs (bookings.finder.finder_slots, its keys and its first page of 24, as
   KeysFirstPaginator does) and the whole page through Django's test client (/slots/?playable=on,
   full and HTMX), alone and with a genre, a city, a date range or "within 100 km of <city>" (nearest
   first; every venue stands at its city's point from the gazetteer). Then anyone's finder within
   100 km of a city, nearest first, without a band. Prints p50/p95/max and the queries per request.
   Budget: p95 under 150 ms. --explain adds the plans of the keys query, alone and near a city.

2. Accepts under contention. --rounds times: one band gets --accepts pending bookings that all
   overlap (half venue offers, half private requests); its leader accepts all of them at once
   through the view (POST /bookings/<uid>/accept/) from --pool worker processes, each with its
   own connection, started together. Then 50 bands' support applications for one slot with two
   support places, accepted at once by the venue. Prints p50/p99/max latency per request, the
   time until the last one was answered, and the queries of the winners and the losers.
   Budget: p99 under 2 s on PostgreSQL. Notification emails are queued (an in-memory broker, as
   a worker would take them from Redis) unless --inline-email sends them inside the requests.

3. --http N [N …] (instead of 1 and 2, no demo world): the accepts over HTTP, as browsers send them.
   gunicorn serves the project (--workers sync workers on 127.0.0.1:--port, the same database,
   emails queued; the rounds start once every worker is up and idle); for each N, --rounds times,
   N accepts of one band's overlapping bookings are POSTed at once, each on its own connection from
   an asyncio client in this process, then 50 support applications for one slot with two places.
   Prints p50/p99/max latency, the time until the last answer and the load average, then runs the
   worker's part (declining the losers, queued by the winner's accept) and its time, and checks one
   winner (two), every other answer a 409, nothing left pending. Goal on a 2-core machine: p99 under
   2 s for 200, under 5 s for 1,000.
"""

import argparse
import asyncio
import datetime as dt
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

FINDER_BUDGET_P95_MS = 150.0
ACCEPT_BUDGET_P99_S = 2.0
PAGE_SIZE = 24
# Rooms per finder venue: a venue with more than one slot on a day puts each on a room of its own.
ROOMS = 8
CITIES = [
    ("Berlin", "Berlin", "DE", "Europe/Berlin"),
    ("Hamburg", "Hamburg", "DE", "Europe/Berlin"),
    ("Leipzig", "Saxony", "DE", "Europe/Berlin"),
    ("Köln", "North Rhine-Westphalia", "DE", "Europe/Berlin"),
    ("Wien", "Wien", "AT", "Europe/Vienna"),
    ("Zürich", "Zürich", "CH", "Europe/Zurich"),
    ("Amsterdam", "North Holland", "NL", "Europe/Amsterdam"),
    ("Kraków", "Lesser Poland", "PL", "Europe/Warsaw"),
    ("London", "England", "GB", "Europe/London"),
    ("Manchester", "England", "GB", "Europe/London"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slots", type=int, default=5000, help="open public slots for the finder")
    parser.add_argument("--runs", type=int, default=200, help="finder requests of each kind")
    parser.add_argument("--accepts", type=int, default=200, help="concurrent accepts per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=40, help="processes (database connections) firing the accepts")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the finder's keys query")
    parser.add_argument("--inline-email", action="store_true", help="send notification emails inside the request")
    parser.add_argument("--database-name", default="stageslot_bench_booking")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--reuse", action="store_true", help="use the demo world and slots a --keep run left")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--http", type=int, nargs="+", metavar="N", help="only the accepts, over HTTP (gunicorn): N at once, per N"
    )
    parser.add_argument("--no-finder", action="store_true", help="only the accepts (part 2), no demo world")
    parser.add_argument("--finder-only", action="store_true", help="only the finder (part 1), no accepts")
    parser.add_argument("--port", type=int, default=8316, help="gunicorn's port for --http")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's sync workers for --http")
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    return search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-booking.sqlite3", reuse=args.reuse)


def ms(seconds: float) -> float:
    return seconds * 1000


def spread(values: list[int]) -> str:
    values = sorted(set(values))
    return f"{values[0]}" if len(values) == 1 else f"{values[0]}–{values[-1]}"


def count_queries(fn):
    """(result, seconds, queries) of fn()."""
    from django.db import connection

    counter = search_bench.QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return result, elapsed, counter.count


# ---- 1. The finder ------------------------------------------------------------------------------------------


def generate_slots(rng: random.Random, count: int) -> None:
    from django.db import connection

    from bands.models import ApprovalStatus, Genre
    from bookings.selectors.bookings import slots_public
    from venues.models import Slot, Stage, Venue

    started = time.perf_counter()
    points = city_points()
    for i in range(40):
        city, region, country, zone = CITIES[i % len(CITIES)]
        Venue.objects.create(
            name=f"Finder Hall {i}", slug=f"finder-hall-{i}", city=city, region=region, country=country,
            time_zone=zone, capacity=rng.choice([80, 150, 300, 600]), status=ApprovalStatus.APPROVED,
            place=points.get(city),
        )  # fmt: skip
    venues = list(Venue.objects.filter(status=ApprovalStatus.APPROVED))
    # One stage has one show at a time: a venue's second slot on a day goes to its next room.
    for venue in venues:
        for room in range(ROOMS):
            Stage.objects.get_or_create(venue=venue, name=f"Room {room + 1}")
    stages: dict[int, list[Stage]] = {}
    for stage in Stage.objects.filter(venue__in=venues, name__startswith="Room ").order_by("venue_id", "pk"):
        stages.setdefault(stage.venue_id, []).append(stage)
    taken: dict[tuple[int, int], int] = {}
    genres = list(Genre.objects.all())
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)

    def slot(*, days: int, **extra) -> Slot:
        venue = rng.choice(venues)
        while taken.get((venue.pk, days), 0) >= ROOMS:
            venue = rng.choice(venues)
        room = taken[venue.pk, days] = taken.get((venue.pk, days), 0) + 1
        start = now.replace(hour=rng.choice([17, 18, 19, 19, 20, 20, 21])) + dt.timedelta(days=days)
        support = rng.choice([0, 0, 1, 1, 2, 3])
        fields = {
            "venue": venue, "stage": stages[venue.pk][room - 1], "starts_at": start,
            "ends_at": start + dt.timedelta(hours=rng.choice([2, 3, 3, 4, 5])), "title": f"Night {rng.randint(1, 999)}",
            "fee": rng.choice([None, 150, 300, 500, 800, 1200]), "support_places": support,
            # bulk_create skips Slot.save, which copies the venue's point.
            "latitude": venue.latitude, "longitude": venue.longitude, **extra,
        }  # fmt: skip
        return Slot(**fields)

    rows = [slot(days=rng.randint(1, 182)) for _ in range(count)]
    # Headliner booked, support places open ("Need support"): in the finder too.
    rows += [slot(days=rng.randint(1, 182), headliner_booked=1, support_places=2) for _ in range(count // 10)]
    # What the finder leaves out: fully booked, cancelled, invite-only, past.
    for _ in range(count // 10):
        rows.append(slot(days=rng.randint(1, 182), headliner_booked=1, support_places=0))
        rows.append(slot(days=rng.randint(1, 182), cancelled_at=now, cancel_reason="Flooded"))
        rows.append(slot(days=rng.randint(1, 182), visibility=Slot.Visibility.INVITE))
        rows.append(slot(days=-rng.randint(1, 60)))
    created = Slot.objects.bulk_create(rows, batch_size=1000)
    through = Slot.genres.through
    links = [
        through(slot_id=s.pk, genre_id=g.pk)
        for s in created
        if rng.random() < 0.7
        for g in rng.sample(genres, rng.randint(1, min(2, len(genres))))
    ]
    through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    open_count = slots_public().filter(Slot.status_q(Slot.Status.OPEN), starts_at__gt=now).count()
    print(
        f"generated {len(created):,} slots at {len(venues)} venues ({open_count:,} open and public ahead in all, "
        f"{len(links):,} genre links) in {time.perf_counter() - started:.1f} s"
    )


def city_points() -> dict:
    """The gazetteer's city of each of CITIES (by its name there), those it knows one of."""
    from places.selectors import city_match

    found = {name: city_match(name, country) for name, _region, country, _zone in CITIES}
    return {name: city for name, city in found.items() if city is not None}


def measure_finder(args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bands.models import ApprovalStatus, Band, Genre, Membership
    from bookings.selectors.finder import finder_slots
    from places.near import Near

    bands = []
    for band in Band.objects.filter(status=ApprovalStatus.APPROVED).order_by("pk"):
        leader = Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first()
        if leader is not None:
            bands.append((band, leader.user))
    members = Membership.objects.filter(band__in=[b for b, _ in bands], required=True).count()
    print(f"\nfinder: {len(bands)} approved demo bands with a leader ({members} required members)")

    genres = list(Genre.objects.values_list("slug", flat=True))
    today = timezone.localdate()
    points = list(city_points().values())

    def case(kind: str) -> tuple[dict, dict]:
        """(finder_slots filters, the page's query parameters) of one request of `kind`."""
        if kind == "+ genre":
            genre = rng.choice(genres)
            return {"genres": [genre]}, {"genre": genre}
        if kind == "+ city":
            city = rng.choice(CITIES)[0]
            return {"city": city}, {"city": city}
        if kind == "+ 30 days":
            first = today + dt.timedelta(days=rng.randint(1, 120))
            last = first + dt.timedelta(days=30)
            utc = {
                "starts_from": dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC),
                "starts_before": dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC),
            }
            return utc, {"date_from": first.isoformat(), "date_until": last.isoformat()}
        if kind == "+ 100 km":
            city = rng.choice(points)
            return {"near": Near(city=city, km=100), "sort": "distance"}, {"near": city.pk, "within": "100"}
        return {}, {}

    kinds = ["playable", "+ genre", "+ city", "+ 30 days", "+ 100 km"]
    clients = {}
    for band, leader in bands:
        client = Client()
        client.force_login(leader)
        clients[band.pk] = client

    def selector(band, filters: dict) -> tuple[int, list]:
        """What the page asks the database for: the keys of every match, then the first page's rows."""
        qs = finder_slots(now=timezone.now(), band_id=band.pk, playable=True, **filters)
        keys = list(qs.values_list("pk", flat=True))
        return len(keys), list(qs.filter(pk__in=keys[:PAGE_SIZE]))

    # Warm up: templates, the form's genre list, the first connection.
    for band, _leader in bands[:2]:
        selector(band, {})
        clients[band.pk].get("/slots/", {"band": band.slug, "playable": "on"})

    rows = []  # (kind, selector ms, selector queries, page ms, page queries, htmx ms, htmx queries, found)
    for i in range(args.runs * len(kinds)):
        kind = kinds[i % len(kinds)]
        band, _leader = bands[rng.randrange(len(bands))]
        filters, params = case(kind)
        (found, _page), sel_s, sel_q = count_queries(lambda: selector(band, filters))  # noqa: B023
        query = {**params, "band": band.slug, "playable": "on"}
        client = clients[band.pk]
        response, page_s, page_q = count_queries(lambda: client.get("/slots/", query))  # noqa: B023
        assert response.status_code == 200, response.status_code
        response, htmx_s, htmx_q = count_queries(
            lambda: client.get("/slots/", query, headers={"HX-Request": "true"})  # noqa: B023
        )
        assert response.status_code == 200, response.status_code
        rows.append((kind, ms(sel_s), sel_q, ms(page_s), page_q, ms(htmx_s), htmx_q, found))

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(rows)} requests on {connection.vendor} (load average {load}); times in ms")
    print(
        f"{'filters':<11}{'n':>5}{'found':>7} | {'selector p50':>12}{'p95':>7}{'max':>7}{'q':>4}"
        f" | {'page p50':>8}{'p95':>7}{'max':>7}{'q':>6} | {'htmx p50':>8}{'p95':>7}{'q':>6}"
    )
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    groups["all"] = rows
    for name, group in groups.items():
        sel, page, htmx = [r[1] for r in group], [r[3] for r in group], [r[5] for r in group]
        print(
            f"{name:<11}{len(group):>5}{statistics.median(r[7] for r in group):>7.0f} | "
            f"{statistics.median(sel):>12.1f}{search_bench.percentile(sel, 95):>7.1f}{max(sel):>7.1f}"
            f"{spread([r[2] for r in group]):>4} | "
            f"{statistics.median(page):>8.1f}{search_bench.percentile(page, 95):>7.1f}{max(page):>7.1f}"
            f"{spread([r[4] for r in group]):>6} | "
            f"{statistics.median(htmx):>8.1f}{search_bench.percentile(htmx, 95):>7.1f}"
            f"{spread([r[6] for r in group]):>6}"
        )
    for label, index in (("selector", 1), ("full page", 3), ("HTMX results", 5)):
        p95 = search_bench.percentile([r[index] for r in rows], 95)
        verdict = "within" if p95 < FINDER_BUDGET_P95_MS else "OVER"
        print(f"{label:<13} p95 {p95:6.1f} ms: {verdict} the {FINDER_BUDGET_P95_MS:.0f} ms budget")

    measure_finder_near(args, rng, points)

    if args.explain:
        band, _leader = bands[0]
        near = Near(city=city_points().get("Leipzig") or points[0], km=100)
        for label, filters in (("", {}), (f", within 100 km of {near.city.name}", {"near": near, "sort": "distance"})):
            keys = finder_slots(now=timezone.now(), band_id=band.pk, playable=True, **filters).values_list(
                "pk", flat=True
            )
            sql, sql_params = keys.query.sql_with_params()
            with connection.cursor() as cursor:
                prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
                cursor.execute(f"{prefix} {sql}", sql_params)
                plan = "\n".join(f"    {' '.join(str(c) for c in row)}" for row in cursor.fetchall())
            print(f"\n{prefix} of the keys of the slots {band.name} can play{label}:\n{plan}")


def measure_finder_near(args: argparse.Namespace, rng: random.Random, points: list) -> None:
    """Anyone's finder (no band) within 100 km of a city, nearest first: the whole page and its results."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.get("/slots/", {"near": points[0].pk, "within": "100"})
    times, queries, found = [], set(), []
    for i in range(args.runs):
        city = rng.choice(points)
        headers = {"HX-Request": "true"} if i % 2 else {}
        query = {"near": city.pk, "within": "100"}
        response, seconds, count = count_queries(lambda: client.get("/slots/", query, headers=headers))  # noqa: B023
        assert response.status_code == 200, response.status_code
        times.append(ms(seconds))
        queries.add(count)
        heading = response.content.decode().split('id="results-heading">', 1)[-1].split()
        found.append(int(heading[0]) if heading and heading[0].isdigit() else 0)
    p95 = search_bench.percentile(times, 95)
    verdict = "within" if p95 < FINDER_BUDGET_P95_MS else "OVER"
    print(
        f"\nanyone's finder within 100 km of a city, nearest first ({len(times)} requests on {connection.vendor}, "
        f"{statistics.median(found):.0f} slots found at the median): p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(times):.1f} ms, queries {spread(list(queries))}; "
        f"{p95 / FINDER_BUDGET_P95_MS:.2f} of the {FINDER_BUDGET_P95_MS:.0f} ms budget: {verdict}"
    )


# ---- 2. Accepts under contention --------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    latency: float  # seconds from sending the request to its answer
    answered: float  # seconds from the start of the round to the answer
    service: float  # seconds inside answering.booking_accept (book.booking_book): the locks, checks and writes
    queries: int
    error: str = ""


def _fire_worker(jobs, answers, barrier, t0: float, session: str) -> None:
    """One web worker: its own process, test client and database connection; POSTs until told to stop."""
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client

    from bookings.services import answering

    accept = answering.booking_accept
    inside = [0.0]

    def timed_accept(**kwargs):
        start = time.monotonic()
        try:
            return accept(**kwargs)
        finally:
            inside[0] = time.monotonic() - start

    # The view calls answering.booking_accept through the module: time what happens inside it.
    answering.booking_accept = timed_accept
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    connection.ensure_connection()
    barrier.wait()
    try:
        while (job := jobs.get()) is not None:
            index, url = job
            counter = search_bench.QueryCounter()
            inside[0] = 0.0
            start = time.monotonic()
            error = ""
            try:
                with connection.execute_wrapper(counter):
                    status = client.post(url, headers={"HX-Request": "true"} if index % 2 else {}).status_code
            except Exception as exc:  # reported with the round, whatever it is
                status, error = 500, f"{type(exc).__name__}: {exc}"
            end = time.monotonic()
            answers.put((index, Answer(status, end - start, end - t0.value, inside[0], counter.count, error)))
    finally:
        connections.close_all()


def warm_up(url: str, session: str) -> None:
    """Draw the booking page once, whole and as a part, so the workers fork with its templates compiled."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    for headers in ({}, {"HX-Request": "true"}):
        assert client.get(url, headers=headers).status_code == 200


def fire(urls: list[str], *, session: str, pool: int) -> tuple[list[Answer], float]:
    """POST every URL from `pool` worker processes started together (as a web server's workers
    would take them; threads in one process would queue behind each other for the GIL while
    holding the row locks). Returns the answers in the order of `urls` and the seconds until the last."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    pool = min(pool, len(urls))
    jobs, answers = context.Queue(), context.Queue()
    for job in enumerate(urls):
        jobs.put(job)
    for _ in range(pool):
        jobs.put(None)
    barrier = context.Barrier(pool + 1)
    t0 = context.Value("d", 0.0)
    connections.close_all()  # a forked child must not share the parent's connection
    workers = [context.Process(target=_fire_worker, args=(jobs, answers, barrier, t0, session)) for _ in range(pool)]
    for worker in workers:
        worker.start()
    barrier.wait()
    t0.value = time.monotonic()
    results: list = [None] * len(urls)
    for _ in urls:
        index, answer = answers.get(timeout=600)
        results[index] = answer
    total = time.monotonic() - t0.value
    for worker in workers:
        worker.join()
    return results, total


def overlapping_bookings(*, band, venue, owner, client, day: int, count: int) -> list:
    """`count` pending bookings for `band`, every one covering 19:00–21:00 UTC on `day` days from now:
    half offers of the venue's slots, half private requests from `client`."""
    from bookings.models import Booking
    from venues.models import Slot

    base = dt.datetime.now(dt.UTC).replace(hour=18, minute=0, second=0, microsecond=0) + dt.timedelta(days=day)
    times = [(base + dt.timedelta(minutes=i % 60), base + dt.timedelta(minutes=i % 60, hours=3)) for i in range(count)]
    from venues.models import Stage

    # Each slot on a room of its own: one stage has one show at a time (docs/decisions/0010).
    stages = Stage.objects.bulk_create(Stage(venue=venue, name=f"Room {day}.{i}") for i in range(len(times[::2])))
    slots = Slot.objects.bulk_create(
        Slot(venue=venue, stage=stage, starts_at=s, ends_at=e, title="Contended", fee=400)
        for (s, e), stage in zip(times[::2], stages, strict=True)
    )
    offers = [
        Booking(kind=Booking.Kind.OFFER, band=band, slot=slot, venue=venue, requested_by=owner,
                starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone=venue.time_zone, fee=400)
        for slot in slots
    ]  # fmt: skip
    requests = [
        Booking(kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client, starts_at=s, ends_at=e,
                time_zone="Europe/Berlin", event_type="Wedding", location="Orangerie", fee=900)
        for s, e in times[1::2]
    ]  # fmt: skip
    return Booking.objects.bulk_create(offers + requests)


def report_round(name: str, answers: list[Answer], total: float, winners: int) -> list[Answer]:
    errors = [a.error for a in answers if a.error]
    won = [a for a in answers if a.status in (200, 302)]
    lost = [a for a in answers if a.status == 409]
    other = len(answers) - len(won) - len(lost)
    latency = [a.latency for a in answers]
    service = [a.service for a in answers]
    ok = len(won) == winners and not other and not errors
    print(
        f"{name:<22}{len(answers):>5}{len(won):>4}{len(lost):>5}{other:>6}"
        f"{ms(statistics.median(latency)):>9.0f}{ms(search_bench.percentile(latency, 99)):>8.0f}"
        f"{ms(max(latency)):>8.0f}"
        f"{ms(statistics.median(service)):>9.0f}{ms(search_bench.percentile(service, 99)):>8.0f}"
        f"{total:>9.2f}{spread([a.queries for a in won]):>10}{spread([a.queries for a in lost]):>9}"
        f"  {'ok' if ok else 'WRONG'}"
    )
    for error in errors[:3]:
        print(f"    !! {error}")
    return answers


def contention_world() -> SimpleNamespace:
    """A venue with its owner, a client, one band of five (its leader answers) and 50 support bands."""
    from django.test import Client

    from accounts.models import User
    from bands.models import ApprovalStatus, Band, Membership
    from venues.models import Stage, Venue, VenueStaff

    tag = uuid.uuid4().hex[:6]  # a --reuse run adds its own people, bands and venue

    def user(name: str) -> User:
        return User.objects.create(email=f"{name}.{tag}@bench.stageslot.test", display_name=name, time_zone="UTC")

    def session_of(person: User) -> str:
        from django.conf import settings

        client = Client()
        client.force_login(person)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def new_band(name: str) -> tuple[Band, User]:
        slug = f"{name.lower().replace(' ', '-')}-{tag}"
        band = Band.objects.create(name=name, slug=slug, status=ApprovalStatus.APPROVED, time_zone="Europe/Berlin",
                                   city="Berlin", country="DE")  # fmt: skip
        leader = user(f"leader.{band.slug}")
        Membership.objects.create(band=band, user=leader, role=Membership.Role.LEADER)
        return band, leader

    venue = Venue.objects.create(name="Contention Hall", slug=f"contention-hall-{tag}", city="Berlin", country="DE",
                                 time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED)  # fmt: skip
    Stage.objects.create(venue=venue, name="Main room")
    owner = user("owner.contention")
    VenueStaff.objects.create(venue=venue, user=owner, role=VenueStaff.Role.OWNER)
    client = user("client.contention")
    band, leader = new_band("Contended Band")
    for i in range(4):
        Membership.objects.create(band=band, user=user(f"player{i}.contended"), role=Membership.Role.MEMBER)
    supports = [new_band(f"Support Band {i}") for i in range(50)]
    return SimpleNamespace(
        venue=venue, owner=owner, client=client, band=band, leader=leader, supports=supports,
        session=session_of(leader), venue_session=session_of(owner),
    )  # fmt: skip


def measure_accepts(args: argparse.Namespace) -> None:
    from django.db import connection

    from bookings.models import Booking

    world = contention_world()
    venue, owner, client, band, supports = world.venue, world.owner, world.client, world.band, world.supports
    emails = "sent inside the requests" if args.inline_email else "queued"
    print(
        f"\naccepts through the view from {args.pool} processes (connections) started together, "
        f"on {connection.vendor}; notification emails {emails}"
    )
    print("latency: the whole request; service: inside booking_accept (lock waits, checks, writes)")
    print(
        f"{'round':<22}{'n':>5}{'ok':>4}{'409':>5}{'other':>6}{'p50 ms':>9}{'p99':>8}{'max':>8}"
        f"{'svc p50':>9}{'p99':>8}{'total s':>9}{'q winner':>10}{'q loser':>9}"
    )
    answers: list[Answer] = []
    session = world.session
    for r in range(args.rounds):
        bookings = overlapping_bookings(band=band, venue=venue, owner=owner, client=client, day=30 + 2 * r,
                                        count=args.accepts)  # fmt: skip
        urls = [f"/bookings/{b.uid}/accept/" for b in bookings]
        random.Random(r).shuffle(urls)
        warm_up(f"/bookings/{bookings[0].uid}/", session)
        results, total = fire(urls, session=session, pool=args.pool)
        answers += report_round(f"one band, round {r + 1}", results, total, winners=1)
        booked = Booking.objects.filter(pk__in=[b.pk for b in bookings], status=Booking.Status.BOOKED).count()
        if booked != 1:
            print(f"    !! {booked} booked")
    venue_session = world.venue_session
    for r in range(args.rounds):
        from venues.models import Slot

        start = dt.datetime.now(dt.UTC).replace(hour=19, minute=0, second=0, microsecond=0) + dt.timedelta(days=90 + r)
        slot = Slot.objects.create(venue=venue, stage=venue.stages.first(), starts_at=start,
                                   ends_at=start + dt.timedelta(hours=4), support_places=2)  # fmt: skip
        applications = Booking.objects.bulk_create(
            Booking(kind=Booking.Kind.APPLICATION, role=Booking.Role.SUPPORT, band=b, slot=slot, venue=venue,
                    requested_by=lead, starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone=venue.time_zone)
            for b, lead in supports
        )  # fmt: skip
        urls = [f"/bookings/{b.uid}/accept/" for b in applications]
        random.Random(r).shuffle(urls)
        warm_up(f"/bookings/{applications[0].uid}/", venue_session)
        results, total = fire(urls, session=venue_session, pool=args.pool)
        report_round(f"2 support places, {r + 1}", results, total, winners=2)
        slot.refresh_from_db()
        if slot.supports_booked != 2:
            print(f"    !! {slot.supports_booked} supports booked")
    latency = [a.latency for a in answers]
    service = [a.service for a in answers]
    p99 = search_bench.percentile(latency, 99)
    verdict = "within" if p99 < ACCEPT_BUDGET_P99_S else "OVER"
    print(
        f"\none band, {len(answers)} accepts: p50 {ms(statistics.median(latency)):.0f} ms, p99 {ms(p99):.0f} ms "
        f"(inside booking_accept: p50 {ms(statistics.median(service)):.0f} ms, "
        f"p99 {ms(search_bench.percentile(service, 99)):.0f} ms): {verdict} the {ACCEPT_BUDGET_P99_S:.0f} s budget"
    )


# ---- 3. Accepts over HTTP, through gunicorn ----------------------------------------------------------------

CSRF_SECRET = "benchmarkbenchmarkbenchmarkbench"  # noqa: S105 (32 characters: the cookie and header carry it)


@dataclass
class HttpAnswer:
    status: int
    latency: float  # seconds from opening the connection to the last byte of the answer
    error: str = ""


def gunicorn_start(args: argparse.Namespace) -> subprocess.Popen:
    """gunicorn serving the project on 127.0.0.1:--port with --workers sync workers, on the benchmark's
    database; emails are queued (an in-memory broker). Its log goes to a temporary file."""
    import urllib.request

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "STAGESLOT_TEST_EAGER": "false",
        "DJANGO_CONN_MAX_AGE": "600",
    }
    log = open(Path(tempfile.gettempdir()) / f"stageslot-bench-gunicorn-{args.port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "stageslot.wsgi:application",
         "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--worker-class", "sync",
         "--backlog", "2048", "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/health/", timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not come up on port {args.port}; see {log.name}") from None
            time.sleep(0.3)
    # One worker answered; the others may still be starting. Wait until all of them are there and
    # idle (their CPU stops growing), so that no round counts a worker's start as answering time.
    last = server_cpu(server)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        cpu, pids = server_cpu(server), worker_pids(server)
        if not pids or (len(pids) == args.workers and cpu - last < 0.02):  # no /proc: nothing to wait for
            break
        last = cpu
    return server


def worker_pids(server: subprocess.Popen) -> list[str]:
    """The gunicorn workers' process ids (Linux /proc; none elsewhere)."""
    try:
        return Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return []


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds the gunicorn workers have used so far (Linux /proc; 0 elsewhere)."""
    ticks = 0
    for pid in worker_pids(server):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def http_fire(paths: list[str], *, port: int, session: str) -> tuple[list[HttpAnswer], float]:
    """POST every path at once, each on its own connection (an asyncio client in this process); the
    answers in the order of `paths`, and the seconds until the last one."""
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"

    def request(index: int, path: str) -> bytes:
        htmx = "HX-Request: true\r\n" if index % 2 else ""
        return (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nX-CSRFToken: {CSRF_SECRET}\r\n"
            f"{htmx}Content-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode()

    async def post(index: int, path: str) -> HttpAnswer:
        start = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request(index, path))
            await writer.drain()
            status_line = await reader.readline()
            await reader.read()  # the rest, until the server closes
            writer.close()
            return HttpAnswer(int(status_line.split()[1]), time.monotonic() - start)
        except Exception as exc:  # reported with the round, whatever it is
            return HttpAnswer(0, time.monotonic() - start, f"{type(exc).__name__}: {exc}")

    async def all_at_once() -> list[HttpAnswer]:
        return await asyncio.gather(*(post(i, path) for i, path in enumerate(paths)))

    began = time.monotonic()
    answers = asyncio.run(all_at_once())
    return answers, time.monotonic() - began


def report_http_round(name: str, answers: list[HttpAnswer], total: float, winners: int, load: str, cpu: float) -> None:
    errors = [a.error for a in answers if a.error]
    won = [a for a in answers if a.status in (200, 302)]
    lost = [a for a in answers if a.status == 409]
    other = len(answers) - len(won) - len(lost)
    latency = [a.latency for a in answers]
    ok = len(won) == winners and not other and not errors
    print(
        f"{name:<26}{len(answers):>6}{len(won):>4}{len(lost):>6}{other:>6}"
        f"{ms(statistics.median(latency)):>9.0f}{ms(search_bench.percentile(latency, 99)):>8.0f}"
        f"{ms(max(latency)):>8.0f}{total:>9.2f}{ms(cpu) / len(answers):>8.1f}  {load:<17}{'ok' if ok else 'WRONG'}"
    )
    statuses = sorted({a.status for a in answers} - {200, 302, 409})
    if statuses:
        print(f"    !! other statuses: {statuses}")
    for error in errors[:3]:
        print(f"    !! {error}")


def measure_accepts_http(args: argparse.Namespace) -> None:
    """--http N…: for each N, --rounds times, N accepts of one band's overlapping bookings POSTed at once
    over HTTP to gunicorn (--workers sync workers on --port), then 50 support applications of one slot
    with two places. Prints p50/p99/max latency per request, the time until the last answer, and the
    CPU the gunicorn workers spent per request (which, times N over the cores, bounds the latency)."""
    from bookings.models import Booking
    from bookings.services.losers import booking_losers_sweep
    from venues.models import Slot

    world = contention_world()
    server = gunicorn_start(args)
    try:
        print(
            f"\naccepts over HTTP: gunicorn, {args.workers} sync workers on port {args.port}; all requests sent "
            "at once, one connection each (asyncio); notification emails queued"
        )
        print(
            f"{'round':<26}{'n':>6}{'ok':>4}{'409':>6}{'other':>6}{'p50 ms':>9}{'p99':>8}{'max':>8}"
            f"{'total s':>9}{'cpu ms':>8}  {'load average':<17}"
        )
        day = 200
        for count in args.http:
            answers: list[HttpAnswer] = []
            for r in range(args.rounds):
                day += 2
                bookings = overlapping_bookings(band=world.band, venue=world.venue, owner=world.owner,
                                                client=world.client, day=day, count=count)  # fmt: skip
                paths = [f"/bookings/{b.uid}/accept/" for b in bookings]
                random.Random(r).shuffle(paths)
                cpu = server_cpu(server)
                results, total = http_fire(paths, port=args.port, session=world.session)
                cpu = server_cpu(server) - cpu
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                report_http_round(f"one band, {count}, round {r + 1}", results, total, 1, load, cpu)
                answers += results
                ids = [b.pk for b in bookings]
                booked = Booking.objects.filter(pk__in=ids, status=Booking.Status.BOOKED).count()
                # The winner was answered before its losers were declined: that is the worker's part
                # (its task sits in the in-memory broker here), done now as the worker would.
                worker_started = time.perf_counter()
                booking_losers_sweep()
                worker = time.perf_counter() - worker_started
                pending = Booking.objects.filter(pk__in=ids, status=Booking.Status.PENDING).count()
                print(f"    the worker's declines of the {count - 1} losers: {worker:.2f} s")
                if booked != 1 or pending:
                    print(f"    !! {booked} booked, {pending} still pending")
            latency = [a.latency for a in answers]
            print(
                f"  one band, {count} at once, {len(answers)} accepts: p50 {ms(statistics.median(latency)):.0f} ms, "
                f"p99 {ms(search_bench.percentile(latency, 99)):.0f} ms, max {ms(max(latency)):.0f} ms"
            )
        for r in range(args.rounds):
            start = dt.datetime.now(dt.UTC).replace(hour=19, minute=0, second=0, microsecond=0)
            start += dt.timedelta(days=300 + r)
            slot = Slot.objects.create(venue=world.venue, stage=world.venue.stages.first(), starts_at=start,
                                       ends_at=start + dt.timedelta(hours=4), support_places=2)  # fmt: skip
            applications = Booking.objects.bulk_create(
                Booking(kind=Booking.Kind.APPLICATION, role=Booking.Role.SUPPORT, band=b, slot=slot, venue=world.venue,
                        requested_by=lead, starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone="Europe/Berlin")
                for b, lead in world.supports
            )  # fmt: skip
            paths = [f"/bookings/{b.uid}/accept/" for b in applications]
            random.Random(r).shuffle(paths)
            cpu = server_cpu(server)
            results, total = http_fire(paths, port=args.port, session=world.venue_session)
            cpu = server_cpu(server) - cpu
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            report_http_round(f"2 support places, {r + 1}", results, total, 2, load, cpu)
            slot.refresh_from_db()
            if slot.supports_booked != 2:
                print(f"    !! {slot.supports_booked} supports booked")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    args = parse_args()
    maintenance_url, where = setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    # Every loser's 409 is logged as a warning; the table below counts them.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("celery").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.db import connection, connections

    from stageslot.celery_app import app as celery_app

    if not args.inline_email:
        # As in production with a worker: the request queues the emails; nobody takes them here.
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = "memory://localhost/"
    try:
        call_command("migrate", verbosity=0)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {connection.vendor} ({where}), load average {load}")
        rng = random.Random(args.seed)
        if not (args.reuse or args.http or args.no_finder):
            started = time.perf_counter()
            call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
            print(f"seed_demo in {time.perf_counter() - started:.1f} s")
            generate_slots(rng, args.slots)
        if args.http:
            measure_accepts_http(args)
        else:
            if not args.no_finder:
                measure_finder(args, rng)
            if not args.finder_only:
                measure_accepts(args)
    finally:
        connections.close_all()
        if maintenance_url and not (args.keep or args.reuse):
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")
        elif maintenance_url:
            print(f"\nkept database {args.database_name}")
        else:
            print(f"\n{where} left in place" if args.keep or args.reuse else "")


if __name__ == "__main__":
    main()
