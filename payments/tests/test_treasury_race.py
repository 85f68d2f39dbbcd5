"""Two leaders record a payout to the same member at the same moment (PostgreSQL, real row locks): the
band's row lock makes the second wait and read what the first took off, so together they never pay more
than the member is owed. Without the lock both would read the same "owed" and both would be written."""

import datetime as dt
import threading
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from bands.models import Band, Membership
from bands.tests.factories import MembershipFactory
from bookings.tests.factories import band_with_leader, venue_with_owner
from payments.models import MemberPayout
from payments.selectors import member_due
from payments.services import treasury

from .test_treasury import _gig, paid_outside

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls) -> list[Exception]:
    start = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call):
        try:
            start.wait()
            call()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _race(world, *, locked: bool) -> list[Exception]:
    """Two payouts of 100.00 to Max (owed 166.67 or 166.66) by two leaders at once; unlocked, both read "owed"
    before either writes."""
    pay = {
        "band": world.band,
        "member_id": world.max.pk,
        "amount_minor": 10000,
        "currency": "EUR",
        "paid_on": world.today,
        "method": "bank",
    }
    due = treasury.member_due
    both_read = threading.Barrier(2)

    def due_read_together(**kwargs):
        value = due(**kwargs)
        both_read.wait(timeout=5)
        return value

    calls = (
        lambda: treasury.member_payout_record(by=world.leader, **pay),
        lambda: treasury.member_payout_record(by=world.admin, **pay),
    )
    if locked:
        return at_once(*calls)
    with (
        mock.patch.object(treasury, "member_due", due_read_together),
        mock.patch.object(Band.objects, "select_for_update", lambda *a, **k: Band.objects.all()),
    ):
        return at_once(*calls)


def _world(suffix: str) -> SimpleNamespace:
    w = SimpleNamespace()
    w.band, w.leader = band_with_leader(slug=f"race{suffix}", time_zone="Europe/Berlin")
    w.admin = MembershipFactory(band=w.band, role=Membership.Role.ADMIN).user
    w.max = MembershipFactory(band=w.band, role=Membership.Role.MEMBER).user
    w.venue, _owner = venue_with_owner(slug=f"race-venue{suffix}")
    w.today = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date()
    paid_outside(_gig(w, w.today - dt.timedelta(days=30)), 50000)  # 166.67 / 166.67 / 166.66
    return w


def test_two_payouts_at_once_never_pay_more_than_owed():
    world = _world("-locked")
    owed = member_due(band_id=world.band.pk, member_id=world.max.pk, currency="EUR")
    assert owed in (16666, 16667)  # which member gets the odd cent follows the split's order
    errors = _race(world, locked=True)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert MemberPayout.objects.filter(band=world.band).count() == 1
    assert member_due(band_id=world.band.pk, member_id=world.max.pk, currency="EUR") == owed - 10000


def test_without_the_lock_the_race_is_real():
    world = _world("-unlocked")
    owed = member_due(band_id=world.band.pk, member_id=world.max.pk, currency="EUR")
    assert _race(world, locked=False) == []
    assert member_due(band_id=world.band.pk, member_id=world.max.pk, currency="EUR") == owed - 20000
