"""The band calendar: when everyone needed is free, finding gig dates, rehearsals and holds.

Members only: a logged-in stranger gets a 404 (the calendar of a band you are not in does not
exist for you), an anonymous visitor the login page. Times are in the viewer's time zone.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, trigger_client_event

from availability.weekdays import WEEKDAY_HEADS, WEEKDAY_NAMES
from core.fields.dates import Bound, DateInputError, query_date
from core.web.htmx import HtmxHttpRequest, is_partial

from .. import services
from ..calendar import (
    CalendarMember,
    band_availability,
    band_blocks_upcoming,
    band_calendar_access,
    band_calendar_held,
    band_find_dates,
    block_description,
    length_label,
    member_green_zone_week,
    month_grid,
    week_of,
)
from ..forms.calendar import (
    DEFAULT_HOURS,
    GIG_HOURS,
    BandBlockForm,
    CalendarViewForm,
    FindDatesForm,
    GigHours,
    MinGigForm,
    length_choices,
)
from ..models import Band
from ..search_pages import shareable_url
from ..selectors import band_block_editable
from ..services import BandPermissionError

NOT_A_MANAGER = _("Only the band's leaders and admins can change its calendar.")
CHANGED = "gz-changed"  # the calendar reloads itself when blocks change
FIND_LIMIT = 50


def _member(request: HttpRequest, slug: str) -> tuple[Band, list[CalendarMember], CalendarMember]:
    band, members, me = band_calendar_access(slug=slug, user=request.user)
    if me is None:
        raise Http404("No such band calendar.")
    return band, members, me


def _manager(me: CalendarMember) -> None:
    if not me.membership.can_manage:
        raise PermissionDenied(NOT_A_MANAGER)


def _calendar_url(band: Band, view: str, on: dt.date, minutes: int, hours: GigHours) -> str:
    query = {"view": view, "date": on.isoformat()}
    return f"{reverse('bands:calendar', args=[band.slug])}?{urlencode(query)}{_link_query(band, minutes, hours)}"


def _link_query(band: Band, minutes: int, hours: GigHours) -> str:
    """What a calendar link adds to view and date: the length and the hours, when not the defaults."""
    query = {}
    if minutes != band.min_gig_minutes:
        query["min"] = str(minutes)
    if hours.key != DEFAULT_HOURS:
        query["hours"] = hours.key
    return f"&{urlencode(query)}" if query else ""


def _hours_note(hours: GigHours, length: dt.timedelta) -> str:
    if hours.span >= length:
        return ""
    return gettext(
        "%(hours)s are only %(span)s long, shorter than %(length)s: no day can be green. "
        "Pick a shorter length or other gig hours."
    ) % {"hours": hours.label, "span": length_label(hours.span), "length": length_label(length)}


def _calendar_context(
    request: HttpRequest,
    band: Band,
    members: list[CalendarMember],
    me: CalendarMember,
    *,
    view: str,
    on: dt.date,
    minutes: int,
    hours: GigHours,
) -> dict:
    today = timezone.localdate()
    zone_name = timezone.get_current_timezone_name()
    length = dt.timedelta(minutes=minutes)
    if view == "week":
        # The week opens on the coming seven days; another date shows the calendar week around it.
        first, last = (today, today + dt.timedelta(days=6)) if on == today else week_of(on)
        zone = band_availability(
            band=band,
            members=members,
            first_day=first,
            last_day=last,
            today=today,
            time_zone=zone_name,
            hours=hours,
            min_length=length,
            detail=True,
            lineups=me is not None,
        )
        prev_on, next_on = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
        same_month = first.month == last.month
        # Translators: the first and last day of a week shown, e.g. "7 – 13 Dec 2026", "28 Dec – 3 Jan 2027".
        title = pgettext("date range", "%(first)s – %(last)s") % {
            "first": date_format(first, "DAY_NUMBER_FORMAT" if same_month else "DAY_MONTH_FORMAT"),
            "last": date_format(last, "DAY_FORMAT"),
        }
        month_on, week_on = first, first
    else:
        month_start = on.replace(day=1)
        first, last = month_grid(month_start)
        zone = band_availability(
            band=band,
            members=members,
            first_day=first,
            last_day=last,
            today=today,
            time_zone=zone_name,
            hours=hours,
            min_length=length,
            month=month_start.month,
            lineups=me is not None,
        )
        prev_on = (month_start - dt.timedelta(days=1)).replace(day=1)
        next_on = (month_start + dt.timedelta(days=32)).replace(day=1)
        title = date_format(month_start, "YEAR_MONTH_FORMAT")
        month_on = month_start
        week_on = today if (today.year, today.month) == (month_start.year, month_start.month) else month_start
    # Where venues hold the band: marked on the days, the green zone as it is.
    zone = band_calendar_held(zone=zone, band=band, now=timezone.now())
    return {
        "band": band,
        "membership": me.membership,
        "can_manage": me.membership.can_manage,
        "section": "calendar",
        "view": view,
        "on": on,
        "zone": zone,
        "title": title,
        "time_zone": zone_name,
        "minutes": minutes,
        "min_label": length_label(length),
        "default_label": length_label(dt.timedelta(minutes=band.min_gig_minutes)),
        "min_choices": length_choices(band.min_gig_minutes, minutes),
        "hours": hours,
        "hours_choices": GIG_HOURS.values(),
        "hours_note": _hours_note(hours, length),
        "link_query": _link_query(band, minutes, hours),
        "calendar_url": reverse("bands:calendar", args=[band.slug]),
        "self_url": _calendar_url(band, view, on, minutes, hours),
        "prev_url": _calendar_url(band, view, prev_on, minutes, hours),
        "next_url": _calendar_url(band, view, next_on, minutes, hours),
        "today_url": _calendar_url(band, view, today, minutes, hours),
        "month_url": _calendar_url(band, "month", month_on, minutes, hours),
        "week_url": _calendar_url(band, "week", week_on, minutes, hours),
        "weekday_names": WEEKDAY_NAMES,
        "weekday_heads": WEEKDAY_HEADS,
    }


def _blocks_context(band: Band, me: CalendarMember, *, form: BandBlockForm | None = None, notice: str = "") -> dict:
    today = timezone.localdate()
    blocks = [(block, block_description(block)) for block in band_blocks_upcoming(band=band, today=today)]
    return {
        "blocks": blocks,
        "block_form": form or BandBlockForm(initial={"date": today}),
        "notice": notice,
        "can_manage": me.membership.can_manage,
        "band": band,
    }


def _page(
    request: HttpRequest,
    band: Band,
    members: list[CalendarMember],
    me: CalendarMember,
    *,
    view: str = "month",
    on: dt.date | None = None,
    minutes: int | None = None,
    hours: GigHours | None = None,
    form: BandBlockForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _calendar_context(
        request,
        band,
        members,
        me,
        view=view,
        on=on or timezone.localdate(),
        minutes=minutes or band.min_gig_minutes,
        hours=hours or GIG_HOURS[DEFAULT_HOURS],
    )
    context.update(_blocks_context(band, me, form=form))
    return render(request, "bands/calendar/page.html", context, status=status)


@login_required
@require_GET
def band_calendar(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    band, members, me = _member(request, slug)
    form = CalendarViewForm(request.GET, default_minutes=band.min_gig_minutes)
    view, on, minutes, hours = form.choice(timezone.localdate())
    if is_partial(request):
        context = _calendar_context(request, band, members, me, view=view, on=on, minutes=minutes, hours=hours)
        return render(request, "bands/calendar/page.html#calendar", context)
    return _page(request, band, members, me, view=view, on=on, minutes=minutes, hours=hours)


@login_required
@require_POST
def band_calendar_min(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Leaders and admins make the length shown the band's own minimum gig length."""
    band, members, me = _member(request, slug)
    _manager(me)
    view_form = CalendarViewForm(request.POST, default_minutes=band.min_gig_minutes)
    view, on, _, hours = view_form.choice(timezone.localdate())
    form = MinGigForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            band = services.band_min_gig_set(band=band, by=request.user, minutes=form.cleaned_data["minutes"])
        except BandPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError:
            error = gettext("Pick a length from 30 minutes to 12 hours.")
    else:
        error = form.errors["minutes"][0]
    minutes = band.min_gig_minutes
    shortest = length_label(dt.timedelta(minutes=minutes))
    notice = error or gettext("%(name)s now counts a day as free with %(shortest)s together.") % {
        "name": band.name,
        "shortest": shortest,
    }
    if request.htmx:
        context = _calendar_context(request, band, members, me, view=view, on=on, minutes=minutes, hours=hours)
        context.update({"min_notice": notice, "min_error": bool(error)})
        response = render(request, "bands/calendar/page.html#calendar", context)
        return push_url(response, _calendar_url(band, view, on, minutes, hours))
    (messages.error if error else messages.success)(request, notice)
    return redirect(_calendar_url(band, view, on, minutes, hours))


@login_required
@require_POST
def band_block_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    band, members, me = _member(request, slug)
    _manager(me)
    form = BandBlockForm(request.POST)
    if form.is_valid():
        try:
            block = services.band_block_create(band=band, by=request.user, **form.block_fields())
        except BandPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            notice = gettext("Added: %(what)s, %(when)s.") % {
                "what": block.title or block.get_kind_display(),
                "when": block_description(block),
            }
            if request.htmx:
                response = render(request, "bands/calendar/page.html#blocks", _blocks_context(band, me, notice=notice))
                return trigger_client_event(response, CHANGED)
            messages.success(request, notice)
            return redirect("bands:calendar", slug=band.slug)
    if request.htmx:
        # htmx swaps only 2xx answers; the form with its messages must show.
        return render(request, "bands/calendar/page.html#blocks", _blocks_context(band, me, form=form))
    return _page(request, band, members, me, form=form, status=400)


@login_required
@require_POST
def band_block_delete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _, me = _member(request, slug)
    block = band_block_editable(band=band, pk=pk)
    try:
        services.band_block_delete(block=block, by=request.user)
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    notice = gettext("Deleted: %(what)s, %(when)s.") % {
        "what": block.title or block.get_kind_display(),
        "when": block_description(block),
    }
    if request.htmx:
        response = render(request, "bands/calendar/page.html#blocks", _blocks_context(band, me, notice=notice))
        return trigger_client_event(response, CHANGED)
    messages.success(request, notice)
    return redirect("bands:calendar", slug=band.slug)


def _find_link_query(band: Band, form: FindDatesForm) -> str:
    """A found date's week shows the length and, where the calendar has them, the hours searched in."""
    preset = form.cleaned_data["time_of_day"]
    hours = GIG_HOURS.get(preset, GIG_HOURS[DEFAULT_HOURS])
    return _link_query(band, form.cleaned_data["length"], hours)


@login_required
@require_GET
def band_find_dates_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Candidate gig windows for a range of dates, best first; the form and its results swap together."""
    band, members, me = _member(request, slug)
    today = timezone.localdate()
    zone_name = timezone.get_current_timezone_name()
    submitted = "start" in request.GET
    form = FindDatesForm(request.GET if submitted else None, today=today, default_minutes=band.min_gig_minutes)
    candidates = None
    if submitted and form.is_valid():
        candidates = band_find_dates(
            members=members, time_zone=zone_name, now=timezone.now(), limit=FIND_LIMIT, band=band, **form.search()
        )
    context = {
        "band": band,
        "membership": me.membership,
        "section": "calendar",
        "form": form,
        "candidates": candidates,
        "limit": FIND_LIMIT,
        "time_zone": zone_name,
        "members": members,
        "find_url": reverse("bands:calendar_find", args=[band.slug]),
        "calendar_url": reverse("bands:calendar", args=[band.slug]),
        "link_query": _find_link_query(band, form) if candidates is not None else "",
    }
    if is_partial(request):
        return push_url(render(request, "bands/calendar/find.html#finder", context), shareable_url(request))
    return render(request, "bands/calendar/find.html", context)


@login_required
@require_GET
def member_green_zone(request: HttpRequest) -> HttpResponse:
    """The green zone of the viewer's bands laid over their own week grid (/me/availability/, week): the
    grid loads it and each day's stripes go into that day's column. Seven days at most; bad dates: 400."""
    # The grid asks for the week it shows: a date in its address that is none, or out of the browsing bound,
    # is this fragment's 400 with the reason (not the whole page's).
    try:
        first = query_date(request.GET, "first", bound=Bound.BROWSE)
        last = query_date(request.GET, "last", bound=Bound.BROWSE)
    except DateInputError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    if first is None or last is None:
        return HttpResponse(gettext("Give the first and last day as YYYY-MM-DD."), status=400)
    if not dt.timedelta(0) <= last - first <= dt.timedelta(days=6):
        return HttpResponse(gettext("A week at most, ending on or after its first day."), status=400)
    bands, stripes = member_green_zone_week(
        user=request.user,
        first_day=first,
        last_day=last,
        time_zone=request.user.time_zone,
        today=timezone.localdate(),
    )
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    context = {"bands": bands, "lanes": len(bands), "days": [(day, stripes.get(day, [])) for day in days]}
    return render(request, "bands/calendar/member_overlay.html", context)
