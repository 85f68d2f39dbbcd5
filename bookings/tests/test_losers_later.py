"""An accept answers before the bookings it made impossible are declined: the worker declines them,
inline when the broker is down, and a periodic sweep catches up with a task that was lost."""

from datetime import timedelta

import pytest
from kombu.exceptions import OperationalError

from accounts.models import Notification
from bookings.models import Booking
from bookings.services import answering, asking, losers
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db

S = Booking.Status


@pytest.fixture
def race():
    """One band, two venues' offers for the same evening, and a second band's application for one of
    the slots: accepting the first offer makes the other two impossible."""
    band, leader = band_with_leader(name="The Lanterns")
    other, other_leader = band_with_leader(name="Second Band")
    offers, owners = [], []
    for name in ("Lido", "Astra"):
        venue, owner = venue_with_owner(name=name)
        start = in_days(9, 20)
        slot = SlotFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=2))
        offers.append(asking.booking_offer(slot=slot, band=band, by=owner, role="headliner"))
        owners.append(owner)
    rival = asking.booking_apply(slot=offers[0].slot, band=other, by=other_leader, role="headliner")
    return band, leader, offers, rival


def statuses(*bookings):
    return [Booking.objects.get(pk=b.pk).status for b in bookings]


def test_the_winner_is_answered_before_its_losers_are_declined_by_the_worker(race, monkeypatch):
    _band, leader, (first, second), rival = race
    queued = []
    monkeypatch.setattr(losers, "task_queue", lambda name, **kwargs: queued.append((name, kwargs)))
    answering.booking_accept(booking=first, by=leader)
    assert statuses(first, second, rival) == [S.BOOKED, S.PENDING, S.PENDING]
    assert [name for name, _ in queued] == [losers.DECLINE_LOSERS_TASK]
    losers.booking_losers_decline(**queued[0][1])
    assert statuses(first, second, rival) == [S.BOOKED, S.DECLINED, S.DECLINED]
    assert Notification.objects.filter(kind="booking_declined").exists()
    # Twice is once: the task may run again after a worker restart.
    sequence = Booking.objects.get(pk=second.pk).sequence
    losers.booking_losers_decline(**queued[0][1])
    assert Booking.objects.get(pk=second.pk).sequence == sequence


def test_with_the_broker_down_the_losers_are_declined_inline(race, monkeypatch):
    _band, leader, (first, second), rival = race

    def down(name, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(losers, "task_queue", down)
    answering.booking_accept(booking=first, by=leader)
    assert statuses(first, second, rival) == [S.BOOKED, S.DECLINED, S.DECLINED]


def test_a_lost_task_is_caught_up_by_the_sweep(race, monkeypatch):
    _band, leader, (first, second), rival = race
    monkeypatch.setattr(losers, "task_queue", lambda name, **kwargs: None)  # queued, then lost
    answering.booking_accept(booking=first, by=leader)
    assert statuses(second, rival) == [S.PENDING, S.PENDING]
    assert losers.booking_losers_sweep() == 1
    assert statuses(first, second, rival) == [S.BOOKED, S.DECLINED, S.DECLINED]
    assert losers.booking_losers_sweep() == 0


def test_the_sweep_leaves_bookings_that_are_still_possible(race):
    _band, _leader, (first, second), rival = race
    assert losers.booking_losers_sweep() == 0
    assert statuses(first, second, rival) == [S.PENDING, S.PENDING, S.PENDING]
