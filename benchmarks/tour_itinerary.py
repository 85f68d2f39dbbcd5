"""A tour's itinerary (decision 0110): the page's time and queries for a 30-day tour, and what a member's
phone keeps for the next 14 days of it.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/tour_itinerary.py
        [--runs 20] [--database-name stageslot_bench_tour] [--keep]
    .venv/bin/python benchmarks/tour_itinerary.py            # SQLite, a throwaway file

A band on a 30-day tour from tomorrow: a show on 25 of the days (every sixth a day off), each at a venue in
another city with its day sheet written (load-in, soundcheck, doors, curfew, two contacts), ten stays of
two or three nights with who sleeps where, a driver invited. Through Django's test client:
1. itinerary: GET /gigs/tours/<id>/ --runs times as a member: p50/p95 server time, queries, bytes.
   Budget: p95 under 500 ms, at most 10 queries.
2. the road: every address on the member's keep list (/me/offline/) fetched once: the bytes the phone keeps
   for the next 14 days (the itinerary and each show's pages), and the same for the driver.
Exits with 1 when a budget is missed.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_P95_MS = 500.0
BUDGET_QUERIES = 10
DAYS = 30


def world():
    import datetime as dt

    from gigs.models import DaySheet
    from gigs.services import tours
    from gigs.tests.factories import tour_world

    nights = [n for n in range(DAYS) if n % 6 != 5]
    w = tour_world(nights=nights, suffix=f"-bench{int(time.time())}", start_in=1)
    for n, gig in enumerate(w.gigs):
        DaySheet.objects.create(
            booking=gig,
            venue_contact_name=f"Venue contact {n}",
            venue_contact_phone="+49 30 1234567",
            band_contact_name="Lea Leader",
            band_contact_phone="+49 170 7654321",
            load_in_at=gig.starts_at - dt.timedelta(hours=4),
            soundcheck_at=gig.starts_at - dt.timedelta(hours=2),
            doors_at=gig.starts_at - dt.timedelta(minutes=30),
            curfew_at=gig.ends_at + dt.timedelta(minutes=30),
        )
    tour = tours.tour_create(band=w.band, by=w.leader, name="Thirty days", bookings=w.gigs)
    night = w.first
    tours.tour_traveller_add(tour=tour, by=w.leader, user=w.crew, role="driver")
    for n in range(10):
        stay = tours.tour_stay_save(
            tour=tour, by=w.leader, night=night, nights=2 + n % 2, check_in=dt.time(15), check_out=dt.time(11),
            name=f"Hotel {n}", address=f"Bahnhofstraße {n}", confirmation=f"CONF-{n:04}",
            rooms="Breakfast from 7:00",
        )  # fmt: skip
        tours.tour_stay_rooms_set(stay=stay, by=w.leader, rooms={w.leader.pk: "1", w.member.pk: "1", w.crew.pk: "2"})
        night += dt.timedelta(days=2 + n % 2)
    return w, tour


def measure(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    w, tour = world()
    client = Client()
    client.force_login(w.member)
    url = reverse("gigs:tour", args=[tour.pk])
    client.get(url)
    times, queries, size = [], 0, 0
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
        queries, size = max(queries, len(captured)), len(response.content)
    print(f"itinerary of {DAYS} days ({len(w.gigs)} shows, 10 stays): {spread(times)}, {queries} queries, "
          f"{size / 1024:.1f} KB")  # fmt: skip
    if percentile(times, 95) > BUDGET_P95_MS or queries > BUDGET_QUERIES:
        problems.append("itinerary over budget")
    for who, user in (("member", w.member), ("driver", w.crew)):
        client.force_login(user)
        listed = client.get(reverse("road_keep")).json()
        kept = 0
        for entry in listed["keep"]:
            response = client.get(entry["url"])
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 200 and response.get("X-StageSlot-Keep") == str(user.pk), entry
            kept += len(body)
        print(f"the {who}'s phone keeps for the next 14 days: {len(listed['keep'])} addresses, {kept / 1024:.1f} KB")


def main() -> None:
    args = scratch(__doc__, runs=20, database="stageslot_bench_tour")
    problems: list[str] = []
    measure(args, problems)
    verdict(problems)


if __name__ == "__main__":
    main()
