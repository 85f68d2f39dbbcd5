"""The green zone by line-up at scale, on PostgreSQL (issue 72): a 60-member band in four sections with
doublers, a total, weekly busy rules and a year of one-off busy time. Every day of the year read
through the one selector (bands.calendar.band_availability) is green exactly when a brute-force count of who
can fill what (availability/tests/test_lineup.brute_force) fills the line-up at some start in the gig hours;
the busy time is one query for a month and for a year; and a 60-member band costs no more queries than an
8-member one. Figures in time live in benchmarks/lineup_green_zone.py."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from availability.lineup import Lineup
from availability.models import BusyInterval
from availability.services import rule_create
from availability.tests.test_lineup import brute_force
from bands.calendar import band_availability, band_available_members
from bands.gig_hours import band_gig_hours
from bands.models import Band, LineupNeed, Membership, MembershipSection, Section
from bands.sections import band_lineup_refresh

from .factories import BandFactory, MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SECTIONS = 4
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GIG = dt.timedelta(minutes=120)


def scale_band(size: int, first: dt.date, last: dt.date, seed: int):
    """A band of `size` (nobody needed by name) in four sections, every 15th member doubling in the next; a
    weekly evening rule for every other member and, on about three days in ten, an hour-aligned one-off
    busy stretch for everyone. Returns the band and the line-up as this test states it (not as the band's
    snapshot reads it)."""
    rnd = random.Random(seed)
    band = BandFactory(slug=f"scale-{size}", time_zone="UTC", min_gig_minutes=GIG.seconds // 60)
    memberships = [MembershipFactory(band=band, required=False) for _ in range(size)]
    Membership.objects.filter(band=band).update(required=False)
    sections = [Section.objects.create(band=band, name=f"Section {s + 1}", order=s) for s in range(SECTIONS)]
    plays: dict[int, frozenset] = {}
    links = []
    for i, m in enumerate(memberships):
        own = {i % SECTIONS} | ({(i + 1) % SECTIONS} if i % 15 == 0 else set())
        plays[m.user_id] = frozenset(sections[s].pk for s in own)
        links += [MembershipSection(membership=m, section=sections[s], usual=s == i % SECTIONS) for s in sorted(own)]
    MembershipSection.objects.bulk_create(links)
    per = size // SECTIONS
    needs = {s.pk: max(1, per * 4 // 5) for s in sections}
    total = size * 3 // 4
    for s in sections:
        LineupNeed.objects.create(band=band, section=s, min_players=needs[s.pk])
    Band.objects.filter(pk=band.pk).update(min_players=total)
    band.refresh_from_db()
    band_lineup_refresh(band)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC)
    rows = []
    for i, m in enumerate(memberships):
        if i % 2:  # every other member has a weekly rule (each rule is written out over the horizon)
            rule_create(
                user=m.user,
                title="",
                time_zone="UTC",
                start_date=first,
                start_time=dt.time(18 + i % 3),
                end_date=first,
                end_time=dt.time(21 + i % 3),
                rrule=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[i % 7]}",
            )
        for day in range((last - first).days + 1):
            if rnd.random() < 0.3:
                at = start + dt.timedelta(days=day, hours=rnd.randint(12, 23))
                rows.append(
                    BusyInterval(
                        user_id=m.user_id,
                        starts_at=at,
                        ends_at=at + dt.timedelta(hours=rnd.choice([1, 2, 4, 8])),
                        source=BusyInterval.Source.CALENDAR,
                        source_id=m.user_id,
                    )
                )
    BusyInterval.objects.bulk_create(rows, batch_size=2000)
    return band, Lineup(needs=needs, plays=plays, total=total)


def filled(free: frozenset, lineup: Lineup) -> bool:
    """The brute force over the doublers: a member who plays one section is always best placed in it, so
    their count comes off that section's need and the doublers' assignments are tried one by one
    (brute_force); the total is counted over everyone free."""
    if len(free) < lineup.total:
        return False
    needs = dict(lineup.needs)
    doublers = frozenset(m for m in free if len(lineup.plays[m]) > 1)
    for m in free - doublers:
        (section,) = lineup.plays[m]
        needs[section] -= 1
    rest = Lineup(needs={s: n for s, n in needs.items() if n > 0}, plays={m: lineup.plays[m] for m in doublers})
    return brute_force(doublers, rest)


def expected_green(band: Band, lineup: Lineup, day: dt.date, busy: dict[int, dict[dt.date, list]]) -> bool:
    """Green when the members free for a whole gig inside the gig hours (time outside them is busy for
    everyone, availability.engine.day_statuses) fill the line-up at some start; busy time is hour-aligned,
    so the hours' starts are every case there is."""
    hours = band_gig_hours(band)
    at = dt.datetime.combine(day, hours.start, tzinfo=dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    while at + GIG <= end:
        free = frozenset(
            user for user, days in busy.items() if not any(s < at + GIG and e > at for s, e in days.get(day, ()))
        )
        if filled(free, lineup):
            return True
        at += dt.timedelta(hours=1)
    return False


def reads(band: Band, first: dt.date, last: dt.date, today: dt.date):
    members = band_available_members(band=band)
    with CaptureQueriesContext(connection) as queries:
        zone = band_availability(band=band, members=members, first_day=first, last_day=last, today=today)
    busy_reads = [q for q in queries.captured_queries if "availability_busyinterval" in q["sql"]]
    return zone, len(queries), len(busy_reads)


def test_sixty_members_a_year_match_the_brute_force_in_one_query_and_cost_what_eight_do():
    today = timezone.now().date()
    first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=365)
    band, lineup = scale_band(60, first, last, seed=60)
    assert band.lineup["total"] == lineup.total and len(band.lineup["sections"]) == SECTIONS
    zone, year_queries, busy_reads = reads(band, first, last, today)
    assert busy_reads == 1 and len(zone.days) == 365
    # Each member's busy time by the days it touches, so a day's check reads only its own.
    busy: dict[int, dict[dt.date, list]] = {user: {} for user in lineup.plays}
    spans = BusyInterval.objects.filter(user_id__in=list(busy)).values_list("user_id", "starts_at", "ends_at")
    for user, s, e in spans:
        day = s.date()
        while day <= e.date():
            busy[user].setdefault(day, []).append((s, e))
            day += dt.timedelta(days=1)
    greens = 0
    for day in zone.days:
        green = expected_green(band, lineup, day.day, busy)
        assert (day.status == "green") == green, (day.day, day.status)
        greens += green
    assert 0 < greens < 365  # both kinds of day were compared
    month_end = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    _zone, month_queries, month_busy_reads = reads(band, first, month_end, today)
    assert month_busy_reads == 1 and month_queries == year_queries

    small, _lineup = scale_band(8, first, last, seed=8)
    _zone, small_queries, _busy = reads(small, first, last, today)
    assert year_queries <= 2 * small_queries and year_queries == small_queries
