"""Acts accepting sets at the same moment (PostgreSQL, real locks): two acts accepting sets on one stage at
one time – one wins; two acts that share a player accepting sets on two stages at once – one wins, because
the accept is a door of booking_book and queues on the player (locks.gig_people_lock; the doors are listed
in bookings/tests/test_member_race.py). Without the member lock the second race books the player twice."""

import time
from unittest.mock import patch

import pytest
from django.utils import timezone

from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import locks
from bookings.tests.test_member_race import GAP, gig_overlaps, race
from festivals.models import Placement
from festivals.services import timetable

from .factories import festival_world, local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def slow_rules(monkeypatch):
    """Each racer waits a moment after reading the festival's rules, before its writes."""
    original = timetable.festival_refusals

    def then_wait(**kwargs):
        reasons = original(**kwargs)
        time.sleep(GAP)
        return reasons

    monkeypatch.setattr(timetable, "festival_refusals", then_wait)


def place(w, fstage, band, hour, minute=0, by=None):
    """The act's accept of a set offered to it: two offers made one after the other that clash (as two
    organisers' offers sent at one moment would, the builder's check read before either was made), then
    accepted at once by the two acts."""
    with patch.object(timetable, "festival_refusals", lambda **kwargs: []):
        placement = timetable.placement_offer(
            fstage=fstage,
            band=band,
            starts_at=local(w.first_day, hour, minute),
            set_minutes=45,
            by=by or w.owner,
            now=timezone.now(),
        )
    leader = w.leaders[band.pk]
    return lambda: timetable.placement_accept(placement=placement, by=leader, now=timezone.now())


def offer(w, fstage, band, hour, minute=0, by=None):
    return lambda: timetable.placement_offer(
        fstage=fstage,
        band=band,
        starts_at=local(w.first_day, hour, minute),
        set_minutes=45,
        by=by or w.owner,
        now=timezone.now(),
    )


@pytest.mark.usefixtures("slow_rules")
def test_two_bookers_offering_two_acts_one_stage_at_one_time_one_wins():
    """The offer's slot holds the stage: two offers for one stage at one time queue on it, one is made."""
    w = festival_world(tag="r1")
    results = race(offer(w, w.main, w.kite, 18), offer(w, w.main, w.owl, 18, 15, by=w.booker))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), results
    assert Placement.objects.filter(festival=w.festival).count() == 1


@pytest.mark.usefixtures("slow_rules")
def test_two_acts_accepting_sets_one_stage_apart_by_less_than_its_changeover_one_wins():
    w = festival_world(tag="r4")
    results = race(place(w, w.main, w.kite, 18), place(w, w.main, w.owl, 18, 50, by=w.booker))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), results
    assert Placement.objects.filter(festival=w.festival, booking__status=Booking.Status.BOOKED).count() == 1
    assert Booking.objects.filter(band__in=[w.kite, w.owl], status=Booking.Status.BOOKED).count() == 1


@pytest.mark.usefixtures("slow_rules")
def test_two_acts_sharing_a_player_on_two_stages_at_once_one_wins():
    w = festival_world(tag="r2")
    results = race(place(w, w.main, w.kite, 18), place(w, w.tent, w.moth, 18, by=w.booker))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], BookingConflict), results
    assert "Mara Guitar" in str(refused[0])
    assert gig_overlaps(w.mara) == []


def test_without_the_member_lock_the_shared_player_is_placed_twice(slow_rules, monkeypatch):
    monkeypatch.setattr(locks, "people_lock", lambda user_ids: sorted(set(user_ids)))
    w = festival_world(tag="r3")
    race(place(w, w.main, w.kite, 18), place(w, w.tent, w.moth, 18, by=w.booker))
    assert Placement.objects.filter(festival=w.festival, booking__status=Booking.Status.BOOKED).count() == 2
    assert len(gig_overlaps(w.mara)) == 1
