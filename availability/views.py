"""A musician's own availability: the calendar of their time, their rules, and imported calendars.

Pages render in full, or as the HTMX partial their region (calendar, dialog, rule list, imports) asks
for. A change made in the dialog answers 204 with an `availability-changed` event; the regions that
show busy time listen for it and reload themselves.
"""

import copy
import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from . import engine, services
from .describe import describe
from .forms import BlockTimesForm, ImportForm, OccurrenceForm, RuleForm
from .models import ExternalCalendar, Rule
from .selectors import calendar_days, rule_occurrence, user_calendar, user_calendars, user_rule, user_rules

CHANGED_EVENT = "availability-changed"
DIALOG_TARGET = "cal-dialog-body"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _wants(request: HtmxHttpRequest, target: str) -> bool:
    """An HTMX request for one region of the page (a history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request and request.htmx.target == target


def _page(request: HtmxHttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The page, or only its dialog body when the dialog asked for it."""
    if _wants(request, DIALOG_TARGET):
        return render(request, f"{template}#dialog", {**context, "in_dialog": True}, status=200)
    return render(request, template, {**context, "in_dialog": False}, status=status)


def _invalid_status(request: HtmxHttpRequest) -> int:
    # htmx swaps only 2xx answers, so a form re-rendered with its errors in the dialog is a 200.
    return 200 if request.htmx else 400


def _changed(request: HtmxHttpRequest, message: str, *, day: dt.date | None = None) -> HttpResponse:
    """After a change: close the dialog and refresh the calendar (HTMX), or go back to the calendar."""
    if request.htmx:
        return trigger_client_event(HttpResponse(status=204), CHANGED_EVENT, {"message": message})
    messages.success(request, message)
    url = reverse("availability:calendar")
    return redirect(f"{url}?{urlencode({'date': day.isoformat()})}" if day else url)


def _add_errors(form, error: ValidationError, *, field_of=None) -> None:
    """A service's ValidationError, shown next to the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = field_of(name) if field_of else (name if name in form.fields else None)
        form.add_error(target, errors)


def _own_rule(request: HttpRequest, pk: int) -> Rule:
    rule = user_rule(user_id=request.user.pk, pk=pk)
    if rule is None:
        raise Http404("No such rule.")
    return rule


# Dates from an address stay within what date arithmetic (and anyone's plans) can use.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(9000, 12, 31))


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if DATE_RANGE[0] <= day <= DATE_RANGE[1] else default


def _parse_time(value: str | None) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value or "").replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        return None


# ---- The calendar -------------------------------------------------------------------------------


def _calendar_url(view: str, day: dt.date) -> str:
    return f"{reverse('availability:calendar')}?{urlencode({'view': view, 'date': day.isoformat()})}"


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _calendar_context(request: HttpRequest) -> dict:
    user = request.user
    zone = user.zone
    today = timezone.now().astimezone(zone).date()
    view = request.GET.get("view") if request.GET.get("view") in ("month", "week") else "month"
    anchor = _parse_date(request.GET.get("date"), today)
    if view == "month":
        month = _month_start(anchor)
        first = month - dt.timedelta(days=month.weekday())
        last_of_month = _month_start(anchor, 1) - dt.timedelta(days=1)
        last = last_of_month + dt.timedelta(days=6 - last_of_month.weekday())
        previous, following = _month_start(anchor, -1), _month_start(anchor, 1)
        title = f"{month:%B %Y}"
    else:
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
        title = (
            f"{first:%-d %b} – {last:%-d %b %Y}" if first.year == last.year else f"{first:%-d %b %Y} – {last:%-d %b %Y}"
        )
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
        "title": title,
        "days": days,
        "weeks": [days[k : k + 7] for k in range(0, len(days), 7)],
        "hours": [dt.time(hour) for hour in range(24)],
        "weekday_names": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "has_windows": data.has_windows,
        "time_zone": user.time_zone,
        "today": today,
        "self_url": _calendar_url(view, anchor),
        "calendar_url": reverse("availability:calendar"),
        "add_url": reverse("availability:rule_add"),
        "previous_url": _calendar_url(view, previous),
        "next_url": _calendar_url(view, following),
        "today_url": _calendar_url(view, today),
        "month_url": _calendar_url("month", anchor),
        "week_url": _calendar_url("week", anchor),
        "shown_until": kept_until.astimezone(zone).date() if window_end > kept_until else None,
        "shown_from": kept_from.astimezone(zone).date() if window_start < kept_from else None,
        "sources": [
            ("rule", "Your busy time"),
            ("calendar", "Imported calendar"),
            ("band-block", "Band rehearsal or hold"),
            ("gig", "Gig"),
            ("window", "Outside your available times"),
        ],
    }


@login_required
def calendar_page(request: HtmxHttpRequest) -> HttpResponse:
    context = {**_calendar_context(request), "section": "calendar"}
    # Navigation and the refresh after a change swap the calendar alone; links push their own address.
    template = "availability/calendar.html#calendar" if _wants(request, "calendar") else "availability/calendar.html"
    return render(request, template, context)


# ---- Rules -------------------------------------------------------------------------------------


def _rule_context(form, **extra) -> dict:
    return {"form": form, "repeat_fields": isinstance(form, RuleForm), **extra}


@login_required
def rule_add(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                rule = services.rule_create(user=user, **form.rule_fields())
            except ValidationError as e:
                _add_errors(form, e, field_of=form.error_field)
            else:
                word = "window" if rule.kind == Rule.Kind.AVAILABLE else "busy time"
                return _changed(request, f"Your {word} is saved: {_describe(rule, user)}.", day=rule.start_date)
        status = _invalid_status(request)
    else:
        today = timezone.now().astimezone(user.zone).date()
        day = _parse_date(request.GET.get("date"), today)
        kind = Rule.Kind.AVAILABLE if request.GET.get("kind") == Rule.Kind.AVAILABLE else Rule.Kind.BUSY
        initial = RuleForm.initial_for(
            day=day, at=_parse_time(request.GET.get("time")), time_zone=user.time_zone, kind=kind
        )
        form = RuleForm(initial=initial)
        status = 200
    window = (form.data.get("kind") if form.is_bound else form.initial.get("kind")) == Rule.Kind.AVAILABLE
    heading = "Add an only-available window" if window else "Add busy time"
    context = _rule_context(form, heading=heading, action=request.get_full_path(), submit="Save")
    if request.method != "POST" and not window:
        context["quick_day"] = form.initial["start_date"] if form.initial.get("all_day") else None
    return _page(request, "availability/rule_form.html", context, status=status)


def _describe(rule: Rule, user, *, say_kind: bool = True) -> str:
    """The rule in plain words, naming its zone when it is not the viewer's."""
    busy = rule.kind == Rule.Kind.BUSY or not say_kind
    return describe(rule.recurrence(), kind_busy=busy, show_zone=rule.time_zone != user.time_zone)


@login_required
def rule_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _own_rule(request, pk)
    single = rule.series_id is not None
    form_class = OccurrenceForm if single else RuleForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            fields = form.block_fields() if single else form.rule_fields()
            try:
                # A copy, so that a refused change does not show up in the page around the form.
                rule = services.rule_update(rule=copy.copy(rule), by=request.user, **fields)
            except ValidationError as e:
                _add_errors(form, e, field_of=None if single else form.error_field)
            else:
                return _changed(request, f"Saved: {_describe(rule, request.user)}.", day=rule.start_date)
        status = _invalid_status(request)
    else:
        initial = RuleForm.initial_from_rule(rule)
        form = form_class(initial=initial)
        status = 200
    if single:
        heading = f"Change {rule.occurrence_date:%a %-d %b} of “{rule.series}”"
    elif rule.rrule:
        heading = f"Edit every date of “{rule}”"
    else:
        heading = f"Edit “{rule}”"
    context = _rule_context(
        form, rule=rule, heading=heading, action=reverse("availability:rule_edit", args=[rule.pk]), submit="Save"
    )
    return _page(request, "availability/rule_form.html", context, status=status)


@login_required
def rule_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _own_rule(request, pk)
    if request.method == "POST":
        services.rule_delete(rule=rule, by=request.user)
        return _changed(request, f"Deleted “{rule}”.", day=rule.start_date)
    context = {"rule": rule, "description": _describe(rule, request.user)}
    return _page(request, "availability/rule_delete.html", context)


def _when(rule: Rule, found: engine.Interval, zone) -> str:
    """ "Mon 7 Dec 2026, 09:00–17:00", "Mon 7 Dec 2026, all day", "Fri 11 Dec 22:00 – Sat 12 Dec 02:00"."""
    if rule.all_day:
        start, end = (moment.astimezone(rule.zone) for moment in found)
        last = (end - dt.timedelta(days=1)).date()
        if last <= start.date():
            return f"{start:%a %-d %b %Y}, all day"
        return f"{start:%a %-d %b} – {last:%a %-d %b %Y}, all day"
    start, end = (moment.astimezone(zone) for moment in found)
    if start.date() == end.date():
        return f"{start:%a %-d %b %Y}, {start:%H:%M}–{end:%H:%M}"
    return f"{start:%a %-d %b %H:%M} – {end:%a %-d %b %H:%M}"


def _occurrence_context(request: HttpRequest, rule: Rule, on: dt.date, *, error: str = "") -> dict:
    found = rule_occurrence(rule=rule, on=on)
    return {
        "rule": rule,
        "on": on,
        "when": _when(rule, found, request.user.zone) if found else "",
        "description": _describe(rule, request.user),
        "error": error,
    }


@login_required
def occurrence(request: HtmxHttpRequest, pk: int, on: dt.date) -> HttpResponse:
    """What can be done with one date of a rule: change it, skip it, or go to the whole series."""
    rule = _own_rule(request, pk)
    context = _occurrence_context(request, rule, on)
    if not context["when"]:
        raise Http404("That rule has no date there.")
    return _page(request, "availability/occurrence.html", context)


@login_required
def occurrence_edit(request: HtmxHttpRequest, pk: int, on: dt.date) -> HttpResponse:
    rule = _own_rule(request, pk)
    if not rule.rrule:
        raise Http404("Only a repeating rule has dates to change one by one.")
    found = rule_occurrence(rule=rule, on=on)
    if found is None:
        raise Http404("That rule has no date there.")
    if request.method == "POST":
        form = OccurrenceForm(request.POST)
        if form.is_valid():
            try:
                services.rule_change_occurrence(rule=rule, by=request.user, on=on, **form.block_fields())
            except ValidationError as e:
                _add_errors(form, e)
            except services.AvailabilityError as e:
                form.add_error(None, str(e))
            else:
                return _changed(request, f"Changed {on:%a %-d %b} of “{rule}”; the other dates stay.", day=on)
        status = _invalid_status(request)
    else:
        start, end = (moment.astimezone(rule.zone) for moment in found)
        initial = BlockTimesForm.times_initial(day=start.date(), at=None if rule.all_day else start.time())
        if rule.all_day:
            initial["end_date"] = (end - dt.timedelta(days=1)).date()
        else:
            initial.update(end_date=end.date(), end_time=end.time())
        form = OccurrenceForm(initial={**initial, "title": rule.title})
        status = 200
    context = _rule_context(
        form,
        rule=rule,
        on=on,
        heading=f"Change {on:%a %-d %b %Y} only",
        action=reverse("availability:occurrence_edit", args=[rule.pk, on]),
        submit="Save this date",
    )
    return _page(request, "availability/rule_form.html", context, status=status)


@login_required
@require_POST
def occurrence_skip(request: HtmxHttpRequest, pk: int, on: dt.date) -> HttpResponse:
    rule = _own_rule(request, pk)
    try:
        services.rule_skip_occurrence(rule=rule, by=request.user, on=on)
    except services.AvailabilityError as e:
        if request.htmx:
            context = {**_occurrence_context(request, rule, on, error=str(e)), "in_dialog": True}
            return render(request, "availability/occurrence.html#dialog", context)
        messages.error(request, str(e))
        return redirect(_calendar_url("month", on))
    return _changed(request, f"Skipped {on:%a %-d %b %Y} of “{rule}”.", day=on)


@login_required
def rules_page(request: HtmxHttpRequest) -> HttpResponse:
    """Every rule and window, in plain words, with the dates changed or skipped one by one."""
    user = request.user
    rules = list(user_rules(user_id=user.pk))
    changed: dict[int, list[Rule]] = {}
    for rule in rules:
        if rule.series_id is not None:
            changed.setdefault(rule.series_id, []).append(rule)
    listed = {rule.pk for rule in rules}
    rows = []
    for rule in rules:
        if rule.series_id in listed:
            continue
        overrides = changed.get(rule.pk, [])
        moved = {o.occurrence_date for o in overrides}
        rows.append(
            {
                "rule": rule,
                "description": _describe(rule, user, say_kind=False),
                "changed": [(o, _describe(o, user, say_kind=False)) for o in overrides],
                "skipped": sorted(d for d in rule.skipped_dates if d not in moved),
            }
        )
    context = {
        "busy_rows": [row for row in rows if row["rule"].kind == Rule.Kind.BUSY],
        "window_rows": [row for row in rows if row["rule"].kind == Rule.Kind.AVAILABLE],
        "section": "rules",
        "time_zone": user.time_zone,
    }
    if _wants(request, "rules"):
        return render(request, "availability/rules.html#rules", context)
    return render(request, "availability/rules.html", context)


# ---- Imported calendars ------------------------------------------------------------------------


def _imports_page(request: HtmxHttpRequest, form: ImportForm, *, status: int = 200, notice: str = "") -> HttpResponse:
    calendars = list(user_calendars(user_id=request.user.pk))
    context = {
        "form": form,
        "notice": notice,
        "calendars": calendars,
        "limit": services.CALENDAR_LIMIT,
        "full": len(calendars) >= services.CALENDAR_LIMIT,
        "section": "imports",
        "time_zone": request.user.time_zone,
    }
    if _wants(request, "imports"):
        return render(request, "availability/imports.html#imports", context)
    return render(request, "availability/imports.html", context, status=status)


def _imports_done(request: HtmxHttpRequest, message: str) -> HttpResponse:
    if request.htmx:
        return trigger_client_event(_imports_page(request, ImportForm(), notice=message), CHANGED_EVENT)
    messages.success(request, message)
    return redirect("availability:imports")


@login_required
def imports_page(request: HtmxHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _imports_page(request, ImportForm())
    form = ImportForm(request.POST)
    if form.is_valid():
        try:
            calendar = services.calendar_add(
                user=request.user, url=form.cleaned_data["url"], name=form.cleaned_data["name"]
            )
        except ValidationError as e:
            _add_errors(form, e)
        else:
            calendar.refresh_from_db()
            return _imports_done(request, _sync_message(calendar, added=True))
    return _imports_page(request, form, status=_invalid_status(request))


def _own_calendar(request: HttpRequest, pk: int) -> ExternalCalendar:
    calendar = user_calendars(user_id=request.user.pk).filter(pk=pk).first()
    if calendar is None:
        raise Http404("No such calendar.")
    return calendar


def _sync_message(calendar: ExternalCalendar, *, added: bool = False) -> str:
    name = f"“{calendar}”"
    if calendar.last_error:
        return f"{name} could not be read: {calendar.last_error}"
    if calendar.last_synced_at is None:
        return f"{name} is added; its events appear in a minute." if added else f"{name} is being refreshed."
    events = f"{calendar.event_count} event{'s' if calendar.event_count != 1 else ''}"
    return f"{name} is {'added' if added else 'up to date'}: {events} in your calendar."


@login_required
@require_POST
def import_refresh(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = _own_calendar(request, pk)
    services.calendar_refresh_request(calendar=calendar, by=request.user)
    calendar.refresh_from_db()
    return _imports_done(request, _sync_message(calendar))


@login_required
@require_POST
def import_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = _own_calendar(request, pk)
    services.calendar_remove(calendar=calendar, by=request.user)
    return _imports_done(request, f"“{calendar}” is removed; its events no longer make you busy.")
