"""Taking money: a booking's deposit, balance or full fee by card through Stripe, or recorded as paid
outside StageSlot.

The Payment row is written before Stripe is called and holds the idempotency key, the request as it
is sent (its exact bytes, stripe_body) and the PaymentIntent, so a second click, a retried request or a worker's retry
reuses them; a claim on the row (CREATED → PROCESSING, one UPDATE that sets claimed_at) lets one
request at a time talk to Stripe for it. A request whose answer was lost leaves the payment UNKNOWN:
only Stripe's answer, asked again (payment_resolve), moves it on; it is never deleted, released or
charged anew. Amounts are
always computed here from the booking's agreed terms, never read from a form. What Stripe says is
applied forward only (payment_apply), whether it comes from the page's request, the page the client
returns to, the worker or a webhook, and the ledger is written once, when the payment succeeds.
"""

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.selectors import band_managers
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.bookings import venue_team
from bookings.selectors.quotes import money_text, money_text_lazy
from bookings.services.ending import booking_paid_set
from bookings.services.notices import booking_summary, link_of
from bookings.services.webhooks import webhook_events_emit
from core.queue import task_queue

from .. import stripe_api
from ..models import Payment
from ..selectors import PURPOSE_WORDS, Due, due_now, may_pay, payer_side, split_percent
from . import ledger

logger = logging.getLogger(__name__)

Status = Payment.Status
Purpose = Payment.Purpose

PAYMENT_METHOD_RE = re.compile(r"^pm_[A-Za-z0-9_]{4,200}$")
# A request that claimed a payment and has not finished after this long died with it: a retry may claim it again.
CLAIM_SECONDS = 60


class PaymentDeclined(BookingError):
    """The card was declined or failed: the message says why, in words; nothing was charged."""


@dataclass
class PayResult:
    payment: Payment
    # The bank asks the card holder to confirm (3-D Secure): Stripe.js takes over with this secret.
    client_secret: str = ""


def stripe_words(exc: stripe.StripeError) -> str:
    """A card's refusal as the payer should read it."""
    code = getattr(exc, "code", "") or ""
    if code in {"card_declined", "generic_decline", "do_not_honor"} or "declin" in str(exc).lower():
        return _("Your card was declined. Nothing was charged; try another card.")
    if code == "expired_card":
        return _("Your card has expired. Nothing was charged; try another card.")
    if code in {"incorrect_cvc", "invalid_cvc"}:
        return _("The card's security code is wrong. Nothing was charged.")
    if code == "insufficient_funds":
        return _("The card has not enough funds. Nothing was charged; try another card.")
    if code == "payment_intent_authentication_failure":
        return _("Your bank did not confirm the payment. Nothing was charged; try again or use another card.")
    return _("The card could not be charged. Nothing was charged; try another card.")


def payer_people(booking: Booking) -> list[User]:
    if payer_side(booking) == "client":
        return [booking.client]
    return venue_team(booking.venue_id) if booking.venue_id else []


def _tell(booking: Booking, people: list[User], text, *, key: str, by: User | None = None) -> None:
    notifications_create(
        recipients=people,
        kind="booking_payment",
        text=text,
        link=link_of(booking),
        key=key,
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def payment_payload(payment: Payment) -> dict:
    """A payment as the API and the webhooks give it (amounts in minor units)."""
    return {
        "id": str(payment.uid),
        "booking": str(payment.booking.uid) if payment.booking_id else None,
        "purpose": payment.purpose,
        "status": payment.status,
        "method": payment.method,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "platform_fee_minor": payment.platform_fee_minor,
        "refunded_minor": payment.refunded_minor,
        "reference": payment.reference,
        "failure": payment.failure,
        "created_at": payment.created_at.isoformat() if payment.created_at else None,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def booking_paid_refresh(booking: Booking) -> int:
    """Keep the booking's own figure of what was paid through StageSlot (and kept) in step with its
    payments: what card payments took less what refunds gave back (refunds Stripe confirmed)."""
    from ..models import Refund

    card = {"status": Status.SUCCEEDED, "method": Payment.Method.CARD}
    paid = Payment.objects.filter(booking=booking, **card).aggregate(s=Sum("amount_minor"))["s"] or 0
    back = (
        Refund.objects.filter(
            payment__booking=booking, payment__status=Status.SUCCEEDED, status=Refund.Status.SUCCEEDED
        ).aggregate(s=Sum("amount_minor"))["s"]
        or 0
    )
    booking_paid_set(booking=booking, paid_minor=paid - back)
    return paid - back


# ---- Starting a payment ----------------------------------------------------------------------


def payment_start(*, booking: Booking, by: User, now: dt.datetime | None = None) -> Payment:
    """The payment the payer makes next for `booking` (its deposit, balance or full fee), created or
    the live one reused: two clicks find the same row. Raises BookingPermissionError (not the payer),
    BookingConflict (nothing is due: paid already, or the gig is not booked)."""
    now = now or timezone.now()
    if not may_pay(booking, by):
        raise BookingPermissionError(_("Only the client or the venue that books the band pays for this gig."))
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("agreed_quote").get(pk=booking.pk)
        payments = list(Payment.objects.filter(booking=booking))
        due: Due | None = due_now(booking, now=now, payments=payments)
        if due is None:
            if booking.status != Booking.Status.BOOKED:
                raise BookingConflict(_("This gig is not booked, so nothing can be paid for it."))
            raise BookingConflict(_("Everything due for this gig is paid."))
        open_ = [p for p in payments if p.purpose == due.purpose and p.status in Payment.OPEN]
        if open_:
            return open_[0]
        return Payment.objects.create(
            booking=booking,
            purpose=due.purpose,
            amount_minor=due.amount_minor,
            currency=due.currency,
            platform_fee_minor=split_percent(due.amount_minor, settings.PLATFORM_FEE_PERCENT),
            payer=by,
        )


# ---- Paying by card --------------------------------------------------------------------------


def _claim(payment: Payment, now: dt.datetime) -> bool:
    """Take the payment for this request: one UPDATE that sets claimed_at, so two clicks never both call
    Stripe; a claim older than CLAIM_SECONDS belongs to a request that died and may be taken again (what
    it sent is replayed from the row, so taking it again never makes a second intent)."""
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    claimable = Q(status=Status.CREATED) | Q(status=Status.PROCESSING, claimed_at__lt=stale)
    return bool(Payment.objects.filter(claimable, pk=payment.pk).update(status=Status.PROCESSING, claimed_at=now))


def _release(payment: Payment) -> None:
    """Stripe said no before anything moved: the payment waits for its payer again."""
    Payment.objects.filter(pk=payment.pk, status=Status.PROCESSING).update(status=Status.CREATED, claimed_at=None)
    payment.status = Status.CREATED


def _unknown(payment: Payment, exc: Exception) -> None:
    """A request that reached Stripe, or may have, lost its answer: nothing is released or deleted."""
    logger.warning("Stripe's answer for payment %s was lost; it is asked again: %s", payment.uid, exc)
    Payment.objects.filter(pk=payment.pk, status__in=(Status.CREATED, Status.PROCESSING)).update(
        status=Status.UNKNOWN, claimed_at=None
    )
    payment.status = Status.UNKNOWN


def _intent_create(payment: Payment, body: str, *, now: dt.datetime, params: dict | None = None):
    """Create the payment's PaymentIntent. The request (its exact bytes, `body`) and its key are committed
    on the row before it is sent (a request that sent it before and lost the answer sends exactly the
    same bytes: Stripe answers with the intent it made then); the intent's id is stored as soon as it is
    known. `params`: the request as a dict, kept beside it for people to read."""
    if payment.stripe_body != body or payment.sent_at is None:
        changes = {"stripe_body": body, "sent_at": payment.sent_at or now}
        if params is not None:
            changes["stripe_params"] = params
        Payment.objects.filter(pk=payment.pk).update(**changes)
        for name, value in changes.items():
            setattr(payment, name, value)
    intent = stripe_api.create(
        stripe_api.client().v1.payment_intents, body=body, idempotency_key=str(payment.idempotency_key)
    )
    Payment.objects.filter(pk=payment.pk).update(
        intent_id=intent.id, payment_method_id=stripe_api.body_params(body).get("payment_method", "")
    )
    payment.intent_id = intent.id
    return intent


def _sent_body(payment: Payment) -> str:
    """The bytes the payment's create was sent as. A row from before they were stored has its parameters
    only, read back from the database in some key order: rebuilt by _intent_params, whose order the first
    request had, when that gives the same parameters; else the stored ones as they come (a retry Stripe
    refuses as another request is then found by its metadata: payment_resolve)."""
    if payment.stripe_body:
        return payment.stripe_body
    stored = payment.stripe_params
    rebuilt = _intent_params(
        payment,
        customer=stored.get("customer", ""),
        payment_method=stored.get("payment_method", ""),
        off_session=bool(stored.get("off_session")),
    )
    return stripe_api.form_body(rebuilt if rebuilt == stored else stored)


def _sent(payment: Payment) -> bool:
    """Whether the payment's create was written down as sent (its body, or its parameters on older rows)."""
    return bool(payment.stripe_body or payment.stripe_params)


def _intent_found(payment: Payment):
    """The intent Stripe holds for `payment`, found by the metadata we put on it (and checked against
    the payment), or None."""
    query = f"metadata['payment']:'{payment.uid}'"
    found = list(stripe_api.client().v1.payment_intents.search(params={"query": query}).data)
    return next((i for i in found if not intent_mismatch(payment, i)), None)


def _customer_for(payment: Payment, by: User) -> str:
    """The payer's Stripe customer (their saved card is charged for the balance): reused from an earlier
    payment of theirs, or made once for this payment (idempotency key derived from the payment's)."""
    earlier = Payment.objects.filter(payer=by).exclude(customer_id="").values_list("customer_id", flat=True).first()
    if earlier:
        return earlier
    customer = stripe_api.create(
        stripe_api.client().v1.customers,
        body=stripe_api.form_body({"email": by.email, "name": by.name, "metadata": {"user": str(by.pk)}}),
        idempotency_key=f"{payment.idempotency_key}-customer",
    )
    return customer.id


def card_setup(*, payment: Payment, by: User) -> str:
    """A SetupIntent for the payer's card (Stripe.js confirms it with the card, which saves it to the
    payer's customer for the balance charged later): its client secret. Raises as payment_pay."""
    if payment.payer_id != by.pk:
        raise BookingPermissionError(_("Only the person who started this payment can pay it."))
    if payment.status not in (Status.CREATED, Status.REQUIRES_ACTION):
        raise BookingConflict(_("This payment is made already or being processed: nothing more was charged."))
    try:
        customer = payment.customer_id or _customer_for(payment, by)
        if not payment.customer_id:
            Payment.objects.filter(pk=payment.pk).update(customer_id=customer)
            payment.customer_id = customer
        setup = stripe_api.create(
            stripe_api.client().v1.setup_intents,
            body=stripe_api.form_body(
                {"customer": customer, "usage": "off_session", "metadata": {"payment": str(payment.uid)}}
            ),
            idempotency_key=f"{payment.idempotency_key}-setup-{payment.customer_id}",
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe unreachable setting up a card for %s: %s", payment.uid, exc)
        raise stripe_api.unavailable(exc) from exc
    return setup.client_secret


def _intent_params(payment: Payment, *, customer: str, payment_method: str, off_session: bool) -> dict:
    booking_uid = str(payment.booking.uid) if payment.booking_id else ""
    params = {
        "amount": payment.amount_minor,
        "currency": payment.currency.lower(),
        "customer": customer,
        "payment_method": payment_method,
        "metadata": {"payment": str(payment.uid), "booking": booking_uid},
    }
    if payment.manual_capture:
        params["capture_method"] = "manual"
    if off_session:
        params["off_session"] = True
        params["confirm"] = True
    return params


def payment_pay(
    *,
    payment: Payment,
    by: User,
    payment_method_id: str,
    now: dt.datetime | None = None,
    on_authorized: Callable[[Payment], None] | None = None,
) -> PayResult:
    """Pay `payment` with the card Stripe.js turned into `payment_method_id` (card data never reaches
    us). Raises ValidationError (not a payment method), BookingPermissionError (not its payer),
    BookingConflict (paid already, or being paid by another request right now), PaymentDeclined (the
    card was declined: in words; the payment is marked failed and a new attempt starts afresh),
    stripe_api.PaymentsUnavailable (Stripe refused before anything moved: nothing was charged, the payment
    as it was), stripe_api.PaymentPending (the answer was lost after the request went out: the payment is
    UNKNOWN until Stripe is asked again)."""
    now = now or timezone.now()
    if not PAYMENT_METHOD_RE.match(payment_method_id or ""):
        raise ValidationError({"payment_method": [_("The card could not be read. Enter it again.")]})
    if payment.payer_id != by.pk:
        raise BookingPermissionError(_("Only the person who started this payment can pay it."))
    if payment.status == Status.UNKNOWN:
        # An earlier attempt's answer was lost: Stripe is asked what became of it before anything else.
        payment = payment_resolve(payment=payment, now=now, on_authorized=on_authorized)
        if payment.status == Status.UNKNOWN:
            raise stripe_api.PaymentPending()
    if payment.status in (Status.SUCCEEDED, Status.AUTHORIZED):
        raise BookingConflict(_("This payment is made already: nothing more was charged."))
    if payment.status in (Status.FAILED, Status.CANCELLED):
        raise BookingConflict(_("This payment attempt has ended. Start the payment again."))
    if not _claim(payment, now):
        raise BookingConflict(_("This payment is being processed right now. Wait a moment and reload the page."))
    payment.refresh_from_db()
    sent = False  # whether a request that may move money has gone out
    try:
        client = stripe_api.client()
        customer = payment.customer_id or _customer_for(payment, by)
        Payment.objects.filter(pk=payment.pk).update(customer_id=customer)
        payment.customer_id = customer
        try:
            client.v1.payment_methods.attach(payment_method_id, params={"customer": customer})
        except stripe.CardError as exc:
            _fail(payment, stripe_words(exc))
            raise PaymentDeclined(stripe_words(exc)) from exc
        sent = True
        if not payment.intent_id and _sent(payment):
            # Sent before by a request that never heard back: the same bytes again find that intent.
            intent = _intent_create(payment, _sent_body(payment), now=now)
        elif not payment.intent_id:
            params = _intent_params(payment, customer=customer, payment_method=payment_method_id, off_session=False)
            intent = _intent_create(payment, stripe_api.form_body(params), now=now, params=params)
        else:
            intent = client.v1.payment_intents.retrieve(payment.intent_id)
        if intent.status in ("requires_payment_method", "requires_confirmation") and (
            intent.payment_method != payment_method_id
        ):
            intent = client.v1.payment_intents.update(intent.id, params={"payment_method": payment_method_id})
            Payment.objects.filter(pk=payment.pk).update(payment_method_id=payment_method_id)
        try:
            if intent.status == "requires_confirmation":
                intent = client.v1.payment_intents.confirm(intent.id)
        except stripe.CardError as exc:
            _fail(payment, stripe_words(exc))
            raise PaymentDeclined(stripe_words(exc)) from exc
    except (PaymentDeclined, BookingError):
        raise
    except stripe.StripeError as exc:
        if sent and stripe_api.outcome_unknown(exc):
            _unknown(payment, exc)
            raise stripe_api.PaymentPending() from exc
        _release(payment)
        if isinstance(exc, stripe.InvalidRequestError):
            logger.warning("Stripe refused payment %s: %s", payment.uid, exc)
            raise BookingConflict(_("The card could not be read. Enter it again; nothing was charged.")) from exc
        logger.warning("Stripe unreachable for payment %s: %s", payment.uid, exc)
        raise stripe_api.unavailable(exc) from exc
    payment = payment_apply(payment_id=payment.pk, intent=intent, now=now, on_authorized=on_authorized)
    if payment.status == Status.FAILED:
        raise PaymentDeclined(payment.failure)
    return PayResult(payment, intent.client_secret if payment.status == Status.REQUIRES_ACTION else "")


def _fail(payment: Payment, words: str) -> None:
    Payment.objects.filter(pk=payment.pk).exclude(status__in=(Status.SUCCEEDED, Status.AUTHORIZED)).update(
        status=Status.FAILED, failure=words[:300]
    )
    payment.status, payment.failure = Status.FAILED, words
    if payment.booking_id:
        booking = payment.booking
        webhook_events_emit(event="payment.failed", bookings=[booking], extra={"payment": payment_payload(payment)})


# ---- Applying what Stripe says ----------------------------------------------------------------

INTENT_STATUS = {
    "requires_payment_method": Status.FAILED,
    "requires_confirmation": Status.PROCESSING,
    "requires_action": Status.REQUIRES_ACTION,
    "processing": Status.PROCESSING,
    "requires_capture": Status.AUTHORIZED,
    "succeeded": Status.SUCCEEDED,
    "canceled": Status.CANCELLED,
}


def _get(obj, name, default=None):
    """A field of a Stripe object, whether the SDK's StripeObject or a plain dict of a webhook's body."""
    try:
        return obj[name]
    except (KeyError, TypeError, AttributeError):
        return getattr(obj, name, default)


class MoneyMismatch(Exception):
    """A PaymentIntent that does not match the payment it names or is stored on (amount, currency, our
    payment's id): nothing is applied; the caller logs it and shows it to staff."""


def intent_mismatch(payment: Payment, intent) -> str:
    """Why `intent` cannot be this payment's, in words for staff; empty when it matches."""
    named = _get(_get(intent, "metadata") or {}, "payment")
    if named and named != str(payment.uid):
        return f"names payment {named}, not {payment.uid}"
    amount, currency = _get(intent, "amount"), (_get(intent, "currency") or "").upper()
    if amount != payment.amount_minor or currency != payment.currency:
        return f"is {amount} {currency}, the payment {payment.amount_minor} {payment.currency}"
    return ""


def _payment_of(intent, payment_id: int | None):
    """The payment `intent` is applied to, locked: by our id, else by the intent's id, else by the
    payment its metadata names (a payment whose answer was lost has no intent id yet)."""
    rows = Payment.objects.select_for_update(of=("self",)).select_related("booking", "booking__band")
    if payment_id is not None:
        return rows.get(pk=payment_id)
    intent_id = _get(intent, "id") or "-"
    payment = rows.filter(intent_id=intent_id).first()
    if payment is None:
        named = _get(_get(intent, "metadata") or {}, "payment") or ""
        try:
            payment = rows.filter(uid=named).first() if named else None
        except ValidationError:
            payment = None
    return payment


def payment_apply(
    *,
    payment_id: int | None = None,
    intent,
    now: dt.datetime | None = None,
    on_authorized: Callable[[Payment], None] | None = None,
) -> Payment | None:
    """Apply a PaymentIntent's state (from Stripe's answer or a retrieve: never an event's body as it
    reads) to its payment, forward only and once: a late or repeated answer changes nothing, the ledger
    is written when it first succeeds. Out of UNKNOWN, Stripe's answer moves the payment anywhere (an
    intent never confirmed leaves it waiting for its payer). `on_authorized` runs (outside this
    transaction) when an authorised payment waits for its booking (an instant booking's checkout).
    Without `payment_id`, the payment whose intent it is, or whose id its metadata names; None when no
    payment of ours has it. Raises MoneyMismatch (amount, currency or our payment's id differ: nothing
    changed). An intent that took money for a payment that ended (failed, cancelled) or has another
    intent is given back (payment_orphan_settle)."""
    now = now or timezone.now()
    status = INTENT_STATUS.get(_get(intent, "status"))
    intent_id = _get(intent, "id")
    authorized_now = orphan = False
    # No savepoint of its own inside a caller's transaction (the webhook's): nothing raises out of this
    # block; a mismatch leaves it before anything is written, and is raised after it.
    with transaction.atomic(savepoint=False):
        payment = _payment_of(intent, payment_id)
        if payment is None:
            if payment_id is not None:
                raise Payment.DoesNotExist(payment_id)
            return None
        if status is None:
            return payment
        why = intent_mismatch(payment, intent)
        took_money = status in (Status.SUCCEEDED, Status.AUTHORIZED)
        if why:
            pass
        elif payment.intent_id not in ("", intent_id) or (
            took_money and payment.status in (Status.FAILED, Status.CANCELLED)
        ):
            orphan = took_money
        else:
            status = _next_status(payment, status, intent)
            if status != payment.status:
                payment.status, payment.intent_id = status, intent_id
                if status == Status.FAILED:
                    payment.failure = _("Your card was declined. Nothing was charged; try another card.")
                if status == Status.SUCCEEDED:
                    payment.paid_at = now
                payment.save(update_fields=["status", "intent_id", "failure", "paid_at", "updated_at"])
                if status == Status.SUCCEEDED and payment.booking_id:
                    _succeeded(payment)
                elif status == Status.FAILED and payment.booking_id:
                    webhook_events_emit(
                        event="payment.failed", bookings=[payment.booking], extra={"payment": payment_payload(payment)}
                    )
                authorized_now = status == Status.AUTHORIZED
            elif not payment.intent_id:
                Payment.objects.filter(pk=payment.pk).update(intent_id=intent_id)
                payment.intent_id = intent_id
    if why:
        raise MoneyMismatch(f"{intent_id} {why}")
    if orphan:
        payment_orphan_settle(intent=intent, payment=payment)
    if authorized_now and on_authorized is not None:
        on_authorized(payment)
        payment.refresh_from_db()
    return payment


def _next_status(payment: Payment, status: str, intent) -> str:
    """The payment's status once `intent` (in `status`) is applied: forward only, except out of UNKNOWN."""
    unconfirmed = _get(intent, "status") == "requires_confirmation" or (
        status == Status.FAILED and _get(intent, "last_payment_error") is None
    )
    if payment.status == Status.UNKNOWN:
        return Status.CREATED if unconfirmed else status
    if unconfirmed and payment.status in (Status.CREATED, Status.PROCESSING):
        return payment.status  # a new intent waiting for its card or its confirmation, not a failure
    if Payment.RANK[status] <= Payment.RANK[payment.status]:
        return payment.status
    return status


def payment_orphan_settle(*, intent, payment: Payment | None) -> str:
    """Money Stripe took that no live payment of ours stands for (a payment that ended meanwhile, a
    second intent for one payment): an authorisation is cancelled, a charge refunded whole, and the
    case recorded for staff. The key is the intent's, so it is done once however often it is seen."""
    from ..models import StripeEvent

    intent_id = _get(intent, "id")
    client = stripe_api.client()
    try:
        if _get(intent, "status") == "requires_capture":
            client.v1.payment_intents.cancel(intent_id, options={"idempotency_key": f"orphan-cancel-{intent_id}"})
            what = "authorisation cancelled"
        else:
            stripe_api.create(
                client.v1.refunds,
                body=stripe_api.form_body({"payment_intent": intent_id, "metadata": {"orphan": "1"}}),
                idempotency_key=f"orphan-refund-{intent_id}",
            )
            what = "refunded whole"
    except stripe.StripeError as exc:
        # Asked again by the next event or money round (the same key: done once).
        logger.error("Money of %s that no payment stands for could not be given back: %s", intent_id, exc)
        raise
    logger.warning("Intent %s took money no payment of ours stands for (%s): %s", intent_id, payment, what)
    StripeEvent.objects.get_or_create(
        event_id=f"orphan:{intent_id}",
        defaults={
            "type": "orphan.settled",
            "object_id": intent_id,
            "outcome": f"{what}; payment {payment.uid if payment else '-'}"[:200],
            "problem": True,
        },
    )
    return what


def _succeeded(payment: Payment) -> None:
    """In the payment's transaction: the ledger and the booking's paid figure. Telling both sides and
    sending our webhooks is the worker's, right after the commit (payment_tell); a payment whose telling
    was lost on the way (the broker down) is told by the money round."""
    ledger.ledger_post_payment(payment=payment, booking=payment.booking, first=True)
    booking_paid_refresh(payment.booking)
    pk = payment.pk
    transaction.on_commit(lambda: _tell_enqueue(pk))


PAYMENT_TELL_TASK = "payments.tasks.payment_tell_task"


def _tell_enqueue(payment_id: int) -> None:
    try:
        task_queue(PAYMENT_TELL_TASK, payment_id=payment_id)
    except OperationalError:
        logger.warning("Broker unreachable; payment %s is told by the next money round", payment_id)


def payment_tell(*, payment_id: int, now: dt.datetime | None = None) -> bool:
    """Tell both sides of a succeeded payment and send the payment.succeeded webhooks, once (the row's
    told_at, under its lock). Returns whether this call told them."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("booking", "booking__band")
            .filter(pk=payment_id, method=Payment.Method.CARD, status=Status.SUCCEEDED, told_at__isnull=True)
            .exclude(booking=None)
            .first()
        )
        if payment is None:
            return False
        booking = payment.booking
        text = lazy_text(
            # Translators: what is the payment's purpose as a sentence says it (deposit, balance, full fee).
            gettext_lazy("Paid: %(what)s of %(amount)s for %(band)s to %(gig)s."),
            # Read in each recipient's language, as the sentence is.
            what=PURPOSE_WORDS[payment.purpose],
            amount=money_text_lazy(payment.amount_minor, payment.currency),
            band=booking.band.name,
            gig=booking_summary(booking),
        )
        _tell(booking, band_managers(booking.band_id) + payer_people(booking), text, key=f"payment:{payment.pk}:paid")
        webhook_events_emit(event="payment.succeeded", bookings=[booking], extra={"payment": payment_payload(payment)})
        payment.told_at = now or timezone.now()
        payment.save(update_fields=["told_at"])
    return True


def payments_tell_waiting(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Periodic: payments that succeeded a while ago and whose people were not told yet."""
    now = now or timezone.now()
    waiting = Payment.objects.filter(
        method=Payment.Method.CARD,
        status=Status.SUCCEEDED,
        told_at__isnull=True,
        booking__isnull=False,
        paid_at__lt=now - dt.timedelta(minutes=1),
    ).values_list("pk", flat=True)[:limit]
    return sum(payment_tell(payment_id=pk, now=now) for pk in list(waiting))


def payment_sync(*, payment: Payment, now: dt.datetime | None = None, on_authorized=None) -> Payment:
    """Read the payment's intent from Stripe and apply it (the page the payer returns to, the worker).
    Stripe unreachable: the payment as the database has it."""
    if payment.status in (Status.SUCCEEDED, Status.CANCELLED, Status.FAILED):
        return payment
    if payment.status == Status.UNKNOWN or not payment.intent_id:
        return payment_resolve(payment=payment, now=now, on_authorized=on_authorized)
    try:
        intent = stripe_api.client().v1.payment_intents.retrieve(payment.intent_id)
        return payment_apply(payment_id=payment.pk, intent=intent, now=now, on_authorized=on_authorized)
    except (stripe.StripeError, MoneyMismatch) as exc:
        logger.warning("Payment %s not synced with %s: %s", payment.uid, payment.intent_id, exc)
        return payment


# Stripe keeps an idempotency key's answer for 24 hours: within this, the request is sent again as it was.
REPLAY_HOURS = 23


def payment_resolve(*, payment: Payment, now: dt.datetime | None = None, on_authorized=None) -> Payment:
    """What became of a payment whose answer was lost, asked of Stripe: its intent read by id; without
    an id, the create sent again as it was (same key and bytes: Stripe answers with the intent it made,
    or makes it now) within REPLAY_HOURS of sending, later, or when Stripe refuses the retry as another
    request, the intent found through the metadata we put on it. A create never sent leaves the payment
    waiting for its payer. Stripe unreachable: the payment as it was, asked again by the next round."""
    now = now or timezone.now()
    payment = Payment.objects.select_related("booking").get(pk=payment.pk)
    if payment.status not in (Status.UNKNOWN, Status.CREATED, Status.PROCESSING, Status.REQUIRES_ACTION):
        return payment
    client = stripe_api.client()
    try:
        if payment.intent_id:
            intent = client.v1.payment_intents.retrieve(payment.intent_id)
        elif _sent(payment):
            intent = None
            if payment.sent_at and now - payment.sent_at < dt.timedelta(hours=REPLAY_HOURS):
                try:
                    intent = _intent_create(payment, _sent_body(payment), now=now)
                except stripe.IdempotencyError as exc:
                    # Stripe has a request under this key, not these bytes: it made something; find it.
                    logger.warning("Payment %s: the retry was refused as another request (%s)", payment.uid, exc)
            if intent is None:
                intent = _intent_found(payment)
            if intent is None:
                Payment.objects.filter(pk=payment.pk).update(
                    failure=_("Stripe has no record of this payment yet; StageSlot's staff are checking it.")
                )
                logger.error("Payment %s: sent, and Stripe has no intent for it", payment.uid)
                return payment
        else:
            Payment.objects.filter(pk=payment.pk, status__in=(Status.UNKNOWN, Status.PROCESSING)).update(
                status=Status.CREATED, claimed_at=None
            )
            payment.refresh_from_db()
            return payment
        return payment_apply(payment_id=payment.pk, intent=intent, now=now, on_authorized=on_authorized)
    except (stripe.StripeError, MoneyMismatch) as exc:
        logger.warning("Payment %s still unknown: %s", payment.uid, exc)
        return payment


def payments_resolve(*, now: dt.datetime | None = None, on_authorized=None, limit: int = 200) -> int:
    """Periodic: every payment whose answer was lost (UNKNOWN), whose request died after sending (a
    create sent and no intent stored, a claim left a minute), or left waiting at Stripe, asked again."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    rows = Payment.objects.filter(method=Payment.Method.CARD).filter(
        Q(status=Status.UNKNOWN)
        | Q(status=Status.CREATED, intent_id="", sent_at__lt=stale)
        | Q(status__in=(Status.PROCESSING, Status.REQUIRES_ACTION), claimed_at__lt=stale)
        | Q(status__in=(Status.PROCESSING, Status.REQUIRES_ACTION), claimed_at__isnull=True, updated_at__lt=stale)
    )
    done = 0
    for payment in rows.order_by("pk")[:limit]:
        before = payment.status
        if before == Status.PROCESSING and payment.claimed_at is not None and payment.claimed_at < stale:
            # The request that claimed it died: what it sent, if anything, is unknown until Stripe says.
            Payment.objects.filter(pk=payment.pk, status=Status.PROCESSING, claimed_at__lt=stale).update(
                status=Status.UNKNOWN, claimed_at=None
            )
            payment.status = Status.UNKNOWN
        if payment_sync(payment=payment, now=now, on_authorized=on_authorized).status != before:
            done += 1
    return done


# ---- The balance, charged by the worker -------------------------------------------------------


def balance_charge(*, booking: Booking, now: dt.datetime | None = None) -> Payment | None:
    """Charge a booking's balance on its due day to the card saved with its deposit, off-session. The
    payment and its request are committed before Stripe is called; a lost answer leaves it UNKNOWN for
    payment_resolve (never deleted, never charged under a new key). If the card is declined (or none was
    saved), the payer gets a pay link and the band is told. Returns the payment, or None when nothing is
    due."""
    now = now or timezone.now()
    payments = list(Payment.objects.filter(booking=booking))
    due = due_now(booking, now=now, payments=payments)
    if due is None or due.purpose != Purpose.BALANCE or due.due_at is None or due.due_at > now:
        return None
    card = next((p for p in payments if p.status == Status.SUCCEEDED and p.payment_method_id and p.customer_id), None)
    with transaction.atomic():
        Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        open_ = Payment.objects.filter(booking=booking, purpose=Purpose.BALANCE, status__in=Payment.OPEN).first()
        if open_ is not None:
            return open_
        if Payment.objects.filter(
            booking=booking, purpose=Purpose.BALANCE, status=Status.FAILED, off_session=True
        ).exists():
            return None  # the card was declined before: the payer has a pay link
        payment = Payment(
            booking=booking,
            purpose=Purpose.BALANCE,
            amount_minor=due.amount_minor,
            currency=due.currency,
            platform_fee_minor=split_percent(due.amount_minor, settings.PLATFORM_FEE_PERCENT),
            payer=card.payer if card else (booking.client if booking.client_id else None),
            off_session=True,
            customer_id=card.customer_id if card else "",
            payment_method_id=card.payment_method_id if card else "",
        )
        if card is not None:
            payment.stripe_params = _intent_params(
                payment, customer=card.customer_id, payment_method=card.payment_method_id, off_session=True
            )
            payment.stripe_body = stripe_api.form_body(payment.stripe_params)
            payment.sent_at = now
        payment.save()
    if card is None:
        _balance_failed(payment, _("No card was saved for it."))
        return payment
    try:
        intent = _intent_create(payment, payment.stripe_body, now=now)
    except stripe.CardError as exc:
        _balance_failed(payment, stripe_words(exc))
        return payment
    except stripe.StripeError as exc:
        if stripe_api.outcome_unknown(exc):
            _unknown(payment, exc)
        else:
            logger.warning("Stripe refused the balance of %s: %s", booking.uid, exc)
            _balance_failed(payment, _("The card could not be charged."))
        return payment
    try:
        payment = payment_apply(payment_id=payment.pk, intent=intent, now=now)
    except MoneyMismatch as exc:
        logger.error("The balance of %s: %s", booking.uid, exc)
        return payment
    if payment.status == Status.FAILED:
        _balance_failed(payment, payment.failure)
    return payment


def _balance_failed(payment: Payment, words: str) -> None:
    _fail(payment, words)
    booking = payment.booking
    amount = money_text_lazy(payment.amount_minor, payment.currency)
    _tell(
        booking,
        payer_people(booking),
        lazy_text(
            gettext_lazy(
                "The balance of %(amount)s for %(band)s to %(gig)s could not be charged to your saved card. "
                "Pay it on the booking's page."
            ),
            amount=amount,
            band=booking.band.name,
            gig=booking_summary(booking),
        ),
        key=f"payment:{payment.pk}:balance-failed",
    )
    _tell(
        booking,
        band_managers(booking.band_id),
        lazy_text(
            gettext_lazy("The balance of %(amount)s for %(gig)s could not be charged; the payer has a pay link."),
            amount=amount,
            gig=booking_summary(booking),
        ),
        key=f"payment:{payment.pk}:balance-failed-band",
    )


# ---- Paid outside StageSlot -------------------------------------------------------------------


def payment_record_outside(
    *, booking: Booking, by: User, amount_minor: int, reference: str, now: dt.datetime | None = None
) -> Payment:
    """A venue that pays the band itself records it: the band's earnings show it, StageSlot holds none
    of it and takes no fee. Raises BookingPermissionError (not the venue's staff), ValidationError
    (an amount of nothing, more than is due, no reference), BookingConflict (nothing due)."""
    now = now or timezone.now()
    if payer_side(booking) != "venue" or not may_pay(booking, by):
        raise BookingPermissionError(_("Only the venue's staff record a payment made outside StageSlot."))
    reference = (reference or "").strip()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("agreed_quote", "band").get(pk=booking.pk)
        )
        payments = list(Payment.objects.filter(booking=booking))
        due = due_now(booking, now=now, payments=payments)
        errors: dict[str, list[str]] = {}
        if due is None:
            raise BookingConflict(_("Nothing is due for this gig, so no payment was recorded."))
        if amount_minor is None or amount_minor <= 0:
            errors["amount"] = [_("Enter the amount paid.")]
        elif amount_minor != due.amount_minor:
            errors["amount"] = [
                _("The %(what)s due is %(amount)s: record that amount.")
                % {"what": due.words, "amount": money_text(due.amount_minor, due.currency)}
            ]
        if not reference:
            errors["reference"] = [_("Enter the transfer's reference or a receipt number.")]
        elif len(reference) > 120:
            errors["reference"] = [_("Keep the reference to 120 characters.")]
        if errors:
            raise ValidationError(errors)
        try:
            payment = Payment.objects.create(
                booking=booking,
                purpose=due.purpose,
                method=Payment.Method.OUTSIDE,
                status=Status.SUCCEEDED,
                amount_minor=due.amount_minor,
                currency=due.currency,
                platform_fee_minor=0,
                payer=by,
                recorded_by=by,
                reference=reference,
                paid_at=now,
            )
        except IntegrityError as exc:
            raise BookingConflict(_("This part is being paid by card right now.")) from exc
        ledger.ledger_post_outside(payment=payment, booking=booking)
        _tell(
            booking,
            band_managers(booking.band_id),
            lazy_text(
                gettext_lazy("%(venue)s paid %(amount)s for %(gig)s outside StageSlot (reference %(reference)s)."),
                venue=booking.venue.name,
                amount=money_text_lazy(payment.amount_minor, payment.currency),
                gig=booking_summary(booking),
                reference=reference,
            ),
            key=f"payment:{payment.pk}:outside",
            by=by,
        )
        webhook_events_emit(event="payment.succeeded", bookings=[booking], extra={"payment": payment_payload(payment)})
    return payment


def payer_stripe_forget(*, user: User) -> int:
    """Delete at Stripe the customers made for `user` as a payer, and with them the card they saved for
    balances, then forget the customers' and cards' ids on their payments (the payments themselves stay, for
    the other side and the books). A customer Stripe no longer has counts as deleted. The erasure of a
    closed account runs it once no money of theirs is pending (stageslot/privacy/erasure.py); any other
    answer of Stripe raises, and the erasure tries the step again on its next round. Returns how many
    customers were deleted."""
    mine = Payment.objects.filter(payer=user).exclude(customer_id="")
    customers = sorted(set(mine.values_list("customer_id", flat=True)))
    for customer in customers:
        try:
            stripe_api.client().v1.customers.delete(customer)
        except stripe.InvalidRequestError as exc:
            # Stripe answers a deleted customer with 404 and the code resource_missing.
            if exc.http_status != 404 and getattr(exc, "code", None) != "resource_missing":
                raise
    mine.update(customer_id="", payment_method_id="")
    return len(customers)
