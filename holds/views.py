"""The hold pages: a venue's ladders (place a hold, challenge, confirm, let go) and where a band is held."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.htmx import is_partial, render_page
from accounts.ratelimit import rate_limited
from bands.selectors import band_for_manage
from bookings.services.workflow import BookingError
from teams.selectors import viewing_band_ids
from venues.permissions import venue_for

from . import selectors, services
from .forms import ConfirmForm, HoldForm

ACTIONS = ("release", "challenge", "confirm")


def _first_day(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    return day if today <= day <= today + dt.timedelta(days=3 * 365) else today


def _ladder_url(slug: str, day: dt.date) -> str:
    return f"{reverse('holds:venue', args=[slug])}?date={day.isoformat()}"


def _venue_page(request: HttpRequest, venue, form: HoldForm | None = None, *, status: int = 200) -> HttpResponse:
    stages = venue.stages.order_by("name", "pk")
    first_day = _first_day(request)
    context = {
        "venue": venue,
        "is_owner": venue.my_role == "owner",
        "ladders": selectors.venue_ladders(venue=venue, first_day=first_day),
        # The date jump loads the ladders alone: the history below them is the whole page's.
        "history": [] if is_partial(request) else selectors.venue_hold_history(venue=venue),
        "form": form or HoldForm(venue=venue, stages=stages, initial={"date": first_day}),
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
                % {"band": hold.band.name, "level": hold.level_name, "day": hold.date.isoformat()},
            )
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


@login_required
def band_holds(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the band is held: for its members and the people of an agency that represents it."""
    band, membership = band_for_manage(slug=slug, user=request.user)
    if band is None:
        raise Http404(_("No band at this address."))
    if membership is None and band.pk not in viewing_band_ids(user=request.user):
        raise PermissionDenied(_("Only the band's members and its agency see where it is held."))
    context = {
        "band": band,
        "holds": selectors.band_holds(band=band, first_day=timezone.localdate()),
    }
    return render(request, "holds/band.html", context)
