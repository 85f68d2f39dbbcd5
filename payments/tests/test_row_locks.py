"""The services that lock a payment or a refund lock that row alone. A payment's booking is nullable (an
instant booking's checkout is paid before its booking exists), and PostgreSQL refuses FOR UPDATE on the
nullable side of an outer join, so a lock taken with the booking joined in names its own table. Both CI
stages run these (db_specific): the other payment tests run on SQLite only, which has no row locks."""

import pytest

from bands.packages import package_price
from bookings.models import Booking
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.journey import band_party, local
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import Checkout, LedgerEntry, Payment, Refund
from payments.services import payments as pay
from payments.services import refunds
from payments.services.checkout import checkout_pay, checkout_start

pytestmark = [pytest.mark.django_db, pytest.mark.db_specific, pytest.mark.usefixtures("localstripe")]

TERMS = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)


def card() -> str:
    params = {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    return stripe_api.client().v1.payment_methods.create(params=params).id


def test_a_deposit_is_applied_and_refunded_under_its_rows_locks():
    world = make_world()
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=TERMS)
    quotes.quote_accept(quote=quote, by=world.client)
    booking = Booking.objects.get(pk=world.request.pk)
    payment = pay.payment_start(booking=booking, by=world.client)
    pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    refund = refunds.refund_create(payment=payment, amount_minor=4000, reason=Refund.Reason.OTHER, by=None)
    assert refund.status == Refund.Status.SUCCEEDED
    assert LedgerEntry.objects.filter(refund=refund, kind=LedgerEntry.Kind.REFUND).get().amount_minor == -4000
    booking.refresh_from_db()
    assert booking.paid_minor == 20000


def test_a_checkout_payment_without_a_booking_yet_is_applied_and_captured():
    party = band_party()
    checkout = checkout_start(
        band=party.band,
        package=party.instant,
        client=party.client,
        starts_at=local(10),
        price=package_price(party.instant),
    )
    result = checkout_pay(checkout=checkout, by=party.client, payment_method_id=card())
    checkout.refresh_from_db()
    assert checkout.status == Checkout.Status.BOOKED
    assert result.payment.status == Payment.Status.SUCCEEDED and result.payment.booking_id == checkout.booking_id
