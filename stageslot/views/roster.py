"""An agency's roster: one row per band it acts for (next gigs, holds, offers to answer, contracts to sign,
money), their green zones side by side for a month, and the agent's two actions from it: ask a venue to hold a
date for a band, and answer an offer for a band (each through its app's own service)."""

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.ratelimit import rate_limited
from bookings.errors import BookingError, BookingPermissionError
from bookings.services import answering
from core.fields.dates import Bound, query_month
from core.web.htmx import render_page
from holds.requests import hold_request_many
from holds.services import HoldPermissionError
from teams.models import Organisation, Role
from teams.selectors import organisation_for_member, roster_bands_query

from ..forms import RosterAnswerForm, RosterHoldForm
from ..selectors import (
    ROSTER_STATES,
    agency_roster_rows,
    roster_band_matches,
    roster_booking,
    roster_month,
    roster_venue_matches,
)

MONTHS_BACK, MONTHS_AHEAD = 12, 24


def _agency(request: HttpRequest, slug: str) -> Organisation:
    """The agency if the viewer is one of its people (any role); 404 otherwise, as on the agency's page."""
    organisation = organisation_for_member(slug=slug, user=request.user)
    if organisation is None or organisation.my_role is None or not organisation.is_agency:
        raise Http404(_("No agency of yours at this address."))
    return organisation


def _month(params, today: dt.date) -> dt.date:
    """The first of the month asked for as YYYY-MM, within a year back and two ahead; else this month."""
    this_month = today.replace(day=1)
    month = query_month(params, "month", bound=Bound.BROWSE, default=this_month, fallback=True, today=today)
    ahead = (month.year - today.year) * 12 + month.month - today.month
    return month if -MONTHS_BACK <= ahead <= MONTHS_AHEAD else this_month


def _page(request: HttpRequest, organisation: Organisation, form: RosterHoldForm | None = None, *, status=200):
    now, today = timezone.now(), timezone.localdate()
    rows = agency_roster_rows(organisation=organisation, now=now)
    month = _month(request.GET, today)
    bands = [row.band for row in rows]
    can_act = organisation.my_role in (Role.OWNER, Role.BOOKER)
    zone = timezone.get_current_timezone()
    # What was typed into the pickers: carried over by a search without JavaScript, or by the form posted.
    typed = request.POST if request.method == "POST" else request.GET
    if form is None and can_act:
        form = RosterHoldForm(zone=zone, bands=roster_bands_query(organisation=organisation), initial=_picked(request))
    context = {
        "organisation": organisation,
        "can_act": can_act,
        "rows": rows,
        "month": month,
        "month_rows": roster_month(bands=bands, month=month, today=today, now=now),
        "days": [month.replace(day=d) for d in range(1, _days_in(month) + 1)],
        "previous": (month - dt.timedelta(days=1)).strftime("%Y-%m"),
        "following": (month + dt.timedelta(days=32)).strftime("%Y-%m"),
        "states": ROSTER_STATES,
        "form": form,
        "band_matches": roster_band_matches(organisation=organisation, text=typed.get("band_q", "")),
        "venue_matches": roster_venue_matches(text=typed.get("venue_q", "")),
        "zone": zone,
    }
    return render_page(request, "stageslot/roster.html", context, partial="month", status=status)


def _days_in(month: dt.date) -> int:
    return ((month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)).day


def _picked(request: HttpRequest) -> dict:
    """What a search without JavaScript carried over, or a day of the month picked: the form's first values."""
    return {key: request.GET[key] for key in ("band", "venue", "date", "start", "end", "note") if request.GET.get(key)}


@login_required
@require_GET
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _agency(request, slug))


@login_required
@require_GET
def roster_bands(request: HttpRequest, slug: str) -> HttpResponse:
    """The bands of the roster whose name holds what was typed (the hold form's band picker)."""
    organisation = _agency(request, slug)
    matches = roster_band_matches(organisation=organisation, text=request.GET.get("band_q", ""))
    return render(request, "stageslot/roster.html#band-matches", {"band_matches": matches})


@login_required
@require_GET
def roster_venues(request: HttpRequest, slug: str) -> HttpResponse:
    """Approved venues whose name or city holds what was typed (the hold form's venue picker)."""
    _agency(request, slug)
    matches = roster_venue_matches(text=request.GET.get("venue_q", ""))
    return render(request, "stageslot/roster.html#venue-matches", {"venue_matches": matches})


@login_required
@require_POST
@rate_limited("hold")
def roster_hold(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask a venue to hold a date for a band of the roster (holds.requests.hold_request_many)."""
    organisation = _agency(request, slug)
    zone = timezone.get_current_timezone()
    form = RosterHoldForm(request.POST, zone=zone, bands=roster_bands_query(organisation=organisation))
    if not form.is_valid():
        return _page(request, organisation, form, status=400)
    data = form.cleaned_data
    try:
        hold_request_many(
            by=request.user,
            band=data["band"],
            venues=[data["venue"]],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data["note"],
        )
    except HoldPermissionError as exc:
        form.add_error(None, str(exc))
        return _page(request, organisation, form, status=403)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, organisation, form, status=400)
    names = {"venue": data["venue"].name, "band": data["band"].name}
    messages.success(request, _("Asked %(venue)s to hold the date for %(band)s.") % names)
    return redirect("roster", slug=organisation.slug)


@login_required
@require_POST
def roster_answer(request: HttpRequest, slug: str, uid: UUID) -> HttpResponse:
    """Accept or decline an offer or request for a band of the roster, through the booking's own services
    (bookings.services.answering: the one path to BOOKED), which check that the agent acts for the band."""
    organisation = _agency(request, slug)
    booking = roster_booking(organisation=organisation, uid=uid)
    form = RosterAnswerForm(request.POST)
    if booking is None or not form.is_valid():
        raise Http404(_("No offer waiting for a band of this roster here."))
    accept = form.cleaned_data["answer"] == "accept"
    try:
        if accept:
            answering.booking_accept(booking=booking, by=request.user)
        else:
            answering.booking_decline(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = _("Booked: %(band)s.") if accept else _("Declined for %(band)s.")
        messages.success(request, done % {"band": booking.band.name})
    return redirect("roster", slug=organisation.slug)
