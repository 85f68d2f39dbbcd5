"""The hold pages: a venue's ladders (place a hold, challenge, confirm, let go) and where a band is held."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from bands.selectors import band_for_manage
from bookings.errors import BookingError
from bookings.selectors.venue_slots import band_suggestions
from core.fields.dates import Bound, query_date
from core.web.htmx import is_partial, render_page
from teams.selectors import agency_acting_for, viewing_band_ids
from venues.permissions import venue_for

from .. import requests as hold_requests
from .. import selectors, services
from ..forms import AnswerHoldRequestForm, AskHoldsForm, ConfirmForm, HoldForm

ACTIONS = ("release", "challenge", "confirm")


def _first_day(request: HttpRequest) -> dt.date:
    """The ladders' first day: today by default, and in place of a date that is none, passed or past the horizon
    (the address only says where the list starts)."""
    today = timezone.localdate()
    return query_date(request.GET, "date", bound=Bound.AHEAD, default=today, fallback=True)


def _ladder_url(slug: str, day: dt.date) -> str:
    return f"{reverse('holds:venue', args=[slug])}?date={day.isoformat()}"


def _with_suggestions(form: HoldForm, venue) -> HoldForm:
    """Band names are suggested while typing (a datalist filled by htmx); without JavaScript the name is typed."""
    form.fields["band"].widget.attrs.update(
        {
            "hx-get": reverse("holds:band_options", args=[venue.slug]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#hold-band-options",
            "hx-swap": "outerHTML",
        }
    )
    return form


def _venue_page(request: HttpRequest, venue, form: HoldForm | None = None, *, status: int = 200) -> HttpResponse:
    stages = venue.stages.order_by("name", "pk")
    first_day = _first_day(request)
    form = form or HoldForm(
        venue=venue, stages=stages, initial={"date": first_day, "stage": request.GET.get("stage", "")}
    )
    context = {
        "venue": venue,
        "is_owner": venue.my_role == "owner",
        "ladders": selectors.venue_ladders(venue=venue, first_day=first_day, viewer=request.user),
        # The date jump loads the ladders alone: the history below them is the whole page's.
        "history": [] if is_partial(request) else selectors.venue_hold_history(venue=venue),
        "form": _with_suggestions(form, venue),
        "asked": [] if is_partial(request) else selectors.venue_hold_requests(venue=venue),
        "stage_list": list(stages) if not is_partial(request) else [],
        "confirm_form": ConfirmForm(),
        "first_day": first_day,
        "zone": venue.time_zone,
        "challenge_hours": services.challenge_hours(),
        # Each hold's addresses are these plus its id or slug: one reverse for the page, not three a hold.
        "holds_url": reverse("holds:venue", args=[venue.slug]),
        "bands_url": reverse("bands:search"),
    }
    return render_page(request, "holds/venue.html", context, partial="ladders", status=status)


@login_required
def venue_holds(request: HttpRequest, slug: str) -> HttpResponse:
    """The venue's held dates, each a ladder 1st first, and the form to hold a date."""
    venue = venue_for(request, slug)
    return _venue_page(request, venue)


@login_required
def band_options(request: HttpRequest, slug: str) -> HttpResponse:
    """Suggestions for the hold form's band field (htmx): approved bands matching what was typed."""
    venue = venue_for(request, slug)
    bands = band_suggestions(text=request.GET.get("band", ""))
    return render(request, "holds/venue.html#band-options", {"band_options": bands, "venue": venue})


@login_required
@require_POST
@rate_limited("hold")
def hold_new(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    form = HoldForm(request.POST, venue=venue, stages=venue.stages.order_by("name", "pk"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            hold = services.hold_place(
                by=request.user,
                stage=data["stage"],
                band=data["band"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                expires_at=data["expires_at"],
                level=data["level"],
                note=data["note"],
            )
        except services.HoldPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(band)s is held: %(level)s hold on %(day)s.")
                % {"band": hold.band.name, "level": hold.level_name, "day": date_format(hold.date, "WEEKDAY_FORMAT")},
            )
            if hold.clashes:
                messages.warning(request, services.hold_clash_warning(hold.clashes))
            return redirect(_ladder_url(venue.slug, hold.date))
    return _venue_page(request, venue, form, status=400)


@login_required
@require_POST
def hold_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Let go, challenge the 1st, or confirm the 1st into an offer."""
    venue = venue_for(request, slug)
    hold = selectors.hold_for_venue(venue=venue, pk=pk)
    if hold is None or action not in ACTIONS:
        raise Http404(_("No such hold."))
    names = {"band": hold.band.name}
    back = redirect(_ladder_url(venue.slug, hold.date))
    try:
        if action == "release":
            services.hold_release(hold=hold, by=request.user)
            messages.success(request, _("%(band)s's hold is let go; the holds below moved up.") % names)
        elif action == "challenge":
            first = services.hold_challenge(hold=hold, by=request.user)
            messages.success(
                request,
                _("Challenged: %(first)s has %(hours)s hours to confirm or let go.")
                % {"first": first.band.name, "hours": services.challenge_hours()},
            )
        else:
            form = ConfirmForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                return back
            booking = services.hold_confirm(
                hold=hold, by=request.user, fee=form.cleaned_data["fee"], message=form.cleaned_data["message"]
            )
            messages.success(request, _("Confirmed: %(band)s has the offer to answer.") % names)
            return redirect("bookings:detail", uid=booking.uid)
    except services.HoldPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except BookingError as exc:
        messages.error(request, str(exc))
    return back


def _band_page(request: HttpRequest, band, form: AskHoldsForm | None = None, *, status: int = 200) -> HttpResponse:
    agency = agency_acting_for(band_id=band.pk, user=request.user)
    zone = timezone.get_current_timezone()
    context = {
        "band": band,
        "holds": selectors.band_holds(band=band, first_day=timezone.localdate()),
        "requests": selectors.band_hold_requests(band=band),
        "agency": agency,
        "ask_form": (form or AskHoldsForm(zone=zone)) if agency else None,
        "zone": zone,
    }
    return render(request, "holds/band.html", context, status=status)


def _band_for_viewer(request: HttpRequest, slug: str):
    band, membership = band_for_manage(slug=slug, user=request.user)
    if band is None:
        raise Http404(_("No band at this address."))
    if membership is None and band.pk not in viewing_band_ids(user=request.user):
        raise PermissionDenied(_("Only the band's members and its agency see where it is held."))
    return band


@login_required
def band_holds(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the band is held and which venues its agency asked: for its members and the people of an agency
    that represents it (its agents ask venues to hold a date here)."""
    return _band_page(request, _band_for_viewer(request, slug))


@login_required
@require_POST
@rate_limited("hold")
def hold_ask(request: HttpRequest, slug: str) -> HttpResponse:
    band = _band_for_viewer(request, slug)
    form = AskHoldsForm(request.POST, zone=timezone.get_current_timezone())
    if form.is_valid():
        data = form.cleaned_data
        try:
            asked = hold_requests.hold_request_many(
                by=request.user,
                band=band,
                venues=data["venues"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except services.HoldPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Asked %(count)s venue to hold the date.", "Asked %(count)s venues to hold the date.", len(asked)
                )
                % {"count": len(asked)},
            )
            return redirect("holds:band", slug=band.slug)
    return _band_page(request, band, form, status=400)


REQUEST_ACTIONS = ("hold", "decline", "withdraw")


@login_required
@require_POST
def hold_request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The venue holds the date asked or says no; the agency takes its question back."""
    asked = selectors.hold_request_seen_by(pk=pk, user=request.user)
    if asked is None or action not in REQUEST_ACTIONS:
        raise Http404(_("No such request."))
    names = {"band": asked.band.name, "venue": asked.venue.name}
    if action != "withdraw" and not selectors.is_venue_staff(venue_id=asked.venue_id, user=request.user):
        raise PermissionDenied(_("Only the venue's staff answer the holds it is asked for."))
    try:
        if action == "withdraw":
            hold_requests.hold_request_withdraw(request=asked, by=request.user)
            messages.success(request, _("Taken back: %(venue)s is no longer asked.") % names)
            return redirect("holds:band", slug=asked.band.slug)
        back = redirect(_ladder_url(asked.venue.slug, asked.date))
        if action == "decline":
            hold_requests.hold_request_answer(request=asked, by=request.user, accept=False)
            messages.success(request, _("Said no: the agency of %(band)s is told.") % names)
            return back
        form = AnswerHoldRequestForm(request.POST, stages=selectors.venue_stages_query(venue=asked.venue))
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return back
        days = form.cleaned_data["expires_in"]
        answered = hold_requests.hold_request_answer(
            request=asked,
            by=request.user,
            accept=True,
            stage=form.cleaned_data["stage"],
            expires_at=min(asked.starts_at, timezone.now() + dt.timedelta(days=days)),
        )
        messages.success(request, _("%(band)s is held; the agency is told.") % names)
        if answered.hold.clashes:
            messages.warning(request, services.hold_clash_warning(answered.hold.clashes))
        return back
    except services.HoldPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if action == "withdraw":
        return redirect("holds:band", slug=asked.band.slug)
    return redirect(_ladder_url(asked.venue.slug, asked.date))
