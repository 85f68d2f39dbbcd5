"""Refunds: by the agreed cancellation terms when the payer cancels, everything when the band cancels,
any amount up to what was paid when staff resolve a dispute. Each refund is a row written before
Stripe is called (its idempotency key), reaches the ledger once, and both sides are told."""

import datetime as dt
import logging
from dataclasses import dataclass

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text
from bands.selectors import band_managers
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.bookings import side_of
from bookings.selectors.cancellation import BAND_CANCELLED, cancellation_terms, terms_fingerprint
from bookings.selectors.quotes import money_text, money_text_lazy
from bookings.services.ending import booking_cancel
from bookings.services.notices import booking_summary
from bookings.services.webhooks import webhook_events_emit

from .. import stripe_api
from ..models import Payment, Refund
from ..selectors import payer_side, split_percent
from . import ledger
from .payments import _get, _tell, booking_paid_refresh, payer_people

logger = logging.getLogger(__name__)

Reason = Refund.Reason


@dataclass(frozen=True)
class RefundPlan:
    """What a cancellation now gives back: the percentage, why, and the amount per payment, with the
    terms in words (`words`, the whole terms; `now`, this cancellation) from the same reading that gave
    the percentage (bookings.selectors.cancellation). `fingerprint`: a short hash of the terms, the
    percentage and what is paid per payment; the cancel form posts back the one it showed, and
    booking_cancel_refund refuses when the plan has changed since."""

    percent: int
    reason: str
    paid_minor: int
    refund_minor: int
    currency: str
    parts: tuple[tuple[Payment, int], ...]
    words: tuple[str, ...] = ()
    now: str = ""
    fingerprint: str = ""


def window_percent(booking: Booking, now: dt.datetime) -> int:
    """The booking's terms' refund for a cancellation by the payer now (bookings.selectors.cancellation:
    the agreed quote's windows, else the band's terms the booking was made with, else everything)."""
    return cancellation_terms(booking, now=now).percent


def refund_plan(*, booking: Booking, by: User, now: dt.datetime | None = None) -> RefundPlan:
    """What `by` cancelling now gives back: the band everything, the payer what the terms say; split
    over the card payments that went through, by what is left of each."""
    now = now or timezone.now()
    terms = cancellation_terms(booking, by=by, now=now)
    paid_by_card = Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED, method=Payment.Method.CARD)
    payments = list(paid_by_card.order_by("pk"))
    paid = sum(p.amount_minor - p.refunded_minor for p in payments)
    reason = Reason.BAND_CANCELLED if terms.reason == BAND_CANCELLED else Reason.CLIENT_CANCELLED
    parts = tuple((p, split_percent(p.amount_minor - p.refunded_minor, terms.percent)) for p in payments)
    return RefundPlan(
        percent=terms.percent,
        reason=reason,
        paid_minor=paid,
        refund_minor=sum(a for _p, a in parts),
        currency=booking.currency,
        parts=tuple((p, a) for p, a in parts if a > 0),
        words=terms.words,
        now=terms.now,
        fingerprint=terms_fingerprint(
            terms.fingerprint, booking.currency, [[str(p.uid), p.amount_minor - p.refunded_minor] for p in payments]
        ),
    )


def payment_refunded_refresh(payment: Payment) -> int:
    """In the payment's lock: what counts as refunded of it, the refunds asked for, being confirmed or
    made (only a refund Stripe refused stops counting). A sum of rows, never a counter kept by hand."""
    total = Refund.objects.filter(payment=payment, status__in=Refund.COUNTED).aggregate(s=Sum("amount_minor"))["s"] or 0
    Payment.objects.filter(pk=payment.pk).update(refunded_minor=total)
    payment.refunded_minor = total
    return total


def refund_create(
    *, payment: Payment, amount_minor: int, reason: str, by: User | None, note: str = "", now: dt.datetime | None = None
) -> Refund:
    """Give back `amount_minor` of a card payment. The refund, its key and its request to Stripe are
    committed first and count against what is left to refund from then on. Raises ValidationError
    (nothing, or more than is left to refund), BookingConflict (not a card payment that succeeded),
    stripe_api.RefundPending (the answer was lost: the refund is UNKNOWN and asked again by the worker,
    never made twice), stripe_api.PaymentsUnavailable (Stripe refused it: the refund is FAILED with the
    reason, and the money counts as not refunded)."""
    now = now or timezone.now()
    if reason not in Reason.values:
        raise ValidationError({"reason": [_("Choose why the money is refunded.")]})
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("booking", "booking__band")
            .get(pk=payment.pk)
        )
        if payment.status != Payment.Status.SUCCEEDED or payment.method != Payment.Method.CARD:
            raise BookingConflict(_("Only a card payment that went through can be refunded."))
        left = payment.amount_minor - payment_refunded_refresh(payment)
        if amount_minor is None or amount_minor <= 0:
            raise ValidationError({"amount": [_("Enter an amount to refund.")]})
        if amount_minor > left:
            raise ValidationError(
                {
                    "amount": [
                        _("At most %(amount)s is left to refund.") % {"amount": money_text(left, payment.currency)}
                    ]
                }
            )
        refund = Refund(
            payment=payment, amount_minor=amount_minor, currency=payment.currency, reason=reason, by=by, note=note[:300]
        )
        refund.stripe_params = _refund_params(refund, payment)
        refund.stripe_body = stripe_api.form_body(refund.stripe_params)
        refund.sent_at = now
        refund.save()
        payment_refunded_refresh(payment)
    return _refund_send(refund, now=now)


def _refund_params(refund: Refund, payment: Payment) -> dict:
    return {
        "payment_intent": payment.intent_id,
        "amount": refund.amount_minor,
        "metadata": {"refund": str(refund.uid), "payment": str(payment.uid)},
    }


def _refund_body(refund: Refund) -> str:
    """The bytes the refund was sent as; on a row from before they were stored, rebuilt in the order
    _refund_params gave them when that gives the stored parameters (as payments._sent_body)."""
    if refund.stripe_body:
        return refund.stripe_body
    rebuilt = _refund_params(refund, refund.payment)
    return stripe_api.form_body(rebuilt if rebuilt == refund.stripe_params else refund.stripe_params)


def _refund_send(refund: Refund, *, now: dt.datetime) -> Refund:
    """Send the refund's request as it was stored, byte for byte, under its key (again after a lost
    answer: the same)."""
    try:
        answer = stripe_api.create(
            stripe_api.client().v1.refunds, body=_refund_body(refund), idempotency_key=str(refund.idempotency_key)
        )
    except stripe.StripeError as exc:
        if stripe_api.outcome_unknown(exc):
            logger.warning("Refund %s: the answer was lost, it is asked again: %s", refund.uid, exc)
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.CREATED).update(status=Refund.Status.UNKNOWN)
            raise stripe_api.RefundPending() from exc
        logger.warning("Stripe refused refund %s: %s", refund.uid, exc)
        refund_failed(refund=refund, why=refund_words(exc))
        raise stripe_api.unavailable(exc) from exc
    return refund_apply(refund=refund, answer=answer)


def refund_words(exc: Exception) -> str:
    """Why Stripe refused a refund, and what happens next, as the payer and the band read it."""
    code = getattr(exc, "code", "") or ""
    if code == "charge_already_refunded":
        why = _("Stripe says this payment was refunded already.")
    elif code in {"resource_missing", "charge_disputed"}:
        why = _("Stripe has no card payment it can refund for this (it may be disputed or gone).")
    else:
        why = _("Stripe refused the refund.")
    return _("%(why)s StageSlot's staff have been told and will settle it with you.") % {"why": why}


def refund_apply(*, refund: Refund, answer) -> Refund:
    """Apply Stripe's refund object (an answer, a retrieve): succeeded, failed, or still pending."""
    status = _get(answer, "status")
    if status == "succeeded":
        return refund_succeeded(refund=refund, refund_id=_get(answer, "id"))
    if status in ("failed", "canceled"):
        return refund_failed(refund=refund, why=refund_words(None), refund_id=_get(answer, "id"))
    Refund.objects.filter(pk=refund.pk, refund_id="").update(refund_id=_get(answer, "id"))
    Refund.objects.filter(pk=refund.pk, status=Refund.Status.UNKNOWN).update(status=Refund.Status.CREATED)
    refund.refresh_from_db()
    return refund


def refund_failed(*, refund: Refund, why: str, refund_id: str = "") -> Refund:
    """Stripe refused the refund or it failed later: it stops counting against the payment, staff are
    shown it (the admin's failed refunds), and the payer and the band read why."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=refund.payment_id)
        refund = (
            Refund.objects.select_for_update(of=("self",)).select_related("payment__booking__band").get(pk=refund.pk)
        )
        if refund.status in (Refund.Status.SUCCEEDED, Refund.Status.FAILED):
            return refund
        refund.status, refund.failure = Refund.Status.FAILED, why[:300]
        refund.refund_id = refund.refund_id or refund_id
        refund.save(update_fields=["status", "failure", "refund_id"])
        payment_refunded_refresh(payment)
        booking = refund.payment.booking
        text = lazy_text(
            gettext_lazy("The refund of %(amount)s for %(band)s to %(gig)s did not go through: %(why)s"),
            amount=money_text_lazy(refund.amount_minor, refund.currency),
            band=booking.band.name,
            gig=booking_summary(booking),
            why=why,
        )
        _tell(booking, payer_people(booking) + band_managers(booking.band_id), text, key=f"refund:{refund.pk}:failed")
    return refund


def refund_succeeded(*, refund: Refund, refund_id: str) -> Refund:
    """Stripe gave the money back: the ledger, the booking's paid figure, both sides told. Once."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=refund.payment_id)
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment", "payment__booking__band")
            .get(pk=refund.pk)
        )
        if refund.status == Refund.Status.SUCCEEDED:
            return refund
        refund.status, refund.refund_id = Refund.Status.SUCCEEDED, refund_id
        refund.save(update_fields=["status", "refund_id"])
        payment_refunded_refresh(payment)
        payment = refund.payment
        booking = payment.booking
        ledger.ledger_post_refund(refund=refund, payment=payment, booking=booking)
        booking_paid_refresh(booking)
        text = lazy_text(
            gettext_lazy("Refunded: %(amount)s of the payment for %(band)s to %(gig)s (%(reason)s)."),
            amount=money_text_lazy(refund.amount_minor, refund.currency),
            band=booking.band.name,
            gig=booking_summary(booking),
            reason=Refund.Reason(refund.reason).label,
        )
        _tell(booking, payer_people(booking) + band_managers(booking.band_id), text, key=f"refund:{refund.pk}")
        webhook_events_emit(
            event="refund.succeeded",
            bookings=[booking],
            extra={"refund": refund_payload(refund)},
        )
    return refund


def refund_payload(refund: Refund) -> dict:
    return {
        "id": str(refund.uid),
        "payment": str(refund.payment.uid),
        "amount_minor": refund.amount_minor,
        "currency": refund.currency,
        "status": refund.status,
        "reason": refund.reason,
        "created_at": refund.created_at.isoformat() if refund.created_at else None,
    }


def booking_cancel_refund(
    *, booking: Booking, by: User, reason: str, now: dt.datetime | None = None, fingerprint: str | None = None
) -> tuple[Booking, list[Refund]]:
    """Cancel a gig with money on it and refund what the terms give back: the payer (client or venue)
    by the cancellation windows, the band everything. The gig is cancelled first (bookings' own
    cancel, its locks and checks); a refund Stripe does not take now is retried by the worker.

    `fingerprint`: the plan's that the canceller was shown (refund_plan). When given and the plan is
    another now (a day went by and a window closed, a payment went through, the terms changed), raises
    BookingConflict and changes nothing: they read the new plan and decide again."""
    now = now or timezone.now()
    side = side_of(booking, by)
    if side not in {"band", "client", "venue"}:
        raise BookingPermissionError(
            _("Only the band's leaders and admins, the venue or the client can cancel this gig.")
        )
    if payer_side(booking) is None and side != "band":
        raise BookingPermissionError(_("Only the band can cancel this gig."))
    plan = refund_plan(booking=booking, by=by, now=now)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise BookingConflict(
            _(
                "What cancelling gives back has changed since it was shown to you. %(now)s (%(amount)s of the "
                "%(paid)s paid). Nothing was cancelled: check the new amount, and cancel again if you still want to."
            )
            % {
                "now": plan.now,
                "amount": money_text(plan.refund_minor, plan.currency),
                "paid": money_text(plan.paid_minor, plan.currency),
            }
        )
    booking = booking_cancel(booking=booking, by=by, reason=reason, now=now, refund_handled=True)
    refunds: list[Refund] = []
    for payment, amount in plan.parts:
        try:
            refunds.append(refund_create(payment=payment, amount_minor=amount, reason=plan.reason, by=by, now=now))
        except stripe_api.PaymentsUnavailable:
            refunds.append(Refund.objects.filter(payment=payment).order_by("-pk").first())
    if plan.refund_minor == 0 and plan.paid_minor:
        _tell(
            booking,
            payer_people(booking) + band_managers(booking.band_id),
            lazy_text(
                gettext_lazy("No refund for %(gig)s: the agreed terms give nothing back this close to the gig."),
                gig=booking_summary(booking),
            ),
            key=f"booking:{booking.pk}:no-refund",
        )
    return booking, refunds


# Stripe keeps an idempotency key's answer for 24 hours: within this, the request is sent again as it was.
REPLAY_HOURS = 23


def refund_resolve(*, refund: Refund, now: dt.datetime | None = None) -> Refund:
    """What became of a refund whose answer was lost or is pending, asked of Stripe: read by its id, else
    found among the payment's refunds by the metadata we put on it, else (within REPLAY_HOURS of sending)
    the request sent again as it was, under its key. Later than that with nothing found, it stays for
    staff (reconcile_payments shows it). Stripe unreachable: as it was."""
    now = now or timezone.now()
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status not in (Refund.Status.UNKNOWN, Refund.Status.CREATED):
        return refund
    client = stripe_api.client()
    try:
        if refund.refund_id:
            return refund_apply(refund=refund, answer=client.v1.refunds.retrieve(refund.refund_id))
        if not refund.payment.intent_id:
            return refund
        listed = client.v1.refunds.list(params={"payment_intent": refund.payment.intent_id, "limit": 100})
        for item in listed.data:
            if _get(_get(item, "metadata") or {}, "refund") == str(refund.uid):
                return refund_apply(refund=refund, answer=item)
        if refund.sent_at and now - refund.sent_at < dt.timedelta(hours=REPLAY_HOURS):
            return _refund_send(refund, now=now)
    except stripe_api.PaymentsUnavailable:
        return Refund.objects.get(pk=refund.pk)
    except stripe.StripeError as exc:
        logger.warning("Refund %s still unknown: %s", refund.uid, exc)
        return refund
    logger.error("Refund %s: sent a day ago and Stripe has none; staff settle it", refund.uid)
    return refund


def refunds_resolve(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Periodic: refunds whose answer was lost, or that Stripe still has pending, asked again."""
    now = now or timezone.now()
    rows = Refund.objects.filter(
        Q(status=Refund.Status.UNKNOWN) | Q(status=Refund.Status.CREATED, sent_at__lt=now - dt.timedelta(minutes=1))
    ).order_by("pk")[:limit]
    return sum(
        refund_resolve(refund=refund, now=now).status != before for refund, before in ((r, r.status) for r in rows)
    )
