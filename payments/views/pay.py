"""Paying for a booking: its payments page (what is due and when, what was paid, what a cancellation
gives back), the card form (Stripe.js turns the card into a payment method; card data never reaches
us), an instant booking's checkout, and the page the payer comes back to.

Everything is read from the database and, where a payment is still moving, from Stripe; never from
the URL. Only the booking's payer, the band's leaders and admins, and staff see a booking's money
(anyone else: 404); only the payer pays. The card form posts JSON and gets JSON back (state, words, a
next address); the same refusals as elsewhere: 403 not yours, 409 in the way, 400 bad input, 402 a
declined card, 503 Stripe unavailable (nothing charged).
"""

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import second_factor_required
from bookings.errors import BookingConflict, BookingError
from bookings.models import Booking
from bookings.pages import booking_or_404, refusal_code
from bookings.selectors.detail import booking_title
from bookings.selectors.quotes import money_text
from core.web.htmx import HtmxHttpRequest, is_partial

from .. import stripe_api
from ..forms import CancelRefundForm, OutsidePaymentForm
from ..models import Checkout, Payment
from ..selectors import (
    checkout_for_viewer,
    checkout_fresh,
    due_now,
    hold_ends_at,
    instant_choice,
    may_pay,
    may_see_money,
    payer_side,
    payment_for_viewer,
    payment_of_booking,
    payments_moving,
    payments_of,
    schedule_of,
)
from ..services import payments as services
from ..services.checkout import checkout_complete, checkout_pay, checkout_payment, checkout_start
from ..services.refunds import booking_cancel_refund, refund_plan

TEMPLATE = "payments/booking.html"


def stripe_context() -> dict:
    return {
        "stripe_js": settings.STRIPE_JS_URL,
        "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
        "test_mode": settings.STRIPE_LOCAL or settings.STRIPE_PUBLISHABLE_KEY.startswith("pk_test_"),
    }


def _money_booking(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = booking_or_404(request, uid)
    if not may_see_money(booking, request.user):
        raise Http404("No such booking.")
    return booking


def _page_context(request: HtmxHttpRequest, booking: Booking, **extra) -> dict:
    now = timezone.now()
    payments = list(payments_of(booking=booking))
    due = due_now(booking, now=now, payments=payments)
    payer = may_pay(booking, request.user)
    can_cancel = booking.status == Booking.Status.BOOKED and booking.ends_at > now and booking.paid_minor > 0
    plan = refund_plan(booking=booking, by=request.user, now=now) if can_cancel else None
    return {
        "booking": booking,
        "title": booking_title(booking),
        "schedule": schedule_of(booking, payments),
        "payments": payments,
        "due": due,
        "is_payer": payer,
        "payer_side": payer_side(booking),
        "hold_ends_at": hold_ends_at(booking),
        "plan": plan,
        "can_cancel": can_cancel,
        "cancel_form": extra.pop("cancel_form", None) or CancelRefundForm(),
        "outside_form": extra.pop("outside_form", None) or OutsidePaymentForm(),
        "can_record_outside": payer and payer_side(booking) == "venue" and due is not None,
        "pay_url": reverse("payments:pay", args=[booking.uid]),
        "detail_url": reverse("bookings:detail", args=[booking.uid]),
        "now": now,
        **stripe_context(),
        **extra,
    }


@login_required
@require_GET
def booking_payments(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """/payments/bookings/<uid>/: what the gig costs, what is due and when, what was paid, the card form."""
    booking = _money_booking(request, uid)
    for payment in payments_moving(booking=booking):
        services.payment_sync(payment=payment)
    return render(request, TEMPLATE, _page_context(request, booking))


@require_GET
def booking_summary(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The booking page's money card (loaded into it): what is due now and a Pay button, for whoever
    sees the booking's money; nothing for anyone else."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    booking = booking_or_404(request, uid)
    if not may_see_money(booking, request.user) or payer_side(booking) is None:
        return HttpResponse(status=204)
    context = _page_context(request, booking)
    if not context["schedule"]:
        return HttpResponse(status=204)
    return render(request, f"{TEMPLATE}#summary", {**context, "in_card": True})


def _json(state: str, message: str = "", *, status: int = 200, **extra) -> JsonResponse:
    return JsonResponse({"state": state, "message": str(message), **extra}, status=status)


def _pay_answer(request: HttpRequest, result: services.PayResult, done_url: str) -> JsonResponse:
    payment = result.payment
    if payment.status == Payment.Status.REQUIRES_ACTION:
        return _json(
            "action",
            gettext("Your bank asks you to confirm the payment."),
            client_secret=result.client_secret,
            check=reverse("payments:check", args=[payment.uid]),
        )
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(
            request,
            gettext("Paid: %(amount)s. A receipt is on the payments page.")
            % {"amount": money_text(payment.amount_minor, payment.currency)},
        )
        return _json("paid", gettext("Paid."), next=done_url)
    if payment.status == Payment.Status.CANCELLED:
        return _json(
            "lost",
            payment.checkout.note if payment.checkout_id else gettext("The payment was cancelled."),
            status=409,
            next=done_url,
        )
    return _json("processing", gettext("The payment is being processed."), next=done_url)


def _pay_refusal(exc: Exception) -> JsonResponse:
    if isinstance(exc, stripe_api.PaymentsUnavailable):
        return _json("unavailable", exc.message, status=503)
    if isinstance(exc, services.PaymentDeclined):
        return _json("declined", str(exc), status=402)
    if isinstance(exc, ValidationError):
        return _json("invalid", " ".join(exc.messages), status=400)
    return _json("refused", str(exc), status=refusal_code(exc))


@login_required
@second_factor_required
@require_POST
def setup(request: HtmxHttpRequest, uid: UUID) -> JsonResponse:
    """The card form's first step: the payment due now (made or reused) and a SetupIntent's secret,
    which Stripe.js confirms with the card (card data goes to Stripe only)."""
    booking = _money_booking(request, uid)
    try:
        payment = services.payment_start(booking=booking, by=request.user)
        if request.POST.get("purpose") != payment.purpose:
            # The page was drawn for another part (paid meanwhile in another tab, or a stale second click).
            raise BookingConflict(
                gettext("What is due has changed since this page was opened. Nothing was charged; reload the page.")
            )
        secret = services.card_setup(payment=payment, by=request.user)
    except (BookingError, ValidationError, stripe_api.PaymentsUnavailable) as exc:
        return _pay_refusal(exc)
    return _json("setup", client_secret=secret, payment=str(payment.uid))


def _payment_of(booking: Booking, uid: str) -> Payment:
    payment = payment_of_booking(booking=booking, uid=uid)
    if payment is None:
        raise Http404("No such payment.")
    return payment


@login_required
@second_factor_required
@require_POST
def pay(request: HtmxHttpRequest, uid: UUID) -> JsonResponse:
    """The card form's post: the payer's next payment (deposit, balance or full fee: computed here,
    never taken from the form) charged to the payment method Stripe.js made."""
    booking = _money_booking(request, uid)
    payment = _payment_of(booking, request.POST.get("payment", ""))
    try:
        result = services.payment_pay(
            payment=payment, by=request.user, payment_method_id=request.POST.get("payment_method", "")
        )
    except (BookingError, ValidationError, stripe_api.PaymentsUnavailable) as exc:
        return _pay_refusal(exc)
    return _pay_answer(request, result, reverse("payments:booking", args=[booking.uid]))


@login_required
@require_POST
def check(request: HtmxHttpRequest, uid: UUID) -> JsonResponse:
    """After the bank's confirmation in the browser: the payment's state read from Stripe. Not behind the
    step-up rule: it moves nothing the payer did not already confirm with the (stepped-up) pay view and
    their bank; it reads Stripe, and an authorised checkout it finds is completed as the pay view would."""
    payment = payment_for_viewer(uid=uid, user=request.user)
    if payment is None or payment.payer_id != request.user.pk:
        raise Http404("No such payment.")
    payment = services.payment_sync(payment=payment, on_authorized=checkout_complete)
    done = (
        reverse("payments:booking", args=[payment.booking.uid])
        if payment.booking_id
        else reverse("payments:checkout", args=[payment.checkout.uid])
    )
    if payment.status == Payment.Status.FAILED:
        return _json("declined", payment.failure, status=402)
    return _pay_answer(request, services.PayResult(payment), done)


@login_required
@second_factor_required
@require_POST
def record_outside(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The venue records a payment it made to the band itself."""
    booking = _money_booking(request, uid)
    form = OutsidePaymentForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        try:
            services.payment_record_outside(
                booking=booking,
                by=request.user,
                amount_minor=form.cleaned_data["amount_minor"],
                reference=form.cleaned_data["reference"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except BookingError as exc:
            status, error = refusal_code(exc), str(exc)
        else:
            messages.success(request, gettext("Recorded as paid outside StageSlot. The band is told."))
            return redirect("payments:booking", uid=booking.uid)
    return render(request, TEMPLATE, _page_context(request, booking, outside_form=form, error=error), status=status)


@login_required
@second_factor_required
@require_POST
def cancel(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Cancel a gig with money on it: bookings' own cancel, then the refund the terms give back."""
    booking = _money_booking(request, uid)
    form = CancelRefundForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        try:
            booking, refunds = booking_cancel_refund(
                booking=booking,
                by=request.user,
                reason=form.cleaned_data["reason"],
                fingerprint=form.cleaned_data["fingerprint"] or None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except BookingError as exc:
            status, error = refusal_code(exc), str(exc)
        else:
            back = sum(r.amount_minor for r in refunds if r is not None and r.status == "succeeded")
            pending = [r for r in refunds if r is not None and r.status != "succeeded"]
            text = gettext("The gig is cancelled; both sides are told.")
            if back:
                text += " " + gettext("Refunded: %(amount)s.") % {"amount": money_text(back, booking.currency)}
            if pending:
                text += " " + gettext("Part of the refund is still on its way: it is retried by itself.")
            messages.success(request, text)
            return redirect("payments:booking", uid=booking.uid)
    return render(request, TEMPLATE, _page_context(request, booking, cancel_form=form, error=error), status=status)


@login_required
@require_GET
def payment_detail(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A payment's page (its receipt once paid): the state read from Stripe where it is still moving."""
    payment = payment_for_viewer(uid=uid, user=request.user)
    if payment is None:
        raise Http404("No such payment.")
    payment = services.payment_sync(payment=payment, on_authorized=checkout_complete)
    return render(request, "payments/payment.html", {"payment": payment, "refunds": list(payment.refunds.all())})


# ---- An instant booking's checkout -------------------------------------------------------------


@login_required
def checkout_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Where the guided booking's last step sends an instant booking with a price: its checkout opened
    from what the client chose (kept in their session by that step), then its pay page."""
    chosen = request.session.pop(f"instant-checkout:{slug}", None)
    if not chosen:
        messages.info(request, gettext("Choose a time to book first."))
        return redirect("bookings:book", slug=slug)
    band, package = instant_choice(slug=slug, package_id=chosen.get("package"))
    if band is None or package is None:
        raise Http404("No such band.")
    try:
        checkout = checkout_start(
            band=band,
            package=package,
            client=request.user,
            starts_at=dt.datetime.fromisoformat(chosen["starts_at"]),
            price=int(chosen["price"]),
            minutes=chosen.get("minutes"),
            guests=chosen.get("guests"),
            setting=chosen.get("setting", ""),
            texts=chosen.get("texts", {}),
        )
    except (BookingError, ValidationError) as exc:
        words = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, words)
        return redirect(reverse("bookings:book", args=[slug]) + "?step=2")
    return redirect("payments:checkout", uid=checkout.uid)


def _checkout_or_404(request: HtmxHttpRequest, uid: UUID) -> Checkout:
    checkout = checkout_for_viewer(uid=uid, user=request.user)
    if checkout is None:
        raise Http404("No such checkout.")
    return checkout


@login_required
@require_GET
def checkout_page(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """/payments/checkout/<uid>/: pay for the chosen time; once paid, the booking's page."""
    checkout = _checkout_or_404(request, uid)
    for payment in payments_moving(checkout=checkout):
        services.payment_sync(payment=payment, on_authorized=checkout_complete)
    checkout = checkout_fresh(checkout)
    if checkout.booking_id and not is_partial(request):
        return redirect("bookings:detail", uid=checkout.booking.uid)
    context = {
        "checkout": checkout,
        "amount": money_text(checkout.price * 100, checkout.currency),
        "pay_url": reverse("payments:checkout_pay", args=[checkout.uid]),
        "open": checkout.status == Checkout.Status.OPEN and checkout.expires_at > timezone.now(),
        **stripe_context(),
    }
    return render(request, "payments/checkout.html", context)


@login_required
@second_factor_required
@require_POST
def checkout_setup(request: HtmxHttpRequest, uid: UUID) -> JsonResponse:
    checkout = _checkout_or_404(request, uid)
    try:
        if checkout.status != Checkout.Status.OPEN or checkout.expires_at <= timezone.now():
            raise BookingConflict(gettext("This checkout has ended. Nothing was charged; choose the time again."))
        secret = services.card_setup(payment=checkout_payment(checkout), by=request.user)
    except (BookingError, ValidationError, stripe_api.PaymentsUnavailable) as exc:
        return _pay_refusal(exc)
    return _json("setup", client_secret=secret)


@login_required
@second_factor_required
@require_POST
def checkout_pay_view(request: HtmxHttpRequest, uid: UUID) -> JsonResponse:
    checkout = _checkout_or_404(request, uid)
    try:
        result = checkout_pay(
            checkout=checkout, by=request.user, payment_method_id=request.POST.get("payment_method", "")
        )
    except (BookingError, ValidationError, stripe_api.PaymentsUnavailable) as exc:
        if isinstance(exc, BookingError) and checkout_fresh(checkout).status == Checkout.Status.LOST:
            # The time was booked by someone else before this card was touched.
            return _json("lost", str(exc), status=409, next=reverse("payments:checkout", args=[checkout.uid]))
        return _pay_refusal(exc)
    checkout = checkout_fresh(checkout)
    done = (
        reverse("bookings:detail", args=[checkout.booking.uid])
        if checkout.booking_id
        else reverse("payments:checkout", args=[checkout.uid])
    )
    if checkout.status == Checkout.Status.LOST:
        return _json("lost", checkout.note, status=409, next=done)
    return _pay_answer(request, result, done)
