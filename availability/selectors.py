"""Reads of the availability app."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import QuerySet

from . import engine
from .engine import Interval
from .models import BusyInterval, ExternalCalendar, Rule

SOURCE_LABELS = {
    BusyInterval.Source.RULE: "Your busy time",
    BusyInterval.Source.WINDOW: "Outside your available times",
    BusyInterval.Source.CALENDAR: "From your imported calendar",
    BusyInterval.Source.BAND_BLOCK: "Band rehearsal or hold",
    BusyInterval.Source.GIG: "Gig",
}


@dataclass(frozen=True)
class CalendarEntry:
    """One busy stretch on a person's own calendar, with what it came from."""

    start: dt.datetime
    end: dt.datetime
    source: str
    title: str
    label: str
    rule_id: int | None = None
    recurring: bool = False
    # The local date (in the rule's zone) of the rule occurrence this stretch is.
    occurrence_date: dt.date | None = None

    @property
    def is_window(self) -> bool:
        return self.source == BusyInterval.Source.WINDOW


@dataclass(frozen=True)
class CalendarData:
    entries: list[CalendarEntry]
    has_windows: bool


def busy_by_user(*, user_ids: Collection[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[Interval]]:
    """Every listed person's busy intervals overlapping [start, end), in one query.

    People with no busy time get an empty list. Intervals come in start order, unmerged.
    """
    found: dict[int, list[Interval]] = defaultdict(list)
    rows = (
        BusyInterval.objects.filter(user_id__in=user_ids, starts_at__lt=end, ends_at__gt=start)
        .order_by()
        .values_list("user_id", "starts_at", "ends_at")
    )
    for user_id, s, e in rows:
        found[user_id].append((s, e))
    return {user_id: found.get(user_id, []) for user_id in user_ids}


def user_calendar(*, user_id: int, start: dt.datetime, end: dt.datetime) -> CalendarData:
    """A person's own busy time overlapping [start, end), labelled by where it came from.

    Two queries whatever the number of rows: the busy intervals, and the person's rules for
    their titles. Imported events keep their own titles (only their owner sees them).
    """
    rows = (
        BusyInterval.objects.filter(user_id=user_id, starts_at__lt=end, ends_at__gt=start)
        .order_by("starts_at", "ends_at", "pk")
        .values_list("starts_at", "ends_at", "source", "source_id", "title")
    )
    rules = {
        pk: (title, kind, rrule, time_zone)
        for pk, title, kind, rrule, time_zone in Rule.objects.filter(user_id=user_id).values_list(
            "pk", "title", "kind", "rrule", "time_zone"
        )
    }
    entries = []
    for starts_at, ends_at, source, source_id, title in rows:
        label = SOURCE_LABELS.get(source, source)
        if source == BusyInterval.Source.RULE:
            rule = rules.get(source_id)
            if rule is None:
                # Deleted while this page was being read: show the time, offer no link.
                entries.append(CalendarEntry(starts_at, ends_at, source, "Busy", label))
                continue
            rule_title, _, rrule, time_zone = rule
            on = starts_at.astimezone(engine.zone(time_zone)).date()
            entry = CalendarEntry(starts_at, ends_at, source, rule_title or "Busy", label, source_id, bool(rrule), on)
        elif source == BusyInterval.Source.CALENDAR:
            entry = CalendarEntry(starts_at, ends_at, source, title or "Busy", label)
        elif source == BusyInterval.Source.WINDOW:
            entry = CalendarEntry(starts_at, ends_at, source, "Not available", label)
        else:
            entry = CalendarEntry(starts_at, ends_at, source, label, label)
        entries.append(entry)
    has_windows = any(kind == Rule.Kind.AVAILABLE for _, kind, _, _ in rules.values())
    return CalendarData(entries=entries, has_windows=has_windows)


def rule_occurrence(*, rule: Rule, on: dt.date) -> Interval | None:
    """The UTC start and end of `rule`'s occurrence that starts on local date `on` (in the rule's zone)."""
    if not rule.rrule:
        found = engine.expand(rule.recurrence(), *_far_window(rule))
        return found[0] if found and rule.start_date == on else None
    day_start, day_end = engine.day_bounds(on, rule.zone)
    for start, end in engine.expand(rule.recurrence(), day_start, day_end):
        if start.astimezone(rule.zone).date() == on:
            return start, end
    return None


def _far_window(rule: Rule) -> tuple[dt.datetime, dt.datetime]:
    start, _ = engine.day_bounds(rule.start_date - dt.timedelta(days=2), rule.zone)
    _, end = engine.day_bounds(rule.end_date + dt.timedelta(days=2), rule.zone)
    return start, end


def user_rules(*, user_id: int) -> QuerySet[Rule]:
    """A person's own rules and windows, series first, for the list on their availability page."""
    return Rule.objects.filter(user_id=user_id).select_related("series").order_by("kind", "start_date", "start_time")


def user_rule(*, user_id: int, pk: int) -> Rule | None:
    """One of a person's own rules, or None (someone else's rule is as good as missing)."""
    return Rule.objects.filter(user_id=user_id, pk=pk).select_related("series").first()


def user_calendars(*, user_id: int) -> QuerySet[ExternalCalendar]:
    """A person's imported calendars."""
    return ExternalCalendar.objects.filter(user_id=user_id).order_by("created_at")
