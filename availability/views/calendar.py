"""/me/availability/: the calendar of a person's own time, a month or a week."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from core.fields.dates import Bound, query_date
from core.web.htmx import HtmxHttpRequest

from .. import engine, services
from ..regions import calendar_url, wants_region
from ..selectors import calendar_days, user_calendar
from ..weekdays import WEEKDAY_HEADS

# The week opens scrolled to an hour before evening gig hours (18:00), where musicians look first.
SCROLL_HOUR = 17


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _calendar_context(request: HttpRequest) -> dict:
    user = request.user
    zone = user.zone
    today = timezone.now().astimezone(zone).date()
    view = request.GET.get("view") if request.GET.get("view") in ("month", "week") else "month"
    # A date in the address only says what to show: one that cannot be read or is out of the bound shows today.
    anchor = query_date(request.GET, "date", bound=Bound.BROWSE, default=today, fallback=True)
    if view == "month":
        month = _month_start(anchor)
        first = month - dt.timedelta(days=month.weekday())
        last_of_month = _month_start(anchor, 1) - dt.timedelta(days=1)
        last = last_of_month + dt.timedelta(days=6 - last_of_month.weekday())
        previous, following = _month_start(anchor, -1), _month_start(anchor, 1)
        title = date_format(month, "YEAR_MONTH_FORMAT")
    else:
        # The week opens on the coming seven days; another date shows the calendar week around it.
        first = anchor if anchor == today else anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
        # Translators: the first and last day of a week shown, e.g. "7 Dec – 13 Dec 2026".
        title = pgettext("date range", "%(first)s – %(last)s") % {
            "first": date_format(first, "DAY_MONTH_FORMAT" if first.year == last.year else "DAY_FORMAT"),
            "last": date_format(last, "DAY_FORMAT"),
        }
    window_start, _ = engine.day_bounds(first, zone)
    _, window_end = engine.day_bounds(last, zone)
    data = user_calendar(user_id=user.pk, start=window_start, end=window_end)
    days = calendar_days(data.entries, first=first, last=last, zone=zone, today=today)
    if view == "month":
        for day in days:
            day.in_range = day.date.month == anchor.month
    kept_from, kept_until = services.horizon()
    return {
        "view": view,
        "anchor": anchor,
        "shown_first": month if view == "month" else first,
        "shown_last": last_of_month if view == "month" else last,
        "scroll_hour": SCROLL_HOUR,
        "title": title,
        "days": days,
        "weeks": [days[k : k + 7] for k in range(0, len(days), 7)],
        "hours": [dt.time(hour) for hour in range(24)],
        # Each column's short head and, in its <abbr title>, the full name ("Mo", "Montag").
        "weekday_heads": WEEKDAY_HEADS,
        "has_windows": data.has_windows,
        "time_zone": user.time_zone,
        "today": today,
        "self_url": calendar_url(view, anchor),
        "calendar_url": reverse("availability:calendar"),
        "add_url": reverse("availability:rule_add"),
        "previous_url": calendar_url(view, previous),
        "next_url": calendar_url(view, following),
        "today_url": calendar_url(view, today),
        "month_url": calendar_url("month", anchor),
        "week_url": calendar_url("week", anchor),
        "shown_until": kept_until.astimezone(zone).date() if window_end > kept_until else None,
        "shown_from": kept_from.astimezone(zone).date() if window_start < kept_from else None,
        "sources": [
            ("rule", gettext("Your busy time")),
            ("calendar", gettext("Imported calendar")),
            ("band-block", gettext("Band rehearsal or hold")),
            ("gig", gettext("Gig")),
            ("window", gettext("Outside your available times")),
        ],
    }


@login_required
def calendar_page(request: HtmxHttpRequest) -> HttpResponse:
    context = {**_calendar_context(request), "section": "calendar"}
    # Navigation and the refresh after a change swap the calendar alone; links push their own address.
    template = "availability/calendar.html"
    return render(request, f"{template}#calendar" if wants_region(request, "calendar") else template, context)
