"""The public live calendars: a band's month of availability and a venue's next slots.

Each answers a page of its own (the no-JavaScript link) or, for HTMX, only its section: the band's
and the venue's pages load it and it polls itself, so a booking shows without a reload. A band or
venue that is not listed is a 404 here as on its page, except for its own people and staff.
"""

import datetime as dt
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from bands.calendar import WEEKDAY_NAMES, band_calendar_access, length_label
from venues.models import Venue

from .public import (
    PUBLIC_HOURS,
    STATES,
    band_public_month,
    month_in_range,
    parse_month,
    shift_month,
    slot_rows,
    venue_slots_upcoming,
    venue_visible_to,
)

# How often the live sections ask for news, in seconds (a setting, so browser tests need not wait).
POLL_SECONDS = 20


def _poll_seconds() -> int:
    return getattr(settings, "LIVE_POLL_SECONDS", POLL_SECONDS)


def _section_only(request: HttpRequest) -> bool:
    """An HTMX load, poll or step gets the section; a history restore needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _month_url(slug: str, month: dt.date) -> str:
    return f"{reverse('bookings:band_calendar', args=[slug])}?{urlencode({'month': f'{month:%Y-%m}'})}"


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def band_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    band, members, me = band_calendar_access(slug=slug, user=request.user)
    if not band.is_public and me is None and not request.user.is_staff:
        raise Http404("No such band.")
    tz = zoneinfo.ZoneInfo(band.time_zone)
    now = timezone.now().astimezone(tz)
    today = now.date()
    month_start = parse_month(request.GET.get("month"), today=today)
    month = band_public_month(band=band, members=members, month_start=month_start, today=today)
    prev_month, next_month = shift_month(month_start, -1), shift_month(month_start, 1)
    this_month = today.replace(day=1)
    context = {
        "band": band,
        "is_member": me is not None,
        "month": month,
        "title": f"{month_start:%B %Y}",
        "time_zone": band.time_zone,
        "hours": PUBLIC_HOURS,
        "min_label": length_label(month.min_length),
        "weekday_names": WEEKDAY_NAMES,
        "states": STATES,
        "is_this_month": month_start == this_month,
        "self_url": _month_url(band.slug, month_start),
        "prev_url": _month_url(band.slug, prev_month) if month_in_range(prev_month, today=today) else "",
        "next_url": _month_url(band.slug, next_month) if month_in_range(next_month, today=today) else "",
        "today_url": _month_url(band.slug, this_month),
        "updated": f"{now:%H:%M}",
        "poll_seconds": _poll_seconds(),
    }
    template = "bookings/public/band_calendar.html"
    # The page's own note on times (the footer) names the zone the days are in.
    with timezone.override(tz):
        return render(request, f"{template}#calendar" if _section_only(request) else template, context)


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def venue_slots_live(request: HttpRequest, slug: str) -> HttpResponse:
    venue = get_object_or_404(Venue, slug=slug)
    if not venue_visible_to(venue=venue, user=request.user):
        raise Http404("No such venue.")
    # Signed-in viewers read their own zone (the middleware set it); everyone else the venue's.
    tz = request.user.zone if request.user.is_authenticated else zoneinfo.ZoneInfo(venue.time_zone)
    now = timezone.now()
    context = {
        "venue": venue,
        "rows": slot_rows(venue_slots_upcoming(venue=venue, now=now), tz=tz),
        "time_zone": tz.key,
        "updated": f"{now.astimezone(tz):%H:%M}",
        "self_url": reverse("bookings:venue_slots_live", args=[venue.slug]),
        "poll_seconds": _poll_seconds(),
    }
    template = "bookings/public/venue_slots.html"
    with timezone.override(tz):
        return render(request, f"{template}#slots" if _section_only(request) else template, context)
