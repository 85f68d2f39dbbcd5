"""A festival at size, and its organiser's builder: 3 days × 6 stages × 120 acts placed, with 2,000
applications to its call (players shared between acts), from the offers to the schedule file.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/festival.py
        [--runs 40] [--database-name stageslot_bench_festival] [--keep]
    .venv/bin/python benchmarks/festival.py          # SQLite, a throwaway file

1. offer and accept: each of the 120 sets offered (timetable.placement_offer) and accepted by the act's
   leader (timetable.placement_accept, through booking_book): p50/p95/max each.
2. timetable: the builder page (its organiser) and the published page, --runs times each: p50/p95/max
   server time and queries; the queries again after 12 more acts are placed (they must not grow).
   Budget: p95 under 300 ms.
3. placement check: festivals.services.timetable.placement_try for an act of four whose players also play
   in other acts of the bill and have gigs and busy time elsewhere – every member's other acts and gigs –
   --runs times: p50/p95/max and queries. Budget: p95 under 50 ms.
4. publishing: release 1 (every act told its set), and release 2 with nothing changed; schedule.xml of the
   last release: its size, the first fetch and the next ones (p50/p95/max), and the same bytes twice.
Exits with 1 when a budget is missed, the pages' queries grow with the acts or the schedule's bytes differ.
(It holds what benchmarks/festival_builder.py measured: one world, one question.)
"""

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_PAGE_P95_MS = 300.0
BUDGET_CHECK_P95_MS = 50.0
DAYS, STAGES, ACTS, APPLICATIONS = 3, 6, 120, 2000
SET_MINUTES = 50


# How long each offer and each accept of build() took (ms).
OFFERS: list[float] = []
ACCEPTS: list[float] = []


def _book(*, by, now, **offer):
    """A set offered and accepted at once by the act's leader (the builder offers; the act accepts), each timed."""
    from bands.models import Membership
    from festivals.services import timetable

    began = time.perf_counter()
    placement = timetable.placement_offer(by=by, now=now, **offer)
    OFFERS.append((time.perf_counter() - began) * 1000)
    leader = Membership.objects.filter(band=placement.band, role=Membership.Role.LEADER).order_by("pk").first()
    began = time.perf_counter()
    placement = timetable.placement_accept(placement=placement, by=leader.user, now=now)
    ACCEPTS.append((time.perf_counter() - began) * 1000)
    return placement


def build():
    """The promoter, the site with six stages, the festival, its call with 2,000 applications from 2,000
    bands of three players each (every tenth player plays in two bands), and 120 acts placed."""
    import zoneinfo

    from django.utils import timezone

    from accounts.models import User
    from accounts.tests.factories import UserFactory
    from bands.models import ApprovalStatus, Band, Membership
    from festivals.models import Application, OpenCall
    from festivals.services import calls, timetable
    from teams.models import LinkStatus, Organisation, OrgMember, Role, VenueLink
    from venues.models import Stage, Venue, VenueStaff

    now = timezone.now()
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    first_day = (now + dt.timedelta(days=60)).date()
    owner = UserFactory(display_name="Olga Owner")
    organisation = Organisation.objects.create(kind=Organisation.Kind.VENUE_GROUP, name="Bench Promo", slug="bench")
    OrgMember.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    venue = Venue.objects.create(
        name="Bench Park",
        slug="bench-park",
        time_zone="Europe/Berlin",
        latitude=52.5,
        longitude=13.4,
        exact_point=True,
        status=ApprovalStatus.APPROVED,
    )
    VenueStaff.objects.create(venue=venue, user=owner, role=VenueStaff.Role.OWNER)
    VenueLink.objects.create(organisation=organisation, venue=venue, asked_by=owner, status=LinkStatus.ACTIVE)
    festival = timetable.festival_create(
        organisation=organisation,
        venue=venue,
        name="Bench Fest",
        first_day=first_day,
        last_day=first_day + dt.timedelta(days=DAYS - 1),
        by=owner,
    )
    fstages = [
        timetable.festival_stage_add(
            festival=festival,
            stage=Stage.objects.create(venue=venue, name=f"Stage {n}"),
            opens=dt.time(12),
            closes=dt.time(2),
            changeover_minutes=20,
            by=owner,
        )
        for n in range(STAGES)
    ]
    call = calls.call_create(
        organisation=organisation,
        by=owner,
        now=now,
        data=calls.CallInput(
            title="Bench call",
            first_day=first_day,
            last_day=first_day + dt.timedelta(days=DAYS - 1),
            time_zone="Europe/Berlin",
            deadline_day=(now + dt.timedelta(days=20)).date(),
            deadline_time=dt.time(23),
            criteria=("Music",),
        ),
    )
    OpenCall.objects.filter(pk=call.pk).update(festival=festival, status=OpenCall.Status.OPEN)
    bands = Band.objects.bulk_create(
        Band(
            name=f"Act {n:04d}",
            slug=f"act-{n:04d}",
            time_zone="Europe/Berlin",
            status=ApprovalStatus.APPROVED,
            city="Berlin",
            country="DE",
            load_in_minutes=0,
            pack_down_minutes=0,
        )
        for n in range(APPLICATIONS)
    )
    people = User.objects.bulk_create(
        User(email=f"player{n}@bench.example", display_name=f"Player {n}") for n in range(APPLICATIONS * 3)
    )
    memberships = []
    for i, band in enumerate(bands):
        for k in range(3):
            memberships.append(
                Membership(band=band, user=people[i * 3 + k], required=True, role="leader" if k == 0 else "member")
            )
        # Every tenth act shares its guitarist with the act after it.
        if i % 10 == 0 and i + 1 < len(bands):
            memberships.append(Membership(band=bands[i + 1], user=people[i * 3 + 1], required=True, role="member"))
    Membership.objects.bulk_create(memberships)
    Application.objects.bulk_create(
        Application(
            call=call,
            band=band,
            pitch="We play.",
            # A shortlist of about 400: the acts the builder offers to place.
            status=Application.Status.SHORTLISTED if n % 7 == 0 or n < 140 else Application.Status.SUBMITTED,
            code=f"B{n:08d}",
        )
        for n, band in enumerate(bands)
    )
    placed = 0
    slot_minutes = SET_MINUTES + 20
    for day_index in range(DAYS):
        day = first_day + dt.timedelta(days=day_index)
        for s, fstage in enumerate(fstages):
            for k in range(ACTS // (DAYS * STAGES) + 1):
                if placed >= ACTS:
                    break
                starts = dt.datetime.combine(day, dt.time(12), tzinfo=tz) + dt.timedelta(
                    minutes=slot_minutes * k + 5 * s
                )
                # Acts 0, 1 share a player: placed on other days by the order of the loop.
                _book(
                    fstage=fstage,
                    band=bands[(placed * 7) % APPLICATIONS],
                    starts_at=starts,
                    set_minutes=SET_MINUTES,
                    by=owner,
                    now=now,
                )
                placed += 1
    return owner, festival, fstages, bands, first_day, tz


def timed_get(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return times, queries


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_festival")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from availability.models import BusyInterval
    from festivals.models import Festival
    from festivals.services import releases, timetable

    problems: list[str] = []
    began = time.perf_counter()
    owner, festival, fstages, bands, first_day, tz = build()
    print(
        f"built: {DAYS} days × {STAGES} stages, {ACTS} acts placed, {APPLICATIONS} applications "
        f"in {time.perf_counter() - began:.1f} s"
    )
    print(f"{'offer a set':26s} {spread(OFFERS)}")
    print(f"{'accept a set':26s} {spread(ACCEPTS)}")
    Festival.objects.filter(pk=festival.pk).update(published=True)
    client = Client()
    client.force_login(owner)
    pages = {
        "the builder": reverse("festivals:builder", args=[festival.slug]),
        "the published timetable": reverse("festivals:festival", args=[festival.slug]),
    }
    counts = {}
    for label, url in pages.items():
        timed_get(client, url, 3)
        times, queries = timed_get(client, url, args.runs)
        counts[label] = queries
        print(f"{label:26s} {spread(times)}  {queries} queries")
        if percentile(times, 95) > BUDGET_PAGE_P95_MS:
            problems.append(f"{label} p95 over {BUDGET_PAGE_P95_MS} ms")
    # The act to check: four players, each in other acts on the bill, with gigs and busy time elsewhere.
    act = bands[1]
    members = list(act.memberships.values_list("user_id", flat=True))
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=tz)
    BusyInterval.objects.bulk_create(
        BusyInterval(
            user_id=u,
            starts_at=start + dt.timedelta(hours=h),
            ends_at=start + dt.timedelta(hours=h, minutes=30),
            source=BusyInterval.Source.RULE,
            source_id=1,
        )
        for u in members
        for h in range(0, 72, 5)
    )
    when = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(23, 30), tzinfo=tz)
    now = timezone.now()
    check_times = []
    with CaptureQueriesContext(connection) as captured:
        timetable.placement_try(fstage=fstages[2], band=act, starts_at=when, set_minutes=SET_MINUTES, now=now)
    check_queries = len(captured)
    for _ in range(args.runs):
        began = time.perf_counter()
        checked = timetable.placement_try(fstage=fstages[2], band=act, starts_at=when, set_minutes=SET_MINUTES, now=now)
        check_times.append((time.perf_counter() - began) * 1000)
    print(
        f"{'one placement check':26s} {spread(check_times)}  {check_queries} queries "
        f"({len(checked.refusals)} refusals, {len(checked.warnings)} warnings)"
    )
    if percentile(check_times, 95) > BUDGET_CHECK_P95_MS:
        problems.append(f"placement check p95 over {BUDGET_CHECK_P95_MS} ms")
    # Twelve more acts: the pages' queries must not grow.
    for k in range(12):
        _book(
            fstage=fstages[k % STAGES],
            band=bands[1000 + k],
            starts_at=dt.datetime.combine(first_day + dt.timedelta(days=k % DAYS), dt.time(21), tzinfo=tz)
            + dt.timedelta(minutes=70 * (k // STAGES)),
            set_minutes=SET_MINUTES,
            by=owner,
            now=now,
        )
    for label, url in pages.items():
        _times, queries = timed_get(client, url, 2)
        print(f"{label:26s} {queries} queries with 12 more acts (was {counts[label]})")
        if queries != counts[label]:
            problems.append(f"{label}: queries grow with the acts")
    # Publishing (after the twelve: a published release is what the public page reads then), and the schedule
    # file the apps read.
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
    times, _queries = timed_get(reader, schedule, args.runs)
    again = reader.get(schedule).content
    print(
        f"{'schedule.xml':26s} {len(body) / 1024:6.1f} KB; first fetch {first_ms:.1f} ms, then {spread(times)}; "
        f"same bytes twice: {body == again}"
    )
    if body != again:
        problems.append("schedule.xml differs between two fetches")
    verdict(problems)


if __name__ == "__main__":
    main()
