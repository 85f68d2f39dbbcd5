"""/me/availability/rules/: busy time and only-available windows, one-off or repeating, and the dates
of a repeating rule changed or skipped one by one. Most of it opens in the calendar's dialog."""

import copy
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_POST

from core.fields.dates import Bound, query_date
from core.web.htmx import HtmxHttpRequest

from .. import engine, services
from ..describe import describe
from ..forms.rules import BlockTimesForm, OccurrenceForm, RuleForm
from ..models import Rule
from ..regions import add_errors, calendar_url, changed, invalid_status, page_or_dialog, wants_region
from ..selectors import rule_occurrence, user_rule, user_rules


def _own_rule(request: HttpRequest, pk: int) -> Rule:
    rule = user_rule(user_id=request.user.pk, pk=pk)
    if rule is None:
        raise Http404("No such rule.")
    return rule


def _parse_time(value: str | None) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value or "").replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        return None


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
                add_errors(form, e, field_of=form.error_field)
            else:
                if rule.kind == Rule.Kind.AVAILABLE:
                    saved = gettext("Your window is saved: %(rule)s.")
                else:
                    saved = gettext("Your busy time is saved: %(rule)s.")
                return changed(request, saved % {"rule": _describe(rule, user)}, day=rule.start_date)
        status = invalid_status(request)
    else:
        today = timezone.now().astimezone(user.zone).date()
        day = query_date(request.GET, "date", bound=Bound.BROWSE, default=today, fallback=True)
        kind = Rule.Kind.AVAILABLE if request.GET.get("kind") == Rule.Kind.AVAILABLE else Rule.Kind.BUSY
        # From the week grid: a click gives the hour, a drag across the hours its end too.
        initial = RuleForm.initial_for(
            day=day,
            at=_parse_time(request.GET.get("time")),
            until=_parse_time(request.GET.get("until")),
            time_zone=user.time_zone,
            kind=kind,
        )
        form = RuleForm(initial=initial)
        status = 200
    window = (form.data.get("kind") if form.is_bound else form.initial.get("kind")) == Rule.Kind.AVAILABLE
    heading = gettext("Add an only-available window") if window else gettext("Add busy time")
    context = _rule_context(form, heading=heading, action=request.get_full_path(), submit=gettext("Save"))
    if request.method != "POST" and not window:
        context["quick_day"] = form.initial["start_date"] if form.initial.get("all_day") else None
    return page_or_dialog(request, "availability/rules/form.html", context, status=status)


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
        # With the rule as it was, so that a date it keeps (an old start) is not refused as too long ago.
        form = form_class(request.POST, initial=RuleForm.initial_from_rule(rule))
        if form.is_valid():
            fields = form.block_fields() if single else form.rule_fields()
            try:
                # A copy, so that a refused change does not show up in the page around the form.
                rule = services.rule_update(rule=copy.copy(rule), by=request.user, **fields)
            except ValidationError as e:
                add_errors(form, e, field_of=None if single else form.error_field)
            else:
                return changed(
                    request, gettext("Saved: %(rule)s.") % {"rule": _describe(rule, request.user)}, day=rule.start_date
                )
        status = invalid_status(request)
    else:
        initial = RuleForm.initial_from_rule(rule)
        form = form_class(initial=initial)
        status = 200
    if single:
        heading = gettext("Change %(occurrence_date)s of “%(series)s”") % {
            "occurrence_date": date_format(rule.occurrence_date, "WEEKDAY_MONTH_FORMAT"),
            "series": rule.series,
        }
    elif rule.rrule:
        heading = gettext("Edit every date of “%(rule)s”") % {"rule": rule}
    else:
        heading = gettext("Edit “%(rule)s”") % {"rule": rule}
    context = _rule_context(
        form,
        rule=rule,
        heading=heading,
        action=reverse("availability:rule_edit", args=[rule.pk]),
        submit=gettext("Save"),
    )
    return page_or_dialog(request, "availability/rules/form.html", context, status=status)


@login_required
def rule_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _own_rule(request, pk)
    if request.method == "POST":
        services.rule_delete(rule=rule, by=request.user)
        return changed(request, gettext("Deleted “%(rule)s”.") % {"rule": rule}, day=rule.start_date)
    context = {"rule": rule, "description": _describe(rule, request.user)}
    return page_or_dialog(request, "availability/rules/delete.html", context)


def _when(rule: Rule, found: engine.Interval, zone) -> str:
    """ "Mon 7 Dec 2026, 09:00–17:00", "Mon 7 Dec 2026, all day", "Fri 11 Dec 22:00 – Sat 12 Dec 02:00"."""
    if rule.all_day:
        start, end = (moment.astimezone(rule.zone) for moment in found)
        last = (end - dt.timedelta(days=1)).date()
        if last <= start.date():
            return gettext("%(start)s, all day") % {"start": date_format(start, "WEEKDAY_FORMAT")}
        return gettext("%(start)s – %(last)s, all day") % {
            "start": date_format(start, "WEEKDAY_MONTH_FORMAT"),
            "last": date_format(last, "WEEKDAY_FORMAT"),
        }
    start, end = (moment.astimezone(zone) for moment in found)
    if start.date() == end.date():
        # Translators: a day and the times on it, e.g. "Mon 7 Dec 2026, 09:00–17:00".
        return gettext("%(day)s, %(start)s–%(end)s") % {
            "day": date_format(start, "WEEKDAY_FORMAT"),
            "start": time_format(start, "CLOCK_FORMAT"),
            "end": time_format(end, "CLOCK_FORMAT"),
        }
    # Translators: a span over midnight or several days, e.g. "Fri 11 Dec 22:00 – Sat 12 Dec 02:00".
    return pgettext("date range", "%(first)s – %(last)s") % {
        "first": date_format(start, "WEEKDAY_MONTH_TIME_FORMAT"),
        "last": date_format(end, "WEEKDAY_MONTH_TIME_FORMAT"),
    }


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
    return page_or_dialog(request, "availability/rules/occurrence.html", context)


def _occurrence_initial(rule: Rule, found: engine.Interval) -> dict:
    """The form's first values: the date as the rule has it, in the rule's zone."""
    start, end = (moment.astimezone(rule.zone) for moment in found)
    initial = BlockTimesForm.times_initial(day=start.date(), at=None if rule.all_day else start.time())
    if rule.all_day:
        initial["end_date"] = (end - dt.timedelta(days=1)).date()
    else:
        initial.update(end_date=end.date(), end_time=end.time())
    return {**initial, "title": rule.title}


@login_required
def occurrence_edit(request: HtmxHttpRequest, pk: int, on: dt.date) -> HttpResponse:
    rule = _own_rule(request, pk)
    if not rule.rrule:
        raise Http404("Only a repeating rule has dates to change one by one.")
    found = rule_occurrence(rule=rule, on=on)
    if found is None:
        raise Http404("That rule has no date there.")
    if request.method == "POST":
        form = OccurrenceForm(request.POST, initial=_occurrence_initial(rule, found))
        if form.is_valid():
            try:
                services.rule_change_occurrence(rule=rule, by=request.user, on=on, **form.block_fields())
            except ValidationError as e:
                add_errors(form, e)
            except services.AvailabilityError as e:
                form.add_error(None, str(e))
            else:
                return changed(
                    request,
                    gettext("Changed %(on)s of “%(rule)s”; the other dates stay.")
                    % {"on": date_format(on, "WEEKDAY_MONTH_FORMAT"), "rule": rule},
                    day=on,
                )
        status = invalid_status(request)
    else:
        form = OccurrenceForm(initial=_occurrence_initial(rule, found))
        status = 200
    heading = gettext("Change %(on)s only") % {"on": date_format(on, "WEEKDAY_FORMAT")}
    action = reverse("availability:occurrence_edit", args=[rule.pk, on])
    context = _rule_context(form, rule=rule, on=on, heading=heading, action=action, submit=gettext("Save this date"))
    return page_or_dialog(request, "availability/rules/form.html", context, status=status)


@login_required
@require_POST
def occurrence_skip(request: HtmxHttpRequest, pk: int, on: dt.date) -> HttpResponse:
    rule = _own_rule(request, pk)
    try:
        services.rule_skip_occurrence(rule=rule, by=request.user, on=on)
    except services.AvailabilityError as e:
        if request.htmx:
            context = {**_occurrence_context(request, rule, on, error=str(e)), "in_dialog": True}
            return render(request, "availability/rules/occurrence.html#dialog", context)
        messages.error(request, str(e))
        return redirect(calendar_url("month", on))
    return changed(
        request,
        gettext("Skipped %(on)s of “%(rule)s”.") % {"on": date_format(on, "WEEKDAY_FORMAT"), "rule": rule},
        day=on,
    )


def _rule_rows(rules: list[Rule], user) -> list[dict]:
    """A row per rule or window, with the dates of it changed (their own rules) or skipped."""
    overrides_of: dict[int, list[Rule]] = {}
    for rule in rules:
        if rule.series_id is not None:
            overrides_of.setdefault(rule.series_id, []).append(rule)
    listed = {rule.pk for rule in rules}
    rows = []
    for rule in rules:
        if rule.series_id in listed:
            continue
        overrides = overrides_of.get(rule.pk, [])
        moved = {o.occurrence_date for o in overrides}
        rows.append(
            {
                "rule": rule,
                "description": _describe(rule, user, say_kind=False),
                "changed": [(o, _describe(o, user, say_kind=False)) for o in overrides],
                "skipped": sorted(d for d in rule.skipped_dates if d not in moved),
            }
        )
    return rows


@login_required
def rules_page(request: HtmxHttpRequest) -> HttpResponse:
    """Every rule and window, in plain words, with the dates changed or skipped one by one."""
    user = request.user
    rows = _rule_rows(list(user_rules(user_id=user.pk)), user)
    context = {
        "busy_rows": [row for row in rows if row["rule"].kind == Rule.Kind.BUSY],
        "window_rows": [row for row in rows if row["rule"].kind == Rule.Kind.AVAILABLE],
        "section": "rules",
        "time_zone": user.time_zone,
    }
    if wants_region(request, "rules"):
        return render(request, "availability/rules/page.html#rules", context)
    return render(request, "availability/rules/page.html", context)
