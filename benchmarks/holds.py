"""Holds: the ladder page of a busy stage, and twenty confirmations and challenges of one date at once.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/holds.py
        [--runs 40] [--database-name stageslot_bench_holds] [--keep]
    .venv/bin/python benchmarks/holds.py            # SQLite, a throwaway file (the race needs PostgreSQL)

1. ladder: a venue with one stage holding 50 holds over 10 evenings (five acts each, one challenged); GET
   the ladders (the part the page's date jump loads by htmx) and the whole page --runs times each as its
   owner: p50/p95/max server time and queries, then the same with 40 holds more (the queries must not
   grow). Budget: the ladders' p95 under 50 ms, the same number of queries.
2. race (PostgreSQL): on one date with five holds, ten people confirm the 1st and ten challenge it at
   once (twenty threads released together): bookings made (must be 1), the ladder afterwards (nothing
   left held, every other hold let go because the date was confirmed), errors other than a refusal.
Exits with 1 when a budget is missed.
"""

import datetime as dt
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_LADDER_P95_MS = 50.0
EVENINGS = 10
ACTS = 5
RACERS = 20


def hold_evenings(w, first_day: int, evenings: int) -> None:
    from bands.tests.factories import BandFactory
    from bookings.tests.factories import in_days
    from holds.services import hold_challenge, hold_place

    for day in range(first_day, first_day + evenings):
        start = in_days(day, 19)
        holds = [
            hold_place(
                by=w.owner,
                stage=w.stage,
                band=BandFactory(),
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                expires_at=start - dt.timedelta(days=1),
                note="Tour stop",
            )
            for _ in range(ACTS)
        ]
        if day == first_day:
            hold_challenge(hold=holds[1], by=w.promoter)


def measure_ladder(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from holds.tests.factories import hold_world

    w = hold_world("-bench")
    hold_evenings(w, 20, EVENINGS)
    client = Client()
    client.force_login(w.owner)
    url = reverse("holds:venue", args=[w.venue.slug])
    seen = {}
    for label, headers in (("the ladder (htmx)", {"HTTP_HX_REQUEST": "true"}), ("the whole page", {})):
        client.get(url, **headers)
        times, queries = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, **headers)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            queries.append(len(captured))
        seen[label] = max(queries)
        print(f"{label:18} {EVENINGS * ACTS} holds on one stage: {spread(times)}  queries {max(queries)}")
        if label.startswith("the ladder") and percentile(times, 95) > BUDGET_LADDER_P95_MS:
            problems.append(f"ladder p95 over {BUDGET_LADDER_P95_MS:.0f} ms")
    hold_evenings(w, 20 + EVENINGS, 8)
    for label, headers in (("the ladder (htmx)", {"HTTP_HX_REQUEST": "true"}), ("the whole page", {})):
        with CaptureQueriesContext(connection) as captured:
            client.get(url, **headers)
        print(f"{label:18} {(EVENINGS + 8) * ACTS} holds: queries {len(captured)}")
        if len(captured) != seen[label]:
            problems.append(f"{label}: queries grew with the holds: {seen[label]} -> {len(captured)}")


def measure_race(problems: list[str]) -> None:
    from django.db import connection

    from accounts.tests.factories import UserFactory
    from bookings.models import Booking
    from holds import services
    from holds.models import Hold
    from holds.tests.factories import hold_world
    from venues.models import VenueStaff

    w = hold_world("-race")
    holds = [
        services.hold_place(
            by=w.owner, stage=w.stage, band=band, starts_at=w.start, ends_at=w.end, expires_at=w.expires
        )
        for band in w.bands
    ]
    people = [UserFactory() for _ in range(RACERS)]
    VenueStaff.objects.bulk_create([VenueStaff(venue=w.venue, user=u, role="booker") for u in people])
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n, user):
        try:
            start.wait()
            if n % 2:
                services.hold_confirm(hold=holds[0], by=user)
                result = "confirmed"
            else:
                services.hold_challenge(hold=holds[1 + n % 3], by=user)
                result = "challenged"
        except services.HoldError:
            result = "refused"
        except Exception as exc:
            result = f"error: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n, u)) for n, u in enumerate(people)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = (time.perf_counter() - started) * 1000
    bookings = Booking.objects.filter(slot__stage=w.stage).count()
    held = Hold.objects.filter(stage=w.stage, status=Hold.Status.HELD).count()
    let_go = Hold.objects.filter(stage=w.stage, ended=Hold.End.DATE_CONFIRMED).count()
    errors = [o for o in outcomes if o.startswith("error")]
    counts = {k: outcomes.count(k) for k in ("confirmed", "challenged", "refused")}
    print(
        f"hold race: {RACERS} confirmations and challenges at once -> bookings {bookings}, {counts}, "
        f"still held {held}, let go {let_go}, errors {len(errors)}, all answered in {elapsed:.0f} ms"
    )
    if bookings != 1 or held or let_go != len(holds) - 1 or errors:
        problems.append(f"hold race: bookings {bookings}, held {held}, let go {let_go}, errors {errors[:3]}")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_holds")
    from django.db import connection

    problems: list[str] = []
    measure_ladder(args, problems)
    if connection.vendor == "postgresql":
        measure_race(problems)
    else:
        print("hold race: needs PostgreSQL (real row locks); skipped")
    verdict(problems)


if __name__ == "__main__":
    main()
