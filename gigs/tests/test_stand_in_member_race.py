"""A stand-in who plays in another band is never booked into two gigs at once, even by a race (PostgreSQL,
real locks; decision 0072): their yes to a place at band A's gig and band B's accept of a gig at an
overlapping time, at the same moment, book them once. One after the other, the second is refused too."""

import datetime as dt

import pytest

from accounts.tests.factories import UserFactory
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, MembersBusy
from bookings.services import answering
from bookings.tests.factories import band_with_leader
from bookings.tests.test_member_race import booked, gig_overlaps, race, request_of, slow_check, starts
from gigs.models import GigAnswer, StandInAsk
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.stand_ins import stand_in_add, stand_in_ask_reply, stand_in_request_create

ROUNDS = 3
slow_check = slow_check  # the fixture, for usefixtures below


def stand_in_asked(n: int):
    """Band A's gig is booked and its drummer can't; Sam, a required member of band B, is asked to stand in,
    while band B has a gig waiting that overlaps it."""
    band_a, leader_a = band_with_leader(name=f"Alpha {n}")
    drummer = MembershipFactory(band=band_a, required=True, instrument="Drums").user
    band_b, leader_b = band_with_leader(name=f"Beta {n}")
    sam = MembershipFactory(band=band_b, required=True, user__display_name=f"Sam Sticks{n}").user
    client = UserFactory(time_zone="Europe/Berlin")
    gig = request_of(band_a, client, starts(n))
    answering.booking_accept(booking=gig, by=leader_a)
    gig.refresh_from_db()
    gig_lineup_open(booking=gig)
    gig_answer_set(booking=gig, member=drummer, by=drummer, answer="cant")
    place = GigAnswer.objects.get(booking=gig, member=drummer)
    stand_in = stand_in_add(band=band_a, by=leader_a, name=sam.name, email=sam.email, instrument="Drums")
    assert stand_in.user == sam
    request = stand_in_request_create(place=place, by=leader_a, stand_ins=[stand_in])
    ask = StandInAsk.objects.get(request=request)
    other = request_of(band_b, client, starts(n) + dt.timedelta(hours=1))
    return gig, place, ask, other, leader_b, sam


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("slow_check")
def test_a_stand_ins_yes_and_their_other_bands_accept_at_once_book_them_once():
    for n in range(ROUNDS):
        _yes_and_accept_round(n)


def _yes_and_accept_round(n: int) -> None:
    _gig, place, ask, other, leader_b, sam = stand_in_asked(n)
    results = race(
        lambda: stand_in_ask_reply(ask=ask, reply="yes"),
        lambda: answering.booking_accept(booking=other, by=leader_b),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), results
    took = GigAnswer.objects.get(pk=place.pk).stand_in_id is not None
    assert took != bool(booked(other)), f"Sam plays both gigs: {results}"
    assert gig_overlaps(sam) == []


@pytest.mark.django_db
def test_one_after_the_other_the_second_is_refused_either_way():
    _gig, _place, ask, other, leader_b, _sam = stand_in_asked(10)
    stand_in_ask_reply(ask=ask, reply="yes")
    with pytest.raises(MembersBusy, match="Sam"):
        answering.booking_accept(booking=other, by=leader_b)

    _gig, place, ask, other, leader_b, _sam = stand_in_asked(11)
    answering.booking_accept(booking=other, by=leader_b)
    with pytest.raises(BookingConflict, match="another gig"):
        stand_in_ask_reply(ask=ask, reply="yes")
    assert GigAnswer.objects.get(pk=place.pk).stand_in_id is None
    assert StandInAsk.objects.get(pk=ask.pk).reply == ""
