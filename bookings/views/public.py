"""The public live calendars: a band's month of availability and a venue's next slots.

Each answers a page of its own (the no-JavaScript link) or, for HTMX, only its section: the band's
and the venue's pages load it and it polls itself, so a booking shows without a reload. A band or
venue that is not listed is a 404 here as on its page, except for its own people and staff.
"""

import zoneinfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from bands.calendar import band_calendar_access
from core.fields.timezones import known_zone
from core.web.htmx import is_partial
from venues.models import Venue

from ..pages import month_context, poll_seconds
from ..selectors.public import (
    STATES,
    band_public_month,
    month_in_range,
    parse_month,
    slot_rows,
    venue_slots_upcoming,
    venue_visible_to,
)


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
    context = month_context(
        band=band,
        month=month,
        now=now,
        path=reverse("bookings:band_calendar", args=[band.slug]),
        states=STATES,
        in_range=lambda m: month_in_range(m, today=today),
    )
    context["is_member"] = me is not None
    template = "bookings/public/band_calendar.html"
    # The page's own note on times (the footer) names the zone the days are in.
    with timezone.override(tz):
        return render(request, f"{template}#calendar" if is_partial(request) else template, context)


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def venue_slots_live(request: HttpRequest, slug: str) -> HttpResponse:
    venue = get_object_or_404(Venue, slug=slug)
    if not venue_visible_to(venue=venue, user=request.user):
        raise Http404("No such venue.")
    # Viewers read their own zone (their account's or browser's); a first visit reads the venue's.
    tz = known_zone(request) or zoneinfo.ZoneInfo(venue.time_zone)
    now = timezone.now()
    context = {
        "venue": venue,
        "rows": slot_rows(venue_slots_upcoming(venue=venue, now=now), tz=tz),
        "time_zone": tz.key,
        "updated": time_format(now.astimezone(tz), "CLOCK_FORMAT"),
        "self_url": reverse("bookings:venue_slots_live", args=[venue.slug]),
        "poll_seconds": poll_seconds(),
    }
    template = "bookings/public/venue_slots.html"
    with timezone.override(tz):
        return render(request, f"{template}#slots" if is_partial(request) else template, context)
