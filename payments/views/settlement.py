"""A door deal's settlement after the gig: the page both sides read, the door side's entry of the
figures, and the band's approval or question. Only the payer's people and the band's leaders and admins
see it (anyone else: 404, an anonymous visitor the login page); what each may do is the service's call,
its refusals a 403, a 409 or a 400 with the reason on the page."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import second_factor_required
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.detail import booking_title
from bookings.selectors.quotes import deal_text, money_text
from core.web.htmx import HtmxHttpRequest, render_page

from ..forms import ApproveForm, QuestionForm, SettlementBonusForm, SettlementCostForm, SettlementForm, to_major
from ..selectors import (
    due_now,
    may_pay,
    paid_before_settlement,
    payments_of,
    settlement_booking_for_viewer,
    settlement_items,
    settlement_of,
    settlement_part,
    settlement_unagreed,
    settlement_warnings,
)
from ..services import settlement as services

TEMPLATE = "payments/settlement/settlement.html"


def _booking_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = settlement_booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such settlement.")
    return booking


def _render(request: HtmxHttpRequest, booking: Booking, *, status: int = 200, error: str = "", **forms) -> HttpResponse:
    now = timezone.now()
    quote, settlement = booking.agreed_quote, settlement_of(booking)
    side = services.settlement_side(booking, request.user)
    refusal = services.settlement_refusal(booking, now=now)
    open_ = refusal is None and (settlement is None or not settlement.is_approved)
    payments = list(payments_of(booking=booking))
    cur = quote.currency
    initial = {}
    if settlement is not None:
        initial = {
            "tickets_sold": settlement.tickets_sold,
            "gross": to_major(settlement.gross_minor) if settlement.gross_entered else None,
            "merch_gross": to_major(settlement.merch_gross_minor) if settlement.merch_gross_minor else None,
            "merch_venue_percent": settlement.merch_venue_percent or None,
            "note": settlement.note,
        }
    version = {"version": settlement.version} if settlement is not None else {}
    due = settlement_part(booking, payments)
    costs, bonuses = settlement_items(settlement) if settlement is not None else ([], [])
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "quote": quote,
        "deal": deal_text(quote),
        "guarantee": money_text(quote.fee_minor, cur) if quote.deal == quote.Deal.VERSUS else "",
        "ticket_price": money_text(quote.ticket_price_minor, cur),
        "settlement": settlement,
        "money": _money(settlement) if settlement is not None else {},
        "costs": costs,
        "bonuses": bonuses,
        "unagreed": settlement_unagreed(settlement, quote=quote, costs=costs, bonuses=bonuses)
        if settlement is not None
        else [],
        "warnings": settlement_warnings(settlement=settlement, quote=quote) if settlement is not None else [],
        "refusal": str(refusal) if refusal is not None else "",
        "side": side,
        "can_enter": open_ and side == "payer",
        "can_answer": open_ and side == "band" and settlement is not None and settlement.band_approved_at is None,
        "paid_before": money_text(paid_before_settlement(payments), cur),
        "due": due,
        "due_amount": money_text(due.amount_minor, due.currency) if due is not None else "",
        "may_pay_now": due is not None
        and not due.paid
        and may_pay(booking, request.user)
        and due_now(booking, payments=payments) == due,
        "form": forms.get("form") or SettlementForm(initial=initial, auto_id="settle_%s"),
        "approve_form": ApproveForm(initial=version, auto_id="approve_%s"),
        "question_form": forms.get("question_form") or QuestionForm(initial=version, auto_id="question_%s"),
        "cost_form": forms.get("cost_form") or SettlementCostForm(auto_id="cost_%s"),
        "bonus_form": forms.get("bonus_form") or SettlementBonusForm(auto_id="bonus_%s"),
        "error": error,
    }
    return render_page(request, TEMPLATE, context, partial="settlement", status=status)


def _money(settlement) -> dict[str, str]:
    cur = settlement.currency
    return {
        name: money_text(getattr(settlement, f"{name}_minor"), cur)
        for name in ("gross", "costs", "net", "band_amount", "guarantee", "bonus", "merch_gross", "merch_cut")
    } | {
        "payable": money_text(settlement.payable_minor, cur),
        "band_owes": money_text(settlement.band_owes_minor, cur) if settlement.band_owes_minor else "",
    }


def _refused(request: HtmxHttpRequest, booking: Booking, exc: BookingError, **forms) -> HttpResponse:
    if isinstance(exc, BookingPermissionError):
        raise PermissionDenied(str(exc)) from exc
    status = 409 if isinstance(exc, BookingConflict) else 400
    return _render(request, booking, status=status, error=str(exc), **forms)


def _done(request: HtmxHttpRequest, booking: Booking, notice: str) -> HttpResponse:
    messages.success(request, notice)
    return redirect("payments:settlement", uid=booking.uid)


@login_required
@require_GET
def settlement(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The settlement: the agreed deal, the figures, who approved them, what is due."""
    return _render(request, _booking_or_404(request, uid))


@login_required
@second_factor_required
@require_POST
def settlement_enter(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The door side enters or corrects the tickets sold, the takings and the agreed costs."""
    booking = _booking_or_404(request, uid)
    form = SettlementForm(request.POST, auto_id="settle_%s")
    if not form.is_valid():
        return _render(request, booking, status=400, form=form)
    try:
        services.settlement_enter(booking=booking, by=request.user, **form.service_values())
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render(request, booking, status=400, form=form)
    except BookingError as exc:
        return _refused(request, booking, exc, form=form)
    return _done(request, booking, gettext("The settlement is saved; the band has been asked to approve it."))


@login_required
@second_factor_required
@require_POST
def settlement_approve(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders and admins approve the figures they read."""
    booking = _booking_or_404(request, uid)
    form = ApproveForm(request.POST)
    valid = form.is_valid()
    version = form.cleaned_data["version"] if valid else None
    accept = form.cleaned_data["accept_unagreed"] if valid else False
    try:
        settlement = services.settlement_approve(
            booking=booking, by=request.user, version=version, accept_unagreed=accept
        )
    except BookingError as exc:
        return _refused(request, booking, exc)
    if settlement.is_approved:
        return _done(
            request,
            booking,
            gettext("Approved by both sides: the settlement is final, and the other side has been told."),
        )
    return _done(request, booking, gettext("Approved. The other side has been told."))


@login_required
@require_POST
def settlement_question(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders and admins say what is wrong with the figures."""
    booking = _booking_or_404(request, uid)
    form = QuestionForm(request.POST, auto_id="question_%s")
    if not form.is_valid():
        return _render(request, booking, status=400, question_form=form)
    try:
        services.settlement_question(
            booking=booking, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        return _render(request, booking, status=400, question_form=form)
    except BookingError as exc:
        return _refused(request, booking, exc, question_form=form)
    return _done(request, booking, gettext("Sent. The other side checks the figures and enters them again."))


def _item_post(request: HtmxHttpRequest, booking: Booking, form, form_name: str, service, notice: str) -> HttpResponse:
    if not form.is_valid():
        return _render(request, booking, status=400, **{form_name: form})
    try:
        service(booking=booking, by=request.user, **form.service_values())
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render(request, booking, status=400, **{form_name: form})
    except BookingError as exc:
        return _refused(request, booking, exc, **{form_name: form})
    return _done(request, booking, notice)


@login_required
@second_factor_required
@require_POST
def settlement_cost_add(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The door side adds a cost at settlement (flagged for the band: not in the agreed terms)."""
    booking = _booking_or_404(request, uid)
    form = SettlementCostForm(request.POST, auto_id="cost_%s")
    notice = gettext("The cost is added; the band has been asked to approve the figures again.")
    return _item_post(request, booking, form, "cost_form", services.settlement_cost_add, notice)


@login_required
@second_factor_required
@require_POST
def settlement_cost_remove(request: HtmxHttpRequest, uid: UUID, cost_id: int) -> HttpResponse:
    """The door side takes a cost off the settlement."""
    booking = _booking_or_404(request, uid)
    try:
        services.settlement_cost_remove(booking=booking, by=request.user, cost_id=cost_id)
    except BookingError as exc:
        return _refused(request, booking, exc)
    return _done(request, booking, gettext("The cost is taken off; the band has been asked to approve again."))


@login_required
@second_factor_required
@require_POST
def settlement_bonus_add(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The door side adds a bonus tier at settlement."""
    booking = _booking_or_404(request, uid)
    form = SettlementBonusForm(request.POST, auto_id="bonus_%s")
    notice = gettext("The bonus is added; the band has been asked to approve the figures again.")
    return _item_post(request, booking, form, "bonus_form", services.settlement_bonus_add, notice)


@login_required
@second_factor_required
@require_POST
def settlement_bonus_remove(request: HtmxHttpRequest, uid: UUID, bonus_id: int) -> HttpResponse:
    """The door side takes a bonus tier it added at settlement off again."""
    booking = _booking_or_404(request, uid)
    try:
        services.settlement_bonus_remove(booking=booking, by=request.user, bonus_id=bonus_id)
    except BookingError as exc:
        return _refused(request, booking, exc)
    return _done(request, booking, gettext("The bonus is taken off; the band has been asked to approve again."))
