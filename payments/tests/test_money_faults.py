"""Money when Stripe's answer is lost, late, forged or repeated: each test here failed before payments
became one state machine between our rows and Stripe (docs/decisions/0052-money-state-machine.md).
Against a real localstripe behind a proxy that loses answers (payments.testing.StripeProxy)."""

import datetime as dt
import hashlib
import hmac
import json
import time
from unittest import mock

import pytest
from django.db import IntegrityError
from django.urls import reverse

from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Refund, StripeEvent
from payments.selectors import due_now
from payments.services import payments as pay
from payments.services import refunds
from payments.services.periodic import balances_charge, money_round
from payments.services.stripe_events import BadEvent, stripe_event_receive
from payments.testing import WorkerKilled, kill_after_next_stripe_call
from payments.tests.test_flow import FLAT, agreed, card
from payments.tests.test_pay_views import intent_at_stripe

pytestmark = [pytest.mark.django_db]

Status = Payment.Status


@pytest.fixture
def world():
    w = make_world()
    MembershipFactory(band=w.band)
    return w


def charges_at_stripe(payment: Payment) -> list:
    """Every PaymentIntent at localstripe that names our payment and took money."""
    query = f"metadata['payment']:'{payment.uid}'"
    found = stripe_api.client().v1.payment_intents.search(params={"query": query}).data
    return [i for i in found if i.status in ("succeeded", "requires_capture")]


def deposit_paid(world):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    return booking, Payment.objects.get(pk=payment.pk)


def signed(event: dict, *, at: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
    from django.conf import settings

    body = json.dumps(event).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new((secret or settings.STRIPE_WEBHOOK_SECRET).encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return body, f"t={stamp},v1={mac.hexdigest()}"


def intent_event(intent_id: str, kind: str = "payment_intent.succeeded", **body) -> dict:
    obj = {"id": intent_id, "object": "payment_intent", "status": "succeeded", **body}
    return {"id": f"evt_{intent_id}_{kind}", "object": "event", "type": kind, "data": {"object": obj}}


# ---- A lost answer never charges twice ---------------------------------------------------------------


def test_a_lost_answer_on_the_balance_is_asked_again_never_charged_again(world, stripe_proxy):
    booking, _deposit = deposit_paid(world)
    due_day = booking.starts_at - dt.timedelta(days=6)
    stripe_proxy.drop(1)
    balances_charge(now=due_day)
    balance = Payment.objects.get(booking=booking, purpose="balance")
    assert balance.status == Status.UNKNOWN and balance.stripe_params and balance.sent_at
    assert len(charges_at_stripe(balance)) == 1  # Stripe charged; we did not hear it
    # Later rounds ask Stripe what became of it: the same request and key, the same intent.
    for minutes in (1, 5, 10):
        money_round(now=due_day + dt.timedelta(minutes=minutes))
    balance.refresh_from_db()
    assert balance.status == Status.SUCCEEDED and balance.intent_id
    assert len(charges_at_stripe(balance)) == 1
    assert Payment.objects.filter(booking=booking, purpose="balance").count() == 1
    assert LedgerEntry.objects.filter(payment=balance, kind="payment").count() == 1
    booking.refresh_from_db()
    assert booking.paid_minor == 80000 and due_now(booking, now=due_day) is None


def test_a_worker_killed_mid_charge_leaves_a_payment_the_next_round_finishes(world, localstripe, monkeypatch):
    booking, _deposit = deposit_paid(world)
    due_day = booking.starts_at - dt.timedelta(days=6)
    kill_after_next_stripe_call(monkeypatch)
    with pytest.raises(WorkerKilled):
        balances_charge(now=due_day)
    balance = Payment.objects.get(booking=booking, purpose="balance")
    assert balance.status == Status.CREATED and not balance.intent_id and balance.sent_at
    assert len(charges_at_stripe(balance)) == 1
    # The client sees nothing due twice meanwhile: the balance is on its way.
    assert pay.payment_start(booking=booking, by=world.client).pk == balance.pk
    money_round(now=due_day + dt.timedelta(minutes=2))
    balance.refresh_from_db()
    assert balance.status == Status.SUCCEEDED and len(charges_at_stripe(balance)) == 1


def test_stripes_event_for_a_charge_whose_answer_was_lost_finds_the_payment_by_its_metadata(
    world, localstripe, monkeypatch
):
    booking, _deposit = deposit_paid(world)
    kill_after_next_stripe_call(monkeypatch)
    with pytest.raises(WorkerKilled):
        balances_charge(now=booking.starts_at - dt.timedelta(days=6))
    balance = Payment.objects.get(booking=booking, purpose="balance")
    (intent,) = charges_at_stripe(balance)
    body, signature = signed(intent_event(intent.id))
    outcome = stripe_event_receive(payload=body, signature=signature)
    balance.refresh_from_db()
    assert outcome.endswith("succeeded") and balance.status == Status.SUCCEEDED and balance.intent_id == intent.id
    assert LedgerEntry.objects.filter(payment=balance, kind="payment").count() == 1


@pytest.mark.parametrize("lost", ["POST /v1/payment_intents", "/confirm"], ids=["create", "confirm"])
def test_a_lost_answer_at_the_pay_button_says_so_and_a_second_click_charges_nothing_more(lost, world, stripe_proxy):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    method = card()
    stripe_proxy.drop(1, only=lost)
    with pytest.raises(stripe_api.PaymentPending):
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=method)
    payment.refresh_from_db()
    assert payment.status == Status.UNKNOWN
    assert pay.payment_start(booking=booking, by=world.client).pk == payment.pk
    # The payer clicks again: Stripe is asked first; the same intent is confirmed, or found paid already.
    try:
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=method)
    except BookingConflict as exc:
        assert lost == "/confirm" and "made already" in str(exc)
    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert len(charges_at_stripe(payment)) == 1
    assert Payment.objects.filter(booking=booking).count() == 1


def test_a_claim_is_its_own_time_so_a_double_click_after_a_minute_calls_stripe_once(world):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    later = payment.created_at + dt.timedelta(minutes=3)  # the payer took three minutes to type the card
    assert pay._claim(payment, later) is True
    assert pay._claim(payment, later + dt.timedelta(seconds=1)) is False
    # A claim whose request died is taken again after CLAIM_SECONDS.
    assert pay._claim(payment, later + dt.timedelta(seconds=pay.CLAIM_SECONDS + 1)) is True


# ---- Webhooks are checked against Stripe ------------------------------------------------------------


def test_a_signed_event_naming_another_amount_changes_nothing_and_is_shown_to_staff(world, localstripe):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    one_dollar_id = intent_at_stripe(payment, amount=100, currency="usd")
    Payment.objects.filter(pk=payment.pk).update(intent_id=one_dollar_id, status=Status.PROCESSING)
    # The event's body even claims our amount: Stripe's own object says otherwise.
    body, signature = signed(intent_event(one_dollar_id, amount=payment.amount_minor, currency="eur"))
    outcome = stripe_event_receive(payload=body, signature=signature)
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING and not LedgerEntry.objects.exists()
    event = StripeEvent.objects.get(object_id=one_dollar_id)
    assert event.problem and "does not match" in outcome


def test_an_event_for_an_intent_stripe_does_not_have_changes_nothing(world, localstripe):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    Payment.objects.filter(pk=payment.pk).update(intent_id="pi_madeup", status=Status.PROCESSING)
    body, signature = signed(intent_event("pi_madeup", amount=payment.amount_minor, currency="eur"))
    stripe_event_receive(payload=body, signature=signature)
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING and StripeEvent.objects.get(object_id="pi_madeup").problem


@pytest.mark.parametrize("offset", [-3600, 3600])
def test_an_event_signed_far_from_now_is_refused(offset, localstripe):
    body, signature = signed(intent_event("pi_any"), at=int(time.time()) + offset)
    with pytest.raises(BadEvent):
        stripe_event_receive(payload=body, signature=signature)
    assert not StripeEvent.objects.exists()


def test_only_the_same_event_again_is_already_applied_any_other_failure_is_retried(world, localstripe, client):
    _booking, deposit = deposit_paid(world)
    body, signature = signed(intent_event(deposit.intent_id))
    url = reverse("payments:stripe_webhook")
    with mock.patch("payments.services.stripe_events.payment_apply", side_effect=IntegrityError("constraint")):
        answer = client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert answer.status_code == 503 and not StripeEvent.objects.exists()
    assert client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature).status_code == 200
    again = client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert again.json()["outcome"] == "already applied"


def test_stripe_unreachable_while_reading_the_event_object_asks_stripe_to_send_it_again(world, stripe_proxy, client):
    _booking, deposit = deposit_paid(world)
    body, signature = signed(intent_event(deposit.intent_id))
    stripe_proxy.drop(1)
    answer = client.post(
        reverse("payments:stripe_webhook"), body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert answer.status_code == 503 and not StripeEvent.objects.exists()


def test_money_taken_for_a_payment_that_ended_is_given_back(world, localstripe):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    intent_id = intent_at_stripe(payment)
    Payment.objects.filter(pk=payment.pk).update(status=Status.FAILED, intent_id=intent_id)
    body, signature = signed(intent_event(intent_id))
    stripe_event_receive(payload=body, signature=signature)
    payment.refresh_from_db()
    assert payment.status == Status.FAILED and not LedgerEntry.objects.exists()
    (back,) = stripe_api.client().v1.refunds.list(params={"payment_intent": intent_id}).data
    assert back.amount == payment.amount_minor and back.status == "succeeded"
    assert StripeEvent.objects.get(event_id=f"orphan:{intent_id}").problem


# ---- Refunds ---------------------------------------------------------------------------------------


def test_a_refund_whose_answer_was_lost_keeps_its_money_reserved_and_is_made_once(world, stripe_proxy):
    booking, deposit = deposit_paid(world)
    stripe_proxy.drop(1)
    with pytest.raises(stripe_api.RefundPending):
        refunds.refund_create(payment=deposit, amount_minor=10000, reason="other", by=None)
    refund = Refund.objects.get(payment=deposit)
    deposit.refresh_from_db()
    assert refund.status == Refund.Status.UNKNOWN and deposit.refunded_minor == 10000
    # What is left to refund counts it: no second refund can give the same money back.
    with pytest.raises(Exception, match="At most"):
        refunds.refund_create(payment=deposit, amount_minor=deposit.amount_minor, reason="other", by=None)
    money_round(now=refund.created_at + dt.timedelta(minutes=2))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.refund_id
    at_stripe = stripe_api.client().v1.refunds.list(params={"payment_intent": deposit.intent_id}).data
    assert [r.amount for r in at_stripe] == [10000]
    booking.refresh_from_db()
    assert booking.paid_minor == deposit.amount_minor - 10000
    assert LedgerEntry.objects.filter(refund=refund, kind="refund").count() == 1


def test_a_refund_stripe_refuses_says_why_and_what_happens_next_and_frees_the_money(world, localstripe, client):
    booking, deposit = deposit_paid(world)
    Payment.objects.filter(pk=deposit.pk).update(intent_id="pi_demo_gone")
    deposit.refresh_from_db()
    with pytest.raises(stripe_api.PaymentsUnavailable):
        refunds.refund_create(payment=deposit, amount_minor=5000, reason="other", by=None)
    refund = Refund.objects.get(payment=deposit)
    deposit.refresh_from_db()
    assert refund.status == Refund.Status.FAILED and "staff" in refund.failure
    assert deposit.refunded_minor == 0
    assert refunds.refunds_resolve(now=refund.created_at + dt.timedelta(hours=1)) == 0  # never retried blindly
    client.force_login(world.client)
    page = client.get(reverse("payments:booking", args=[booking.uid])).content.decode()
    assert "Failed" in page and "will settle it with you" in page.replace("&#x27;", "'")


# ---- Due = agreed - paid, per part -------------------------------------------------------------------


def test_a_fee_raised_after_the_deposit_was_paid_asks_for_the_difference(world, localstripe):
    booking, deposit = deposit_paid(world)
    assert deposit.amount_minor == 24000
    raised = Terms(**{**FLAT.__dict__, "fee_minor": 100000})
    quote = quotes.quote_propose(booking=booking, by=world.leader, terms=raised, send_anyway=True)
    quotes.quote_accept(quote=quote, by=world.client)
    booking.refresh_from_db()
    due = due_now(booking)
    assert (due.purpose, due.amount_minor) == ("deposit", 30000 - 24000)
    top_up = pay.payment_start(booking=booking, by=world.client)
    assert top_up.amount_minor == 6000 and top_up.pk != deposit.pk
    pay.payment_pay(payment=top_up, by=world.client, payment_method_id=card())
    booking.refresh_from_db()
    due = due_now(booking)
    assert (due.purpose, due.amount_minor) == ("balance", 70000)


def test_reconcile_lists_a_lost_answer_and_fix_repairs_it_after_a_dry_run(world, stripe_proxy):
    from io import StringIO

    from django.core.management import call_command

    booking, _deposit = deposit_paid(world)
    stripe_proxy.drop(1, only="/v1/payment_intents")
    balances_charge(now=booking.starts_at - dt.timedelta(days=6))
    balance = Payment.objects.get(booking=booking, purpose="balance")
    assert balance.status == Status.UNKNOWN

    def command(*args) -> tuple[int, str]:
        out = StringIO()
        try:
            call_command("reconcile_payments", *args, stdout=out)
        except SystemExit as exit_:
            return exit_.code, out.getvalue()
        return 0, out.getvalue()

    code, out = command()
    assert code == 1 and f"being confirmed: payment {balance.uid}" in out
    code, out = command("--fix")
    assert f"payment {balance.uid} (unknown): ask Stripe" in out and "run again with --apply" in out
    balance.refresh_from_db()
    assert balance.status == Status.UNKNOWN  # a dry run changes nothing
    code, out = command("--fix", "--apply")
    balance.refresh_from_db()
    assert balance.status == Status.SUCCEEDED and "-> succeeded" in out
    assert code == 0 and "No differences." in out
    assert len(charges_at_stripe(balance)) == 1
