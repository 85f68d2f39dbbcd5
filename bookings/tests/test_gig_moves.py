"""A booked gig that moves goes through one place (bookings.services.moves.gig_move): for a band with a
minimum line-up, who sits the gig out is recomputed at the new times (docs/decisions/0115), and a move the
line-up cannot be fielded for is refused by name, with nothing moved."""

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
