"""A band with a minimum line-up is booked by its line-up (docs/decisions/0112): an accept goes through when
the free members fill every section, the busy ones sit the gig out (its block takes none of their time),
and a section short of players refuses the accept by name. A band without one still needs every required
member free, as before."""

import datetime as dt

import pytest

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands import sections
from bands.models import BandBlock, Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import MembersBusy
from bookings.models import Booking, BookingEvent
from bookings.services import answering, checks
from bookings.tests.factories import BookingFactory, band_with_leader

pytestmark = pytest.mark.django_db

Status = Booking.Status
# Forty players: the leader, 12 trumpets, 12 saxes, 8 trombones, 7 in the rhythm section.
SECTIONS = (("Trumpets", 12, 3), ("Saxes", 12, 4), ("Trombones", 8, 2), ("Rhythm", 7, 3))


def busy_during(user, booking: Booking) -> None:
    day = booking.starts_at.astimezone(dt.UTC).date()
    rule_create(user=user, title="", all_day=True, start_date=day, end_date=day + dt.timedelta(days=1))


@pytest.fixture
def big_band():
    """40 members in four sections, needs 3 trumpets, 4 saxes, 2 trombones, 3 rhythm; nobody by name."""
    band, leader = band_with_leader(name="Forty Piece", time_zone="UTC")
    Membership.objects.filter(band=band).update(required=False)
    players: dict[str, list] = {}
    needs = {}
    for name, count, need in SECTIONS:
        section = sections.section_add(band=band, by=leader, name=name)
        needs[section.pk] = need
        players[name] = []
        for i in range(count):
            membership = MembershipFactory(
                band=band, required=False, user=UserFactory(display_name=f"{name[:-1]} {i + 1}")
            )
            sections.membership_sections_set(membership=membership, by=leader, usual=section.pk, doubles=[])
            players[name].append(membership.user)
    sections.lineup_set(band=band, by=leader, needs=needs, total=None)
    band.refresh_from_db()
    assert Membership.objects.filter(band=band).count() == 40
    return band, leader, players


def offer(band) -> Booking:
    """A venue's pending offer, which the band's leader answers."""
    return BookingFactory(band=band, kind=Booking.Kind.OFFER, status=Status.PENDING, requested_by=UserFactory())


def test_a_forty_piece_is_booked_while_two_members_are_busy_and_they_sit_the_gig_out(big_band):
    band, leader, players = big_band
    booking = offer(band)
    away = [players["Trumpets"][0], players["Saxes"][5]]
    for user in away:
        busy_during(user, booking)
    answering.booking_accept(booking=booking, by=leader)
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    block = BandBlock.objects.get(pk=booking.block_id)
    assert sorted(block.absent) == sorted(u.pk for u in away)
    gig_busy = BusyInterval.objects.filter(source=BusyInterval.Source.GIG, source_id=block.pk)
    assert gig_busy.values("user_id").distinct().count() == 38
    assert not gig_busy.filter(user__in=away).exists()


def test_too_many_busy_in_one_section_refuses_and_names_it(big_band):
    band, leader, players = big_band
    booking = offer(band)
    for user in players["Trombones"][:7]:  # one trombone of the two needed is left
        busy_during(user, booking)
    busy_during(players["Trumpets"][0], booking)
    with pytest.raises(MembersBusy) as refused:
        answering.booking_accept(booking=booking, by=leader)
    message = str(refused.value)
    assert "Trombones (1 of 2)" in message
    assert "Trumpets" not in message.split("Nothing was booked")[0].split(".")[0]
    assert {m.user_id for m in refused.value.members} == {u.pk for u in players["Trombones"][:7]}
    booking.refresh_from_db()
    assert booking.status == Status.PENDING
    assert not BandBlock.objects.filter(band=band, kind=BandBlock.Kind.GIG).exists()


def test_accept_anyway_books_a_short_line_up_without_the_busy_players(big_band):
    band, leader, players = big_band
    booking = offer(band)
    away = players["Rhythm"][:5]
    for user in away:
        busy_during(user, booking)
    answering.booking_accept(booking=booking, by=leader, stand_in=True)
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    assert sorted(BandBlock.objects.get(pk=booking.block_id).absent) == sorted(u.pk for u in away)
    assert BookingEvent.objects.get(booking=booking, to_status=Status.BOOKED).note.startswith("Accepted anyway")


def test_a_line_up_filled_only_with_occasional_players_is_booked_and_flagged(big_band):
    band, leader, players = big_band
    booking = offer(band)
    for user in players["Rhythm"][:4]:  # three left, one of them plays now and then
        busy_during(user, booking)
    occasional = Membership.objects.get(band=band, user=players["Rhythm"][6])
    sections.membership_sections_set(
        membership=occasional, by=leader, usual=occasional.section_links.get().section_id, doubles=[], occasional=True
    )
    band.refresh_from_db()
    fit = checks.gig_fit(band, booking.starts_at, booking.ends_at)
    assert fit.ok and fit.amber == ("Rhythm",)
    answering.booking_accept(booking=booking, by=leader)
    note = BookingEvent.objects.get(booking=booking, to_status=Status.BOOKED).note
    assert "occasional players for: Rhythm" in note


def test_a_four_piece_without_a_line_up_still_needs_every_required_member():
    band, leader = band_with_leader(name="Four Piece")
    drummer = MembershipFactory(band=band, required=True).user
    MembershipFactory(band=band, required=False)
    booking = offer(band)
    busy_during(drummer, booking)
    fit = checks.gig_fit(band, booking.starts_at, booking.ends_at)
    assert not fit.ok and [m.user_id for m in fit.busy] == [drummer.pk] and fit.sitting_out == ()
    with pytest.raises(MembersBusy):
        answering.booking_accept(booking=booking, by=leader)
    answering.booking_accept(booking=booking, by=leader, stand_in=True)
    assert BandBlock.objects.get(band=band, kind=BandBlock.Kind.GIG).absent == []
