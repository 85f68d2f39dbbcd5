"""An accept answers before the bookings it made impossible are declined: the worker declines them,
inline when the broker is down, and a periodic sweep catches up with a task that was lost, reading after its
first run only what changed since its last (decision 0092)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Notification
from bookings.models import Booking, BookingEvent, JobMark
from bookings.services import answering, asking, losers
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from venues.models import Slot
from venues.services import slot_update

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


def long_ago() -> None:
    """Every booking and slot last changed a day ago: what the sweep's last run has read."""
    day_ago = timezone.now() - timedelta(days=1)
    Booking.objects.update(updated_at=day_ago)
    Slot.objects.update(updated_at=day_ago)


def test_after_its_first_run_the_sweep_reads_only_what_changed_and_catches_a_lost_task(race, monkeypatch):
    _band, leader, (first, second), rival = race
    assert losers.booking_losers_sweep() == 0
    assert JobMark.objects.get(job=losers.SWEEP_JOB)
    long_ago()
    # Nothing changed since: no pending booking is read (the mark, the changed bookings and full slots, the
    # mark moved).
    with CaptureQueriesContext(connection) as captured:
        assert losers.booking_losers_sweep() == 0
    assert len(captured) == 4
    monkeypatch.setattr(losers, "task_queue", lambda name, **kwargs: None)  # queued, then lost
    answering.booking_accept(booking=first, by=leader)
    assert losers.booking_losers_sweep() == 1
    assert statuses(first, second, rival) == [S.BOOKED, S.DECLINED, S.DECLINED]
    assert Notification.objects.filter(kind="booking_declined").exists()
    # Declined once: the next runs find nothing.
    events = BookingEvent.objects.filter(to_status=S.DECLINED).count()
    assert losers.booking_losers_sweep() == 0
    assert losers.booking_losers_sweep() == 0
    assert BookingEvent.objects.filter(to_status=S.DECLINED).count() == events == 2


def test_support_places_lowered_to_those_booked_make_losers_the_sweep_finds():
    venue, owner = venue_with_owner(name="Lido")
    start = in_days(9, 20)
    slot = SlotFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=2), support_places=2)
    bands = [band_with_leader(name=name) for name in ("Opener", "Late Opener")]
    booked, waiting = (asking.booking_apply(slot=slot, band=band, by=leader, role="support") for band, leader in bands)
    answering.booking_accept(booking=booked, by=owner)
    assert statuses(booked, waiting) == [S.BOOKED, S.PENDING]
    assert losers.booking_losers_sweep() == 0  # one place is still free
    long_ago()
    slot_update(slot=Slot.objects.get(pk=slot.pk), by=owner, support_places=1)
    assert losers.booking_losers_sweep() == 1
    assert statuses(booked, waiting) == [S.BOOKED, S.DECLINED]
    assert (
        Booking.objects.get(pk=waiting.pk).status_note == "Declined automatically: every support place has been filled."
    )
    assert losers.booking_losers_sweep() == 0


def test_a_run_that_found_losers_leaves_its_mark_for_the_next(race, monkeypatch):
    _band, leader, (first, second), rival = race
    assert losers.booking_losers_sweep() == 0
    mark = JobMark.objects.get(job=losers.SWEEP_JOB).through
    monkeypatch.setattr(losers, "task_queue", lambda name, **kwargs: None)
    answering.booking_accept(booking=first, by=leader)
    # The decline fails (and is logged): the losers stay pending, and the mark where it was.
    monkeypatch.setattr(losers, "_auto_decline", lambda **kwargs: (_ for _ in ()).throw(DatabaseError("lost")))
    assert losers.booking_losers_sweep() == 1
    assert statuses(second, rival) == [S.PENDING, S.PENDING]
    assert JobMark.objects.get(job=losers.SWEEP_JOB).through == mark
    monkeypatch.undo()
    assert losers.booking_losers_sweep() == 1
    assert statuses(first, second, rival) == [S.BOOKED, S.DECLINED, S.DECLINED]
