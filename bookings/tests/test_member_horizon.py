"""A member is never in two gigs at once, whenever the gig is (docs/decisions/0093): busy time is written out
past the last day anything can be booked, so every door's members' check sees the other band's gig on any
bookable day – 399 and 401 days ahead (either side of the old 400-day horizon) and the booking horizon's last
day.

Two bands share a required member. Band A accepts a gig; band B then takes an overlapping one, one door after
the other (no race: test_member_race.py has the races), and is refused; so is the shared member's yes to
stand in at a third band's gig that evening. The doors are found, not listed: every function of our apps that
writes a gig's time (calls book.booking_book or bands.services.band_gig_block_add, band_gig_block_move,
band_gig_guest_add) must have a driver here, so a new door fails `test_every_door_that_books_has_a_driver`
on the day it is added. The API's accept is driven too, end to end.

The rule depends on how busy time is read (BusyOverlaps compiles per database): db_specific, both stages."""

import ast
import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from availability import services as availability
from availability.models import BusyInterval
from bands.calendar import band_green_zone, calendar_members
from bands.models import Band, BandBlock, Membership, Package
from bands.packages import package_price
from bands.services import band_block_create
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingError, MembersBusy
from bookings.models import Booking
from bookings.services import answering, checks, detail, instant, reschedule, shows
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader
from core.fields.scheduling import horizon_days, scheduling_last_day, scheduling_today
from festivals.services import timetable
from festivals.tests.factories import festival_world
from festivals.tests.factories import placement_book as festival_placement_book
from gigs.models import GigAnswer, StandInAsk
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.stand_ins import stand_in_add, stand_in_ask_reply, stand_in_request_create
from stageslot.tests import source as shared

from .test_one_booked_path import app_sources

pytestmark = [pytest.mark.django_db, pytest.mark.db_specific]

Status = Booking.Status
BERLIN = "Europe/Berlin"
ZONE = zoneinfo.ZoneInfo(BERLIN)
# What writes a gig's time into its members' busy time: a door is a function of our apps that calls one.
GIG_WRITERS = {"booking_book", "band_gig_block_add", "band_gig_block_move", "band_gig_guest_add", "gig_move"}
# The functions that are these writers themselves (gig_move: the one place a booked gig moves, decision 0115).
WRITERS_THEMSELVES = {"bookings.services.book.booking_book", "bookings.services.moves.gig_move"}
# Doors that write a gig's time without a driver here, each with its reason.
NO_DRIVER: dict[str, str] = {}
# 399 and 401 days ahead (either side of the old horizon), and the last day the site books ("last").
DAYS = [399, 401, "last"]


def days_ahead(days: int | str) -> int:
    return horizon_days() if days == "last" else int(days)


def evening(days: int | str, hour: int = 19) -> dt.datetime:
    """`hour`:00 Berlin time on the day `days` ahead (in Berlin); "last": the last day the site books there."""
    day = scheduling_today(ZONE) + dt.timedelta(days=days_ahead(days))
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


@dataclass
class Shared:
    band_a: Band
    leader_a: User
    band_b: Band
    leader_b: User
    player: User  # required in both bands
    client: User
    gig_a: Booking  # band A's gig, booked: 19:00–22:00


def request_of(band: Band, client: User, start: dt.datetime, hours: int = 3) -> Booking:
    return Booking.objects.create(
        kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client, starts_at=start,
        ends_at=start + dt.timedelta(hours=hours), time_zone=BERLIN, event_type="Wedding", location="Orangerie",
        fee=900,
    )  # fmt: skip


def shared_bands(days: int | str) -> Shared:
    """Band A and band B share Xenia, required in both; band A accepts a gig on the day, 19:00–22:00."""
    band_a, leader_a = band_with_leader(name="Alpha", time_zone=BERLIN)
    band_b, leader_b = band_with_leader(name="Beta", time_zone=BERLIN)
    player = UserFactory(display_name="Xenia Shared")
    for band in (band_a, band_b):
        MembershipFactory(band=band, user=player, required=True)
    client = UserFactory(time_zone=BERLIN)
    gig_a = request_of(band_a, client, evening(days))
    answering.booking_accept(booking=gig_a, by=leader_a)
    gig_a.refresh_from_db()
    assert gig_a.status == Status.BOOKED
    return Shared(band_a, leader_a, band_b, leader_b, player, client, gig_a)


def gig_overlaps(user: User) -> list[tuple[BusyInterval, BusyInterval]]:
    """The person's gig busy times that overlap one another: two gigs at once."""
    rows = list(BusyInterval.objects.filter(user=user, source=BusyInterval.Source.GIG).order_by("starts_at"))
    return [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :] if b.starts_at < a.ends_at]


# The second door, one driver per door: band B takes 20:00–23:00 on the day through it. ------------------


def accept(w: Shared, days) -> None:
    answering.booking_accept(booking=request_of(w.band_b, w.client, evening(days, 20)), by=w.leader_b)


def instant_booking(w: Shared, days) -> None:
    package = Package.objects.create(
        band=w.band_b, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True
    )
    instant.booking_instant(
        band=w.band_b, package=package, client=w.client, starts_at=evening(days, 20), price=package_price(package)
    )


def reschedule_accept(w: Shared, days) -> None:
    """Band B's gig two days earlier is moved onto the evening: the client proposes, band B accepts."""
    gig = request_of(w.band_b, w.client, evening(days, 20) - dt.timedelta(days=2))
    answering.booking_accept(booking=gig, by=w.leader_b)
    start = evening(days, 20)
    proposal = reschedule.reschedule_propose(
        booking=gig, by=w.client, starts_at=start, ends_at=start + dt.timedelta(hours=3), reason="Rain"
    )
    reschedule.reschedule_accept(proposal=proposal, by=w.leader_b)


def show_host(w: Shared, days) -> None:
    shows.show_host(
        band=w.band_b,
        by=w.leader_b,
        starts_at=evening(days, 20),
        ends_at=evening(days, 23),
        time_zone=BERLIN,
        title="Basement night",
        place_name="Basement",
    )


def festival_on_the_day(days):
    """A two-day festival whose second day is the day (so it ends on the last day the site books)."""
    day = evening(days).date()
    ahead = (day - timezone.now().date()).days - 1
    world = festival_world(days_ahead=ahead, tag="h")
    assert world.first_day + dt.timedelta(days=1) == day
    return world


def placement_accept(w: Shared, days) -> None:
    """The festival offers band B the evening; its leader accepts."""
    f = festival_on_the_day(days)
    festival_placement_book(
        fstage=f.main, band=w.band_b, starts_at=evening(days, 20), set_minutes=60, by=f.owner, now=timezone.now()
    )


def placement_move(w: Shared, days) -> None:
    """Band B plays the festival's first day; the organiser moves it onto the evening of the second."""
    f = festival_on_the_day(days)
    placed = festival_placement_book(
        fstage=f.main,
        band=w.band_b,
        starts_at=evening(days, 20) - dt.timedelta(days=1),
        set_minutes=60,
        by=f.owner,
        now=timezone.now(),
    )
    timetable.placement_move(
        placement=placed, fstage=f.main, starts_at=evening(days, 20), by=f.owner, now=timezone.now()
    )


def stand_in_yes(w: Shared, days) -> None:
    """Band C books the evening without Xenia; its drummer can't, and Xenia, asked to stand in, says yes."""
    band_c, leader_c = band_with_leader(name="Gamma", time_zone=BERLIN)
    drummer = MembershipFactory(band=band_c, required=True, instrument="Drums").user
    gig = request_of(band_c, w.client, evening(days, 20))
    answering.booking_accept(booking=gig, by=leader_c)
    gig.refresh_from_db()
    gig_lineup_open(booking=gig)
    gig_answer_set(booking=gig, member=drummer, by=drummer, answer="cant")
    place = GigAnswer.objects.get(booking=gig, member=drummer)
    stand_in = stand_in_add(band=band_c, by=leader_c, name=w.player.name, email=w.player.email, instrument="Drums")
    request = stand_in_request_create(place=place, by=leader_c, stand_ins=[stand_in])
    stand_in_ask_reply(ask=StandInAsk.objects.get(request=request), reply="yes")


def running_order(w: Shared, days) -> None:
    """Band B hosts a late show, 23:00–23:50, after band A's gig and its pack-down; its running order then
    gives its set a load-in at 21:30, into band A's gig (moves.gig_move: the window reaches further)."""
    Band.objects.filter(pk=w.band_b.pk).update(load_in_minutes=0, pack_down_minutes=0)
    w.band_b.refresh_from_db()
    start = evening(days, 23)
    slot = shows.show_host(
        band=w.band_b, by=w.leader_b, starts_at=start, ends_at=start + dt.timedelta(minutes=50), time_zone=BERLIN,
        title="Late set", place_name="Basement",
    )  # fmt: skip
    own = Booking.objects.get(slot=slot, band=w.band_b, status=Status.BOOKED)
    act = shows.ActTimes(
        booking_id=own.pk,
        load_in_at=start - dt.timedelta(minutes=90),
        set_starts_at=start,
        set_ends_at=start + dt.timedelta(minutes=45),
    )
    shows.show_running_order_set(slot=slot, by=w.leader_b, acts=[act])


def gig_times(w: Shared, days) -> None:
    """Band B plays 14:00–16:00 with no pack-down, before band A's gig; it then takes three hours to pack
    down, into band A's load-in (moves.gig_move: the window reaches further)."""
    Band.objects.filter(pk=w.band_b.pk).update(pack_down_minutes=0)
    gig = request_of(w.band_b, w.client, evening(days, 14), hours=2)
    answering.booking_accept(booking=gig, by=w.leader_b)
    gig.refresh_from_db()
    detail.booking_gig_times_set(booking=gig, by=w.leader_b, load_in_minutes=None, pack_down_minutes=180)


DRIVERS: dict[str, Callable[[Shared, object], None]] = {
    "bookings.services.shows.show_running_order_set": running_order,
    "bookings.services.detail.booking_gig_times_set": gig_times,
    "gigs.services.stand_ins.stand_in_ask_reply": stand_in_yes,
    "bookings.services.answering.booking_accept": accept,
    "bookings.services.instant.booking_instant": instant_booking,
    "bookings.services.reschedule.reschedule_accept": reschedule_accept,
    "bookings.services.shows.show_host": show_host,
    "festivals.services.timetable.placement_accept": placement_accept,
    "festivals.services.timetable.placement_move": placement_move,
}


def doors() -> set[str]:
    """Every function of our apps (tests and migrations aside) that calls one of GIG_WRITERS, by dotted name."""
    root = Path(settings.BASE_DIR)
    found = set()
    for path in app_sources():
        text = shared.read(path)
        if not any(name in text for name in GIG_WRITERS):
            continue
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in shared.parse(text, str(path)).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    func = inner.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in GIG_WRITERS:
                        found.add(f"{module}.{node.name}")
    return found - WRITERS_THEMSELVES


@pytest.mark.code_only  # a reading of the source: once, in the SQLite stage (on PostgreSQL it parsed it all again)
def test_every_door_that_books_has_a_driver():
    found = doors()
    assert {"bookings.services.answering.booking_accept", "festivals.services.timetable.placement_accept"} <= found
    missing = found - set(DRIVERS) - set(NO_DRIVER)
    assert missing == set(), f"doors that write a gig's time with no driver in {__name__}.DRIVERS: {missing}"
    assert set(DRIVERS) | set(NO_DRIVER) <= found, "a driver for a door that no longer writes a gig's time"


@pytest.mark.parametrize("days", DAYS)
@pytest.mark.parametrize("door", sorted(DRIVERS))
def test_a_shared_member_is_never_in_two_gigs_through_any_door(door, days):
    w = shared_bands(days)
    with pytest.raises((BookingConflict, BookingError)) as refused:
        DRIVERS[door](w, days)
    assert not isinstance(refused.value, MembersBusy) or "Xenia Shared" in str(refused.value)
    assert gig_overlaps(w.player) == []
    a = w.gig_a
    assert not Booking.objects.filter(
        band=w.band_b, status=Status.BOOKED, starts_at__lt=a.ends_at, ends_at__gt=a.starts_at
    ).exists()


@pytest.mark.parametrize("days", DAYS)
def test_the_api_accept_of_the_second_band_is_a_409(days):
    w = shared_bands(days)
    second = request_of(w.band_b, w.client, evening(days, 20))
    answer = ApiClient(token_for(w.leader_b)).post(f"/api/v1/bookings/{second.uid}/accept")
    assert answer.status_code == 409, answer.content
    assert "Xenia Shared" in answer.json()["detail"]
    second.refresh_from_db()
    assert second.status == Status.PENDING
    assert gig_overlaps(w.player) == []


def test_busy_time_is_written_out_past_the_last_day_the_site_books_in_every_zone():
    """The one horizon: the end of written-out busy time lies past the end of the last bookable day in the
    zone furthest ahead and the zone furthest behind, with a day-long gig and ten hours of pack-down."""
    _start, end = availability.horizon()
    for name in ("Pacific/Kiritimati", "Etc/GMT+12", BERLIN):
        zone = zoneinfo.ZoneInfo(name)
        last = scheduling_last_day(scheduling_today(zone))
        last_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        assert last_end + dt.timedelta(hours=24 + 10) <= end, name


def test_a_weekly_rule_and_another_bands_rehearsal_keep_a_member_busy_on_the_last_weeks():
    """A member's weekly busy evening and the weekly rehearsal of another band they play in are busy time
    on every bookable day: the band's calendar and its members' check see them in the last week the site
    books, not only within 400 days."""
    band, leader = band_with_leader(name="Gamma", time_zone=BERLIN)
    other, other_leader = band_with_leader(name="Delta", time_zone=BERLIN)
    xenia = MembershipFactory(band=band, user=UserFactory(display_name="Xenia Night"), required=True).user
    yusuf = MembershipFactory(band=band, user=UserFactory(display_name="Yusuf Rehearses"), required=True).user
    MembershipFactory(band=other, user=yusuf, role=Membership.Role.MEMBER)
    today = scheduling_today(ZONE)
    availability.rule_create(
        user=xenia, title="Night shift", start_date=today, start_time=dt.time(18), end_date=today,
        end_time=dt.time(23, 30), rrule="FREQ=WEEKLY", time_zone=BERLIN,
    )  # fmt: skip
    band_block_create(
        band=other, by=other_leader, kind=BandBlock.Kind.REHEARSAL, title="Rehearsal",
        start_date=today + dt.timedelta(days=1), start_time=dt.time(18), end_date=today + dt.timedelta(days=1),
        end_time=dt.time(22), rrule="FREQ=WEEKLY",
    )  # fmt: skip
    last = scheduling_last_day(today)
    week_past_old_horizon = [today + dt.timedelta(days=n) for n in range(399, 406)]
    last_week = [last - dt.timedelta(days=n) for n in range(7)]
    for day in week_past_old_horizon + last_week:
        start = dt.datetime.combine(day, dt.time(19), tzinfo=ZONE)
        busy = checks.members_busy_for_gig(band, start, start + dt.timedelta(hours=2))
        weekday = (day - today).days % 7
        expected = {0: ["Xenia Night"], 1: ["Yusuf Rehearses"]}.get(weekday, [])
        assert [member.name for member in busy] == expected, day
    members, _me = calendar_members(band=band, user=leader)
    for first in (week_past_old_horizon[0], last_week[-1]):
        evenings = band_green_zone(
            members=members, first_day=first, last_day=first + dt.timedelta(days=6), time_zone=BERLIN,
            min_length=dt.timedelta(hours=3), today=today, day_start=dt.time(17), day_end=dt.time(23, 59),
        )  # fmt: skip
        not_green = {(day.day - today).days % 7: day.busy_names for day in evenings.days if day.status != "green"}
        assert not_green == {0: ("Xenia",), 1: ("Yusuf",)}, first


# The queries of one accept on the last day, per database (PostgreSQL adds the people's advisory lock and savepoints).
# One more than before the checks of wave six (blocks, joins, people by reference) met in the accept.
ACCEPT_QUERIES = {"sqlite": 34, "postgresql": 36}


def accept_queries(extra_members: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = shared_bands("last")
    for _ in range(extra_members):
        MembershipFactory(band=w.band_b, user=UserFactory(), required=True)
    second = request_of(w.band_b, w.client, evening("last", 20) - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        answering.booking_accept(booking=second, by=w.leader_b)
    second.refresh_from_db()
    assert second.status == Status.BOOKED
    return len(queries)


def test_accept_on_the_last_day_keeps_its_query_count():
    """Writing busy time out further adds no query to an accept, and the members' number adds none either:
    one accept on the last day the site books by a band whose shared member has another band's gig that
    evening, with one and with four more required members."""
    from django.db import connection

    few, many = accept_queries(1), accept_queries(4)
    assert few == many
    assert few <= ACCEPT_QUERIES[connection.vendor], few
