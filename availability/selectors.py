"""Reads of the availability app."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Func, QuerySet, TextField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.db.prepared import CompiledSQL

from . import engine
from .engine import Interval
from .models import BusyInterval, ExternalCalendar, Rule

# Where a busy stretch came from, as its owner's calendar says it.
SOURCE_LABELS = {
    BusyInterval.Source.RULE: gettext_lazy("Your busy time"),
    BusyInterval.Source.WINDOW: gettext_lazy("Outside your available times"),
    BusyInterval.Source.CALENDAR: gettext_lazy("From your imported calendar"),
    BusyInterval.Source.BAND_BLOCK: gettext_lazy("Band rehearsal or hold"),
    BusyInterval.Source.GIG: gettext_lazy("Gig"),
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


# A month day lists this many busy blocks, then "+N more".
MONTH_DAY_LIMIT = 3
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class CalendarData:
    entries: list[CalendarEntry]
    has_windows: bool


class UtcWallText(Func):
    """A UTC datetime column as ISO text, "YYYY-MM-DD HH:MM:SS[.ffffff]" and then `offset`: no datetime is made
    by the database driver (Django's converter on SQLite, a Python loader per value on PostgreSQL), which took
    most of a band's green zone when it read thousands of busy rows. Without an offset numpy reads the text
    as datetime64 in bulk (busy_micros_by_user)."""

    output_field = TextField()
    offset = ""

    def as_sql(self, compiler, connection, **extra_context):
        template = f"((%(expressions)s AT TIME ZONE 'UTC')::text || '{self.offset}')"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps datetimes as naive UTC text already; as an expression, no column type makes the driver
        # parse it into a datetime.
        template = f"(%(expressions)s || '{self.offset}')"
        return super().as_sql(compiler, connection, template=template, **extra_context)


class UtcText(UtcWallText):
    """The same with its offset, which datetime.fromisoformat reads in C (busy_by_user)."""

    offset = "+00:00"


def _busy_rows(*, user_ids: list[int], start: dt.datetime, end: dt.datetime, exclude_block_id: int | None) -> QuerySet:
    rows = BusyInterval.objects.filter(user_id__in=user_ids, starts_at__lt=end, ends_at__gt=start)
    if exclude_block_id is not None:
        rows = rows.exclude(
            source__in=(BusyInterval.Source.BAND_BLOCK, BusyInterval.Source.GIG), source_id=exclude_block_id
        )
    return rows.order_by().values_list("user_id", UtcText("starts_at"), UtcText("ends_at"))


# Asked by every calendar, check and green zone: compiled once per shape (the number of people).
_BUSY_ROWS = CompiledSQL(_busy_rows)


def busy_by_user(
    *, user_ids: Collection[int], start: dt.datetime, end: dt.datetime, exclude_block_id: int | None = None
) -> dict[int, list[Interval]]:
    """Every listed person's busy intervals overlapping [start, end), in one query.

    People with no busy time get an empty list. Intervals come in start order, unmerged.
    `exclude_block_id` leaves out the busy time one band block gives (a gig being moved: its own time).
    """
    found: dict[int, list[Interval]] = {user_id: [] for user_id in user_ids}
    if not found:
        return found
    rows = _BUSY_ROWS.instances(user_ids=list(found), start=start, end=end, exclude_block_id=exclude_block_id)
    parse = dt.datetime.fromisoformat
    for user_id, s, e in rows:
        found[user_id].append((parse(s), parse(e)))
    for intervals in found.values():
        intervals.sort()
    return found


def _busy_micros_rows(*, user_ids: list[int], start: dt.datetime, end: dt.datetime) -> QuerySet:
    rows = BusyInterval.objects.filter(user_id__in=user_ids, starts_at__lt=end, ends_at__gt=start)
    return rows.order_by().values_list("user_id", UtcWallText("starts_at"), UtcWallText("ends_at"))


_BUSY_MICROS_ROWS = CompiledSQL(_busy_micros_rows)
_NO_MICROS = engine.busy_micros(())


def busy_micros_by_user(*, user_ids: Collection[int], start: dt.datetime, end: dt.datetime) -> dict[int, np.ndarray]:
    """busy_by_user as the green zone's arrays read it: each person's busy intervals overlapping [start, end)
    as a read-only int64 array of [start, end) rows in microseconds since 1970 (engine.busy_micros), in start
    order, in one query."""
    found: dict[int, np.ndarray] = dict.fromkeys(user_ids, _NO_MICROS)
    if not found:
        return found
    rows = _BUSY_MICROS_ROWS.instances(user_ids=list(found), start=start, end=end)
    if not rows:
        return found
    users, starts, ends = zip(*rows, strict=True)
    table = np.empty((len(rows), 3), np.int64)
    table[:, 0] = users
    # Parsed in bulk and exactly: the text is UTC's wall clock, microseconds since 1970 as numpy counts them.
    table[:, 1] = np.array(starts, "datetime64[us]").astype(np.int64)
    table[:, 2] = np.array(ends, "datetime64[us]").astype(np.int64)
    # In order (person, start, end): the same busy time gives the same arrays.
    table = table[np.lexsort((table[:, 2], table[:, 1], table[:, 0]))]
    users, firsts = np.unique(table[:, 0], return_index=True)
    for user_id, part in zip(users.tolist(), np.split(table[:, 1:], firsts[1:]), strict=True):
        part.flags.writeable = False
        found[user_id] = part
    return found


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
    busy = _("Busy")
    for starts_at, ends_at, source, source_id, title in rows:
        label = str(SOURCE_LABELS.get(source, source))
        if source == BusyInterval.Source.RULE:
            rule = rules.get(source_id)
            if rule is None:
                # Deleted while this page was being read: show the time, offer no link.
                entries.append(CalendarEntry(starts_at, ends_at, source, busy, label))
                continue
            rule_title, _kind, rrule, time_zone = rule
            on = starts_at.astimezone(engine.zone(time_zone)).date()
            entry = CalendarEntry(starts_at, ends_at, source, rule_title or busy, label, source_id, bool(rrule), on)
        elif source == BusyInterval.Source.CALENDAR:
            entry = CalendarEntry(starts_at, ends_at, source, title or busy, label)
        elif source == BusyInterval.Source.WINDOW:
            entry = CalendarEntry(starts_at, ends_at, source, _("Not available"), label)
        else:
            entry = CalendarEntry(starts_at, ends_at, source, label, label)
        entries.append(entry)
    has_windows = any(kind == Rule.Kind.AVAILABLE for _, kind, _, _ in rules.values())
    return CalendarData(entries=entries, has_windows=has_windows)


@dataclass
class Chip:
    """One busy stretch within one local day, ready to draw in a month cell or a week column."""

    entry: CalendarEntry
    start: dt.datetime  # local, cut at the day's start
    end: dt.datetime  # local, cut at the day's end
    whole_day: bool
    continued: bool  # began on an earlier day
    continues: bool  # goes on into the next day
    # Wall-clock minutes from the day's midnight, and the place in the week grid (percent, lanes).
    start_minute: int = 0
    end_minute: int = MINUTES_PER_DAY
    top: float = 0.0
    height: float = 0.0
    lane: int = 0
    lanes: int = 1

    @property
    def time_text(self) -> str:
        if self.whole_day:
            return _("All day")
        start, end = _clock(self.start_minute), _clock(self.end_minute)
        if self.continued and not self.continues:
            # Translators: a busy stretch that began on an earlier day, e.g. "until 10:00".
            return _("until %(end)s") % {"end": end}
        if self.continues and not self.continued:
            # Translators: a busy stretch that goes on into the next day, e.g. "from 22:00".
            return _("from %(start)s") % {"start": start}
        return f"{start}–{end}"

    @property
    def short_time(self) -> str:
        """What a narrow month cell shows: the start, or "–07:00" for the end of a block from the day before."""
        if self.whole_day:
            return ""
        if self.continued:
            return f"–{_clock(self.end_minute)}"
        return _clock(self.start_minute)

    @property
    def css(self) -> str:
        return f"cal-event--{self.entry.source.replace('_', '-')}"


@dataclass
class Day:
    """One local day of the calendar with the busy stretches on it."""

    date: dt.date
    is_today: bool
    in_range: bool = True
    chips: list[Chip] = field(default_factory=list)
    windows: list[Chip] = field(default_factory=list)  # outside only-available windows

    @property
    def shown(self) -> list[Chip]:
        return self.chips[:MONTH_DAY_LIMIT]

    @property
    def hidden_count(self) -> int:
        return max(len(self.chips) - MONTH_DAY_LIMIT, 0)

    @property
    def more_label(self) -> str:
        """ "+2 more": the chips a month cell has no room for."""
        n = self.hidden_count
        return ngettext("+%(n)s more", "+%(n)s more", n) % {"n": n}

    @property
    def all_day_chips(self) -> list[Chip]:
        return [chip for chip in self.chips if chip.whole_day]

    @property
    def timed_chips(self) -> list[Chip]:
        return [chip for chip in self.chips if not chip.whole_day]

    @property
    def unavailable_all_day(self) -> bool:
        return any(chip.whole_day for chip in self.windows)

    @property
    def available_text(self) -> str:
        """ "Available 18:00–24:00" on a day that only-available windows cut into; "" otherwise."""
        if not self.windows or self.unavailable_all_day:
            return ""
        free, moment = [], 0
        for chip in sorted(self.windows, key=lambda c: c.start_minute):
            if chip.start_minute > moment:
                free.append((moment, chip.start_minute))
            moment = max(moment, chip.end_minute)
        if moment < MINUTES_PER_DAY:
            free.append((moment, MINUTES_PER_DAY))
        if not free:
            return ""
        return _("Available %(times)s") % {"times": ", ".join(f"{_clock(s)}–{_clock(e)}" for s, e in free)}


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_days(
    entries: list[CalendarEntry], *, first: dt.date, last: dt.date, zone: dt.tzinfo, today: dt.date
) -> list[Day]:
    """Every local day from `first` to `last` with the busy stretches that touch it, cut at midnight,
    placed for a week's time grid (overlapping blocks side by side)."""
    count = (last - first).days + 1
    days = [Day(first + dt.timedelta(days=k), first + dt.timedelta(days=k) == today) for k in range(count)]
    bounds = [engine.day_bounds(day.date, zone) for day in days]
    for entry in entries:
        begin = max((entry.start.astimezone(zone).date() - first).days, 0)
        finish = min(((entry.end - dt.timedelta(microseconds=1)).astimezone(zone).date() - first).days, count - 1)
        for k in range(begin, finish + 1):
            day_start, day_end = bounds[k]
            start, end = max(entry.start, day_start), min(entry.end, day_end)
            if start >= end:
                continue
            local_start, local_end = start.astimezone(zone), end.astimezone(zone)
            chip = Chip(
                entry=entry,
                start=local_start,
                end=local_end,
                whole_day=start == day_start and end == day_end,
                continued=entry.start < day_start,
                continues=entry.end > day_end,
                start_minute=0 if start == day_start else local_start.hour * 60 + local_start.minute,
                end_minute=MINUTES_PER_DAY if end == day_end else local_end.hour * 60 + local_end.minute,
            )
            (days[k].windows if entry.is_window else days[k].chips).append(chip)
    for day in days:
        _place(day.timed_chips)
        for chip in day.windows:
            _position(chip)
    return days


def _position(chip: Chip) -> None:
    # At least a quarter of an hour tall, so that a short block can still be seen and clicked.
    top = min(chip.start_minute, MINUTES_PER_DAY - 15)
    bottom = min(max(chip.end_minute, top + 15), MINUTES_PER_DAY)
    chip.top = round(top * 100 / MINUTES_PER_DAY, 3)
    chip.height = round((bottom - top) * 100 / MINUTES_PER_DAY, 3)


def _place(chips: list[Chip]) -> None:
    """Side-by-side lanes for overlapping blocks in a day's time grid."""
    chips.sort(key=lambda c: (c.start_minute, -c.end_minute))
    cluster: list[Chip] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for member in cluster:
            member.lanes = max(len(lane_ends), 1)

    for chip in chips:
        _position(chip)
        if chip.start_minute >= cluster_end:
            close()
            cluster, lane_ends = [], []
        bottom = max(chip.end_minute, chip.start_minute + 15)
        for lane, end in enumerate(lane_ends):
            if end <= chip.start_minute:
                chip.lane, lane_ends[lane] = lane, bottom
                break
        else:
            chip.lane = len(lane_ends)
            lane_ends.append(bottom)
        cluster.append(chip)
        cluster_end = max(cluster_end, bottom)
    close()


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


def user_external_calendar(*, user_id: int, pk: int) -> ExternalCalendar | None:
    """One of a person's imported calendars, or None if they have no calendar `pk`."""
    return user_calendars(user_id=user_id).filter(pk=pk).first()
