"""The bookers' calendar: a venue's rooms, or a venue group's, by month, week or day, with slots, shows, holds,
offers and closed days; moving a hold (a form per hold, or dragging it), closing and opening a day.

A venue's calendar is its staff's (owners and bookers, a group's bookers among them); a group's calendar is its
members' – viewers read it, and only those on a venue's staff act on that venue's rows."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from core.web.htmx import is_partial, render_page
from teams.models import Organisation
from teams.selectors import group_venues, organisation_for_member
from venues.permissions import venue_for

from .. import selectors, services
from ..calendar import KINDS, booker_calendar, calendar_dress, calendar_step
from ..forms import BookerCalendarForm, ClosedDayForm, ConfirmForm, MoveHoldForm


def _choice(request: HttpRequest) -> tuple[str, dt.date]:
    source = request.POST if request.method == "POST" else request.GET
    return BookerCalendarForm(source).choice(timezone.localdate())


def _url(base: str, view: str, on: dt.date) -> str:
    return f"{base}?{urlencode({'view': view, 'date': on.isoformat()})}"


def _page(request: HttpRequest, *, venues, base: str, title: str, venue=None, organisation=None) -> HttpResponse:
    view, on = _choice(request)
    calendar = booker_calendar(venues=venues, view=view, on=on, now=timezone.now())
    acting = selectors.venues_booked_by(venue_ids=[v.pk for v in venues], user=request.user)
    calendar_dress(calendar, acting=acting)
    stages = [stage for stage in calendar.stages() if stage.venue_id in acting]
    context = {
        "calendar": calendar,
        "title": title,
        "venue": venue,
        "organisation": organisation,
        "acting": acting,
        "move_stages": stages,
        "kinds": KINDS,
        "base": base,
        "views": [
            (name, label, _url(base, name, on)) for name, label in BookerCalendarForm.base_fields["view"].choices
        ],
        "previous": _url(base, view, calendar_step(view, on, -1)),
        "next": _url(base, view, calendar_step(view, on, 1)),
        "today": _url(base, view, timezone.localdate()),
        "confirm_form": ConfirmForm(),
        "holds_url": reverse("holds:venue", args=[venue.slug]) if venue is not None else "",
        # A form sent by htmx (moving a hold) comes back here through its redirect: its messages are drawn in the
        # swapped part, where focus goes to them, not left for the next whole page.
        "notices": list(messages.get_messages(request)) if is_partial(request) else [],
    }
    return render_page(request, "holds/calendar.html", context, partial="grid")


@login_required
def venue_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's calendar: its rooms by day."""
    venue = venue_for(request, slug)
    base = reverse("holds:calendar", args=[venue.slug])
    return _page(request, venues=[venue], base=base, title=venue.name, venue=venue)


@login_required
def group_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue group's calendar: every room of every venue it runs, by day."""
    organisation = organisation_for_member(slug=slug, user=request.user)
    if organisation is None or organisation.kind != Organisation.Kind.VENUE_GROUP:
        raise Http404(_("No venue group at this address."))
    if organisation.my_role is None:
        raise PermissionDenied(_("Only the group's people see its calendar."))
    base = reverse("holds:group_calendar", args=[organisation.slug])
    venues = list(group_venues(organisation=organisation))
    return _page(request, venues=venues, base=base, title=organisation.name, organisation=organisation)


def _back(request: HttpRequest, fallback: str) -> str:
    """Back to the calendar the form was sent from (a path of ours only), at its view and date (today when that
    date cannot be read: it only says where to go back to)."""
    back = request.POST.get("back", "")
    view, on = BookerCalendarForm({"view": request.POST.get("view", ""), "date": request.POST.get("on", "")}).choice(
        timezone.localdate(), fallback=True
    )
    if not back.startswith("/") or back.startswith("//") or "?" in back:
        back = fallback
    return _url(back, view, on)


@login_required
@require_POST
@rate_limited("hold")
def hold_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move a hold to another day or room: the form beside each hold, or where it was dragged to.

    Either way the answer is a redirect back to the calendar with a message; sent by htmx (the day's "Move…" form),
    the redirect is followed in place and the calendar's part draws the message, which takes focus."""
    venue = venue_for(request, slug)
    hold = selectors.hold_for_venue(venue=venue, pk=pk)
    if hold is None:
        raise Http404(_("No such hold."))
    acting = selectors.venues_booked_by_query(user=request.user)
    form = MoveHoldForm(request.POST, stages=selectors.stages_of_venues(venue_ids=acting))
    back = _back(request, reverse("holds:calendar", args=[venue.slug]))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        moved = services.hold_move(
            hold=hold, by=request.user, stage=data["stage"], date=data["date"], level=data["level"]
        )
    except services.HoldPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("%(band)s's hold moved to %(day)s, %(stage)s: %(level)s hold.")
        % {
            "band": moved.band.name,
            "day": date_format(moved.date, "WEEKDAY_FORMAT"),
            "stage": moved.stage.name,
            "level": moved.level_name,
        },
    )
    if moved.landed_lower:
        messages.info(request, _("That level was below the date's ladder, so it is the next free one."))
    if moved.clashes:
        messages.warning(request, services.hold_clash_warning(moved.clashes))
    return redirect(back)


@login_required
@require_POST
def day_close(request: HttpRequest, slug: str) -> HttpResponse:
    """Close a day of the venue, or open it again (`open` in the form)."""
    venue = venue_for(request, slug)
    form = ClosedDayForm(request.POST)
    back = _back(request, reverse("holds:calendar", args=[venue.slug]))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    day = form.cleaned_data["date"]
    try:
        if request.POST.get("open"):
            if services.venue_day_open(venue_id=venue.pk, by=request.user, date=day):
                messages.success(
                    request,
                    _("%(venue)s is open on %(day)s again.")
                    % {"venue": venue.name, "day": date_format(day, "WEEKDAY_FORMAT")},
                )
        else:
            services.venue_day_close(venue_id=venue.pk, by=request.user, date=day, note=form.cleaned_data["note"])
            messages.success(
                request,
                _("%(venue)s is closed on %(day)s.") % {"venue": venue.name, "day": date_format(day, "WEEKDAY_FORMAT")},
            )
    except services.HoldPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)
