"""A 40-member band with a minimum line-up, its leader accepting many overlapping gigs at once: one accept
wins, every other one is a clear 409, and no member is in two gigs (docs/decisions/0112). Each accept locks
the band, then all forty players' time in ascending order (bookings.services.locks), then checks the line-up.

The racers are BIG_BAND_RACERS (8 by default, for CI's time); benchmarks/big_band_race.py runs 200 and
prints p50/p99 from the latencies this test records (its junit properties). PostgreSQL only: SQLite's
IMMEDIATE transactions serialise the writers, which test_concurrency.py covers."""

import datetime as dt
import os
import statistics

import pytest

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands import sections
from bands.models import BandBlock, Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import band_with_leader, venue_with_owner
from bookings.tests.test_concurrency import (
    POOL,
    accept_urls,
    booked_overlaps,
    check_outcomes,
    overlapping_gigs,
    post_all,
    session_of,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.postgres]

Status = Booking.Status
RACERS = int(os.environ.get("BIG_BAND_RACERS", "8"))
MEMBERS = 40
DAY = 24


def forty_piece():
    """The leader and 39 players in three sections of 13; 4 of each needed, nobody by name."""
    band, leader = band_with_leader(name="Forty Race")
    Membership.objects.filter(band=band).update(required=False)
    players = [MembershipFactory(band=band, required=False, user=UserFactory()) for _ in range(MEMBERS - 1)]
    needs = {}
    for i, name in enumerate(("Brass", "Reeds", "Rhythm")):
        section = sections.section_add(band=band, by=leader, name=name)
        needs[section.pk] = 4
        for membership in players[i::3]:
            sections.membership_sections_set(membership=membership, by=leader, usual=section.pk, doubles=[])
    sections.lineup_set(band=band, by=leader, needs=needs, total=None)
    band.refresh_from_db()
    return band, leader, [m.user for m in players]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * share) - 1))]


def test_a_forty_piece_accepted_by_many_racers_is_booked_once_and_no_member_twice(request):
    band, leader, players = forty_piece()
    venue, owner = venue_with_owner()
    bookings = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=DAY, count=RACERS)
    away = players[:2]  # busy that evening: the gig is still fillable, and they sit it out
    day = bookings[0].starts_at.date()
    for user in away:
        rule_create(user=user, title="", all_day=True, start_date=day, end_date=day + dt.timedelta(days=1))
    outcomes = post_all(accept_urls(bookings, seed=7), session=session_of(leader), pool=min(POOL, RACERS))
    check_outcomes(outcomes, winners=1)
    ids = [b.pk for b in bookings]
    assert Booking.objects.filter(pk__in=ids, status=Status.BOOKED).count() == 1
    assert booked_overlaps(band) == []
    block = BandBlock.objects.get(band=band, kind=BandBlock.Kind.GIG)
    assert sorted(block.absent) == sorted(u.pk for u in away)
    gig_rows = BusyInterval.objects.filter(source=BusyInterval.Source.GIG, user__memberships__band=band)
    per_member = list(gig_rows.values_list("user_id", flat=True))
    assert len(per_member) == len(set(per_member)) == MEMBERS - len(away)  # nobody in two gigs
    seconds = [o.seconds for o in outcomes]
    request.node.user_properties += [
        ("racers", RACERS),
        ("members", MEMBERS),
        ("p50_s", round(statistics.median(seconds), 3)),
        ("p99_s", round(percentile(seconds, 0.99), 3)),
        ("max_s", round(max(seconds), 3)),
    ]
