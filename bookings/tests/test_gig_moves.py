"""A booked gig that moves goes through one place (bookings.services.moves.gig_move): for a band with a
minimum line-up, who sits the gig out is recomputed at the new times (docs/decisions/0115), and a move the
line-up cannot be fielded for is refused by name, with nothing moved."""

import ast
import datetime as dt
import pathlib
import re

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands.models import BandBlock
from bookings.errors import MembersBusy
from bookings.services import answering, asking, detail, reschedule
from bookings.tests.factories import in_days, lineup_band
from stageslot.tests import source as shared

from .test_one_booked_path import app_sources

pytestmark = pytest.mark.django_db


def busy_on(user, day: dt.date) -> None:
    """`user` busy all of `day` (UTC)."""
    rule_create(user=user, title="", time_zone="UTC", all_day=True, start_date=day, end_date=day)


def busy_at(user, start: dt.datetime, hours: int = 1) -> None:
    """`user` busy from `start` (UTC) for `hours`."""
    end = start + dt.timedelta(hours=hours)
    rule_create(
        user=user,
        title="",
        time_zone="UTC",
        start_date=start.date(),
        start_time=start.time(),
        end_date=end.date(),
        end_time=end.time(),
    )


@pytest.fixture
def gig():
    """A brass band (3 trumpets, need 2; 2 tubas, need 1) booked for a client's party in 20 days, while
    Trumpets 1 is busy: Trumpets 1 sits it out."""
    band, leader, players = lineup_band(name="Move Brass", time_zone="UTC")
    client = UserFactory(time_zone="UTC")
    start = in_days(20, 19)
    busy_on(players["Trumpets"][0], start.astimezone(dt.UTC).date())
    booking = asking.booking_request(
        band=band,
        client=client,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        time_zone="UTC",
        event_type="Party",
        location="Hof, Berlin",
        guests=50,
        fee=900,
        message="Brass, please.",
    )
    answering.booking_accept(booking=booking, by=leader)
    booking.refresh_from_db()
    assert BandBlock.objects.get(pk=booking.block_id).absent == [players["Trumpets"][0].pk]
    return band, leader, players, client, booking


def _gig_busy(block_id: int) -> set[int]:
    return set(
        BusyInterval.objects.filter(source=BusyInterval.Source.GIG, source_id=block_id).values_list(
            "user_id", flat=True
        )
    )


def test_a_rescheduled_gig_recomputes_who_sits_it_out(gig):
    _band, leader, players, client, booking = gig
    new_start = booking.starts_at + dt.timedelta(days=1)
    busy_on(players["Trumpets"][1], new_start.date())
    proposal = reschedule.reschedule_propose(
        booking=booking, by=client, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=3), reason="Rain"
    )
    reschedule.reschedule_accept(proposal=proposal, by=leader)
    block = BandBlock.objects.get(pk=booking.block_id)
    assert block.absent == [players["Trumpets"][1].pk]
    busy = _gig_busy(block.pk)
    assert players["Trumpets"][0].pk in busy  # free on the new day: plays, so busy for it
    assert players["Trumpets"][1].pk not in busy


def test_a_move_that_leaves_a_section_short_is_refused_by_name_and_nothing_moves(gig):
    _band, leader, players, client, booking = gig
    new_start = booking.starts_at + dt.timedelta(days=2)
    for user in players["Trumpets"][1:]:
        busy_on(user, new_start.date())
    proposal = reschedule.reschedule_propose(
        booking=booking, by=client, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=3), reason="Rain"
    )
    with pytest.raises(MembersBusy) as refused:
        reschedule.reschedule_accept(proposal=proposal, by=leader)
    message = str(refused.value)
    assert "Trumpets (1 of 2)" in message and "not moved" in message
    booking.refresh_from_db()
    block = BandBlock.objects.get(pk=booking.block_id)
    assert booking.starts_at == new_start - dt.timedelta(days=2)
    assert block.gig_starts_at == booking.starts_at and block.absent == [players["Trumpets"][0].pk]


def test_a_longer_load_in_recomputes_who_sits_out_and_is_refused_when_the_line_up_breaks(gig):
    _band, leader, players, _client, booking = gig
    morning = booking.starts_at - dt.timedelta(hours=8)  # 11:00, inside a ten-hour load-in only
    busy_at(players["Tuba"][0], morning)
    detail.booking_gig_times_set(booking=booking, by=leader, load_in_minutes=600, pack_down_minutes=0)
    block = BandBlock.objects.get(pk=booking.block_id)
    assert sorted(block.absent) == sorted([players["Trumpets"][0].pk, players["Tuba"][0].pk])
    assert players["Tuba"][0].pk not in _gig_busy(block.pk)
    busy_at(players["Tuba"][1], morning)
    with pytest.raises(MembersBusy, match="Tuba"):
        detail.booking_gig_times_set(booking=booking, by=leader, load_in_minutes=590, pack_down_minutes=0)
    assert BandBlock.objects.get(pk=booking.block_id).load_in_minutes == 600  # nothing changed
    detail.booking_gig_times_set(booking=booking, by=leader, load_in_minutes=None, pack_down_minutes=None)
    block = BandBlock.objects.get(pk=booking.block_id)
    assert block.absent == [players["Trumpets"][0].pk]
    assert {players["Tuba"][0].pk, players["Tuba"][1].pk} <= _gig_busy(block.pk)


def test_only_the_one_place_moves_a_booked_gigs_block():
    """Every door that changes a booked gig's times calls moves.gig_move; nothing else moves a gig block."""
    root = pathlib.Path(settings.BASE_DIR)
    movers = re.compile(r"\bband_gig_block_(move|pad)\(")
    found = [
        str(path.relative_to(root))
        for path in root.glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and "migrations" not in path.parts
        and movers.search(path.read_text(encoding="utf-8"))
    ]
    assert sorted(found) == ["bands/services.py", "bookings/services/moves.py"]


# The members' check, found in the code: what reads a person's gig time to decide (checks.gig_fit for a band,
# selectors.bookings.person_gig_overlapping for one person) and gig_move, which writes it for a booked gig.
MEMBERS_CHECKS = {"gig_fit", "person_gig_overlapping", "gig_move"}
# Where the check itself lives: its functions pass it on to whoever calls them (bookable, check_members_free,
# members_busy_for_gig, person_gig_clash, stand_in_free_check, gig_move ...), who must hold the locks.
CHECK_MODULES = {"bookings.services.checks", "bookings.services.moves", "bookings.selectors.bookings"}
# The helpers that lock the people whose time a gig takes (locks.py: band, slot, people, booking).
PEOPLE_LOCKS = {"booking_lock", "gig_people_lock", "gigs_people_lock", "people_lock"}
# Functions that run the check inside their caller's transaction and locks: their callers must hold them.
UNDER_CALLERS_LOCKS = {
    "gigs.services.joins.member_time_settle": "joining a band and becoming required lock band and person first",
}
# Reads that decide nothing: the booking page's "members busy" and a festival builder's preview (the offer
# it makes books nothing; the act's accept goes through book.booking_book, under the locks).
PREVIEWS = {
    "bookings.pages.detail_context": "shows who is busy on a pending booking's page",
    "festivals.services.timetable.placement_try": "the timetable builder's preview, without locks",
}


def _functions():
    """(dotted name, the function's node) for every function and method of our apps (tests, migrations aside);
    a function defined inside another counts as part of it."""
    root = pathlib.Path(settings.BASE_DIR)
    for path in app_sources():
        text = shared.read(path)
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in shared.parse(text, str(path)).body:
            if isinstance(node, ast.FunctionDef):
                yield f"{module}.{node.name}", node
            elif isinstance(node, ast.ClassDef):
                for inner in node.body:
                    if isinstance(inner, ast.FunctionDef):
                        yield f"{module}.{node.name}.{inner.name}", inner


def _calls(node: ast.FunctionDef) -> dict[str, int]:
    """The names the function calls (f(...) or x.f(...)), each with the line of its first call."""
    calls: dict[str, int] = {}
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name and (name not in calls or inner.lineno < calls[name]):
                calls[name] = inner.lineno
    return calls


def members_check_doors() -> tuple[dict[str, str], set[str]]:
    """Every function outside the check's own modules that runs the members' check, directly or through a
    function that passes it on: {door: "" when it takes the people locks before its first check, else why
    not}, and the names found to pass the check on."""
    functions = {name: _calls(node) for name, node in _functions()}
    checks_found = set(MEMBERS_CHECKS)
    doors: dict[str, str] = {}
    grown = True
    while grown:
        grown = False
        for name, calls in functions.items():
            module, _dot, short = name.rpartition(".")
            first = min((line for called, line in calls.items() if called in checks_found), default=None)
            if first is None or name in PREVIEWS:
                continue
            if module.rsplit(".", 1)[0] in CHECK_MODULES or module in CHECK_MODULES or name in UNDER_CALLERS_LOCKS:
                if short not in checks_found:
                    checks_found.add(short)
                    grown = True
                continue
            locked = min((line for called, line in calls.items() if called in PEOPLE_LOCKS), default=None)
            doors[name] = (
                "" if locked is not None and locked < first else "runs the members' check without the people locks"
            )
    return doors, checks_found


def test_every_door_that_runs_the_members_check_takes_the_people_locks_first():
    """A person is never booked into two gigs at once through a race (locks.py): every door that checks or
    moves members' time – a booking, a reschedule, a festival set moved, a show's running order, a gig's own
    load-in, a stand-in's yes, joining a band – takes the people locks (locks.booking_lock, gig_people_lock,
    gigs_people_lock or people_lock) before its first check. The doors are found, not listed: a new one that
    checks members' time without the locks fails here."""
    doors, passed_on = members_check_doors()
    expected = {
        "bookings.services.book.booking_book",
        "bookings.services.reschedule.reschedule_accept",
        "bookings.services.detail.booking_gig_times_set",
        "bookings.services.shows.show_running_order_set",
        "festivals.services.timetable.placement_move",
        "gigs.services.stand_ins.stand_in_ask_reply",
        "gigs.services.joins.band_invite_join",
    }
    assert expected <= set(doors), sorted(doors)
    assert {"bookable", "person_gig_clash", "member_time_settle"} <= passed_on
    unlocked = {name: why for name, why in doors.items() if why}
    assert unlocked == {}, f"doors that check members' time without the people locks first: {unlocked}"
    names = {name for name, _node in _functions()}
    assert set(PREVIEWS) | set(UNDER_CALLERS_LOCKS) <= names, "a listed function that no longer exists"
