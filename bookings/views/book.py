"""The guided booking: four server-side steps (what, when, where, review) with the band's availability
strip, a live price, and the draft kept in the session – so it survives logging in half-way.

Confirming an instant-bookable package books the gig at once (services.instant); anything else is a
request the band answers (services.asking.booking_request). HTMX swaps the wizard in place; without
JavaScript every button is a plain form post or link and the same pages come back.
"""

import datetime as dt
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

from accounts.ratelimit import rate_limit_return, rate_limit_take, rate_limited_response
from bands.models import Band, Package
from bands.packages import band_packages, package_length_label, package_price, package_price_label, package_travel_label
from core.fields.dates import Bound, query_date
from core.fields.timezones import known_zone, when_text
from core.web.htmx import HtmxHttpRequest, is_partial, page_redirect

from ..errors import BookingError
from ..forms.book import OTHER, STEP_TITLES, ReviewForm, WhatForm, WhenForm, WhereForm
from ..pages import refusal_code
from ..selectors.requests import plays_in, requestable_band_or_404
from ..selectors.strip import band_strip, start_fits
from ..services import asking
from ..services.instant import booking_instant, booking_instant_check

TEMPLATE = "bookings/book/book.html"
STEP_NAMES = ("what", "when", "where", "review")
FORMS = {"what": WhatForm, "when": WhenForm, "where": WhereForm, "review": ReviewForm}


def _key(band: Band) -> str:
    return f"book:{band.pk}"


def _draft(request: HttpRequest, band: Band) -> dict:
    return request.session.get(_key(band)) or {}


def _save(request: HttpRequest, band: Band, draft: dict) -> None:
    request.session[_key(band)] = draft


def _package(packages: list[Package], draft: dict) -> Package | None:
    chosen = draft.get("what", {}).get("package")
    return next((p for p in packages if str(p.pk) == chosen), None)


def _form(name: str, band: Band, packages: list[Package], draft: dict, data=None):
    kwargs: dict = {}
    if name == "what":
        kwargs = {"band": band, "packages": packages}
    elif name == "when":
        kwargs = {"band": band, "package": _package(packages, draft)}
    if data is None:
        stored = dict(draft.get(name, {}))
        if name == "when" and kwargs["package"] is not None and not stored.get("minutes"):
            stored["minutes"] = str(kwargs["package"].length_minutes)
        if name == "when" and kwargs["package"] is not None and kwargs["package"].price_unit == "fixed":
            stored["minutes"] = str(kwargs["package"].length_minutes)
        # Shown again (a link, Back, after logging in): the values as typed, without errors yet.
        return FORMS[name](initial=stored, **kwargs)
    return FORMS[name](data, **kwargs)


def _when_problem(band: Band, package: Package | None, form: WhenForm) -> str:
    """An instant package books only at a start in the band's green zone (as the strip offers)."""
    if package is None or not package.instant or "starts_at" not in form.cleaned_data:
        return ""
    starts_at = form.cleaned_data["starts_at"]
    length = form.cleaned_data["ends_at"] - starts_at
    if not start_fits(band=band, starts_at=starts_at, length=length, now=timezone.now()):
        return gettext("%(band)s is not free then for %(package)s. Choose one of the free times below.") % {
            "band": band.name,
            "package": package.name,
        }
    return ""


def _valid_steps(band: Band, packages: list[Package], draft: dict) -> int:
    """How many steps from the first are filled in validly (the furthest one may go is this + 1)."""
    for index, name in enumerate(STEP_NAMES[:3]):
        if name not in draft:
            return index
        form = _form(name, band, packages, draft, data=draft[name])
        if not form.is_valid() or (name == "when" and _when_problem(band, _package(packages, draft), form)):
            return index
    return 3


def _summary(band: Band, packages: list[Package], draft: dict, viewer: zoneinfo.ZoneInfo | None) -> dict:
    """What the review shows: the package, times in the band's zone and the viewer's (when known), the
    place, the total and the terms."""
    package = _package(packages, draft)
    when = _form("when", band, packages, draft, data=draft.get("when", {}))
    out: dict = {"package": package, "other": draft.get("what", {}).get("package") == OTHER}
    out["description"] = draft.get("what", {}).get("description", "")
    if when.is_valid():
        starts_at, ends_at = when.cleaned_data["starts_at"], when.cleaned_data["ends_at"]
        out.update(starts_at=starts_at, ends_at=ends_at, minutes=when.cleaned_data["minutes"])
        out["when_band"] = when_text(starts_at, ends_at, when.band_zone)
        out["when_viewer"] = when_text(starts_at, ends_at, viewer) if viewer and viewer.key != band.time_zone else ""
    if package is not None:
        out["total"] = package_price(package, minutes=out.get("minutes"))
        out["price_label"] = package_price_label(package)
        out["length_label"] = package_length_label(package)
        out["travel_label"] = package_travel_label(package)
    else:
        budget = draft.get("what", {}).get("budget")
        out["budget"] = int(budget) if budget not in (None, "") and str(budget).isdigit() else None
    out["where"] = draft.get("where", {})
    out["instant"] = bool(package and package.instant)
    return out


def _strip_context(request: HttpRequest, band: Band, package: Package | None, minutes: int | None) -> dict:
    length = dt.timedelta(minutes=minutes or (package.length_minutes if package else band.min_gig_minutes))
    # A first-time visitor (no zone known yet) reads the band's zone alone, not UTC as "theirs".
    viewer_zone = (known_zone(request) or zoneinfo.ZoneInfo(band.time_zone)).key
    strip = band_strip(band=band, length=length, viewer_zone=viewer_zone, instant=bool(package and package.instant))
    # The day picked in the strip; one the address gives that cannot be read or is out of the bound picks none.
    wanted = query_date(request.GET, "day", bound=Bound.BROWSE, fallback=True)
    chosen = strip.day(wanted) if wanted else None
    if chosen is None:
        chosen = next((d for d in strip.days if d.starts), None)
    return {"strip": strip, "chosen": chosen}


def _page(
    request: HtmxHttpRequest,
    band: Band,
    packages: list[Package],
    draft: dict,
    step: int,
    *,
    form=None,
    status: int = 200,
    error: str = "",
    taken_at: dt.datetime | None = None,
) -> HttpResponse:
    name = STEP_NAMES[step - 1]
    form = form or _form(name, band, packages, draft)
    package = _package(packages, draft)
    context = {
        "band": band,
        "packages": packages,
        "step": step,
        "step_name": name,
        "step_title": STEP_TITLES[step - 1],
        "steps": list(enumerate(STEP_TITLES, start=1)),
        "form": form,
        "error": error,
        "plays_in": plays_in(band=band, user=request.user),
        "book_url": reverse("bookings:book", args=[band.slug]),
        "summary": _summary(band, packages, draft, known_zone(request)),
        "terms": band.cancellation_words,
        "selected_package": package,
    }
    if name == "when":
        typed = form.data.get("minutes", "") if form.is_bound else form.initial.get("minutes", "")
        minutes = int(typed) if str(typed).isdigit() else None
        context.update(_strip_context(request, band, package, minutes))
        if taken_at is not None:
            context["next_free"] = context["strip"].next_starts(taken_at)
        if package is not None:
            context["live_price"] = package_price(package, minutes=max(minutes or 0, package.length_minutes))
    template = f"{TEMPLATE}#wizard" if is_partial(request) else TEMPLATE
    return render(request, template, context, status=status)


def _from_query(request: HttpRequest, packages: list[Package], draft: dict) -> int | None:
    """A link from the band page or the strip: a package, a day and start picked. Returns the step to show."""
    step = None
    chosen = request.GET.get("package")
    if chosen and any(str(p.pk) == chosen for p in packages):
        draft["what"] = {"package": chosen}
        step = 2
    if request.GET.get("date") and request.GET.get("start"):
        when = dict(draft.get("when", {}))
        when.update(date=request.GET["date"], start=request.GET["start"])
        draft["when"] = when
        step = 2
    return step


@require_http_methods(["GET", "POST"])
def book(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """/bands/<slug>/book/: the guided booking. Anyone may fill it in; confirming needs a login."""
    band = requestable_band_or_404(slug=slug)
    packages = list(band_packages(band=band))
    draft = _draft(request, band)
    if request.method == "GET":
        if request.GET.get("part") == "price" and is_partial(request):
            return _price(request, band, packages, draft)
        linked = _from_query(request, packages, draft)
        _save(request, band, draft)
        wanted = linked or (int(request.GET["step"]) if request.GET.get("step", "").isdigit() else 1)
        step = max(1, min(wanted, _valid_steps(band, packages, draft) + 1, 4))
        return _page(request, band, packages, draft, step)
    step = int(request.POST["step"]) if request.POST.get("step", "").isdigit() else 1
    step = max(1, min(step, 4))
    name = STEP_NAMES[step - 1]
    go = request.POST.get("go", "next")
    raw = {k: request.POST.get(k, "") for k in FORMS[name].base_fields if k in request.POST}
    if go == "back":
        draft[name] = {**draft.get(name, {}), **raw}
        _save(request, band, draft)
        return _page(request, band, packages, draft, max(1, step - 1))
    if go.startswith("pick:") and name == "when":
        day, _, start = go[5:].partition("T")
        draft["when"] = {**draft.get("when", {}), **raw, "date": day, "start": start}
        _save(request, band, draft)
        return _page(request, band, packages, draft, 2)
    form = _form(name, band, packages, draft, data=raw)
    if not form.is_valid():
        draft[name] = raw
        _save(request, band, draft)
        return _page(request, band, packages, draft, step, form=form, status=400)
    if name == "when" and (problem := _when_problem(band, _package(packages, draft), form)):
        form.add_error("start", problem)
        draft[name] = raw
        _save(request, band, draft)
        return _page(request, band, packages, draft, step, form=form, status=409)
    draft[name] = raw
    if name == "what" and raw.get("package") != draft.get("when", {}).get("_package"):
        # Another package: its length applies from now on.
        draft["when"] = {**draft.get("when", {}), "minutes": "", "_package": raw.get("package")}
    _save(request, band, draft)
    if name != "review":
        return _page(request, band, packages, draft, step + 1)
    return _confirm(request, band, packages, draft, form)


def _taken_at(band: Band, packages: list[Package], draft: dict) -> dt.datetime | None:
    """The start an instant booking asked for, when it is valid but no longer free (someone else just
    booked it): the loser of a race is told so, not sent back to a vague earlier step."""
    package = _package(packages, draft)
    when = _form("when", band, packages, draft, data=draft.get("when", {}))
    if package is None or not package.instant or not when.is_valid():
        return None
    return when.cleaned_data["starts_at"] if _when_problem(band, package, when) else None


def _time_taken(
    request: HtmxHttpRequest, band: Band, packages: list[Package], draft: dict, taken_at: dt.datetime
) -> HttpResponse:
    """409: the chosen time went to someone else; the time step with the band's next free starts."""
    return _page(
        request,
        band,
        packages,
        draft,
        2,
        status=409,
        error=gettext("The time you chose was just taken. Nothing was booked: choose one of the next free times."),
        taken_at=taken_at,
    )


def _confirm(request: HtmxHttpRequest, band: Band, packages: list[Package], draft: dict, form) -> HttpResponse:
    if _valid_steps(band, packages, draft) == 1 and (taken_at := _taken_at(band, packages, draft)):
        return _time_taken(request, band, packages, draft, taken_at)
    if _valid_steps(band, packages, draft) < 3:
        return _page(
            request,
            band,
            packages,
            draft,
            _valid_steps(band, packages, draft) + 1,
            status=400,
            error=gettext("Something in an earlier step needs another look."),
        )
    if not request.user.is_authenticated:
        back = reverse("bookings:book", args=[band.slug]) + "?step=4"
        route = "account_signup" if request.POST.get("then") == "signup" else "account_login"
        return redirect(f"{reverse(route)}?{urlencode({'next': back})}")
    # Only confirming counts against the limit on requests, not each step on the way. The place is
    # taken before booking (so a burst cannot pass the limit) and given back if nothing was booked.
    if wait := rate_limit_take(action="booking_request", who=request.user.pk):
        return rate_limited_response(request, action="booking_request", wait=wait)
    summary = _summary(band, packages, draft, known_zone(request))
    where, package = summary["where"], summary["package"]
    details = {
        "event_type": where.get("event_type", ""),
        "location": where.get("location", ""),
        "guests": int(where["guests"]) if str(where.get("guests", "")).isdigit() else None,
        "setting": where.get("setting", ""),
        "power_notes": where.get("power_notes", ""),
        "load_in_notes": where.get("load_in_notes", ""),
    }
    message = form.cleaned_data["message"]
    price = form.cleaned_data["price"] if form.cleaned_data["price"] is not None else -1
    try:
        if package is not None and package.instant and price > 0:
            return _to_checkout(request, band, package, summary, price, details, message)
        if package is not None and package.instant:
            booking = booking_instant(
                band=band,
                package=package,
                client=request.user,
                starts_at=summary["starts_at"],
                price=price,
                minutes=summary["minutes"],
                message=message,
                **details,
            )
            notice = gettext("Booked: %(band)s will play. They have been told; everything is on this page.") % {
                "band": band.name
            }
        else:
            if summary["other"]:
                message = f"{summary['description']}\n\n{message}".strip()
            booking = asking.booking_request(
                band=band,
                client=request.user,
                starts_at=summary["starts_at"],
                ends_at=summary["ends_at"],
                time_zone=band.time_zone,
                fee=summary.get("total", summary.get("budget")),
                package=package,
                message=message,
                **details,
            )
            notice = gettext("Your request is with %(band)s. You will hear when they answer.") % {"band": band.name}
    except ValidationError as exc:
        rate_limit_return(action="booking_request", who=request.user.pk)
        return _page(request, band, packages, draft, 4, status=400, error=" ".join(exc.messages))
    except BookingError as exc:
        rate_limit_return(action="booking_request", who=request.user.pk)
        if summary["instant"] and (taken_at := _taken_at(band, packages, draft)):
            # Lost a race with another client for this time: the next free times, not a dead end.
            return _time_taken(request, band, packages, draft, taken_at)
        return _page(request, band, packages, draft, 4, status=refusal_code(exc), error=str(exc))
    except BaseException:
        rate_limit_return(action="booking_request", who=request.user.pk)
        raise
    request.session.pop(_key(band), None)
    messages.success(request, notice)
    return page_redirect(request, reverse("bookings:detail", args=[booking.uid]))


def _to_checkout(
    request: HtmxHttpRequest, band: Band, package: Package, summary: dict, price: int, details: dict, message: str
) -> HttpResponse:
    """An instant package with a price is paid at once: every check an instant booking makes (raising as
    it does), then the payments app's checkout, which books once the card is accepted."""
    texts = {**{k: v for k, v in details.items() if k not in ("guests", "setting")}, "message": message}
    _minutes, texts = booking_instant_check(
        band=band,
        package=package,
        client=request.user,
        starts_at=summary["starts_at"],
        price=price,
        minutes=summary["minutes"],
        guests=details["guests"],
        setting=details["setting"],
        texts=texts,
        now=timezone.now(),
    )
    # Nothing is booked yet: the place of the per-person limit goes back, the checkout keeps its own.
    rate_limit_return(action="booking_request", who=request.user.pk)
    request.session[f"instant-checkout:{band.slug}"] = {
        "package": package.pk,
        "starts_at": summary["starts_at"].isoformat(),
        "minutes": summary["minutes"],
        "price": price,
        "guests": details["guests"],
        "setting": details["setting"],
        "texts": texts,
    }
    request.session.pop(_key(band), None)
    return page_redirect(request, reverse("payments:checkout_new", args=[band.slug]))


def _price(request: HtmxHttpRequest, band: Band, packages: list[Package], draft: dict) -> HttpResponse:
    """Live: the price of the chosen package for the typed length."""
    package = _package(packages, draft)
    minutes = int(request.GET["minutes"]) if request.GET.get("minutes", "").isdigit() else None
    context = {"selected_package": package, "band": band}
    if package is not None:
        context["live_price"] = package_price(package, minutes=max(minutes or 0, package.length_minutes))
    return render(request, f"{TEMPLATE}#price", context)


@require_GET
def band_strip_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The band page's booking section: its packages and the availability strip (a chosen day's starts
    link into the guided booking). Loaded into the band page; alone, a page of its own."""
    band = requestable_band_or_404(slug=slug)
    packages = list(band_packages(band=band))
    package = next((p for p in packages if str(p.pk) == request.GET.get("package")), None)
    package = package or next((p for p in packages if p.instant), None)
    context = {
        "band": band,
        "packages": packages,
        "package_rows": [
            (p, package_length_label(p), package_price_label(p), package_travel_label(p)) for p in packages
        ],
        "selected_package": package,
        "terms": band.cancellation_words,
        "book_url": reverse("bookings:book", args=[band.slug]),
        "strip_query": reverse("bookings:band_strip", args=[band.slug])
        + (f"?package={package.pk}&" if package else "?"),
        **_strip_context(request, band, package, None),
    }
    template = "bookings/book/strip.html#section" if is_partial(request) else "bookings/book/strip.html"
    return render(request, template, context)
