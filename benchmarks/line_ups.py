"""Who plays: the who-is-in table of a big band, and thirty stand-ins saying yes to one place at once.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/line_ups.py
        [--runs 40] [--database-name stageslot_bench_line_ups] [--keep]
    .venv/bin/python benchmarks/line_ups.py            # SQLite, a throwaway file (the race needs PostgreSQL)

1. table: a band of 16 members with 200 booked gigs ahead, every member answered on most of them; GET the
   who-is-in table (its first page of 50 gigs and a later one) --runs times as a member: p50/p95/max
   server time and queries per request, then the same with 100 gigs more (the queries must not grow).
   Budget: p95 under 150 ms, the same number of queries.
2. race (PostgreSQL): 30 stand-ins of the pool asked for one place say yes in 30 threads released
   together: how many places were taken (must be 1), how many were told it is filled (29), and the
   time until every answer was in.
Exits with 1 when a budget is missed.
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_TABLE_P95_MS = 150.0
MEMBERS = 16
GIGS = 200
RACERS = 30


def big_band(gigs: int, start_day: int = 3):
    """A band of MEMBERS with `gigs` private events booked ahead (one a day), its line-ups opened and answered."""
    from django.utils import timezone

    from bands.models import BandBlock, Membership
    from bands.tests.factories import MembershipFactory
    from bookings.models import Booking
    from bookings.tests.factories import band_with_leader
    from gigs.models import Answer, GigAnswer
    from gigs.services.answers import gig_lineups_open, lineup_summary

    band, leader = band_with_leader(name="The Big Band", slug="big-band")
    instruments = ["Trumpet", "Trombone", "Sax", "Drums", "Bass", "Keys", "Guitar", "Vocals"]
    for n in range(MEMBERS - 1):
        MembershipFactory(band=band, role=Membership.Role.MEMBER, instrument=instruments[n % len(instruments)])
    add_gigs(band, leader, gigs, start_day)
    gig_lineups_open(limit=10_000)
    answers = list(Answer.values)
    places = list(GigAnswer.objects.filter(booking__band=band))
    for n, place in enumerate(places):
        if n % 7:
            place.answer, place.answered_at = answers[n % len(answers)], timezone.now()
    GigAnswer.objects.bulk_update(places, ["answer", "answered_at"])
    for booking in Booking.objects.filter(band=band).exclude(block=None):
        lineup = lineup_summary([p for p in places if p.booking_id == booking.pk])
        BandBlock.objects.filter(pk=booking.block_id).update(lineup=lineup)
    return band, leader


def add_gigs(band, leader, count: int, start_day: int) -> None:
    from accounts.tests.factories import UserFactory
    from bookings.services import answering, asking
    from bookings.tests.factories import in_days

    client = UserFactory()
    for day in range(start_day, start_day + count):
        request = asking.booking_request(
            band=band,
            client=client,
            starts_at=in_days(day, 19),
            ends_at=in_days(day, 22),
            time_zone="Europe/Berlin",
            event_type="Party",
            location="Berlin",
            guests=50,
            fee=800,
            message="",
        )
        answering.booking_accept(booking=request, by=leader)


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure_table(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bands.models import Membership
    from gigs.services.answers import gig_lineups_open

    band, leader = big_band(GIGS)
    member = Membership.objects.filter(band=band).exclude(user=leader).first().user
    client = Client()
    client.force_login(member)
    url = reverse("gigs:band_gigs", args=[band.slug])
    seen_queries = []
    for label, suffix in (("first page", ""), ("page 3", "?page=3")):
        client.get(url + suffix)
        times, queries = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                ms, response = timed(lambda s=suffix: client.get(url + s))
            assert response.status_code == 200
            times.append(ms)
            queries.append(len(captured))
        seen_queries.append(max(queries))
        print(f"who is in, {MEMBERS} members x {GIGS} gigs, {label:10}: {spread(times)}  queries {max(queries)}")
        if percentile(times, 95) > BUDGET_TABLE_P95_MS:
            problems.append(f"who-is-in {label} p95 over {BUDGET_TABLE_P95_MS:.0f} ms")
    add_gigs(band, leader, 100, 3 + GIGS)
    gig_lineups_open(limit=10_000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    print(f"who is in with {GIGS + 100} gigs: queries {len(captured)}")
    if len(captured) != seen_queries[0]:
        problems.append(f"the table's queries grew with its gigs: {seen_queries[0]} -> {len(captured)}")


def measure_race(problems: list[str]) -> None:
    from django.db import connection

    from gigs.models import GigAnswer, StandInAsk
    from gigs.services.stand_ins import PlaceFilled, stand_in_add, stand_in_ask_reply, stand_in_request_create
    from gigs.tests.test_stand_ins import stand_in_world

    world = stand_in_world("-bench")
    pool = [
        stand_in_add(
            band=world.band, by=world.leader, name=f"Drummer {n}", email=f"bench{n}@example.com", instrument="Drums"
        )
        for n in range(RACERS)
    ]
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=pool)
    asks = list(request.asks.all())
    start = threading.Barrier(len(asks))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(ask):
        try:
            start.wait()
            stand_in_ask_reply(ask=ask, reply="yes")
            result = "took"
        except PlaceFilled:
            result = "filled"
        except Exception as exc:
            result = f"error: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in asks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = (time.perf_counter() - started) * 1000
    taken = GigAnswer.objects.filter(pk=world.place.pk, stand_in__isnull=False).count()
    told = StandInAsk.objects.filter(request=request, reply=StandInAsk.Reply.FILLED).count()
    errors = [o for o in outcomes if o.startswith("error")]
    print(
        f"stand-in race: {RACERS} yes at once -> places taken {taken}, told filled {told}, "
        f"errors {len(errors)}, all answered in {elapsed:.0f} ms"
    )
    if taken != 1 or told != RACERS - 1 or errors:
        problems.append(f"stand-in race: taken {taken}, told {told}, errors {errors[:3]}")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_line_ups")
    from django.db import connection

    problems: list[str] = []
    measure_table(args, problems)
    if connection.vendor == "postgresql":
        measure_race(problems)
    else:
        print("stand-in race: needs PostgreSQL (real row locks); skipped")
    verdict(problems)


if __name__ == "__main__":
    main()
