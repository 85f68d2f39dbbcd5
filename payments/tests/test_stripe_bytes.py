"""A charge whose answer and webhook are both lost is resolved by the next money round, whatever order the
database gives its stored parameters back in: a retry sends the bytes of the first request (Stripe refuses a
key used with another body), a row from before the bytes were stored rebuilds them, and a retry refused all
the same is resolved by finding the intent by its metadata
(docs/decisions/0073-what-was-agreed-and-the-bytes-sent.md). Against a real localstripe, which compares the
bodies sent under one key as Stripe does; runs on PostgreSQL too (SECOND_RUN), whose JSONB keeps no key order."""

import datetime as dt

import pytest

from bands.tests.factories import MembershipFactory
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Refund
from payments.services import refunds
from payments.services.periodic import balances_charge, money_round
from payments.tests.test_money_faults import charges_at_stripe, deposit_paid

pytestmark = [pytest.mark.django_db]

Status = Payment.Status


@pytest.fixture
def world():
    w = make_world("-bytes")
    MembershipFactory(band=w.band)
    return w


def as_jsonb(value):
    """A dict's keys in the order PostgreSQL's JSONB gives them back: shorter keys first, then bytewise."""
    if isinstance(value, dict):
        return {k: as_jsonb(value[k]) for k in sorted(value, key=lambda k: (len(k), k.encode()))}
    return value


def lost_balance(world, stripe_proxy):
    """The balance charged on its due day with Stripe's answer lost, and no webhook (localstripe sends its
    events nowhere here): UNKNOWN, charged once at Stripe."""
    booking, _deposit = deposit_paid(world)
    due_day = booking.starts_at - dt.timedelta(days=6)
    stripe_proxy.drop(1)
    balances_charge(now=due_day)
    balance = Payment.objects.get(booking=booking, purpose="balance")
    assert balance.status == Status.UNKNOWN and not balance.intent_id
    assert len(charges_at_stripe(balance)) == 1
    return booking, balance, due_day


def resolved_once(booking, balance, due_day):
    money_round(now=due_day + dt.timedelta(minutes=2))
    balance.refresh_from_db()
    assert balance.status == Status.SUCCEEDED and balance.intent_id
    assert len(charges_at_stripe(balance)) == 1
    assert LedgerEntry.objects.filter(payment=balance, kind="payment").count() == 1
    booking.refresh_from_db()
    assert booking.paid_minor == 80000


def test_the_retry_sends_the_first_requests_bytes_whatever_order_the_database_keeps(world, stripe_proxy):
    booking, balance, due_day = lost_balance(world, stripe_proxy)
    # The bytes sent, in the order the request was built: a metadata key before the others would differ.
    assert balance.stripe_body.startswith("amount=56000&currency=eur&customer=cus_")
    assert "&metadata[payment]=" in balance.stripe_body and balance.stripe_body.endswith("&confirm=true")
    built = list(dict.fromkeys(key.split("[")[0] for key in stripe_api.body_params(balance.stripe_body)))
    reordered = as_jsonb(balance.stripe_params)
    assert list(reordered) != built  # on PostgreSQL, stripe_params already comes back in this order
    Payment.objects.filter(pk=balance.pk).update(stripe_params=reordered)
    resolved_once(booking, balance, due_day)


def test_a_row_from_before_the_bytes_were_stored_is_resolved_all_the_same(world, stripe_proxy):
    booking, balance, due_day = lost_balance(world, stripe_proxy)
    Payment.objects.filter(pk=balance.pk).update(stripe_body="", stripe_params=as_jsonb(balance.stripe_params))
    resolved_once(booking, balance, due_day)


def test_a_retry_refused_as_another_request_is_resolved_by_the_intents_metadata(world, stripe_proxy):
    booking, balance, due_day = lost_balance(world, stripe_proxy)
    # Bytes that are not those sent (as a row written by hand, or by code before this): Stripe refuses them
    # under the key, so the round finds the intent Stripe made instead of waiting a day.
    other = stripe_api.form_body(as_jsonb(balance.stripe_params))
    assert other != balance.stripe_body
    Payment.objects.filter(pk=balance.pk).update(stripe_body=other)
    resolved_once(booking, balance, due_day)


def test_the_stored_bytes_are_what_stripes_client_sends():
    params = {
        "amount": 2500,
        "currency": "eur",
        "metadata": {"payment": "p-1", "booking": ""},
        "off_session": True,
        "name": "Zoë [Band] & Co +1",
    }
    body = stripe_api.form_body(params)
    assert body == (
        "amount=2500&currency=eur&metadata[payment]=p-1&metadata[booking]=&off_session=true"
        "&name=Zo%C3%AB+[Band]+%26+Co+%2B1"
    )
    assert stripe_api.form_body(stripe_api.body_params(body)) == body


def test_a_refund_row_from_before_the_bytes_were_stored_sends_what_it_sent_first(world, localstripe):
    _booking, deposit = deposit_paid(world)
    refund = Refund.objects.create(
        payment=deposit, amount_minor=1000, currency=deposit.currency, reason=Refund.Reason.OTHER
    )
    params = refunds._refund_params(refund, deposit)
    Refund.objects.filter(pk=refund.pk).update(stripe_params=as_jsonb(params), stripe_body="")
    refund.refresh_from_db()
    assert refunds._refund_body(refund) == stripe_api.form_body(params)
    assert refunds._refund_body(refund).startswith("payment_intent=pi_")
