"""`manage.py reconcile_payments` against a real localstripe: the ledger's payments and refunds matched to
Stripe's balance transactions, every difference printed, and each booking's entries adding up."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments import stripe_api
from payments.models import LedgerEntry, Payment
from payments.services import payments as pay
from payments.services import refunds

from .money_world import agreed, money_world, pay_next

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]


def card(number="4242424242424242"):
    return (
        stripe_api.client()
        .v1.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )
        .id
    )


def reconcile(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def stripe_charge(amount: int, currency: str = "eur") -> str:
    """A charge made at Stripe that our ledger knows nothing of; its PaymentIntent's id."""
    client = stripe_api.client()
    customer = client.v1.customers.create(params={"email": "someone@example.com"})
    method = card()
    client.v1.payment_methods.attach(method, params={"customer": customer.id})
    intent = client.v1.payment_intents.create(
        params={"amount": amount, "currency": currency, "customer": customer.id, "payment_method": method}
    )
    return client.v1.payment_intents.confirm(intent.id).id


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    return w


def paid_by_card(world) -> Payment:
    payment = pay.payment_start(booking=world.gig, by=world.client)
    pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


@pytest.mark.real_clock(reason="localstripe dates its charges by the machine's time")
def test_a_deposit_and_a_partial_refund_reconcile_with_no_difference(world):
    paid_by_card(world)
    now = world.gig.starts_at - dt.timedelta(days=20)  # inside the half window: half back
    refunds.booking_cancel_refund(booking=world.gig, by=world.client, reason="Venue flooded", now=now)
    assert LedgerEntry.objects.filter(kind="refund").exists()
    assert reconcile() == (0, "No differences.\n")
    assert reconcile("--since", "1") == (0, "No differences.\n")


def test_a_charge_our_ledger_lacks_and_a_payment_stripe_lacks_are_printed(world):
    paid_by_card(world)
    stripe_charge(1234)
    pay_next(world.gig, by=world.client)  # the balance "paid" with an intent Stripe never saw
    code, out = reconcile()
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith("missing in our ledger: Stripe's charge ch_")
        and "12.34 EUR" in line
        and "no payment of ours" in line
        for line in lines
    )
    assert any(line.startswith("missing at Stripe: payment ") and "560.00 EUR" in line for line in lines)
    assert lines[-1] == "2 difference(s)."


def test_an_amount_or_currency_that_differs_is_printed(world):
    payment = pay.payment_start(booking=world.gig, by=world.client)
    # Stripe charged 240.01 where our payment says 240.00: the intent is Stripe's own, applied as succeeded.
    intent_id = stripe_charge(24001)
    Payment.objects.filter(pk=payment.pk).update(intent_id=intent_id)
    pay.payment_apply(
        payment_id=payment.pk,
        intent={"id": intent_id, "status": "succeeded", "amount": payment.amount_minor, "currency": payment.currency},
    )
    code, out = reconcile()
    assert code == 1
    assert "amount differs: payment" in out and "ours 240.00 EUR, Stripe's 240.01 EUR" in out
    other = agreed(world.application, band_side=world.leader, other_side=world.owner)
    dollars = pay.payment_start(booking=other, by=world.owner)
    intent_id = stripe_charge(dollars.amount_minor, "usd")
    Payment.objects.filter(pk=dollars.pk).update(intent_id=intent_id)
    pay.payment_apply(
        payment_id=dollars.pk,
        intent={"id": intent_id, "status": "succeeded", "amount": dollars.amount_minor, "currency": dollars.currency},
    )
    code, out = reconcile()
    assert "currency differs: payment" in out and "ours EUR, Stripe's USD" in out


def test_a_booking_whose_entries_do_not_add_up_is_printed(world):
    paid_by_card(world)
    LedgerEntry.objects.create(kind="band_share", amount_minor=1, currency="EUR", booking=world.gig, band=world.band)
    code, out = reconcile()
    assert code == 1
    assert (
        f"ledger: booking {world.gig.uid} (EUR): payments less refunds 240.00 EUR but fee and band's share 240.01 EUR"
        in out
    )
    assert (
        f"ledger: booking {world.gig.uid} (EUR): the band's share 204.01 EUR but the members' shares 204.00 EUR" in out
    )


def test_since_leaves_out_what_is_older(world):
    pay_next(world.gig, by=world.client)  # unknown to Stripe
    LedgerEntry.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    Payment.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    assert reconcile("--since", "3") == (0, "No differences.\n")
    assert reconcile()[0] == 1


def test_stripe_unreachable_says_so(world, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile_payments", stdout=StringIO(), stderr=err)
    assert exit_.value.code == 2 and "Stripe did not answer" in err.getvalue()
