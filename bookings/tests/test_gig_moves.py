"""A booked gig that moves goes through one place (bookings.services.moves.gig_move): for a band with a
minimum line-up, who sits the gig out is recomputed at the new times (docs/decisions/0115), and a move the
line-up cannot be fielded for is refused by name, with nothing moved."""

import ast
import datetime as dt
import pathlib
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands.models import BandBlock
from bands.tests.factories import MembershipFactory
from bookings.errors import MembersBusy
from bookings.models import Booking
from bookings.services import answering, asking, checks, detail, reschedule, shows
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, in_days, lineup_band
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
    "gigs.services.playing.playing_elsewhere_check": "a member's yes (gig_answer_set) and a part lock band and person",
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
    for inner in shared.walk_node(node):
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
        "gigs.services.answers.gig_answer_set",
        "gigs.services.parts.gig_part_set",
    }
    assert expected <= set(doors), sorted(doors)
    assert {"bookable", "person_gig_clash", "member_time_settle"} <= passed_on
    unlocked = {name: why for name, why in doors.items() if why}
    assert unlocked == {}, f"doors that check members' time without the people locks first: {unlocked}"
    names = {name for name, _node in _functions()}
    assert set(PREVIEWS) | set(UNDER_CALLERS_LOCKS) <= names, "a listed function that no longer exists"


# ---- A move that reaches beyond the gig's old window is checked for every band -------------------------


@pytest.fixture
def night():
    """A four-piece without a minimum line-up whose required member, Mara, also plays in the Night Owls.
    The four-piece is on a hosted show's bill (18:00–23:00 UTC), its set 18:30–19:15 after a first running
    order (busy 18:00–19:15), and books a sunrise gig at 04:00–06:00 (busy 03:00–06:30); the Night Owls then
    book 23:00–01:00 (busy 22:00–02:00 with their load-in and pack-down), which Mara is free for."""
    four, four_leader = band_with_leader(name="Four Piece", load_in_minutes=60, pack_down_minutes=30)
    mara = UserFactory(display_name="Mara Shared")
    MembershipFactory(band=four, user=mara, required=True)
    for _ in range(2):
        MembershipFactory(band=four, required=False)
    owls, owls_leader = band_with_leader(name="Night Owls", load_in_minutes=60, pack_down_minutes=60)
    MembershipFactory(band=owls, user=mara, required=True)
    hosts, hosts_leader = band_with_leader(name="Cellar Hosts")
    start = in_days(14, 18)
    show = shows.show_host(
        band=hosts, by=hosts_leader, starts_at=start, ends_at=start + HOUR * 5, time_zone="UTC",
        title="Long night", place_name="Keller", place_address="Laskerstraße 5", place_city="Berlin",
        support_places=1, fee=150,
    )  # fmt: skip
    support = asking.booking_apply(slot=show, band=four, by=four_leader, role=Booking.Role.SUPPORT)
    answering.booking_accept(booking=support, by=hosts_leader)
    own = Booking.objects.get(slot=show, kind="host")
    shows.show_running_order_set(slot=show, by=hosts_leader, acts=night_order(show, support, own, (0, 0.5, 1.25)))
    client = UserFactory(time_zone="UTC")
    sunrise = _booked(four, four_leader, client, start + HOUR * 10)
    _booked(owls, owls_leader, client, start + HOUR * 5)
    support.refresh_from_db()
    own.refresh_from_db()
    return SimpleNamespace(
        four=four, four_leader=four_leader, mara=mara, hosts_leader=hosts_leader, show=show, support=support,
        own=own, sunrise=sunrise,
    )  # fmt: skip


HOUR = dt.timedelta(hours=1)


def _booked(band, leader, client, start: dt.datetime) -> Booking:
    booking = asking.booking_request(
        band=band, client=client, starts_at=start, ends_at=start + 2 * HOUR, time_zone="UTC", event_type="Party",
        location="Hof, Berlin", guests=50, fee=900, message="Play, please.",
    )  # fmt: skip
    answering.booking_accept(booking=booking, by=leader)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    return booking


def night_order(show, support, own, four: tuple[float, float, float], host=(1.25, 2, 4)) -> list[shows.ActTimes]:
    """The running order: the four-piece's and the host's (load-in, set start, set end), hours after 18:00."""
    return [
        shows.ActTimes(
            booking_id=booking.pk,
            load_in_at=show.starts_at + HOUR * times[0],
            set_starts_at=show.starts_at + HOUR * times[1],
            set_ends_at=show.starts_at + HOUR * times[2],
        )
        for booking, times in ((support, four), (own, host))
    ]


# The four-piece's set moved to 21:30–22:30 with its load-in at 21:00 (the host's to 19:00–21:15): into the
# Night Owls' load-in at 22:00.
LATE_SET = ((3, 3.5, 4.5), (0, 1, 3.25))


def _no_check(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a window inside the old one is not checked")

    monkeypatch.setattr(checks, "gig_fit", refuse)


def _busy_from(block_id: int, user) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(
        BusyInterval.objects.filter(source=BusyInterval.Source.GIG, source_id=block_id, user=user).values_list(
            "starts_at", "ends_at"
        )
    )


def test_a_running_order_that_moves_a_set_into_a_members_other_gig_is_refused(night):
    w = night
    block_before = BandBlock.objects.get(pk=w.support.block_id)
    four, host = LATE_SET
    with pytest.raises(MembersBusy) as refused:
        shows.show_running_order_set(
            slot=w.show, by=w.hosts_leader, acts=night_order(w.show, w.support, w.own, four, host)
        )
    message = str(refused.value)
    assert "Mara Shared" in message and "overlaps the new times with the load-in and pack-down" in message
    assert message.endswith("so the gig was not moved.")
    support = Booking.objects.get(pk=w.support.pk)
    own = Booking.objects.get(pk=w.own.pk)
    assert (support.set_starts_at, support.sequence) == (w.support.set_starts_at, w.support.sequence)
    assert (own.set_starts_at, own.sequence) == (w.own.set_starts_at, w.own.sequence)
    block = BandBlock.objects.get(pk=w.support.block_id)
    assert (block.gig_starts_at, block.start_time) == (block_before.gig_starts_at, block_before.start_time)
    start = w.show.starts_at
    assert _busy_from(block.pk, w.mara) == [(start, start + 1.25 * HOUR)]


def test_a_running_order_inside_the_old_window_is_not_checked(night, monkeypatch):
    w = night
    _no_check(monkeypatch)
    shows.show_running_order_set(
        slot=w.show, by=w.hosts_leader, acts=night_order(w.show, w.support, w.own, (0.25, 0.75, 1.25))
    )
    start = w.show.starts_at
    assert _busy_from(w.support.block_id, w.mara) == [(start + HOUR / 4, start + 1.25 * HOUR)]


def test_a_longer_load_in_into_a_members_other_gig_is_refused_and_a_shorter_one_is_not_checked(night, monkeypatch):
    w = night
    with pytest.raises(MembersBusy, match=r"Mara Shared.*so the gig was not moved"):
        detail.booking_gig_times_set(booking=w.sunrise, by=w.four_leader, load_in_minutes=180, pack_down_minutes=None)
    block = BandBlock.objects.get(pk=w.sunrise.block_id)
    assert block.load_in_minutes is None
    sunrise = w.sunrise.starts_at
    assert _busy_from(block.pk, w.mara) == [(sunrise - HOUR, sunrise + 2.5 * HOUR)]
    _no_check(monkeypatch)
    detail.booking_gig_times_set(booking=w.sunrise, by=w.four_leader, load_in_minutes=30, pack_down_minutes=None)
    assert BandBlock.objects.get(pk=block.pk).load_in_minutes == 30
    assert _busy_from(block.pk, w.mara) == [(sunrise - HOUR / 2, sunrise + 2.5 * HOUR)]


def test_the_pages_and_the_api_show_the_refusal_and_move_nothing(night, client):
    w = night
    refusal = "so the gig was not moved."
    client.force_login(w.four_leader)
    response = client.post(
        reverse("bookings:gig_times", args=[w.sunrise.uid]), {"load_in_minutes": "180", "pack_down_minutes": ""}
    )
    assert response.status_code == 409 and refusal in response.content.decode()
    answer = ApiClient(token_for(w.four_leader)).put(
        f"/api/v1/bookings/{w.sunrise.uid}/gig-times", {"load_in_minutes": 180}
    )
    assert answer.status_code == 409 and refusal in answer.json()["detail"], answer.content
    assert BandBlock.objects.get(pk=w.sunrise.block_id).load_in_minutes is None

    four, host = LATE_SET
    show = w.show

    def wall(hours: float) -> str:
        return f"{show.starts_at + HOUR * hours:%H:%M}"

    data = {}
    for booking, times in ((w.support, four), (w.own, host)):
        for key, hours in zip(("load_in", "set_start", "set_end"), times, strict=True):
            data[f"{key}_{booking.pk}"] = wall(hours)
    client.force_login(w.hosts_leader)
    response = client.post(reverse("bookings:show_running_order", args=[show.pk]), data)
    assert response.status_code == 409 and refusal in response.content.decode()
    body = {
        "acts": [
            {
                "band": booking.band.slug,
                **{
                    key: (show.starts_at + HOUR * hours).isoformat()
                    for key, hours in zip(("load_in_at", "set_starts_at", "set_ends_at"), times, strict=True)
                },
            }
            for booking, times in ((w.support, four), (w.own, host))
        ]
    }
    answer = ApiClient(token_for(w.hosts_leader)).put(f"/api/v1/shows/{show.pk}/running-order", body)
    assert answer.status_code == 409 and refusal in answer.json()["detail"], answer.content
    assert Booking.objects.get(pk=w.support.pk).set_starts_at == w.support.set_starts_at
