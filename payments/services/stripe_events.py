"""Stripe's webhooks: the signature and its time verified, the object the event names read again from
Stripe and matched against our payment (amount, currency, our id) before anything is applied, each
event applied once (its id kept), forward only, so an event that arrives twice, late or out of order
changes nothing twice. An event that does not match changes nothing and is kept for staff
(StripeEvent.problem). Stripe unreachable, or anything else failing, rolls the event back and answers
with an error, so Stripe sends it again."""

import logging
import time

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import stripe_api
from ..models import Checkout, Payment, Refund, StripeEvent
from .checkout import checkout_complete
from .payments import MoneyMismatch, _get, payment_apply
from .refunds import refund_apply

logger = logging.getLogger(__name__)

# Stripe signs with the time of sending; an event older than this, or this far ahead of our clock, is refused.
TOLERANCE_SECONDS = 300
REFUND_EVENTS = {"charge.refunded", "charge.refund.updated", "refund.updated", "refund.created", "refund.failed"}


class BadEvent(Exception):
    """Not signed by Stripe with our secret, signed at a time too far from now, or not an event: refused
    with a 400, nothing changed."""


def _signed_at(signature: str) -> int | None:
    for part in (signature or "").split(","):
        name, _sep, value = part.partition("=")
        if name.strip() == "t" and value.strip().isdigit():
            return int(value)
    return None


def stripe_event_receive(*, payload: bytes, signature: str, now: float | None = None) -> str:
    """Verify and apply one webhook delivery. Returns what happened (for the log and the admin). Raises
    BadEvent (a 400), stripe.StripeError or anything else unexpected (a 5xx: Stripe sends it again)."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature or "", settings.STRIPE_WEBHOOK_SECRET, tolerance=TOLERANCE_SECONDS
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadEvent(str(exc)) from exc
    signed_at = _signed_at(signature)
    if signed_at is None or signed_at > (now or time.time()) + TOLERANCE_SECONDS:
        raise BadEvent("signed at a time ahead of ours")
    obj = event["data"]["object"]
    kind = event["type"]
    object_id = _get(obj, "id") or ""
    authorized: Payment | None = None
    with transaction.atomic():
        # The event's id first, in a savepoint: the same event again (or at the same moment, waiting on
        # the unique index) is "already applied" and nothing else is. Any other failure below rolls the
        # id back with the rest, and Stripe's retry applies it.
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event["id"], type=kind, object_id=object_id)
        except IntegrityError:
            return "already applied"
        problem = False
        if kind.startswith("payment_intent."):
            outcome, problem, authorized = _intent_event(object_id)
        elif kind in REFUND_EVENTS:
            outcome = _refund_event(obj)
        else:
            outcome = "ignored"
        record.outcome, record.problem = outcome[:200], problem
        record.save(update_fields=["outcome", "problem"])
    if problem:
        logger.error("Stripe event %s (%s) not applied: %s", event["id"], kind, outcome)
    if (
        authorized is not None
        and Checkout.objects.filter(pk=authorized.checkout_id, status=Checkout.Status.OPEN).exists()
    ):
        checkout_complete(authorized)
    return outcome


def _intent_event(intent_id: str) -> tuple[str, bool, Payment | None]:
    """The intent as Stripe holds it now (not as the event reads), applied to the payment that has it or
    that its metadata names."""
    if not intent_id.startswith("pi_"):
        return "no payment intent named", True, None
    try:
        intent = stripe_api.client().v1.payment_intents.retrieve(intent_id)
    except stripe.InvalidRequestError:
        return f"Stripe has no intent {intent_id}", True, None
    try:
        payment = payment_apply(intent=intent)  # a mismatch writes nothing, and the event is kept as a problem
    except MoneyMismatch as exc:
        return f"does not match: {exc}", True, None
    if payment is None:
        return "no payment of ours", False, None
    authorized = payment if payment.status == Payment.Status.AUTHORIZED and payment.checkout_id else None
    return f"payment {payment.uid}: {payment.status}", False, authorized


def _refund_event(obj) -> str:
    """Refunds as Stripe holds them now, matched to ours by their id or the metadata we put on them."""
    client = stripe_api.client()
    if _get(obj, "object") == "charge":
        intent_id = _get(obj, "payment_intent") or ""
        items = (
            list(client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data) if intent_id else []
        )
    else:
        items = [client.v1.refunds.retrieve(_get(obj, "id"))]
    done = 0
    for item in items:
        ours = Refund.objects.filter(refund_id=_get(item, "id")).first()
        if ours is None:
            named = _get(_get(item, "metadata") or {}, "refund") or ""
            try:
                ours = Refund.objects.filter(uid=named).first() if named else None
            except ValidationError:  # not a UUID: not ours
                ours = None
        if ours is None or ours.status in (Refund.Status.SUCCEEDED, Refund.Status.FAILED):
            continue
        if _get(item, "amount") != ours.amount_minor:
            logger.error(
                "Refund %s at Stripe is %s, ours %s", _get(item, "id"), _get(item, "amount"), ours.amount_minor
            )
            continue
        refund_apply(refund=ours, answer=item)
        done += 1
    return f"{done} refunds applied"
