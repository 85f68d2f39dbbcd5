"""Deal terms on a booking: the form to propose or counter them (opened in place on the booking page
with htmx, a page of its own without JavaScript), and accepting or declining the other side's quote.

Only the booking's people see these (anyone else: 404); who may do what is the services' call: 403
(not yours to answer), 409 (answered or expired meanwhile, the booking moved on, the band is
booked), 400 with the problems by field. A fee outside the band's range or not the slot's comes back
as a warning beside "Send anyway", and nothing is sent until it is ticked.
"""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.web.htmx import HtmxHttpRequest, dialog_or_redirect, is_partial

from ..errors import BookingError
from ..forms.quotes import QuoteForm, quote_initial
from ..models import Booking
from ..pages import booking_or_404, refusal_code, render_conflict, render_detail
from ..selectors.detail import booking_title
from ..selectors.quotes import door_estimate_minor, money_text, quote_of, quote_side_of, quotes_of
from ..services import quotes as services
from ..services.quotes import Terms

TEMPLATE = "bookings/quotes/form.html"


def _start(booking: Booking) -> Terms:
    """A new quote starts from the latest version (a counter starts from the open one), else from the
    booking's fee."""
    versions = list(quotes_of(booking=booking)[:1])
    if versions:
        return Terms.of(versions[0])
    fee = booking.fee * 100 if booking.fee else None
    return Terms(fee_minor=fee, currency=booking.currency)


def _estimate(terms: Terms | None) -> str:
    minor = door_estimate_minor(terms) if terms is not None else None
    return money_text(minor, terms.currency) if minor is not None else ""


def _render_form(
    request: HtmxHttpRequest,
    booking: Booking,
    form: QuoteForm,
    *,
    status: int = 200,
    error: str = "",
    terms: Terms | None = None,
) -> HttpResponse:
    context = {
        "estimate": _estimate(terms),
        "booking": booking,
        "title": booking_title(booking),
        "form": form,
        "warnings": form.errors.get("send_anyway", []),
        "error": error,
        "url": reverse("bookings:quote_new", args=[booking.uid]),
        "detail_url": reverse("bookings:detail", args=[booking.uid]),
        "is_change": booking.status == Booking.Status.BOOKED,
    }
    template = f"{TEMPLATE}#form" if is_partial(request) else TEMPLATE
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def quote_new(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Propose terms, or counter the other side's (the form starts from them)."""
    booking = booking_or_404(request, uid)
    if quote_side_of(booking, request.user) is None:
        raise PermissionDenied(gettext("Only the band's leaders and admins and the other side can propose terms."))
    if request.method == "GET":
        terms = _start(booking)
        return _render_form(request, booking, QuoteForm(initial=quote_initial(terms), auto_id="quote_%s"), terms=terms)
    form = QuoteForm(request.POST, auto_id="quote_%s")
    if not form.is_valid():
        return _render_form(request, booking, form, status=400)
    terms = form.terms()
    if "estimate" in request.POST:  # "Work out the estimate": the form again, nothing sent
        return _render_form(request, booking, form, terms=terms)
    try:
        services.quote_propose(
            booking=booking,
            by=request.user,
            terms=terms,
            message=form.cleaned_data["message"],
            send_anyway=form.cleaned_data["send_anyway"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render_form(request, booking, form, status=400, terms=terms)
    except BookingError as exc:
        if refusal_code(exc) == 403:
            raise PermissionDenied(str(exc)) from exc
        return _render_form(request, booking, form, status=refusal_code(exc), error=str(exc))
    return _done(request, uid, gettext("Your terms are sent; the other side has been told."))


def _done(request: HtmxHttpRequest, uid: UUID, notice: str) -> HttpResponse:
    """The booking as it now stands: in place of the booking's section (htmx on the booking page), or the
    booking's page (the form on a page of its own, or without JavaScript)."""
    booking = booking_or_404(request, uid)

    def in_place() -> HttpResponse:
        response = render_detail(request, booking, notice=notice)
        retarget(response, "#booking")
        return reswap(response, "outerHTML")

    return dialog_or_redirect(
        request, dialog=in_place, url=reverse("bookings:detail", args=[booking.uid]), notice=notice
    )


ANSWERS = {
    "accept": lambda quote, by, post: services.quote_accept(quote=quote, by=by, stand_in=post.get("stand_in") == "1"),
    "decline": lambda quote, by, post: services.quote_decline(quote=quote, by=by, note=post.get("note", "")[:500]),
}


@login_required
@require_POST
def quote_answer(request: HtmxHttpRequest, uid: UUID, pk: int, action: str) -> HttpResponse:
    """Accept the other side's quote (a pending booking is booked with it) or decline it."""
    booking = booking_or_404(request, uid)
    if action not in ANSWERS:
        raise Http404("No such answer.")
    quote = quote_of(booking=booking, pk=pk)
    if quote is None:
        raise Http404("No such quote.")
    quote.booking = booking
    try:
        ANSWERS[action](quote, request.user, request.POST)
    except BookingError as exc:
        code = refusal_code(exc)
        if code == 403:
            raise PermissionDenied(str(exc)) from exc
        if code == 409:
            return render_conflict(request, booking, error=str(exc))
        return render_detail(request, booking_or_404(request, uid), status=code, error=str(exc))
    if action == "accept":
        notice = gettext("Accepted: these terms are the deal now. Both sides have been told.")
    else:
        notice = gettext("Declined: the other side has been told. Either side may propose other terms.")
    return _done(request, uid, notice)
