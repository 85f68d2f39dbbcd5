"""Stripe's webhooks: the signature verified, each event applied once (its id kept), applied forward
only, so an event that arrives twice or out of order changes nothing twice."""

import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from ..models import Checkout, Payment, Refund, StripeEvent
from .checkout import checkout_complete
from .payments import _get, payment_apply
from .refunds import refund_succeeded

logger = logging.getLogger(__name__)


class BadEvent(Exception):
    """Not signed by Stripe with our secret, or not an event: refused with a 400, nothing changed."""


def stripe_event_receive(*, payload: bytes, signature: str) -> str:
    """Verify and apply one webhook delivery. Returns what happened (for the log and the admin)."""
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadEvent(str(exc)) from exc
    obj = event["data"]["object"]
    kind = event["type"]
    object_id = _get(obj, "id") or ""
    authorized: Payment | None = None
    try:
        # One transaction: the event applied and its id kept. The id's row is written last: the same
        # event again (or overlapping, waiting on the payment's lock) finds nothing left to change, and
        # its insert of the id fails, so it answers "already applied" with nothing written.
        with transaction.atomic():
            outcome = "ignored"
            if kind.startswith("payment_intent."):
                payment = payment_apply(intent=obj)
                if payment is not None:
                    outcome = f"payment {payment.uid}: {payment.status}"
                    if payment.status == Payment.Status.AUTHORIZED and payment.checkout_id:
                        authorized = payment
                else:
                    outcome = "no payment of ours"
            elif kind in {"charge.refunded", "charge.refund.updated", "refund.updated", "refund.created"}:
                outcome = _refunds(obj)
            StripeEvent.objects.create(event_id=event["id"], type=kind, object_id=object_id, outcome=outcome[:200])
    except IntegrityError:
        return "already applied"
    if (
        authorized is not None
        and Checkout.objects.filter(pk=authorized.checkout_id, status=Checkout.Status.OPEN).exists()
    ):
        checkout_complete(authorized)
    return outcome


def _refunds(obj) -> str:
    """A refund Stripe confirms (ours are confirmed when asked; this catches one whose answer was lost)."""
    refunds = (_get(_get(obj, "refunds") or {}, "data") or []) if _get(obj, "object") == "charge" else [obj]
    done = 0
    for item in refunds:
        refund_uid = _get(_get(item, "metadata") or {}, "refund")
        if _get(item, "status") != "succeeded" or not refund_uid:
            continue
        refund = Refund.objects.filter(uid=refund_uid).first()
        if refund is not None and refund.status != Refund.Status.SUCCEEDED:
            refund_succeeded(refund=refund, refund_id=item["id"])
            done += 1
    return f"{done} refunds confirmed"
