"""Calendar feeds: server time and queries of a member's, a band's and a venue's .ics, cold and warm,
at each number of gigs in --gigs (500 and 5,000 by default), against GO3's times.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/feeds.py
        [--gigs 500 5000] [--runs 30] [--database-name stageslot_bench_feeds] [--keep] [--profile]
    .venv/bin/python benchmarks/feeds.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
made afresh for each number of gigs and dropped at the end unless --keep); otherwise a SQLite file.
Starts from the demo world (`seed_demo`), then gives The Night Owls --gigs more bookings at Kellerbar
and at private events, all inside the feed window (62 days back to 400 ahead), so the feeds hold as
many events as there are gigs (several a day from 441 on): booked and played ones, each slot with a
booked support act from one of five other bands, pending ones and some cancelled in the last 30 days.
Then, through Django's test client, asks for Mara's member feed, the band's feed and Kellerbar's
venue feed (all with pending gigs shown), and the band's feed with its available windows, --runs
times each, plus a conditional GET of each that answers 304 from the stored validators (the feed
is not built: budget p50 under 10 ms). "(cold)" rows make the process forget the
VEVENTs it keeps before each request, so every event is written anew (as after a restart or a
deploy); the others are the polls in between, where only new or changed events are written.

Prints events, body size, queries per request, p50/p95/max wall time, p50/p95 CPU time of this
process and of the PostgreSQL backend (wall time on a busy machine includes waiting for a core;
CPU time does not), with the load average. Then, per number of gigs: each cold feed's p50/p95, its
time per event, and its ratio to GO3's cold render of the same size (GO3_COLD_MS: the reference
from the earlier side-by-side run on a comparable 2-core machine, issue 14; GO3 does not run here);
whether a second process renders the same bytes (the feeds rendered again in a subprocess, their
SHA-256 and ETag compared), and whether unchanged feeds answer 304 to If-None-Match and to
If-Modified-Since, and what each feed costs as the first request of a fresh process against a warm
one (benchmarks/first_request.py; goal: at most 20 % more). --profile prints where a cold member
feed spends its time (cProfile).
Budget: p95 under 200 ms for 500 events.
"""

import argparse
import datetime as dt
import hashlib
import json
import logging
import math
import os
import statistics
import subprocess
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
# GO3's cold render of a feed with this many gigs, ms: the reference from the earlier side-by-side
# run on a comparable 2-core machine (issue 14), not measured anew here. Both servers over HTTP, side by
# side, fresh and warm: benchmarks/first_request.py --serve with --peer-url (docs/decisions/0117).
GO3_COLD_MS = {500: 284.0, 5000: 1800.0}
# Gigs a day fit into the feed window this many days (62 back, 400 ahead, less a margin).
WINDOW_DAYS = 440


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--gigs", type=int, nargs="+", default=[500, 5000], help="bookings of the band in the feed window, per run"
    )
    parser.add_argument("--runs", type=int, default=30, help="requests per feed")
    parser.add_argument("--database-name", default="stageslot_bench_feeds")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--profile", action="store_true", help="profile a cold member feed at the largest --gigs")
    parser.add_argument("--hash-feeds", nargs="+", metavar="TOKEN", help=argparse.SUPPRESS)  # the second process
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    if os.environ.get("DATABASE_URL"):
        bench_url, maintenance_url = search_bench.bench_database_url(args.database_name)
        search_bench.recreate_database(maintenance_url, args.database_name)
        os.environ["DATABASE_URL"] = bench_url
        os.environ["DJANGO_CONN_MAX_AGE"] = "3600"  # one backend per run: its CPU time is measured
        return maintenance_url, f"PostgreSQL database {args.database_name}"
    path = sqlite_path()
    _remove_sqlite(path)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return None, f"SQLite file {path}"


def sqlite_path() -> Path:
    return Path(tempfile.gettempdir()) / "stageslot-bench-feeds.sqlite3"


def _remove_sqlite(path: Path) -> None:
    for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        leftover.unlink(missing_ok=True)


def fresh_world(maintenance_url: str | None, database_name: str) -> None:
    """An empty database again (after django.setup()), migrated, with the demo world in it."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    if maintenance_url:
        search_bench.recreate_database(maintenance_url, database_name)
    else:
        _remove_sqlite(sqlite_path())
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"seed_demo in {time.perf_counter() - started:.1f} s")


def generate_gigs(count: int) -> None:
    """`count` bookings of The Night Owls from 60 days back: one a day up to 440, otherwise as many a day
    as fit them all into the feed window, between 05:00 and 16:00 UTC so that they never overlap the
    demo's evening gigs. Four in five at Kellerbar slots with a booked support act, one in five private
    requests; every eighth pending, every twentieth cancelled lately."""
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
    # Every booking inside the window: more a day when one a day does not fit, each shorter then.
    per_day = math.ceil(count / WINDOW_DAYS)
    spacing = min(dt.timedelta(hours=3), dt.timedelta(hours=11) / per_day)
    length = min(dt.timedelta(hours=2), spacing)
    plan = []
    for i in range(count):
        day, nth = divmod(i, per_day)
        start = first_day + dt.timedelta(days=day) + nth * spacing
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
                venue=venue, stage=stage, starts_at=start, ends_at=start + length,
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
            "band": band, "starts_at": start, "ends_at": start + length, "time_zone": "Europe/Berlin",
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
                starts_at=start, ends_at=start + length, status=Status.COMPLETED if start < now
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


def band_members(count: int) -> None:
    """Bring The Night Owls up to `count` members (the side-by-side runs: a band of 8), each new one a
    member with an instrument, no password (unusable: nobody signs in as them)."""
    from accounts.models import User
    from bands.models import Band, Membership

    band = Band.objects.get(slug="the-night-owls")
    have = band.memberships.count()
    for n in range(have, count):
        user = User.objects.create_user(email=f"bench-member-{n}@demo.stageslot.test", display_name=f"Player {n}")
        Membership.objects.create(band=band, user=user, role=Membership.Role.MEMBER, instrument="Percussion")
    print(f"{band.name}: {max(have, count)} members ({max(0, count - have)} added)")


def make_feeds() -> dict[str, str]:
    """The three feeds (pending gigs shown): name -> token."""
    from accounts.models import User
    from bands.models import Band
    from bookings.models import CalendarFeed
    from bookings.services.feeds import feed_create, feed_options_update
    from venues.models import Venue

    mara = User.objects.get(email="mara@demo.stageslot.test")
    owner = User.objects.get(email="kellerbar-owner@demo.stageslot.test")
    band = Band.objects.get(slug="the-night-owls")
    venue = Venue.objects.get(slug="kellerbar")
    Scope = CalendarFeed.Scope
    feeds = {
        "member": feed_create(by=mara, scope=Scope.MEMBER),
        "band": feed_create(by=mara, scope=Scope.BAND, band=band),
        "venue": feed_create(by=owner, scope=Scope.VENUE, venue=venue),
    }
    for feed in feeds.values():
        feed_options_update(feed=feed, by=feed.user, include_pending=True)
    return {name: feed.token for name, feed in feeds.items()}


def time_requests(client, url: str, runs: int, *, cold: bool = False, **headers) -> tuple[list, list, list]:
    """(wall ms, CPU ms of this process, CPU ms of the database backend) of `runs` GETs of `url`;
    `cold`: the VEVENTs this process keeps are forgotten before each."""
    from bookings.ical import feed_render_forget

    server = search_bench.ServerCPU()
    timings, cpu_timings, db_timings = [], [], []
    for _ in range(runs):
        if cold:
            feed_render_forget()
        db = server.ms()
        start, cpu = time.perf_counter(), time.process_time()
        client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        cpu_timings.append((time.process_time() - cpu) * 1000)
        db_timings.append(server.ms() - db if db is not None else float("nan"))
    return timings, cpu_timings, db_timings


def measure(runs: int, tokens: dict[str, str]) -> list[tuple]:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bookings.models import CalendarFeed
    from bookings.services.feeds import feed_options_update

    client = Client()
    results = []

    def run(name: str, token: str, *, cold: bool = False, **headers) -> None:
        url = f"/feeds/{token}.ics"
        counter = search_bench.QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url, **headers)
        timings, cpu_timings, db_timings = time_requests(client, url, runs, cold=cold, **headers)
        events = response.content.count(b"BEGIN:VEVENT")
        results.append(
            (name, response.status_code, events, len(response.content), counter.count, timings, cpu_timings, db_timings)
        )

    for kept in (False, True):
        suffix = "" if kept else " (cold)"
        for name, token in tokens.items():
            run(f"{name} feed{suffix}", token, cold=not kept)
    for name, token in tokens.items():
        # A calendar app's poll of an unchanged feed: answered from the stored validators, not built.
        etag = client.get(f"/feeds/{token}.ics")["ETag"]
        run(f"{name} feed 304", token, HTTP_IF_NONE_MATCH=etag)
    band_feed = CalendarFeed.objects.get(token=tokens["band"])
    mara = User.objects.get(pk=band_feed.user_id)
    feed_options_update(feed=band_feed, by=mara, include_pending=True, include_available=True)
    run("band + available (cold)", tokens["band"], cold=True)
    run("band + available", tokens["band"])
    feed_options_update(feed=band_feed, by=mara, include_pending=True, include_available=False)
    return results


def print_results(gigs: int, runs: int, results: list[tuple]) -> None:
    print(f"\n{gigs:,} gigs, {runs} requests each, load average {search_bench.load_average()}")
    print(f"budget p95 < {BUDGET_P95_MS:.0f} ms at 500 events; wall ms; cpu: this process; db: the database backend")
    print(
        f"{'feed':<26}{'status':>7}{'events':>8}{'KiB':>6}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'cpu p50':>9}{'cpu p95':>9}{'db p50':>8}"
    )
    for name, status, events, size, queries, timings, cpu_timings, db_timings in results:
        p95 = search_bench.percentile(timings, 95)
        flag = "" if p95 < BUDGET_P95_MS or events > 600 else "  over budget"
        print(
            f"{name:<26}{status:>7}{events:>8}{size / 1024:>6.0f}{queries:>9}{statistics.median(timings):>9.1f}"
            f"{p95:>9.1f}{max(timings):>9.1f}{statistics.median(cpu_timings):>9.1f}"
            f"{search_bench.percentile(cpu_timings, 95):>9.1f}{statistics.median(db_timings):>8.1f}{flag}"
        )


BUDGET_304_MS = 10.0


def not_modified_summary(gigs: int, results: list[tuple]) -> list[str]:
    """Lines: each 304 poll's status, queries and p50/p95 against its budget."""
    lines = []
    for name, status, _events, _size, queries, timings, cpu_timings, _db in results:
        if not name.endswith(" 304"):
            continue
        p50, p95 = statistics.median(timings), search_bench.percentile(timings, 95)
        verdict = "within" if status == 304 and p50 < BUDGET_304_MS else "OVER"
        lines.append(
            f"{gigs:>7,} gigs  {name:<20} status {status}  {queries} queries  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"cpu p50 {statistics.median(cpu_timings):5.1f} ms  {verdict} the {BUDGET_304_MS:.0f} ms budget"
        )
    return lines


def cold_summary(gigs: int, results: list[tuple]) -> list[str]:
    """Lines: each cold feed's p50/p95, per event, and against GO3's cold render of as many gigs."""
    go3 = GO3_COLD_MS.get(gigs)
    lines = []
    for name, _status, events, _size, _queries, timings, cpu_timings, _db in results:
        if not name.endswith("(cold)") or "available" in name:
            continue
        p50, p95 = statistics.median(timings), search_bench.percentile(timings, 95)
        ratio = f"{p50 / go3:5.2f}× GO3's {go3:,.0f} ms" if go3 else "no GO3 reference"
        lines.append(
            f"{gigs:>7,} gigs  {name:<20} {events:>6} events  cold p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"{p50 * 1000 / max(events, 1):6.0f} µs/event  cpu p50 {statistics.median(cpu_timings):6.1f} ms  "
            f"p50 = {ratio}"
        )
    return lines


def feed_hashes(tokens: list[str]) -> dict[str, tuple[str, str]]:
    """token -> (SHA-256 of the body, ETag), each feed fetched through the test client."""
    from django.test import Client

    client = Client()
    out = {}
    for token in tokens:
        response = client.get(f"/feeds/{token}.ics")
        out[token] = (hashlib.sha256(response.content).hexdigest(), response["ETag"])
    return out


def same_in_two_processes(tokens: dict[str, str]) -> list[str]:
    """Render the feeds here and in a new process (another hash seed, nothing kept): same bytes?"""
    here = feed_hashes(list(tokens.values()))
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, __file__, "--hash-feeds", *tokens.values()]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    there = {token: (digest, etag) for token, digest, etag in (line.split() for line in out.splitlines())}
    again = feed_hashes(list(tokens.values()))
    lines = []
    for name, token in tokens.items():
        same = here[token] == there.get(token) == again[token]
        verdict = "same bytes and ETag" if same else f"DIFFERENT: {here[token]} / {there.get(token)} / {again[token]}"
        lines.append(f"  {name} feed, this process and a second one: {verdict} (sha256 {here[token][0][:16]}…)")
    return lines


def first_requests(tokens: dict[str, str]) -> list[str]:
    """Each feed as the first request of a fresh process (stageslot.wsgi readies it while it loads)
    against the same feed asked again in that process (benchmarks/first_request.py): CPU ms."""
    lines = []
    for name, token in tokens.items():
        command = [sys.executable, str(Path(__file__).with_name("first_request.py")), f"/feeds/{token}.ics"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        figures = json.loads(out.strip().splitlines()[-1])["paths"][f"/feeds/{token}.ics"]
        lines.append(
            f"  {name} feed, first request of a fresh process {figures['first_ms']:.1f} ms CPU, warm "
            f"{figures['warm_ms']:.1f} ms ({figures['ratio']:.2f}×; goal at most 1.2×)"
        )
    return lines


def conditional_gets(tokens: dict[str, str]) -> list[str]:
    """304 for an unchanged feed on If-None-Match and on If-Modified-Since; 200 for another ETag."""
    from django.test import Client

    client = Client()
    lines = []
    for name, token in tokens.items():
        url = f"/feeds/{token}.ics"
        first = client.get(url)
        by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        other = client.get(url, HTTP_IF_NONE_MATCH='"not-this-one"')
        ok = by_etag.status_code == 304 and not by_etag.content and by_date.status_code == 304
        ok = ok and other.status_code == 200 and other.content == first.content
        lines.append(
            f"  {name} feed: If-None-Match {by_etag.status_code}, If-Modified-Since {by_date.status_code}, "
            f"another ETag {other.status_code}: {'as before' if ok else 'NOT AS BEFORE'}"
        )
    return lines


def profile_cold(token: str) -> None:
    import cProfile
    import pstats

    from django.test import Client

    from bookings.ical import feed_render_forget

    client = Client()
    profiler = cProfile.Profile()
    for _ in range(3):
        feed_render_forget()
        profiler.runcall(client.get, f"/feeds/{token}.ics")
    print("\nwhere three cold member feeds spend their time (cProfile, cumulative):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"/(bookings|django/db|psycopg)/", 25)


def main() -> None:
    args = parse_args()
    if args.hash_feeds:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
        import django

        django.setup()
        for token, (digest, etag) in feed_hashes(args.hash_feeds).items():
            print(token, digest, etag)
        return
    maintenance_url, where = setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings

    # The tests check each 304 answered from the feed marks by building the feed: not what is measured.
    settings.FEEDS_CHECK_MARKS = False

    from django.db import connection, connections

    summary, checks, polls = [], [], []
    try:
        print(f"database: {connection.vendor} ({where}), load average {search_bench.load_average()}")
        for gigs in args.gigs:
            fresh_world(maintenance_url, args.database_name)
            generate_gigs(gigs)
            tokens = make_feeds()
            results = measure(args.runs, tokens)
            print_results(gigs, args.runs, results)
            summary += cold_summary(gigs, results)
            polls += not_modified_summary(gigs, results)
            checks.append(f"{gigs:,} gigs:")
            checks += same_in_two_processes(tokens)
            checks += conditional_gets(tokens)
            checks += first_requests(tokens)
            if args.profile and gigs == max(args.gigs):
                profile_cold(tokens["member"])
        print(f"\ncold feeds (the first render after a restart or deploy), load average {search_bench.load_average()}")
        print("GO3: the reference from the earlier side-by-side run on a comparable 2-core machine (issue 14)")
        print("\n".join(summary))
        print(f"\nconditional GETs of unchanged feeds (304, not built), load average {search_bench.load_average()}")
        print("\n".join(polls))
        print("\n" + "\n".join(checks))
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")
        elif maintenance_url:
            print(f"\nkept database {args.database_name}")


if __name__ == "__main__":
    main()
