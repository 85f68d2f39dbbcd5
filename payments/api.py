"""Money through the API: a booking's payments, refunds and what a cancellation would refund; paying
(the next part due, confirmed with a card Stripe.js made), a venue's payment made outside StageSlot,
cancelling with the refund; an instant booking's checkout (choose a priced package's time, pay, and
the gig is booked once the card is accepted); a band's ledger and a member's own earnings. Mounted on
the one API object by stageslot/urls.py, since payments sits above bookings.

A booking the caller takes part in nowhere does not exist for them (404); a booking's money is for
its payer (the client, or the venue's staff), the band's leaders and admins, and staff: a member of
the band gets a 403 and sees their own shares at /me/earnings. Amounts are integers in minor units
(cents), always computed on the server from the agreed terms: an amount or currency sent with a
payment is not read. A declined card is a 402 with the bank's refusal in words, Stripe unreachable a
503 (nothing was charged), a payment paid already or being paid a 409.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from bands.models import Currency
from bands.packages import band_package_of
from bands.selectors import band_approved_of, band_for_manage
from bookings.api.bookings import (
    ONE_ERRORS,
    OUT_OF_RANGE,
    READ_ERRORS,
    WRITE_ERRORS,
    BookingOut,
    _limited,
    booking_out,
)
from bookings.api.core import (
    PAGE_DEFAULT,
    PAGE_MAX,
    ApiProblem,
    Page,
    Problem,
    caller,
    field_errors,
    keyset,
    token_auth,
)
from bookings.api.packages import InstantIn
from bookings.api.schemas import utc
from core.fields.api_fields import ApiId, ApiInt, ApiLine, ApiText
from core.fields.form_fields import INTEGER_MAX

from . import stripe_api
from .models import Checkout, LedgerEntry, Payment, Refund
from .selectors import band_money as band_money_of
from .selectors import (
    band_upcoming_minor,
    booking_for_money,
    checkout_for_viewer,
    checkout_payments,
    due_now,
    ledger_of_band,
    ledger_of_member,
    may_cancel_with_refund,
    may_see_money,
    member_money,
    payer_side,
    payment_for_viewer,
    payments_of,
    refunds_of,
    schedule_of,
)
from .services.checkout import checkout_complete, checkout_pay, checkout_start
from .services.payments import (
    PaymentDeclined,
    payment_pay,
    payment_payload,
    payment_record_outside,
    payment_start,
    payment_sync,
)
from .services.refunds import booking_cancel_refund, refund_payload, refund_plan

router = Router(auth=token_auth, tags=["payments"])

PAY_ERRORS = WRITE_ERRORS | {402: Problem, 503: Problem}
NEWEST_FIRST = ("-created_at", "-pk")
# How long a caller waits before trying again while Stripe does not answer.
STRIPE_RETRY = 30


# ---- What goes out ---------------------------------------------------------------------------


class RefundOut(Schema):
    id: uuid.UUID
    payment: uuid.UUID = Field(description="The payment refunded")
    amount_minor: int = Field(description="Given back, in minor units (cents)")
    currency: str
    status: str = Field(description="created (asked of Stripe), succeeded or failed (asked again by the worker)")
    reason: str = Field(description="payer_cancelled, band_cancelled, dispute, lost_race or other")
    created_at: dt.datetime | None


class PaymentOut(Schema):
    id: uuid.UUID
    booking: uuid.UUID | None
    purpose: str = Field(description="deposit, balance, full or settlement")
    status: str = Field(description="created, processing, requires_action, authorized, succeeded, failed or cancelled")
    method: str = Field(description="card (through StageSlot) or outside (recorded by the venue)")
    amount_minor: int = Field(description="In minor units (cents), computed from the agreed terms")
    currency: str
    platform_fee_minor: int = Field(description="StageSlot's fee on it (none on a payment made outside)")
    refunded_minor: int
    reference: str = Field(description="A payment made outside StageSlot: the transfer's or receipt's reference")
    failure: str = Field(description="Why it failed, in words")
    created_at: dt.datetime | None
    paid_at: dt.datetime | None
    refunds: list[RefundOut] = []


class DueOut(Schema):
    purpose: str = Field(description="deposit, balance or full")
    amount_minor: int
    currency: str
    due_at: dt.datetime | None = Field(description="When it is due; null: now (at confirmation)")
    paid: bool


class BookingPaymentsOut(Schema):
    booking: uuid.UUID
    payer: str | None = Field(description="Who pays: client or venue; null for a show a band hosts")
    currency: str
    total_minor: int = Field(description="The agreed fee (a door deal's share is settled after the gig)")
    paid_minor: int = Field(description="Paid and kept (refunds taken off), through StageSlot or outside it")
    refunded_minor: int
    due_minor: int = Field(description="What the schedule still asks for, due now or later")
    next: DueOut | None = Field(description="What the payer pays next, if anything is due")
    schedule: list[DueOut]
    payments: list[PaymentOut]


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(**refund_payload(refund))


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(**payment_payload(payment), refunds=[refund_out(r) for r in payment.refunds.all()])


def _due_out(due) -> DueOut:
    return DueOut(
        purpose=due.purpose, amount_minor=due.amount_minor, currency=due.currency, due_at=utc(due.due_at), paid=due.paid
    )


# ---- Finding what is asked for ---------------------------------------------------------------


def _booking_or_404(request: HttpRequest, uid: uuid.UUID):
    booking = booking_for_money(uid=uid, user=request.user)
    if booking is None:
        raise Http404(_("No such booking."))
    return booking


def _money_or_403(request: HttpRequest, uid: uuid.UUID):
    """The booking, when the caller may see its money (404 when they take no part in it)."""
    booking = _booking_or_404(request, uid)
    if not may_see_money(booking, request.user):
        raise ApiProblem(
            403,
            _(
                "Only the payer and the band's leaders and admins see a booking's payments; "
                "your own shares are at /api/v1/me/earnings."
            ),
        )
    return booking


@contextmanager
def _money_refusals(*, fields: dict[str, str] | None = None) -> Iterator[None]:
    """A declined card as a 402 in words, Stripe away as a 503 (nothing was charged), bad input as a 422
    named by the API's own fields (`fields`: the service's name → the body's)."""
    try:
        yield
    except PaymentDeclined as exc:
        raise ApiProblem(402, str(exc)) from exc
    except stripe_api.PaymentsUnavailable as exc:
        raise ApiProblem(503, str(exc), headers={"Retry-After": str(STRIPE_RETRY)}) from exc
    except ValidationError as exc:
        errors = {(fields or {}).get(name, name): messages for name, messages in field_errors(exc).items()}
        raise ApiProblem(422, _("Some of the input is not valid."), errors=errors) from exc


# ---- A booking's payments --------------------------------------------------------------------


@router.get("/bookings/{uuid:uid}/payments", response={200: BookingPaymentsOut, **ONE_ERRORS})
def booking_payments(request: HttpRequest, uid: uuid.UUID):
    """What the booking costs and when each part is due, what is paid, and every payment with its
    refunds, oldest first. For its payer, the band's leaders and admins, and staff."""
    caller(request, ApiToken.Scope.READ)
    booking = _money_or_403(request, uid)
    payments = list(payments_of(booking=booking))
    for payment in payments:
        payment.booking = booking
    schedule = schedule_of(booking, payments)
    upcoming = due_now(booking, payments=payments)
    return BookingPaymentsOut(
        booking=booking.uid,
        payer=payer_side(booking),
        currency=booking.currency,
        total_minor=sum(d.amount_minor for d in schedule),
        paid_minor=sum(p.kept_minor for p in payments),
        refunded_minor=sum(p.refunded_minor for p in payments),
        due_minor=sum(d.amount_minor for d in schedule if not d.paid),
        next=_due_out(upcoming) if upcoming else None,
        schedule=[_due_out(d) for d in schedule],
        payments=[payment_out(p) for p in payments],
    )


class StripeOut(Schema):
    publishable_key: str = Field(description="For Stripe.js: Stripe(publishable_key)")
    js_url: str = Field(description="Where Stripe.js is loaded from")
    test_mode: bool = Field(description="True with localstripe, the embedded test server: no money moves")


def _stripe_out() -> StripeOut:
    return StripeOut(
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY, js_url=settings.STRIPE_JS_URL, test_mode=settings.STRIPE_LOCAL
    )


class PaymentStartOut(Schema):
    payment: PaymentOut
    stripe: StripeOut
    pay_url: str = Field(description="POST {payment_method} here to pay")
    instructions: str


@router.post("/bookings/{uuid:uid}/payments", response={200: PaymentStartOut, **WRITE_ERRORS})
def booking_payment_start(request: HttpRequest, uid: uuid.UUID):
    """The payer starts the next payment due (the deposit, then the balance; or the full fee), or gets the
    one already started: two calls make one payment. Its amount comes from the agreed terms. Then turn
    the card into a payment method with Stripe.js and POST it to `pay_url`. 409 when nothing is due. No
    body is read: what is paid and how much is the server's to work out."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    booking = _booking_or_404(request, uid)
    payment = payment_start(booking=booking, by=user)
    payment.booking = booking
    pay_url = request.build_absolute_uri(f"/api/v1/payments/{payment.uid}/pay")
    return PaymentStartOut(
        payment=payment_out(payment),
        stripe=_stripe_out(),
        pay_url=pay_url,
        instructions=_(
            "Make a payment method of the card with Stripe.js (stripe.createPaymentMethod, with this publishable "
            'key), then POST its id to %(url)s as {"payment_method": "pm_…"}. Nothing is charged before that.'
        )
        % {"url": pay_url},
    )


class PayIn(Schema):
    payment_method: ApiLine(255) = Field(description="The id Stripe.js gave the card (pm_…)")


class PayOut(Schema):
    payment: PaymentOut
    client_secret: str | None = Field(
        description="When the status is requires_action, the bank asks the card holder to confirm: "
        "pass this to Stripe.js (stripe.handleCardAction), then GET the payment; null otherwise"
    )


@router.post("/payments/{uuid:uid}/pay", response={200: PayOut, **PAY_ERRORS})
def payment_pay_card(request: HttpRequest, uid: uuid.UUID, body: PayIn):
    """Pay a started payment with a card's payment method. 402 when the card is declined (nothing was
    charged: start again for a new attempt), 503 when Stripe does not answer, 409 when it is paid
    already or being paid by another call right now. Only the person who started it pays it."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    payment = payment_for_viewer(uid=uid, user=user)
    if payment is None:
        raise Http404(_("No such payment."))
    if payment.booking_id is None:
        raise ApiProblem(
            409,
            _("This payment belongs to a checkout: pay it with POST /api/v1/checkouts/%(checkout)s/pay.")
            % {"checkout": payment.checkout.uid},
        )
    with _money_refusals():
        result = payment_pay(payment=payment, by=user, payment_method_id=body.payment_method)
    return PayOut(payment=payment_out(result.payment), client_secret=result.client_secret or None)


@router.get("/payments/{uuid:uid}", response={200: PaymentOut, **ONE_ERRORS})
def payment_detail(request: HttpRequest, uid: uuid.UUID):
    """One payment, its state read from Stripe when it is still under way (after the bank's confirmation
    in the browser, say). For whoever sees its booking's money, or the client of its checkout."""
    user = caller(request, ApiToken.Scope.READ)
    payment = payment_for_viewer(uid=uid, user=user)
    if payment is None:
        raise Http404(_("No such payment."))
    payment = payment_sync(payment=payment, on_authorized=checkout_complete)
    return payment_out(payment)


class OutsideIn(Schema):
    amount_minor: ApiInt(1, INTEGER_MAX) = Field(description="What was paid, in minor units: the part due")
    reference: ApiLine(120) = Field(min_length=1, description="The bank transfer's or receipt's reference")


@router.post("/bookings/{uuid:uid}/payments/outside", response={201: PaymentOut, **WRITE_ERRORS})
def booking_payment_outside(request: HttpRequest, uid: uuid.UUID, body: OutsideIn):
    """The venue's staff record the part due as paid to the band outside StageSlot (no fee taken). The
    amount must be the part due (422 otherwise, naming it); 409 when nothing is due."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    booking = _booking_or_404(request, uid)
    with _money_refusals(fields={"amount": "amount_minor"}):
        payment = payment_record_outside(
            booking=booking, by=user, amount_minor=body.amount_minor, reference=body.reference
        )
    payment.booking = booking
    return Answer(201, payment_out(payment))


# ---- An instant booking's checkout -----------------------------------------------------------


class CheckoutIn(InstantIn):
    band: ApiLine(100) = Field(description="The band's slug")
    package: ApiId = Field(description="An instant-bookable package of the band, with a price")


class CheckoutOut(Schema):
    id: uuid.UUID
    status: str = Field(
        description="open (waiting for the card), booked, lost (taken meanwhile: nothing charged) or ended"
    )
    band: str
    package: int
    starts_at: dt.datetime
    minutes: int
    price: int = Field(description="The total shown, in whole units of its currency")
    currency: str
    amount_minor: int = Field(description="What is paid, in minor units")
    expires_at: dt.datetime = Field(description="Unpaid by then, the checkout ends")
    booking: uuid.UUID | None = Field(description="The booking, once the card is accepted")
    note: str = Field(description="Why it was lost, in words")
    payment: PaymentOut | None = Field(description="The latest payment attempt")
    pay_url: str = Field(description="POST {payment_method} here to pay")
    stripe: StripeOut


def _checkout_out(request: HttpRequest, checkout: Checkout) -> CheckoutOut:
    payment = checkout_payments(checkout=checkout).first()
    return CheckoutOut(
        id=checkout.uid,
        status=checkout.status,
        band=checkout.band.slug,
        package=checkout.package_id,
        starts_at=utc(checkout.starts_at),
        minutes=checkout.minutes,
        price=checkout.price,
        currency=checkout.currency,
        amount_minor=checkout.price * 100,
        expires_at=utc(checkout.expires_at),
        booking=checkout.booking.uid if checkout.booking_id else None,
        note=checkout.note,
        payment=payment_out(payment) if payment else None,
        pay_url=request.build_absolute_uri(f"/api/v1/checkouts/{checkout.uid}/pay"),
        stripe=_stripe_out(),
    )


def _checkout_or_404(request: HttpRequest, uid: uuid.UUID) -> Checkout:
    checkout = checkout_for_viewer(uid=uid, user=request.user)
    if checkout is None:
        raise Http404(_("No such checkout."))
    return checkout


@router.post("/checkouts", response={201: CheckoutOut, **PAY_ERRORS})
def checkout_open(request: HttpRequest, body: CheckoutIn):
    """Choose a time of an instant-bookable package with a price: every check of booking it answers
    now (a time not free, a changed price: 409; bad input: 422), nothing is held yet. Then pay it at
    `pay_url`: the gig is booked the moment the card is authorised, and charged once it is."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    if body.starts_at.tzinfo is None:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [_("Give the UTC offset.")]})
    try:
        starts_at = body.starts_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    band = band_approved_of(slug=body.band)
    package = band_package_of(band=band, pk=body.package)
    texts = body.dict(include={"event_type", "location", "power_notes", "load_in_notes", "message"})
    with _limited("booking_request", user):
        checkout = checkout_start(
            band=band,
            package=package,
            client=user,
            starts_at=starts_at,
            price=body.price,
            minutes=body.minutes,
            guests=body.guests,
            setting=body.setting,
            texts=texts,
        )
    return Answer(201, _checkout_out(request, _checkout_or_404(request, checkout.uid)))


@router.get("/checkouts/{uuid:uid}", response={200: CheckoutOut, **ONE_ERRORS})
def checkout_detail(request: HttpRequest, uid: uuid.UUID):
    """Your checkout, its payment's state read from Stripe when it is under way (as its page does)."""
    caller(request, ApiToken.Scope.READ)
    checkout = _checkout_or_404(request, uid)
    for payment in checkout_payments(checkout=checkout):
        payment_sync(payment=payment, on_authorized=checkout_complete)
    return _checkout_out(request, _checkout_or_404(request, uid))


class CheckoutPayOut(Schema):
    checkout: CheckoutOut
    client_secret: str | None = Field(
        description="When the payment's status is requires_action: pass it to Stripe.js (stripe.handleCardAction), "
        "then GET the checkout; null otherwise"
    )


@router.post("/checkouts/{uuid:uid}/pay", response={200: CheckoutPayOut, **PAY_ERRORS})
def checkout_pay_card(request: HttpRequest, uid: uuid.UUID, body: PayIn):
    """Pay your open checkout with a card's payment method: authorised, the booking is made under the
    band's lock, then the card is charged. Taken by someone else meanwhile: 409 and nothing charged;
    declined: 402 in words; Stripe away: 503; the checkout out of time or ended: 409."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    checkout = _checkout_or_404(request, uid)
    with _money_refusals():
        result = checkout_pay(checkout=checkout, by=user, payment_method_id=body.payment_method)
    checkout = _checkout_or_404(request, uid)
    if checkout.status == Checkout.Status.LOST:
        raise ApiProblem(409, checkout.note or _("The time was taken meanwhile. Nothing was charged."))
    return CheckoutPayOut(checkout=_checkout_out(request, checkout), client_secret=result.client_secret or None)


# ---- Refunds ---------------------------------------------------------------------------------


class RefundPage(Page):
    items: list[RefundOut]


@router.get("/bookings/{uuid:uid}/refunds", response={200: RefundPage, **ONE_ERRORS})
def booking_refunds(request: HttpRequest, uid: uuid.UUID, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The refunds of the booking's payments, newest first."""
    caller(request, ApiToken.Scope.READ)
    booking = _money_or_403(request, uid)
    page = max(1, min(limit, PAGE_MAX))
    rows, next_url = keyset(request, refunds_of(booking=booking), order=NEWEST_FIRST, cursor=cursor, limit=page)
    return {"items": [refund_out(r) for r in rows], "next": next_url}


class RefundPartOut(Schema):
    payment: uuid.UUID
    amount_minor: int


class RefundPreviewOut(Schema):
    percent: int = Field(description="The share of what was paid that a cancellation by you now gives back")
    reason: str = Field(description="payer_cancelled (by the agreed cancellation terms) or band_cancelled (all)")
    paid_minor: int = Field(description="Paid by card and not refunded yet")
    refund_minor: int
    currency: str
    parts: list[RefundPartOut]
    terms: list[str] = Field(description="The booking's cancellation terms in words, a sentence each")
    now: str = Field(description="What applies to a cancellation by you now, in a sentence with its percentage")
    fingerprint: str = Field(
        description="Send it with cancel-with-refund: a plan that has changed by then is refused (409)"
    )


def _may_cancel_or_403(request: HttpRequest, uid: uuid.UUID):
    booking = _booking_or_404(request, uid)
    if not may_cancel_with_refund(booking, request.user):
        raise ApiProblem(403, _("Only the band's leaders and admins, the venue or the client can cancel this gig."))
    return booking


@router.get("/bookings/{uuid:uid}/refund-preview", response={200: RefundPreviewOut, **ONE_ERRORS})
def booking_refund_preview(request: HttpRequest, uid: uuid.UUID):
    """What cancelling the gig now would give back, by who you are: the band cancelling refunds
    everything; the payer gets what the agreed cancellation terms give back this far before the gig."""
    user = caller(request, ApiToken.Scope.READ)
    plan = refund_plan(booking=_may_cancel_or_403(request, uid), by=user)
    return RefundPreviewOut(
        percent=plan.percent,
        reason=plan.reason,
        paid_minor=plan.paid_minor,
        refund_minor=plan.refund_minor,
        currency=plan.currency,
        parts=[RefundPartOut(payment=p.uid, amount_minor=amount) for p, amount in plan.parts],
        terms=list(plan.words),
        now=plan.now,
        fingerprint=plan.fingerprint,
    )


class RefundCancelIn(Schema):
    reason: ApiText(300) = Field(min_length=1, description="Why; the other side reads it")
    fingerprint: ApiLine(64) | None = Field(
        None,
        description=(
            "The refund preview's fingerprint you decided on: when the plan has changed since (a window "
            "closed, a payment went through), nothing is cancelled and the answer is 409"
        ),
    )


class CancelOut(Schema):
    booking: BookingOut
    refunds: list[RefundOut] = Field(description="A refund Stripe did not take at once is `failed` and asked again")
    refunded_minor: int


@router.post("/bookings/{uuid:uid}/cancel-with-refund", response={200: CancelOut, **WRITE_ERRORS})
def booking_cancel_with_refund(request: HttpRequest, uid: uuid.UUID, body: RefundCancelIn):
    """Call off a booked gig with money paid on it and refund what the refund preview says: the band's
    leaders and admins (everything back) or the payer (by the agreed terms). A gig with nothing paid is
    simply cancelled. With the preview's `fingerprint`, a plan that has changed since is refused (409)
    and nothing is cancelled."""
    user = caller(request, ApiToken.Scope.PAYMENTS)
    booking = _may_cancel_or_403(request, uid)
    with _money_refusals():
        _booking, refunds = booking_cancel_refund(
            booking=booking, by=user, reason=body.reason, fingerprint=body.fingerprint
        )
    booking = _booking_or_404(request, uid)
    made = [r for r in refunds if r is not None]
    return CancelOut(
        booking=booking_out(request, booking),
        refunds=[refund_out(r) for r in made],
        refunded_minor=sum(r.amount_minor for r in made if r.status == Refund.Status.SUCCEEDED),
    )


# ---- The ledger ------------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    kind: str = Field(
        description=(
            "payment, refund, platform_fee, commission (the band's agency's), band_share, member_share, payout, "
            "outside, settlement or member_payout (what the band paid one of its members)"
        )
    )
    amount_minor: int = Field(description="Signed, in minor units: money back or paid out is negative")
    currency: str
    band: str | None = Field(description="The band's slug")
    booking: uuid.UUID | None
    member: str | None = Field(description="A member's share: whose")
    payment: uuid.UUID | None
    refund: uuid.UUID | None
    payout_reference: str | None = Field(description="A payout: the bank transfer's reference")
    memo: str
    created_at: dt.datetime


def entry_out(entry: LedgerEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        kind=entry.kind,
        amount_minor=entry.amount_minor,
        currency=entry.currency,
        band=entry.band.slug if entry.band_id else None,
        booking=entry.booking.uid if entry.booking_id else None,
        member=entry.member.name if entry.member_id else None,
        payment=entry.payment.uid if entry.payment_id else None,
        refund=entry.refund.uid if entry.refund_id else None,
        payout_reference=entry.payout.reference if entry.payout_id else None,
        memo=entry.memo,
        created_at=utc(entry.created_at),
    )


class BandTotalOut(Schema):
    currency: str
    earned_minor: int = Field(description="The band's shares of payments, and what venues paid it outside StageSlot")
    owed_minor: int = Field(description="Shares not paid out to the band yet")
    paid_out_minor: int
    upcoming_minor: int = Field(description="What the band's booked gigs still have to be paid")


class LedgerPage(Page):
    totals: list[BandTotalOut]
    items: list[EntryOut]


@router.get("/bands/{slug}/ledger", response={200: LedgerPage, **ONE_ERRORS})
def band_ledger(
    request: HttpRequest,
    slug: str,
    kind: LedgerEntry.Kind | None = None,
    currency: Currency | None = None,
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """The band's ledger, newest first (read-only: every entry is appended, never changed), and its totals
    per currency. For the band's leaders and admins; a member sees their own shares at /me/earnings."""
    user = caller(request, ApiToken.Scope.READ)
    band, membership = band_for_manage(slug=slug, user=user)
    if membership is None or not membership.can_manage:
        raise ApiProblem(
            403,
            _("Only the leaders and admins of %(band)s see its ledger; your own shares are at /api/v1/me/earnings.")
            % {"band": band.name},
        )
    entries = ledger_of_band(band=band, kind=kind, currency=currency)
    page = max(1, min(limit, PAGE_MAX))
    rows, next_url = keyset(request, entries, order=NEWEST_FIRST, cursor=cursor, limit=page)
    money = {m.currency: m for m in band_money_of(band=band)}
    upcoming = band_upcoming_minor(band=band)
    totals = [
        BandTotalOut(
            currency=code,
            earned_minor=money[code].earned_minor if code in money else 0,
            owed_minor=money[code].owed_minor if code in money else 0,
            paid_out_minor=money[code].paid_out_minor if code in money else 0,
            upcoming_minor=upcoming.get(code, 0),
        )
        for code in sorted(set(money) | set(upcoming))
        if not currency or code == currency
    ]
    return {"totals": totals, "items": [entry_out(e) for e in rows], "next": next_url}


class MoneyOut(Schema):
    currency: str
    amount_minor: int


class EarningsPage(Page):
    totals: list[MoneyOut] = Field(description="Your shares per currency, refunds taken off")
    items: list[EntryOut]


@router.get("/me/earnings", response={200: EarningsPage, **READ_ERRORS})
def my_earnings(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """Your own shares of your bands' gigs (member_share entries), newest first, and their totals."""
    user = caller(request, ApiToken.Scope.READ)
    page = max(1, min(limit, PAGE_MAX))
    rows, next_url = keyset(request, ledger_of_member(user=user), order=NEWEST_FIRST, cursor=cursor, limit=page)
    totals = [MoneyOut(currency=code, amount_minor=amount) for code, amount in member_money(user=user).items()]
    return {"totals": totals, "items": [entry_out(e) for e in rows], "next": next_url}
