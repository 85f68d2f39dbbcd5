"""The bookers' calendar of a venue group: 10 rooms in 3 venues with a year of slots, shows, offers and holds.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/booker_calendar.py
        [--runs 40] [--database-name stageslot_bench_desk] [--keep]
    .venv/bin/python benchmarks/booker_calendar.py            # SQLite, a throwaway file

The world: a venue group running three venues (4, 3 and 3 rooms). Every room has, for each of the next 365
days, an open slot on every other day, a booked show on every fourth, an offer waiting on every tenth, a ladder
of three holds on every third (at a time that meets nothing, one in thirty over a slot: a clash), and each venue
is closed one day a month. GET the group calendar's month, week and day (the whole page, as the group's
booker) --runs times each: p50/p95/max server time and queries; then a second year of the same is added and the
queries are counted again (they must not grow). Budget: p95 under 300 ms for each view, the same number of
queries. Exits with 1 when a budget is missed.
"""

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_P95_MS = 300.0
ROOMS = (4, 3, 3)


def build_group():
    from accounts.tests.factories import UserFactory
    from bands.tests.factories import BandFactory
    from bookings.tests.factories import venue_with_owner
    from teams.models import Organisation, OrgMember, Role, VenueLink
    from teams.services import venue_link_answer

    group = Organisation.objects.create(kind="venue_group", name="Riverside Rooms", slug="riverside-bench")
    promoter = UserFactory(display_name="Rafael Promoter")
    OrgMember.objects.create(organisation=group, user=promoter, role=Role.BOOKER)
    venues = []
    for n, rooms in enumerate(ROOMS):
        venue, owner = venue_with_owner(name=f"Venue {n}", slug=f"venue-bench-{n}", time_zone="Europe/Berlin")
        for r in range(1, rooms):
            venue.stages.create(name=f"Room {r}")
        link = VenueLink.objects.create(organisation=group, venue=venue, asked_by=promoter)
        venue_link_answer(link=link, by=owner, accept=True)
        venues.append(venue)
    bands = [BandFactory() for _ in range(40)]
    return group, promoter, venues, bands


def fill_year(venues, bands, promoter, first_day: dt.date) -> int:
    """A year of slots, shows, offers, holds and closed days from `first_day`, written in bulk."""
    from zoneinfo import ZoneInfo

    from bookings.models import Booking
    from holds.models import ClosedDay, Hold
    from venues.models import Slot

    berlin = ZoneInfo("Europe/Berlin")
    slots, ladders, closed = [], [], []
    room = 0
    for venue in venues:
        closed.extend(
            ClosedDay(venue=venue, date=first_day + dt.timedelta(days=30 * m + 1), note="Private hire")
            for m in range(12)
        )
        for stage in venue.stages.all():
            room += 1
            for d in range(365):
                day = first_day + dt.timedelta(days=d)
                if d % 2 == 0:
                    start = dt.datetime.combine(day, dt.time(20), tzinfo=berlin)
                    end = start + dt.timedelta(hours=3)
                    slot = Slot(
                        venue=venue, stage=stage, starts_at=start, ends_at=end, title=f"Night {d}", created_by=promoter
                    )
                    slots.append((d, room, slot))
                if d % 3 == 0:
                    hour = 20 if d % 30 == 0 else 12  # one ladder in thirty over the evening's slot
                    ladders.append((venue, stage, day, dt.datetime.combine(day, dt.time(hour), tzinfo=berlin)))
    made = Slot.objects.bulk_create([slot for _d, _room, slot in slots])
    bookings = []
    for (d, room, _slot), slot in zip(slots, made, strict=True):
        if d % 4 == 0:
            status, kind = Booking.Status.BOOKED, Booking.Kind.OFFER
        elif d % 10 == 0:
            status, kind = Booking.Status.PENDING, Booking.Kind.OFFER
        else:
            continue
        bookings.append(
            Booking(
                band=bands[(room * 7 + d) % len(bands)],  # never one band in two rooms at once
                slot=slot,
                venue=slot.venue,
                kind=kind,
                status=status,
                role=Booking.Role.HEADLINER,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                time_zone="Europe/Berlin",
                fee=500,
            )
        )
    Booking.objects.bulk_create(bookings)
    holds = []
    for n, (venue, stage, day, start) in enumerate(ladders):
        for level in (1, 2, 3):
            holds.append(
                Hold(
                    venue=venue,
                    stage=stage,
                    band=bands[(n * 3 + level) % len(bands)],
                    date=day,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    level=level,
                    expires_at=start - dt.timedelta(hours=1),
                    held_by=promoter,
                )
            )
    Hold.objects.bulk_create(holds)
    ClosedDay.objects.bulk_create(closed, ignore_conflicts=True)
    return len(made) + len(bookings) + len(holds) + len(closed)


def measure(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    group, promoter, venues, bands = build_group()
    today = timezone.localdate()
    first_day = today + dt.timedelta(days=1)
    started = time.perf_counter()
    rows = fill_year(venues, bands, promoter, first_day)
    print(f"world: 10 rooms in 3 venues, a year ahead: {rows} rows in {time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(promoter)
    base = reverse("holds:group_calendar", args=[group.slug])
    on = first_day + dt.timedelta(days=45)
    seen = {}
    for view in ("month", "week", "day"):
        url = f"{base}?view={view}&date={on.isoformat()}"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        times, queries = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            queries.append(len(captured))
        seen[view] = max(queries)
        entries = response.content.decode().count('class="bc-entry ')
        print(f"{view:6} {entries:4} entries: {spread(times)}  queries {max(queries)}")
        if percentile(times, 95) > BUDGET_P95_MS:
            problems.append(f"{view}: p95 over {BUDGET_P95_MS:.0f} ms")
    fill_year(venues, bands, promoter, first_day + dt.timedelta(days=365))
    for view in ("month", "week", "day"):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"{base}?view={view}&date={on.isoformat()}")
        print(f"{view:6} with two years: queries {len(captured)}")
        if len(captured) != seen[view]:
            problems.append(f"{view}: queries grew with the rows: {seen[view]} -> {len(captured)}")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_desk")
    problems: list[str] = []
    measure(args, problems)
    verdict(problems)


if __name__ == "__main__":
    main()
