"""Payouts: staff record a bank transfer to a band; the ledger takes it off what the band is owed, and
never more than that."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.errors import BookingPermissionError
from payments.models import LedgerEntry, Payout
from payments.selectors import band_money, band_owed
from payments.services.payouts import payout_record

from .money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    pay_next(w.gig, by=w.client)  # the band is owed 204.00 EUR
    w.staff = UserFactory(is_staff=True)
    return w


def test_a_payout_is_taken_off_what_the_band_is_owed(world):
    payout = payout_record(
        band=world.band, amount_minor=15000, currency="EUR", reference=" SEPA-2026-0042 ", by=world.staff
    )
    assert payout.reference == "SEPA-2026-0042" and payout.recorded_by == world.staff
    entry = LedgerEntry.objects.get(kind="payout")
    assert (entry.amount_minor, entry.band_id, entry.payout_id) == (-15000, world.band.pk, payout.pk)
    (money,) = band_money(band=world.band)
    assert (money.earned_minor, money.owed_minor, money.paid_out_minor) == (20400, 5400, 15000)
    told = Notification.objects.filter(kind="booking_payment", text__contains="SEPA-2026-0042")
    assert set(told.values_list("recipient_id", flat=True)) == {world.leader.pk, world.admin.pk}
    # The rest, exactly: nothing is owed after it.
    payout_record(band=world.band, amount_minor=5400, currency="EUR", reference="SEPA-2026-0043", by=world.staff)
    assert band_owed(band_id=world.band.pk, currency="EUR") == 0


@pytest.mark.parametrize(
    ("amount", "currency", "reference", "field"),
    [
        (20401, "EUR", "REF-1", "amount"),  # more than owed
        (0, "EUR", "REF-1", "amount"),
        (-500, "EUR", "REF-1", "amount"),
        (100, "GBP", "REF-1", "amount"),  # nothing owed in pounds
        (100, "XXX", "REF-1", "currency"),
        (100, "EUR", "   ", "reference"),
        (100, "EUR", "R" * 121, "reference"),
    ],
)
def test_a_bad_payout_is_refused_and_nothing_is_written(world, amount, currency, reference, field):
    with pytest.raises(ValidationError) as refused:
        payout_record(band=world.band, amount_minor=amount, currency=currency, reference=reference, by=world.staff)
    assert field in refused.value.message_dict
    assert not Payout.objects.exists() and not LedgerEntry.objects.filter(kind="payout").exists()


def test_only_staff_record_payouts(world):
    for who in (world.leader, world.admin, world.client, UserFactory()):
        with pytest.raises(BookingPermissionError):
            payout_record(band=world.band, amount_minor=100, currency="EUR", reference="REF", by=who)
    assert not Payout.objects.exists()
