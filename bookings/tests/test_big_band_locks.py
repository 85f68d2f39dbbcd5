"""Accepting a big band's gig locks every member's time, required or not, in one fixed order: ascending
keys in a single statement (bookings.services.locks), so two racers for bands sharing players queue and
never deadlock. The race itself runs on PostgreSQL (test_member_race.py); here the order is checked on
the statement the accept path sends."""

import contextlib
import inspect
import random

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import book, locks
from bookings.tests.factories import BookingFactory, band_with_leader

pytestmark = pytest.mark.django_db


class Recorder:
    """A PostgreSQL connection as people_lock sees it, recording what it would send."""

    vendor = "postgresql"
    in_atomic_block = True

    def __init__(self) -> None:
        self.sent: list = []

    @contextlib.contextmanager
    def cursor(self):
        recorder = self

        class Cursor:
            def execute(self, sql, params):
                recorder.sent.append((sql, params))

        yield Cursor()


@pytest.fixture
def big_band():
    """A 40-piece band whose players joined in a shuffled order, a third of them not needed by name."""
    band, leader = band_with_leader(name="Big Band")
    people = [UserFactory() for _ in range(39)]
    random.Random(7).shuffle(people)
    for i, person in enumerate(people):
        MembershipFactory(band=band, user=person, required=i % 3 == 0)
    return band, leader


def test_every_member_of_a_big_band_is_locked_once_in_ascending_order(big_band, monkeypatch):
    band, _leader = big_band
    recorder = Recorder()
    monkeypatch.setattr(locks, "connection", recorder)
    locked = locks.gig_people_lock(band_id=band.pk, also=[band.memberships.first().user_id])
    members = sorted(Membership.objects.filter(band=band).values_list("user_id", flat=True))
    assert len(members) == 40
    assert locked == members
    ((sql, (namespace, keys)),) = recorder.sent  # one statement for all forty
    assert namespace == locks.PERSON_TIME
    assert keys == sorted(keys) == [pk % locks.KEY_SPACE for pk in members]
    assert "ORDER BY" in sql


def test_the_accept_paths_lock_takes_the_band_then_every_players_time(big_band, monkeypatch):
    """Accept and instant booking book through book.booking_book, whose lock is locks.booking_lock."""
    band, _leader = big_band
    booking = BookingFactory(band=band, status=Booking.Status.PENDING)
    recorder = Recorder()
    monkeypatch.setattr(locks, "connection", recorder)
    with transaction.atomic():
        locked_band, _slot, fresh = locks.booking_lock(booking)
    assert (locked_band.pk, fresh.pk) == (band.pk, booking.pk)
    ((_sql, (_namespace, keys)),) = recorder.sent
    members = sorted(Membership.objects.filter(band=band).values_list("user_id", flat=True))
    assert keys == [pk % locks.KEY_SPACE for pk in members]
    assert "locks.booking_lock(plan.booking)" in inspect.getsource(book.booking_book)
