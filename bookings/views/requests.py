"""A client's request: the form anyone may read, the live "is the band free" check, and sending it."""

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.htmx import HtmxHttpRequest, is_partial
from accounts.ratelimit import rate_limited
from accounts.timezones import when_text
from bands.models import Band

from ..forms.requests import RequestForm, RequestTimesForm
from ..pages import refusal_code
from ..selectors.requests import band_request_state, plays_in, requestable_band_or_404
from ..services import workflow
from ..services.workflow import BookingError

TEMPLATE = "bookings/requests/request.html"


def _check_context(band: Band, form: RequestTimesForm) -> dict:
    """Whether the band is free at the times in `form`: "free", "busy", "booked" (a gig: it cannot be asked),
    "past", "invalid" or "incomplete". Never who is busy or why."""
    context = {"band": band, "check": "incomplete", "check_when": "", "check_error": ""}
    if not form.is_bound or not all(form.data.get(name) for name in ("date", "start", "end")):
        return context
    times = form.times()
    if times is None:
        errors = [e for name in ("date", "start", "end", "time_zone") for e in form.errors.get(name, [])]
        return {**context, "check": "invalid", "check_error": errors[0] if errors else ""}
    starts_at, ends_at = times
    context["check_when"] = when_text(starts_at, ends_at, zoneinfo.ZoneInfo(form.cleaned_data["time_zone"]))
    if starts_at <= timezone.now():
        return {**context, "check": "past"}
    return {**context, "check": band_request_state(band=band, starts_at=starts_at, ends_at=ends_at)}


def _times_from_query(request: HttpRequest, default_zone: str) -> RequestTimesForm:
    """The date and times a link or the no-script check button carried, for the form's first view."""
    data = {name: request.GET.get(name, "") for name in ("date", "start", "end", "time_zone")}
    data["time_zone"] = data["time_zone"] or default_zone
    return RequestTimesForm(data)


def _request_page(
    request: HtmxHttpRequest, band: Band, form: RequestForm, check_form: RequestTimesForm, *, status: int = 200, **extra
) -> HttpResponse:
    context = {
        "band": band,
        "form": form,
        "plays_in": plays_in(band=band, user=request.user),
        "check_url": reverse("bookings:request_check", args=[band.slug]),
        "page_error": "",
        **_check_context(band, check_form),
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def _blank_form(request: HtmxHttpRequest, band: Band, default_zone: str) -> HttpResponse:
    """The form's first view; a link (or the check answered without script) may carry what was typed so far."""
    initial = {name: request.GET[name] for name in RequestForm.base_fields if request.GET.get(name)}
    initial.setdefault("time_zone", default_zone)
    form = RequestForm(initial=initial, band=band)
    return _request_page(request, band, form, _times_from_query(request, default_zone))


def _to_login(request: HttpRequest, band: Band) -> HttpResponse:
    """A visitor sent the form: log in (or sign up, with the "then" button) and come back to the form
    holding what they typed – the fields ride in `next`, and the form's GET prefills from them."""
    typed = {name: request.POST[name] for name in RequestForm.base_fields if request.POST.get(name)}
    back = reverse("bookings:request", args=[band.slug]) + (f"?{urlencode(typed)}" if typed else "")
    route = "account_signup" if request.POST.get("then") == "signup" else "account_login"
    return redirect(f"{reverse(route)}?{urlencode({'next': back})}")


@require_http_methods(["GET", "POST"])
@rate_limited("booking_request")
def request_band(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A client asks a band to play a private event. Anyone may read the form; sending needs a login."""
    band = requestable_band_or_404(slug=slug)
    if request.method == "GET":
        default_zone = request.user.time_zone if request.user.is_authenticated else band.time_zone
        return _blank_form(request, band, default_zone)
    if not request.user.is_authenticated:
        return _to_login(request, band)
    form = RequestForm(request.POST, band=band)
    page_error, status = "", 400
    if form.is_valid():
        try:
            booking = workflow.booking_request(band=band, client=request.user, **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except BookingError as exc:
            page_error, status = str(exc), refusal_code(exc)
        else:
            messages.success(
                request,
                gettext(
                    "Your request is with %(band)s. You will hear when they answer; follow it here or under Bookings."
                )
                % {"band": band.name},
            )
            return redirect("bookings:detail", uid=booking.uid)
    return _request_page(request, band, form, RequestTimesForm(request.POST), status=status, page_error=page_error)


@require_GET
def request_check(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Live: is the band free at the date and times in the form? Only free or busy, never who or why."""
    band = requestable_band_or_404(slug=slug)
    if not is_partial(request):
        return request_band(request, slug)
    form = RequestTimesForm(request.GET)
    return render(request, f"{TEMPLATE}#check", _check_context(band, form))
