"""A client's request: the form anyone may read, the live "is the band free" check, and sending it; and
the same request sent to up to five bands at once – the shortlist it goes to (kept in the session),
its form, and the client's page comparing the bands' answers and quotes."""

import zoneinfo
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.ratelimit import (
    rate_limit_return,
    rate_limit_take_many,
    rate_limit_wait,
    rate_limited,
    rate_limited_response,
)
from bands.models import Band
from core.fields.timezones import known_zone, when_text
from core.web.htmx import HtmxHttpRequest, is_partial

from ..errors import BookingError
from ..forms.requests import RequestForm, RequestManyForm, RequestTimesForm
from ..models_requests import MAX_BANDS
from ..pages import refusal_code
from ..selectors.requests import (
    band_request_state,
    bands_played_in,
    bands_request_states,
    plays_in,
    request_group_for_client,
    request_group_rows,
    requestable_band_or_404,
    requestable_bands,
)
from ..services import asking
from ..services.requests import booking_request_many, names_text

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
        default_zone = getattr(known_zone(request), "key", "") or band.time_zone
        return _blank_form(request, band, default_zone)
    if not request.user.is_authenticated:
        return _to_login(request, band)
    form = RequestForm(request.POST, band=band)
    page_error, status = "", 400
    if form.is_valid():
        try:
            booking = asking.booking_request(band=band, client=request.user, **form.service_fields())
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


# ---- One request to several bands ---------------------------------------------------------------

MANY_TEMPLATE = "bookings/requests/many.html"
# The session's list of the slugs of the bands a visitor has picked to ask together, at most MAX_BANDS.
SHORTLIST = "request_shortlist"


def _shortlist(request: HttpRequest) -> list[str]:
    slugs = request.session.get(SHORTLIST, [])
    return [slug for slug in slugs if isinstance(slug, str)][:MAX_BANDS] if isinstance(slugs, list) else []


def _typed(data) -> dict:
    """What was typed into the request form so far (to carry it through a redirect)."""
    return {name: data[name] for name in RequestForm.base_fields if data.get(name)}


def _many_url(typed: dict) -> str:
    return reverse("bookings:request_many") + (f"?{urlencode(typed)}" if typed else "")


def _many_check_context(bands: list[Band], form: RequestTimesForm) -> dict:
    """Whether each band is free at the times in `form` ("free", "busy", "booked"), or why that cannot be said."""
    context = {"check": "incomplete", "check_when": "", "check_error": "", "check_bands": []}
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
    states = bands_request_states(bands=bands, starts_at=starts_at, ends_at=ends_at)
    return {**context, "check": "done", "check_bands": states}


def _many_page(
    request: HtmxHttpRequest,
    bands: list[Band],
    form: RequestManyForm | None,
    check_form: RequestTimesForm,
    *,
    status: int = 200,
    page_error: str = "",
) -> HttpResponse:
    played = bands_played_in(bands=bands, user=request.user)
    context = {
        "bands": bands,
        "plays_in": [band for band in bands if band.pk in played],
        "form": form,
        "max_bands": MAX_BANDS,
        "page_error": page_error,
        **_many_check_context(bands, check_form),
    }
    return render(request, MANY_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
def request_many(request: HtmxHttpRequest) -> HttpResponse:
    """One request to up to five bands at once (those on the visitor's shortlist). Anyone may read the
    form; sending needs a login. HTMX (GET with the times): whether each band is free then."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            route = "account_signup" if request.POST.get("then") == "signup" else "account_login"
            return redirect(f"{reverse(route)}?{urlencode({'next': _many_url(_typed(request.POST))})}")
        return _send_many(request)
    bands = requestable_bands(slugs=_shortlist(request))
    if is_partial(request):
        return render(request, f"{MANY_TEMPLATE}#check", _many_check_context(bands, RequestTimesForm(request.GET)))
    default_zone = getattr(known_zone(request), "key", "") or (bands[0].time_zone if bands else "UTC")
    initial = {**_typed(request.GET), "time_zone": request.GET.get("time_zone") or default_zone}
    form = RequestManyForm(initial=initial, bands=bands) if bands else None
    times = RequestTimesForm({**initial}) if request.GET.get("date") else RequestTimesForm()
    return _many_page(request, bands, form, times)


def _send_many(request: HtmxHttpRequest) -> HttpResponse:
    """Send the form to the bands it lists (the ones the page showed): one request each, or none. Each
    request counts against the person's limit of requests."""
    slugs = request.POST.getlist("band")
    bands = requestable_bands(slugs=slugs)
    form = RequestManyForm(request.POST, bands=bands)
    check = RequestTimesForm(request.POST)
    if len(bands) != len(slugs):
        error = gettext("A band on this list no longer takes requests; it is left out. Check the list and send again.")
        return _many_page(request, bands, form, check, status=400, page_error=error)
    if not form.is_valid():
        return _many_page(request, bands, form, check, status=400)
    wanted = max(len(bands), 1)
    taken = rate_limit_take_many(action="booking_request", who=request.user.pk, wanted=wanted)
    if taken < wanted:
        rate_limit_return(action="booking_request", who=request.user.pk, count=taken)
        if wait := rate_limit_wait(action="booking_request", who=request.user.pk):
            return rate_limited_response(request, action="booking_request", wait=wait)
        error = ngettext(
            "Your limit of requests leaves room for %(left)d more band just now: ask fewer bands, or try later.",
            "Your limit of requests leaves room for %(left)d more bands just now: ask fewer bands, or try later.",
            taken,
        ) % {"left": taken}
        return _many_page(request, bands, form, check, status=429, page_error=error)
    page_error, status = "", 400
    try:
        group = booking_request_many(bands=bands, client=request.user, **form.service_fields())
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        if "bands" in errors:
            page_error = " ".join(errors["bands"])
        else:
            form.add_service_errors(exc)
    except BookingError as exc:
        page_error, status = str(exc), refusal_code(exc)
    else:
        sent = {band.slug for band in bands}
        request.session[SHORTLIST] = [slug for slug in _shortlist(request) if slug not in sent]
        messages.success(
            request,
            ngettext(
                "Your request is with %(count)d band. You will hear when they answer.",
                "Your request is with %(count)d bands. Compare their answers and quotes here; booking one "
                "withdraws your request from the others.",
                len(bands),
            )
            % {"count": len(bands)},
        )
        return redirect("bookings:request_group", uid=group.uid)
    rate_limit_return(action="booking_request", who=request.user.pk, count=taken)
    return _many_page(request, bands, form, check, status=status, page_error=page_error)


@require_POST
def request_shortlist(request: HttpRequest) -> HttpResponse:
    """Put bands on the visitor's shortlist (`add`, from a band's page or the ticks of the search
    results, with the date searched for), or take one off (`remove`, from the request form, carrying
    what was typed); then the request form."""
    slugs = _shortlist(request)
    if remove := request.POST.get("remove"):
        request.session[SHORTLIST] = [slug for slug in slugs if slug != remove]
        return redirect(_many_url(_typed(request.POST)))
    new = [band for band in requestable_bands(slugs=request.POST.getlist("add")) if band.slug not in slugs]
    new = list({band.slug: band for band in new}.values())
    room = MAX_BANDS - len(slugs)
    if new and room <= 0:
        messages.error(
            request,
            gettext("Your request already has %(max)d bands, the most it can have: remove one to add another.")
            % {"max": MAX_BANDS},
        )
    elif len(new) > room:
        messages.error(
            request,
            ngettext(
                "Only %(room)d more band fits (at most %(max)d): %(bands)s left out.",
                "Only %(room)d more bands fit (at most %(max)d): %(bands)s left out.",
                room,
            )
            % {"room": room, "max": MAX_BANDS, "bands": names_text([band.name for band in new[room:]])},
        )
    added = new[: max(room, 0)]
    if added:
        request.session[SHORTLIST] = slugs + [band.slug for band in added]
        messages.success(
            request,
            gettext("Added to your request: %(bands)s.") % {"bands": names_text([band.name for band in added])},
        )
    elif not new:
        asked = request.POST.getlist("add")
        messages.info(
            request, gettext("Already on your request.") if asked else gettext("Tick the bands to ask first.")
        )
    date = request.POST.get("date", "")
    return redirect(_many_url({"date": date} if date else {}))


@login_required
@require_GET
def request_group(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The client's request sent to several bands: each band's answer and latest quote side by side."""
    group = request_group_for_client(uid=uid, user=request.user)
    if group is None:
        raise Http404("No such request.")
    rows = request_group_rows(group_id=group.pk)
    if not rows:
        raise Http404("No such request.")
    first = rows[0].booking
    zone = timezone.get_current_timezone()
    context = {"group": group, "rows": rows, "event": first, "when": when_text(first.starts_at, first.ends_at, zone)}
    return render(request, "bookings/requests/group.html", context)
