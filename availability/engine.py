"""Pure interval maths for availability: expand rules, combine busy time, find green zones.

No Django here. Every interval is half-open [start, end) with aware UTC datetimes and start < end.
Recurring rules are RFC 5545 RRULE bodies expanded by python-dateutil in the owner's wall-clock time.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import chain, repeat
from operator import floordiv, itemgetter, sub, xor
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, YEARLY, rrule

from .lineup import Lineup, MaskBounds, amber, fill, mask_bounds, mask_check

Interval = tuple[datetime, datetime]

# A daily rule over a five-year horizon is 1,827 occurrences; a runaway request stays cheap.
MAX_OCCURRENCES = 2000
# Largest COUNT a rule may carry: COUNT rules expand from their first date, so this bounds their cost.
MAX_COUNT = 1000
# Largest INTERVAL ("every 52 weeks").
MAX_INTERVAL = 52

# Look-around added to the local window so that DST offsets and zone jumps never hide an occurrence.
_MARGIN = timedelta(days=2)
# A UNTIL in UTC maps to a local wall time that may come twice (fall back): look this far past it.
_UNTIL_SLACK = timedelta(hours=3)
_ONE_US = timedelta(microseconds=1)
_DAY = timedelta(days=1)


class RuleError(ValueError):
    """A rule or block that cannot be used. The message is user-facing, in plain words."""


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


# The refusals are read by people, in their language. The engine imports no Django: the availability app
# hands it Django's gettext/ngettext when Django starts (AvailabilityConfig.ready); without Django the
# English stays. Each message is translated when it is raised, in the language active then.
translator: Callable[[str], str] = str
plural_translator: Callable[[str, str, int], str] = _english_plural


def _(message: str) -> str:
    return translator(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return plural_translator(singular, plural, n)


@dataclass(frozen=True)
class Recurrence:
    """A busy (or free-only) time of one person, once or repeating, in their own wall-clock time."""

    start: datetime  # naive local wall-clock start of the first occurrence (DTSTART)
    end: datetime  # naive local wall-clock end of the first occurrence; end - start is the wall-clock duration
    time_zone: str  # IANA name
    rrule: str = ""  # RRULE body without "RRULE:" or DTSTART; "" = once
    exdates: frozenset[date] = frozenset()  # local dates whose occurrence is removed
    all_day: bool = False  # start/end are local midnights and the block covers whole local days


@dataclass(frozen=True)
class Segment:
    """A stretch of time during which the same people are free."""

    start: datetime
    end: datetime
    free: frozenset  # keys free during the whole segment


@dataclass(frozen=True)
class DayStatus:
    """How one local day looks for a band."""

    day: date  # local date in the viewing time zone
    status: str  # "green" | "amber" (a line-up filled only with soft members) | "partial" | "red"
    free_count: int  # most required members free together for >= min_length, starting that day
    required_count: int
    busy: frozenset  # required keys missing from that best window
    windows: tuple[Interval, ...]  # green windows (all required free, >= min_length) clipped to the day's hours
    short: tuple = ()  # with a line-up, on a day that is not green: lineup.Shortfall of its best window


@dataclass(frozen=True)
class Candidate:
    """A possible gig window: all required members free, ranked by how many optional ones are too."""

    start: datetime
    end: datetime
    free: frozenset  # everyone (required + optional) free during it
    missing_optional: frozenset


# ---- Time zones ------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; RuleError if it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise RuleError(_("“%(name)s” is not a time zone we know.") % {"name": name}) from exc


def local_to_utc(wall: datetime, tz: tzinfo) -> datetime:
    """A naive wall-clock time in `tz` as UTC. Ambiguous times take the first; times in a gap use the
    offset before the gap (RFC 5545 3.3.5), which moves them forward by the gap."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def existing_to_utc(wall: datetime, tz: tzinfo) -> datetime | None:
    """A naive wall-clock time in `tz` as UTC, or None if a spring-forward change skips it."""
    moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return moment if moment.astimezone(tz).replace(tzinfo=None) == wall else None


def local_exists(wall: datetime, tz: tzinfo) -> bool:
    """False for a wall-clock time skipped by a spring-forward change."""
    return existing_to_utc(wall, tz) is not None


def day_bounds(day: date, tz: tzinfo) -> Interval:
    """The local day `day` in `tz` as a UTC interval (23 or 25 hours on DST days)."""
    return (
        local_to_utc(datetime.combine(day, time(0)), tz),
        local_to_utc(datetime.combine(day + _DAY, time(0)), tz),
    )


def _check_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("Window bounds must be aware datetimes.")


# ---- RRULE parsing and validation ---------------------------------------------------------

_PART_ORDER = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")
_PART_ORDER += ("BYSETPOS", "WKST")
_TOO_OFTEN_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}
_FREQS = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}
_TOO_OFTEN_FREQS = {"HOURLY", "MINUTELY", "SECONDLY"}
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
# (lowest absolute value, highest absolute value, negatives allowed)
_INT_LISTS = {
    "BYMONTH": (1, 12, False),
    "BYWEEKNO": (1, 53, True),
    "BYYEARDAY": (1, 366, True),
    "BYMONTHDAY": (1, 31, True),
    "BYSETPOS": (1, 366, True),
}


def _unreadable(why: str = "") -> str:
    """ "This repeat rule could not be read." and, when known, the sentence that says why."""
    unreadable = _("This repeat rule could not be read.")
    return f"{unreadable} {why}" if why else unreadable


def _too_often() -> str:
    return _("Rules can repeat at most once a day.")


def _not_numbers(key: str) -> str:
    return {
        "BYMONTH": _("The months must be numbers."),
        "BYWEEKNO": _("The week numbers must be numbers."),
        "BYYEARDAY": _("The days of the year must be numbers."),
        "BYMONTHDAY": _("The days of the month must be numbers."),
        "BYSETPOS": _("The positions must be numbers."),
    }[key]


def _out_of_range(key: str, low: int, high: int) -> str:
    sentence = {
        "BYMONTH": _("The months must be between %(low)d and %(high)d."),
        "BYWEEKNO": _("The week numbers must be between %(low)d and %(high)d."),
        "BYYEARDAY": _("The days of the year must be between %(low)d and %(high)d."),
        "BYMONTHDAY": _("The days of the month must be between %(low)d and %(high)d."),
        "BYSETPOS": _("The positions must be between %(low)d and %(high)d."),
    }[key]
    return sentence % {"low": low, "high": high}


def _int_list(key: str, value: str) -> str:
    low, high, negatives = _INT_LISTS[key]
    numbers = []
    for item in value.split(","):
        try:
            number = int(item)
        except ValueError:
            raise RuleError(_unreadable(_not_numbers(key))) from None
        if not low <= abs(number) <= high or (number < 0 and not negatives):
            raise RuleError(_unreadable(_out_of_range(key, low, high)))
        numbers.append(number)
    return ",".join(str(n) for n in dict.fromkeys(numbers))


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[tuple[str, str], ...]:
    body = "".join(text.split())
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    if not body:
        return ()
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.upper(), value.upper()
        if not sep or not key or not value:
            raise RuleError(_unreadable())
        if key in _TOO_OFTEN_PARTS:
            why = _("The time of day comes from the start and end times.")
            raise RuleError(f"{_too_often()} {why}")
        if key not in _PART_ORDER:
            raise RuleError(_unreadable(_("“%(part)s” is not something a repeat rule can contain.") % {"part": key}))
        if key in parts:
            raise RuleError(_unreadable(_("“%(part)s” appears twice.") % {"part": key}))
        parts[key] = value
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError(_unreadable(_("It must say how often it repeats (FREQ).")))
    if freq in _TOO_OFTEN_FREQS:
        raise RuleError(_too_often())
    if freq not in _FREQS:
        raise RuleError(_unreadable(_("It can repeat daily, weekly, monthly or yearly.")))
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(_("A rule can end after a number of times or on a date, not both."))
    if "INTERVAL" in parts:
        if not parts["INTERVAL"].isdigit() or not 1 <= int(parts["INTERVAL"]) <= MAX_INTERVAL:
            raise RuleError(
                _("The repeat interval must be a whole number from 1 to %(most)d.") % {"most": MAX_INTERVAL}
            )
        parts["INTERVAL"] = str(int(parts["INTERVAL"]))
        if parts["INTERVAL"] == "1":
            del parts["INTERVAL"]
    if "COUNT" in parts:
        if not parts["COUNT"].isdigit() or not 1 <= int(parts["COUNT"]) <= MAX_COUNT:
            raise RuleError(
                ngettext(
                    "A rule can repeat at most %(count)d time.", "A rule can repeat at most %(count)d times.", MAX_COUNT
                )
                % {"count": MAX_COUNT}
            )
        parts["COUNT"] = str(int(parts["COUNT"]))
    if "UNTIL" in parts:
        match = _UNTIL_RE.match(parts["UNTIL"])
        try:
            if match is None:
                raise ValueError
            numbers = [int(g) for g in match.groups()[:6] if g is not None]
            datetime(*numbers)  # noqa: DTZ001 - only checks that the date exists
        except ValueError:
            raise RuleError(_unreadable(_("The end date is not a date."))) from None
    for key in _INT_LISTS:
        if key in parts:
            parts[key] = _int_list(key, parts[key])
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise RuleError(_unreadable(_("Week numbers only work with yearly rules.")))
    if "BYYEARDAY" in parts and freq in {"MONTHLY", "WEEKLY", "DAILY"}:
        raise RuleError(_unreadable(_("Days of the year only work with yearly rules.")))
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise RuleError(_unreadable(_("Days of the month do not work with weekly rules.")))
    if "BYDAY" in parts:
        days = []
        for item in parts["BYDAY"].split(","):
            match = _BYDAY_RE.match(item)
            if match is None:
                raise RuleError(_unreadable(_("Weekdays are written MO, TU, WE, TH, FR, SA, SU.")))
            if match.group(1):
                number = int(match.group(1))
                if not 1 <= abs(number) <= 53:
                    raise RuleError(_unreadable(_("“%(day)s” is not a weekday we can count to.") % {"day": item}))
                if freq not in {"MONTHLY", "YEARLY"}:
                    raise RuleError(
                        _("Numbered weekdays such as “the last Friday” only work with monthly or yearly rules.")
                    )
                item = f"{number}{match.group(2)}"
            days.append(item)
        parts["BYDAY"] = ",".join(dict.fromkeys(days))
    if "WKST" in parts:
        if parts["WKST"] not in WEEKDAY_CODES:
            raise RuleError(_unreadable(_("The week start must be a weekday (MO … SU).")))
        if parts["WKST"] == "MO":
            del parts["WKST"]
    return tuple((key, parts[key]) for key in _PART_ORDER if key in parts)


def rrule_parts(text: str) -> dict[str, str]:
    """The parts of a valid RRULE body as {"FREQ": "WEEKLY", "BYDAY": "MO,TU", ...}; {} for ""."""
    return dict(_parse(text))


def until_date(text: str) -> date | None:
    """The date part of a valid RRULE body's UNTIL (as written, before any zone), or None without one."""
    match = _UNTIL_RE.match(rrule_parts(text).get("UNTIL", ""))
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups()[:3])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _body(parts: Mapping[str, str]) -> str:
    return ";".join(f"{key}={parts[key]}" for key in _PART_ORDER if key in parts)


def _until_local(value: str, tz: tzinfo) -> datetime:
    """UNTIL as a naive local wall-clock time. A bare date includes that whole local day."""
    match = _UNTIL_RE.match(value)
    if match is None:
        raise RuleError(_unreadable(_("The end date is not a date.")))
    y, mo, d, h, mi, s, z = match.groups()
    if h is None:
        return datetime(int(y), int(mo), int(d), 23, 59, 59)  # noqa: DTZ001 - local wall clock
    moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))  # noqa: DTZ001 - local wall clock
    if z:
        return moment.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    return moment


def _until_utc(value: str) -> datetime | None:
    """A UNTIL written in UTC (ending in Z) as an aware moment; None for a local date or time."""
    match = _UNTIL_RE.match(value)
    if match is None or not match.group(7):
        return None
    y, mo, d, h, mi, s, _z = match.groups()
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)


def _until_bound(value: str, tz: tzinfo) -> tuple[datetime, datetime | None]:
    """(naive local bound for dateutil, UTC moment to compare each start with or None).

    A UNTIL in UTC is compared in UTC (RFC 5545: inclusive): on a fall-back night the local wall
    time of that moment comes twice, so the local bound is widened and every start is checked
    by its own UTC moment.
    """
    moment = _until_utc(value)
    if moment is None:
        return _until_local(value, tz), None
    return moment.astimezone(tz).replace(tzinfo=None) + _UNTIL_SLACK, moment


def _within_until(start: datetime, tz: tzinfo, until_utc: datetime | None) -> bool:
    """True when a naive local start is not after a UTC UNTIL (or there is none)."""
    return until_utc is None or local_to_utc(start, tz) <= until_utc


def _explicit_parts(parts: Mapping[str, str], dtstart: datetime) -> dict[str, str]:
    """The rule with the days dateutil would take from DTSTART written out, so that DTSTART can move."""
    explicit = dict(parts)
    explicit.pop("COUNT", None)
    explicit.pop("UNTIL", None)
    explicit.setdefault("WKST", "MO")
    if not any(key in parts for key in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")):
        if parts["FREQ"] == "YEARLY":
            explicit.setdefault("BYMONTH", str(dtstart.month))
            explicit["BYMONTHDAY"] = str(dtstart.day)
        elif parts["FREQ"] == "MONTHLY":
            explicit["BYMONTHDAY"] = str(dtstart.day)
        elif parts["FREQ"] == "WEEKLY":
            explicit["BYDAY"] = WEEKDAY_CODES[dtstart.weekday()]
    return explicit


def rebase(parts: Mapping[str, str], dtstart: datetime, before: datetime) -> datetime:
    """A DTSTART at least one whole period before `before` that gives the same occurrences from there on.

    Keeps the INTERVAL phase (every 2 weeks stays on its weeks). Only valid for a rule whose
    implicit parts are explicit (see _explicit_parts) and which has no COUNT.
    """
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts["FREQ"]
    if before <= dtstart:
        return dtstart
    if freq == "DAILY":
        steps = (before - dtstart).days // interval - 1
        return dtstart + timedelta(days=steps * interval) if steps > 0 else dtstart
    if freq == "WEEKLY":
        steps = (before - dtstart).days // (7 * interval) - 1
        return dtstart + timedelta(weeks=steps * interval) if steps > 0 else dtstart
    if freq == "MONTHLY":
        months = (before.year * 12 + before.month) - (dtstart.year * 12 + dtstart.month)
        steps = months // interval - 1
        if steps <= 0:
            return dtstart
        index = dtstart.year * 12 + dtstart.month - 1 + steps * interval
        return datetime.combine(date(index // 12, index % 12 + 1, 1), dtstart.time())
    steps = (before.year - dtstart.year) // interval - 1
    if steps <= 0:
        return dtstart
    return datetime.combine(date(dtstart.year + steps * interval, 1, 1), dtstart.time())


class _ScanLimit(Exception):
    """dateutil searched past the end of the window."""


class _BoundedRule(rrule):
    """A dateutil rule that gives up once it has searched past `until`.

    dateutil looks period after period for the next match and only checks UNTIL on a match, so a rule
    that never matches again (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) walks to the year 9999. It reads
    _byeaster whenever it moves to a new month or period: that read is the budget's clock.
    """

    budget = 0

    @property
    def _byeaster(self) -> tuple[int, ...] | None:
        self.budget -= 1
        if self.budget < 0:
            raise _ScanLimit
        return self.__dict__.get("_byeaster_value")

    @_byeaster.setter
    def _byeaster(self, value: tuple[int, ...] | None) -> None:
        self.__dict__["_byeaster_value"] = value


_FREQ_CODES = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY}
_WEEKDAY_OBJECTS = (MO, TU, WE, TH, FR, SA, SU)


def _ints(value: str | None) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(n) for n in value.split(","))


def _build(parts: Mapping[str, str], dtstart: datetime, until: datetime) -> Iterator[datetime]:
    """The rule's naive local starts from `dtstart` up to `until`, in order, in bounded time."""
    byday = None
    if "BYDAY" in parts:
        byday = []
        for item in parts["BYDAY"].split(","):
            day = _WEEKDAY_OBJECTS[WEEKDAY_CODES.index(item[-2:])]
            byday.append(day(int(item[:-2])) if item[:-2] else day)
    try:
        rule = _BoundedRule(
            _FREQ_CODES[parts["FREQ"]],
            dtstart=dtstart,
            interval=int(parts.get("INTERVAL", "1")),
            wkst=WEEKDAY_CODES.index(parts.get("WKST", "MO")),
            until=until,
            bymonth=_ints(parts.get("BYMONTH")),
            byweekno=_ints(parts.get("BYWEEKNO")),
            byyearday=_ints(parts.get("BYYEARDAY")),
            bymonthday=_ints(parts.get("BYMONTHDAY")),
            byweekday=byday,
            bysetpos=_ints(parts.get("BYSETPOS")),
        )
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RuleError(_unreadable()) from exc
    # One tick per month (or longer period) searched, from DTSTART's month to UNTIL's, plus slack.
    rule.budget = (until.year - dtstart.year) * 12 + until.month - dtstart.month + 6
    try:
        yield from rule
    except _ScanLimit:
        return


def validate_rrule(text: str, *, dtstart: datetime | None = None, time_zone: str | None = None) -> str:
    """Normalise and check an RRULE body and return its canonical form ("" means it does not repeat).

    Accepts an optional leading "RRULE:". Raises RuleError, in plain words, when the rule does not
    parse, repeats more often than daily (FREQ=HOURLY…, BYHOUR/BYMINUTE/BYSECOND), has both COUNT and
    UNTIL, a COUNT above MAX_COUNT or an INTERVAL above MAX_INTERVAL. With a naive local `dtstart` it
    also refuses a rule that never happens in the thirty years after it; a UNTIL in UTC (…Z) is
    compared with the starts in `time_zone` (UTC when not given) as moments, not wall times.
    """
    parts = dict(_parse(text))
    if not parts:
        return ""
    first = datetime(2000, 1, 3) if dtstart is None else dtstart.replace(tzinfo=None, microsecond=0)  # noqa: DTZ001
    explicit = _explicit_parts(parts, first)
    tz = zone(time_zone) if time_zone else UTC
    until = horizon = first + timedelta(days=30 * 366)
    until_utc = None
    if "UNTIL" in parts:
        bound, until_utc = _until_bound(parts["UNTIL"], tz)
        until = min(horizon, bound)
    occurrences = (start for start in _build(explicit, first, max(until, first)) if _within_until(start, tz, until_utc))
    if dtstart is not None and (until < first or next(occurrences, None) is None):
        raise RuleError(_("This rule never happens: check its days and its end date."))
    return _body(parts)


# ---- Expansion --------------------------------------------------------------------------------


def _local_starts(
    rec: Recurrence, parts: Mapping[str, str], dtstart: datetime, low: datetime, high: datetime
) -> Iterator[datetime]:
    """Naive local starts of the rule's occurrences in [low, high] (dateutil semantics, before skipping gaps)."""
    explicit = _explicit_parts(parts, dtstart)
    tz = zone(rec.time_zone)
    until = high
    until_utc = None
    if "UNTIL" in parts:
        bound, until_utc = _until_bound(parts["UNTIL"], tz)
        until = min(until, bound)
    if until < dtstart:
        return
    if "COUNT" in parts:
        # COUNT counts from the real first occurrence, so no rebasing; validate_rrule caps its size.
        remaining = int(parts["COUNT"])
        for start in _build(explicit, dtstart, until):
            if remaining == 0:
                return
            # Starts skipped by a spring-forward change do not count (RFC 5545 3.3.10); exdates do.
            if rec.all_day or existing_to_utc(start, tz) is not None:
                remaining -= 1
            if start >= low:
                yield start
        return
    first = rebase(explicit, dtstart, low)
    for start in _build(explicit, first, until):
        if start >= low and _within_until(start, tz, until_utc):
            yield start


def expand(
    rec: Recurrence, window_start: datetime, window_end: datetime, *, cap: int = MAX_OCCURRENCES
) -> list[Interval]:
    """UTC intervals of the occurrences of `rec` that overlap [window_start, window_end), in order.

    Occurrences keep their local wall-clock time across DST changes; a repeated occurrence whose local
    start does not exist (spring forward) is skipped (RFC 5545 3.3.10), an ambiguous one takes the
    first moment. A one-off block in a gap moves forward by the gap instead of vanishing. An all-day
    block runs from local midnight to local midnight. Exdates remove occurrences by the local date of
    their start. Cost follows the window, not the age of the rule. Raises RuleError for an unusable rule
    or when more than `cap` occurrences fall in the window.
    """
    _check_aware(window_start, window_end)
    if window_end <= window_start:
        return []
    if rec.start.tzinfo is not None or rec.end.tzinfo is not None:
        raise ValueError("A Recurrence holds naive local wall-clock times.")
    tz = zone(rec.time_zone)
    parts = rrule_parts(rec.rrule)
    if rec.all_day:
        first = datetime.combine(rec.start.date(), time(0))
        days = (rec.end.date() - rec.start.date()).days + (rec.end.time() != time(0))
        days = max(days, 1)
        duration = timedelta(days=days)
    else:
        first = rec.start.replace(tzinfo=None, microsecond=0)
        duration = rec.end.replace(tzinfo=None, microsecond=0) - first
        if duration <= timedelta(0):
            raise RuleError(_("The end must be after the start."))
    if parts:
        low = window_start.astimezone(tz).replace(tzinfo=None) - duration - _MARGIN
        high = window_end.astimezone(tz).replace(tzinfo=None) + _MARGIN
        starts: Iterable[datetime] = _local_starts(rec, parts, first, low, high)
    else:
        starts = (first,)
    out: list[Interval] = []
    for local_start in starts:
        if local_start.date() in rec.exdates:
            continue
        if parts and not rec.all_day:
            start = existing_to_utc(local_start, tz)
            if start is None:
                continue  # a repeated start in a spring-forward gap does not exist
        else:
            # A one-off moves forward out of a gap; all-day blocks keep their day.
            start = local_to_utc(local_start, tz)
        end = local_to_utc(local_start + duration, tz)
        if end <= window_start or start >= window_end or end <= start:
            continue
        out.append((start, end))
        if len(out) > cap:
            raise RuleError(
                ngettext(
                    "This rule repeats too often: more than %(count)d time in the period asked for.",
                    "This rule repeats too often: more than %(count)d times in the period asked for.",
                    cap,
                )
                % {"count": cap}
            )
    return out


# ---- Interval algebra -------------------------------------------------------------------------


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged intervals; touching ones merge and empty ones vanish."""
    out: list[Interval] = []
    for start, end in sorted(intervals, key=itemgetter(0)):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def clip(intervals: Iterable[Interval], window_start: datetime, window_end: datetime) -> list[Interval]:
    """Each interval cut to the window, in the given order; those outside it vanish."""
    out = []
    for start, end in intervals:
        start, end = max(start, window_start), min(end, window_end)
        if start < end:
            out.append((start, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Times in both `a` and `b` (sorted, merged)."""
    a, b = union(a), union(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Times in `a` but not in `b` (sorted, merged)."""
    b = union(b)
    out: list[Interval] = []
    j = 0
    for start, end in union(a):
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > start:
                out.append((start, b[k][0]))
            start = max(start, b[k][1])
            k += 1
        if start < end:
            out.append((start, end))
    return out


def complement(busy: Iterable[Interval], window_start: datetime, window_end: datetime) -> list[Interval]:
    """Free time inside [window_start, window_end) given busy intervals (any order, may overlap)."""
    if window_start >= window_end:
        return []
    return subtract([(window_start, window_end)], busy)


# ---- Sweep ----------------------------------------------------------------------------------------


def _merged_in(intervals: Iterable[Interval], low: datetime, high: datetime) -> list[Interval]:
    """union() of the intervals cut to [low, high)."""
    out: list[Interval] = []
    for start, end in sorted(intervals, key=itemgetter(0)):
        if end <= low or start >= high or start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    # Merged and sorted: only the first can start before `low` and only the last can end after `high`.
    if out and out[0][0] < low:
        out[0] = (low, out[0][1])
    if out and out[-1][1] > high:
        out[-1] = (out[-1][0], high)
    return out


def _pieces(
    toggles: Sequence[Sequence[datetime]], low: datetime, high: datetime, initial: int
) -> tuple[list[datetime], list[int]]:
    """Cut [low, high) where any list's intervals begin or end.

    Each list is flat, [start, end, start, end, ...]: bit i of the mask flips at each moment of list i,
    starting from `initial`. Each list must be sorted, inside the window and without touching intervals,
    so every moment flips a bit and neighbours differ. Piece k is [times[k], times[k+1]) (the last ends at
    `high`).
    """
    events: list[tuple[datetime, int]] = []
    for bit, moments in enumerate(toggles):
        events += zip(moments, repeat(1 << bit))
    events.sort(key=itemgetter(0))
    times, masks = [low], [initial]
    mask, last = initial, low
    for moment, flag in events:
        mask ^= flag
        if moment == last:
            masks[-1] = mask
        else:
            times.append(moment)
            masks.append(mask)
            last = moment
    if times[-1] >= high:
        times.pop()
        masks.pop()
    return times, masks


def sweep(
    busy_by_person: Mapping[Hashable, Iterable[Interval]], window_start: datetime, window_end: datetime
) -> list[Segment]:
    """The window cut into maximal consecutive segments, each with the set of people free throughout.

    Busy intervals may come in any order and overlap. O(n log n) in the number of intervals.
    """
    _check_aware(window_start, window_end)
    if window_end <= window_start:
        return []
    keys = list(busy_by_person)
    lists = [list(chain.from_iterable(_merged_in(busy_by_person[key], window_start, window_end))) for key in keys]
    times, masks = _pieces(lists, window_start, window_end, (1 << len(keys)) - 1)
    sets: dict[int, frozenset] = {}
    segments = []
    ends = [*times[1:], window_end]
    for start, end, mask in zip(times, ends, masks, strict=True):
        free = sets.get(mask)
        if free is None:
            free = sets[mask] = frozenset(key for bit, key in enumerate(keys) if mask >> bit & 1)
        segments.append(Segment(start, end, free))
    return segments


def green_zone(
    busy_by_person: Mapping[Hashable, Iterable[Interval]],
    required: Collection[Hashable],
    window_start: datetime,
    window_end: datetime,
    *,
    min_length: timedelta,
) -> list[Interval]:
    """Merged windows inside the window where every required key is free, each at least `min_length` long.

    People not in `required` do not matter; a required key without intervals is always free, and an
    empty `required` means the whole window is free.
    """
    _check_aware(window_start, window_end)
    busy: list[Interval] = []
    for key in required:
        busy.extend(busy_by_person.get(key, ()))
    free = complement(clip(busy, window_start, window_end), window_start, window_end)
    return [(s, e) for s, e in free if e - s >= min_length]


# ---- Days and candidate windows --------------------------------------------------------------------


def _startable(busy: Iterable[Interval], low: datetime, high: datetime, length: timedelta) -> list[datetime]:
    """Moments t in [low, high) with [t, t + length) free of `busy` (any order, may overlap), as a flat
    list of half-open intervals [start, end, start, end, ...] (closed end + 1 µs), for _pieces. One pass:
    the busy time is merged as it is read (as _merged_in does) and each gap long enough kept."""
    out: list[datetime] = []
    # t may start a gap [previous, start) when t + length <= start, i.e. t < start - length + 1 µs.
    back = length - _ONE_US
    previous = low
    gap_end = block_end = None
    for start, end in sorted(busy, key=itemgetter(0)):
        if end <= low or start >= high or start >= end:
            continue
        if block_end is not None:
            if start <= block_end:
                if end > block_end:
                    block_end = end
                continue
            cut = gap_end - back
            if cut > previous:
                out += (previous, cut)
            previous = block_end
        gap_end, block_end = start, end
    if block_end is not None:
        cut = gap_end - back
        if cut > previous:
            out += (previous, cut)
        previous = min(block_end, high)
    cut = high - back
    if cut > previous:
        out += (previous, cut)
    return out


def day_statuses(
    busy_by_person: Mapping[Hashable, Iterable[Interval] | np.ndarray],
    required: Collection[Hashable],
    first_day: date,
    last_day: date,
    time_zone: str,
    *,
    min_length: timedelta,
    day_start: time | None = None,
    day_end: time | None = None,
    lineup: Lineup | None = None,
    members: Collection[Hashable] = (),
    keep_windows: bool = True,
) -> list[DayStatus]:
    """One status per local day in `time_zone` (DST-correct bounds) from first_day to last_day inclusive.

    Only local times of day in [day_start, day_end) count, as in find_windows (no day_end, or midnight,
    means until midnight; day_end before day_start crosses midnight, e.g. 20:00–02:00): time outside
    them is busy for everyone. A day's hours are its range: the whole local day when none are given,
    else the range that opens on that day (00:30 after a Friday 20:00–02:00 is Friday night).
    A window counts for the day whose range it starts in and is measured over its whole length, into
    the next day's range too where the two touch (whole days: past midnight).
    green: all required members free together for min_length starting that day. partial: the best k
    (largest set of required members free together for min_length starting that day, earliest first)
    and who is missing. red: no required member free for min_length. One sweep over the whole range.
    A person's busy time is intervals of aware datetimes or, as the database can give it, an int64 array
    of [start, end) microseconds since 1970 (busy_micros): the same days either way.

    With a `lineup` (availability.lineup) that needs sections or a total, `members` are all the band's
    keys and a moment is green when those free then fill the line-up (lineup.fills); partial and red
    then count all members, and a day that is not green says which sections its best moment is short.
    With `keep_windows` off, a day's scan stops at its first green moment: its status is the same, but it
    carries no windows and its free_count counts only up to that moment (views that show neither, the
    month and every reader but the week, need no more; a big band's year then costs little more than a
    small one's). A day that is not green is amber when, at some moment, the free members fill the line-up only with
    some of its soft members (lineup.soft, occasional players); it then says which sections the firm
    members alone are short of and which soft members could fill them (lineup.amber).
    """
    if min_length <= timedelta(0):
        raise ValueError("min_length must be positive.")
    tz = zone(time_zone)
    by_lineup = lineup is not None and not lineup.counts_everyone
    required_keys = list(dict.fromkeys([*required, *members] if by_lineup else required))
    count = len(required_keys)
    full = (1 << count) - 1
    line_up = mask_bounds(lineup, required_keys) if by_lineup else None
    is_green = mask_check(lineup, required_keys, line_up) if by_lineup else full.__eq__
    # Soft members fill a line-up only as a maybe: green counts the firm ones, amber everyone.
    soft = sum(1 << i for i, key in enumerate(required_keys) if key in lineup.soft) if by_lineup else 0
    firm = full & ~soft

    days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
    if not days:
        return []
    ranges = _day_ranges(tz, days[0], days[-1], day_start, day_end)
    if not count and not by_lineup:
        return [
            DayStatus(day, "green", 0, 0, frozenset(), (ranges[k],) if ranges[k][0] < ranges[k][1] else ())
            for k, day in enumerate(days)
        ]
    low, high = ranges[0][0], max(ranges[-1][1], ranges[-1][0]) + min_length
    # Outside the hours everyone is busy; ranges run on past the last day so a late window is measured whole.
    later = _day_ranges(tz, days[-1] + _DAY, high.astimezone(tz).date() + _DAY, day_start, day_end)
    closed = complement([*ranges, *later], low, high)
    people = [
        intervals if isinstance(intervals, list | np.ndarray) else list(intervals)
        for intervals in map(busy_by_person.get, required_keys, repeat(()))
    ]
    # Each day as (green, the most free together, who they were, the first moment the soft members make
    # it, the green windows), from the pieces one by one or, for much busy time, from arrays. Busy time given
    # in microseconds costs the arrays nothing to read and the pieces a conversion: they pay from less.
    stretches = sum(map(len, people))
    in_micros = sum(len(intervals) for intervals in people if isinstance(intervals, np.ndarray))
    if 2 * in_micros > stretches:
        arrays_from = _MICROS_ARRAYS_WITH_WINDOWS_FROM if keep_windows else _MICROS_ARRAYS_FROM
    else:
        arrays_from = _ARRAYS_WITH_WINDOWS_FROM if keep_windows else _ARRAYS_FROM
    walk = _walk_pieces if stretches < arrays_from else _walk_arrays
    days_seen = walk(
        Sweep(people, closed, ranges, low, high, min_length, keep_windows, is_green, firm, soft, full, line_up)
    )
    statuses = []
    for day, (green, best, best_mask, amber_mask, windows) in zip(days, days_seen, strict=True):
        status = "green" if green else "amber" if amber_mask is not None else "partial" if best else "red"
        if green:
            # Nobody is missing on a green day and nothing is short: no set to build. Without a line-up the
            # first green moment has everyone, and so the most free together.
            statuses.append(DayStatus(day, status, best, count, _NOBODY, tuple(windows), ()))
            continue
        if status == "amber":
            # The first moment the soft members make it: who is short without them, and who could fill it.
            maybe = amber(_keys_in(amber_mask, required_keys), lineup)
            missing, short = maybe.missing, maybe.short
        elif by_lineup:
            # Who is missing by name; the sections short say the rest.
            free_then = _keys_in(best_mask, required_keys)
            missing = frozenset(lineup.required - free_then)
            short = fill(free_then, lineup, required_keys).short
        else:
            missing = _keys_in(full & ~best_mask, required_keys)
            short = ()
        statuses.append(DayStatus(day, status, best, count, missing, tuple(windows), short))
    return statuses


# From this much busy time (stretches of all the people together) the days are swept in arrays; below it the
# arrays' fixed cost (about 0.15 ms) is more than they save, and the pieces are walked one by one. With
# windows every day reads its pieces either way, so the arrays pay off later (benchmarks/lineup_green_zone.py
# --crossover measures both ways).
_ARRAYS_FROM = 1100
_ARRAYS_WITH_WINDOWS_FROM = 2000
# The same for busy time given as microseconds (busy_micros, as the calendar reads it for the days alone): the
# arrays read it as it is and the pieces must convert it, so the arrays pay from much less.
_MICROS_ARRAYS_FROM = 200
_MICROS_ARRAYS_WITH_WINDOWS_FROM = 600

Walk = Iterator[tuple[bool, int, int, int | None, list[Interval]]]


class Sweep(NamedTuple):
    """What day_statuses hands the walk it picks: each required key's busy time, the closed hours, the day
    ranges and the bounds around them, and how a moment's mask is judged."""

    people: list[list[Interval] | np.ndarray]
    closed: list[Interval]
    ranges: list[Interval]
    low: datetime
    high: datetime
    min_length: timedelta
    keep_windows: bool
    is_green: Callable[[int], bool]
    firm: int
    soft: int
    full: int
    bounds: MaskBounds | None


def _walk_pieces(sweep: Sweep) -> Walk:
    """day_statuses' days from the pieces one by one: per person, the moments from which they are free
    for min_length (_startable); the masks then say who can start when (_pieces)."""
    people, closed, ranges, low, high, min_length = sweep[:6]
    keep_windows, is_green, firm, soft = sweep.keep_windows, sweep.is_green, sweep.firm, sweep.soft
    lists = [_startable([*_intervals(intervals), *closed], low, high, min_length) for intervals in people]
    times, masks = _pieces(lists, low, high, 0)
    ends = [*times[1:], high]
    n_pieces = len(times)
    piece = 0
    for range_start, range_end in ranges:
        # The piece the range starts in: the first that ends after its start.
        piece = bisect_right(ends, range_start, piece)
        best_mask, best = 0, 0
        green = False
        amber_mask = None
        windows = []
        # A range can be empty only when its hours fall into a spring-forward gap.
        j = piece if range_start < range_end else n_pieces
        while j < n_pieces and times[j] < range_end:
            mask = masks[j]
            size = mask.bit_count()
            if size > best:
                best_mask, best = mask, size
            if is_green(mask & firm):
                green = True
                if not keep_windows:
                    break
                # The moments [a, b) where all can start come from the green period [a, b - 1 µs + min_length).
                windows.append((max(times[j], range_start), min(ends[j] - _ONE_US + min_length, range_end)))
            elif soft and amber_mask is None and mask & soft and is_green(mask):
                amber_mask = mask
            j += 1
        yield green, best, best_mask, amber_mask, windows


def _walk_arrays(sweep: Sweep) -> Walk:
    """day_statuses' days from arrays (numpy): the pieces of everyone's busy time at once (_start_masks), each
    piece's test by counts (_green_bounds) and each day's first green piece found for all days together."""
    people, closed, ranges, low, high, min_length = sweep[:6]
    keep_windows, is_green, firm, soft, full, bounds = sweep[6:]
    length = min_length // _ONE_US
    # _day_ranges gives back-to-back ranges (whole days) as pairs of one list of moments: each close is the next
    # open, the same object.
    if len(ranges) < 2 or ranges[0][1] is ranges[1][0]:
        # Back to back (whole days): each close is the next open, converted once.
        moments = _micros([*(start for start, _end in ranges), ranges[-1][1], low, high])
        starts, stops = moments[:-3], moments[1:-2]
    else:
        moments = _micros([*chain.from_iterable(ranges), low, high])
        starts, stops = moments[:-2:2], moments[1:-2:2]
    low_us, high_us = int(moments[-2]), int(moments[-1])
    times, masks = _start_masks(people, closed, low_us, high_us, length)
    n_pieces = len(times)
    # Every piece's test, where counts decide it (up to 63 people): `maybe` a piece can be green (a necessary
    # count holds), `sure` it is (a sufficient one does). Only the pieces in between are asked.
    firm_maybe, firm_sure = _green_bounds(masks, firm, full, bounds)
    sizes = np.bitwise_count(masks) if masks.dtype == np.uint64 else np.array([m.bit_count() for m in masks])
    # next_maybe[j]: the first piece from j on that may be green (n_pieces: none).
    next_maybe = _next_true(firm_maybe)
    # The piece each range starts in, and the first piece at or after its end; none for an empty range (its
    # hours fall into a spring-forward gap).
    first_piece = np.searchsorted(times, starts, "right") - 1
    after_piece = np.searchsorted(times, stops, "left")
    empty = starts >= stops
    first_piece[empty] = after_piece[empty] = n_pieces
    # Without windows a day needs only its first green piece. Where the first piece that may be green surely
    # is, the day is green; where there is none before the day ends, it is not: both are found for every day
    # at once (with the exact counts, every day). The others ask their pieces in turn.
    candidate = next_maybe[first_piece]
    inside = candidate < after_piece
    surely = inside & np.append(firm_sure, False)[candidate]
    if keep_windows:
        known = [0] * len(ranges)
    else:
        known = np.where(surely, 1, np.where(inside, 0, -1)).tolist()
        # The largest set free, the first such piece: up to the green piece (the scan stops there), or all
        # day. One pass for all days: each piece's size before its place, so the largest is the earliest.
        upto = np.where(surely, candidate + 1, np.where(inside, first_piece, after_piece))
        place = n_pieces + 1
        ranked = np.append(sizes.astype(np.int64) * place + (place - 1 - np.arange(n_pieces)), 0)
        most = np.maximum.reduceat(ranked, np.stack((first_piece, upto), 1).ravel())[::2]
        most = np.where(upto > first_piece, most, 0)
        most_at = np.minimum(place - 1 - most % place, max(n_pieces - 1, 0))
        best_of = (most // place).tolist()
        best_mask_of = np.where(most > 0, masks[most_at] if n_pieces else 0, 0).tolist()
    first_piece = first_piece.tolist()
    after_piece = after_piece.tolist()
    pieces = None
    next_amber = None
    # The days known not to be green, when soft members could make them amber: the counts for everyone on
    # their pieces only, at once; then each day's first piece that the soft members fill.
    amber_of: dict[int, int] = {}
    not_green = [k for k, decided in enumerate(known) if decided < 0] if soft else []
    if not_green:
        at = np.fromiter(chain.from_iterable(range(first_piece[k], after_piece[k]) for k in not_green), np.int64)
        theirs = masks[at]
        any_maybe, _sure = _green_bounds(theirs, full, full, bounds)
        if theirs.dtype == np.uint64:
            any_maybe &= theirs & np.uint64(soft) != 0
        offset = 0
        for k in not_green:
            size = after_piece[k] - first_piece[k]
            for j in np.flatnonzero(any_maybe[offset : offset + size]).tolist():
                mask = int(theirs[offset + j])
                if mask & soft and is_green(mask):
                    amber_of[k] = mask
                    break
            offset += size

    def first_amber(lo: int, hi: int) -> int | None:
        """The first piece of [lo, hi) whose free members fill the line-up only with soft ones, if any."""
        nonlocal next_amber
        if next_amber is None:
            # Asked only on days that are not green: the counts for everyone, once, where a soft member is free.
            any_maybe, _sure = _green_bounds(masks, full, full, bounds)
            with_soft = masks & np.uint64(soft) != 0 if masks.dtype == np.uint64 else np.ones(n_pieces, bool)
            next_amber = _next_true(any_maybe & with_soft).tolist()
        j = next_amber[lo]
        while j < hi:
            mask = int(masks[j])
            if is_green(mask):
                return mask
            j = next_amber[j + 1]
        return None

    for k, decided in enumerate(known):
        if decided > 0:
            yield True, best_of[k], full, None, []
            continue
        if decided < 0:
            yield False, best_of[k], best_mask_of[k], amber_of.get(k), []
            continue
        if pieces is None:
            # The days left ask pieces one by one: with windows every day does, from Python lists made once;
            # without, the few left read the arrays.
            many = keep_windows
            pieces = masks.tolist() if many else masks
            sure_list = firm_sure.tolist() if many else firm_sure
            next_list = next_maybe.tolist() if many else next_maybe
            time_list = [*times.tolist(), high_us] if many else ()
            starts_us, stops_us = starts.tolist(), stops.tolist()
        range_start, range_end = ranges[k]
        lo = first_piece[k]
        hi = after_piece[k]
        green_at = []
        j = int(next_list[lo])
        while j < hi:
            if sure_list[j] or is_green(int(pieces[j]) & firm):
                green_at.append(j)
                if not keep_windows:
                    break
            j = int(next_list[j + 1])
        green = bool(green_at)
        # The largest set free, earliest first: up to the first green moment without windows, else all day.
        last = green_at[0] + 1 if green and not keep_windows else hi
        best_mask, best = 0, 0
        if lo < last:
            first_most = lo + int(sizes[lo:last].argmax())
            best = int(sizes[first_most])
            if best:
                best_mask = int(pieces[first_most])
        amber_mask = first_amber(lo, hi) if soft and not green else None
        windows = []
        for j in green_at if keep_windows else ():
            # The moments [a, b) where all can start come from the green period [a, b - 1 µs + min_length).
            start, end = time_list[j], time_list[j + 1] - 1 + length
            windows.append(
                (
                    range_start if start <= starts_us[k] else _moment(start),
                    range_end if end >= stops_us[k] else _moment(end),
                )
            )
        yield green, best, best_mask, amber_mask, windows


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Timestamps (doubles) give the microsecond back exactly up to 2**31 seconds after 1970 (2038).
_FLOAT_EXACT_BEFORE = 2**31
# Sort keys pack person, moment and kind into one int64 while they fit this many bits.
_KEY_BITS = 63
# Masks are numpy uint64 up to this many people (the hours' bit included); Python ints beyond.
_MASK_BITS = 64
_NOBODY: frozenset = frozenset()


def _micros(moments: Iterable[datetime], count: int | None = None) -> np.ndarray:
    """Aware moments as whole microseconds since 1970 (int64), exactly. `moments` is read once, or twice
    for moments after 2037: pass a list, or a way to make them again (a callable) with their count."""
    again = moments if callable(moments) else lambda: moments
    seconds = np.fromiter(map(datetime.timestamp, again()), np.float64, -1 if count is None else count)
    # A timestamp is the double nearest the exact seconds: before 2038 (2**31 s) its error is under 0.12 µs,
    # so rounding gives the microsecond back; further out, each moment is counted exactly.
    if not len(seconds) or np.abs(seconds).max() < _FLOAT_EXACT_BEFORE:
        return np.rint(seconds * 1e6).astype(np.int64)
    return np.fromiter(map(floordiv, map(sub, again(), repeat(_EPOCH)), repeat(_ONE_US)), np.int64, len(seconds))


def busy_micros(intervals: Iterable[Interval]) -> np.ndarray:
    """Busy intervals as day_statuses also takes them: an int64 array of [start, end) rows in whole
    microseconds since 1970 (UTC), read-only. What the database gives this way (availability.selectors.
    busy_micros_by_user) the green zone's arrays read with no conversion."""
    pairs = intervals if isinstance(intervals, list) else list(intervals)
    micros = _micros(lambda: chain.from_iterable(pairs), 2 * len(pairs)).reshape(-1, 2)
    micros.flags.writeable = False
    return micros


def _intervals(busy: Sequence[Interval] | np.ndarray) -> Sequence[Interval]:
    """Busy time as intervals of datetimes, from either form day_statuses takes."""
    if not isinstance(busy, np.ndarray):
        return busy
    return [(_moment(start), _moment(end)) for start, end in busy.tolist()]


def _all_micros(people: Sequence[Sequence[Interval] | np.ndarray]) -> np.ndarray:
    """Every person's moments in turn, [start, end, start, end, ...] in microseconds: arrays as they are,
    runs of lists of datetimes converted together."""
    parts: list[np.ndarray] = []
    run: list[Sequence[Interval]] = []

    def convert() -> None:
        if run:
            held = list(run)
            parts.append(_micros(lambda: chain.from_iterable(chain.from_iterable(held)), 2 * sum(map(len, held))))
            run.clear()

    for busy in people:
        if isinstance(busy, np.ndarray):
            convert()
            parts.append(busy.reshape(-1).astype(np.int64, copy=False))
        else:
            run.append(busy)
    convert()
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.empty(0, np.int64)


def _keys_in(mask: int, keys: Sequence[Hashable]) -> frozenset:
    """The keys whose bits are set in `mask`, found bit by bit."""
    found = []
    while mask:
        lowest = mask & -mask
        found.append(keys[lowest.bit_length() - 1])
        mask ^= lowest
    return frozenset(found)


def _moment(micros: int) -> datetime:
    return _EPOCH + _ONE_US * micros


def _next_true(flags: np.ndarray) -> np.ndarray:
    """For each index j (and one past the end), the first index >= j whose flag is set, or len(flags)."""
    n = len(flags)
    at = np.where(np.append(flags, True), np.arange(n + 1), n)
    return np.minimum.accumulate(at[::-1])[::-1]


def _start_masks(
    busy_lists: Sequence[Iterable[Interval]], closed: Sequence[Interval], low: int, high: int, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """[low, high) cut into pieces (microseconds): times[k] starts piece k, which runs to times[k+1] (the last
    to `high`); masks[k] has bit i set when person i can start `length` of free time at every moment of it,
    as _startable finds for each and _pieces combines, worked out for all the busy time at once in numpy.

    A busy [s, e) rules out starts in [s - length + 1 µs, e); the closed hours do so for everyone, and so
    does the end (no start after high - length). Per person, the ruled-out stretches are counted along
    time: a person's bit flips where their count leaves or returns to 0. The flips of everyone then sort
    into one timeline and their running XOR is the mask. Masks are uint64 up to 63 people (Python ints
    beyond), pieces where nobody can start may be split more finely than _pieces would.
    """
    n = len(busy_lists)
    people = [intervals if isinstance(intervals, list | np.ndarray) else list(intervals) for intervals in busy_lists]
    people.append(closed)
    sizes = list(map(len, people))
    moments = _all_micros(people)
    owner = np.repeat(np.arange(n + 1), sizes)
    # Bit n is "the hours are open": the closed time and the end rule out everyone's starts.
    starts, ends = moments[0::2], moments[1::2]
    used = (starts < ends) & (ends > low) & (starts < high)
    starts, ends, owner = np.append(starts[used], high), np.append(ends[used], high + 1), np.append(owner[used], n)
    starts = np.maximum(starts - (length - 1), low) - low
    ends = np.minimum(ends, high + 1) - low
    # One int64 key per step: the person, then the moment, then a start (0) before an end (1) at the same
    # moment, so touching stretches join; sorted, the keys say everything, in one pass.
    span = (2 * (high + 1 - low) + 1).bit_length()
    if span + (n + 1).bit_length() < _KEY_BITS:
        who = np.left_shift(owner, span)
        keys = np.empty(2 * len(starts), np.int64)
        keys[0::2] = who | (starts << 1)
        keys[1::2] = who | (ends << 1) | 1
        keys.sort(kind="stable")
        step = 1 - ((keys & 1) << 1)
        at = (keys >> 1) & ((1 << (span - 1)) - 1)
        who = keys >> span
    else:
        at = np.concatenate((starts, ends))
        step = np.concatenate((np.ones(len(starts), np.int64), np.full(len(ends), -1, np.int64)))
        who = np.concatenate((owner, owner))
        order = np.lexsort((-step, at, who))
        at, step, who = at[order], step[order], who[order]
    # Each person's steps add up to 0, so one running sum counts every person's stretches in turn.
    depth = np.cumsum(step)
    flips = ((step == 1) & (depth == 1)) | ((step == -1) & (depth == 0))
    at, who = at[flips], who[flips]
    # Into one timeline (the order of flips at one moment does not matter: only the mask after them counts).
    bits = (n + 1).bit_length()
    if span + bits < _KEY_BITS:
        keys = (at << bits) | who
        # Each person's flips are in order already: a stable (merging) sort is quick on such runs.
        keys.sort(kind="stable")
        at, who = (keys >> bits) + low, keys & ((1 << bits) - 1)
    else:
        order = np.argsort(at, kind="stable")
        at, who = at[order] + low, who[order]
    everyone = (1 << (n + 1)) - 1
    if n + 1 <= _MASK_BITS:
        masks = np.bitwise_xor.accumulate(np.left_shift(np.uint64(1), who.astype(np.uint64))) ^ np.uint64(everyone)
    else:
        masks = np.array([*itertools.accumulate(map((1).__lshift__, who.tolist()), xor, initial=everyone)][1:], object)
    # Flips at one moment make one piece, with the mask after all of them; the first piece starts at low.
    last = np.append(at[1:] != at[:-1], True)
    at, masks = at[last], masks[last]
    if not len(at) or at[0] > low:
        at = np.concatenate(([low], at))
        masks = np.concatenate((np.array([everyone], masks.dtype), masks))
    inside = at < high
    at, masks = at[inside], masks[inside]
    # Where the hours are closed nobody can start; elsewhere the people's bits are the mask.
    if masks.dtype == np.uint64:
        people_bits = np.uint64((1 << n) - 1)
        masks = np.where(masks >> np.uint64(n) & np.uint64(1) != 0, masks & people_bits, np.uint64(0))
    else:
        masks = np.array([m & ((1 << n) - 1) if m >> n & 1 else 0 for m in masks], object)
    return at, masks


# Sections doublers play, up to which a line-up is decided for every piece at once (2**6 - 1 subsets).
_HALL_SECTIONS = 6


def _green_bounds(masks: np.ndarray, firm: int, full: int, bounds: MaskBounds | None) -> tuple[np.ndarray, np.ndarray]:
    """For masks & firm: (may be green, is surely green) per piece, by counts, as lineup.mask_check decides.

    Usually the two are the same, the answer itself: the named members and the total are counted, each
    section's single-section players take its seats first, and the doublers free can fill what is left
    exactly when every set of those sections is short of no more than the doublers who play one of them
    (Hall's condition). With more than 63 keys (no uint64 masks) every piece may be and none surely is,
    and with doublers across more than six sections only the counts are applied: those pieces are asked."""
    n = len(masks)
    if masks.dtype != np.uint64:
        return np.ones(n, bool), np.zeros(n, bool)
    held = masks & np.uint64(firm)
    if bounds is None:
        sure = held == np.uint64(full)
        return sure, sure
    if bounds.refused:
        return np.zeros(n, bool), np.zeros(n, bool)
    required = np.uint64(bounds.required)
    maybe = (held & required) == required
    if bounds.total:
        maybe &= np.bitwise_count(held) >= bounds.total
    sure = maybe.copy()
    for need, players, singles in bounds.sections:
        maybe &= np.bitwise_count(held & np.uint64(players)) >= need
        sure &= np.bitwise_count(held & np.uint64(singles)) >= need
    doubled = [(need, singles, players & bounds.doublers) for need, players, singles in bounds.sections]
    doubled = [section for section in doubled if section[2]]
    if len(doubled) > _HALL_SECTIONS:
        return maybe, sure & maybe
    # Sections no doubler plays are filled by their own players or not at all.
    for need, players, singles in bounds.sections:
        if not players & bounds.doublers:
            maybe &= np.bitwise_count(held & np.uint64(singles)) >= need
    open_ = np.flatnonzero(maybe & ~sure)
    if len(open_):
        part = held[open_]
        # What each such section still lacks after its own players, and which doublers play it; then per set
        # of sections (built from the set without its lowest one) the doublers for it and what it lacks.
        lacks = [
            np.maximum(need - np.bitwise_count(part & np.uint64(singles)).astype(np.int64), 0)
            for need, singles, _ in doubled
        ]
        players = [0] * (1 << len(doubled))
        demand = [0] * (1 << len(doubled))
        fits = np.ones(len(open_), bool)
        for subset in range(1, 1 << len(doubled)):
            lowest = (subset & -subset).bit_length() - 1
            rest = subset & (subset - 1)
            players[subset] = players[rest] | doubled[lowest][2]
            demand[subset] = demand[rest] + lacks[lowest]
            fits &= np.bitwise_count(part & np.uint64(players[subset])) >= demand[subset]
        maybe[open_] = fits
    return maybe, maybe


def _day_ranges(
    tz: tzinfo,
    first: date,
    last: date,
    day_start: time | None,
    day_end: time | None,
    weekdays: Collection[int] | None = None,
) -> list[Interval]:
    """The hours of each local day from first to last (on `weekdays`) as UTC intervals, one per day."""
    opens = day_start or time(0)
    crosses = day_end is None or day_end == time(0) or day_end <= opens
    closes = day_end or time(0)
    if weekdays is None and closes == opens:
        # Back-to-back 24-hour ranges: each close is the next open, converted once.
        moments = [
            local_to_utc(datetime.combine(first + timedelta(days=k), opens), tz) for k in range((last - first).days + 2)
        ]
        return list(itertools.pairwise(moments))
    ranges = []
    day = first
    while day <= last:
        if weekdays is None or day.weekday() in weekdays:
            close = datetime.combine(day + _DAY if crosses else day, closes)
            ranges.append((local_to_utc(datetime.combine(day, opens), tz), local_to_utc(close, tz)))
        day += _DAY
    return ranges


def _time_ranges(
    tz: tzinfo,
    first: date,
    last: date,
    day_start: time | None,
    day_end: time | None,
    weekdays: Collection[int] | None,
) -> list[Interval]:
    return union(_day_ranges(tz, first, last, day_start, day_end, weekdays))


def local_hours(
    first: date, last: date, time_zone: str, *, day_start: time | None = None, day_end: time | None = None
) -> list[Interval]:
    """The hours [day_start, day_end) of each local day from first to last in `time_zone`, merged, as UTC
    intervals: the times day_statuses and find_windows count (None, None is the whole of every day)."""
    return _time_ranges(zone(time_zone), first, last, day_start, day_end, None)


def _maximal_windows(
    window_start: datetime, window_end: datetime, pieces: list[tuple[datetime, int]], length: timedelta
) -> list[tuple[datetime, datetime, int]]:
    """Every maximal sub-window (at least `length`) of pieces with the set of bits free all through it."""
    ends = [moment for moment, _ in pieces[1:]] + [window_end]
    out = []
    for i, (start, acc) in enumerate(pieces):
        before = pieces[i - 1][1] if i else None
        j = i
        while True:
            while j + 1 < len(pieces) and pieces[j + 1][1] & acc == acc:
                j += 1
            if before is not None and before & acc == acc:
                break  # the same people are free a little earlier too: not maximal
            if ends[j] - start >= length:
                out.append((start, ends[j], acc))
            if j + 1 >= len(pieces):
                break
            j += 1
            acc &= pieces[j][1]
    return out


def find_windows(
    busy_by_person: Mapping[Hashable, Iterable[Interval]],
    required: Collection[Hashable],
    optional: Collection[Hashable],
    window_start: datetime,
    window_end: datetime,
    time_zone: str,
    *,
    min_length: timedelta,
    day_start: time | None = None,
    day_end: time | None = None,
    weekdays: Collection[int] | None = None,
    limit: int = 50,
) -> list[Candidate]:
    """Candidate gig windows: all required free for at least min_length, best first, at most `limit`.

    Only local times of day in [day_start, day_end) count (no day_end, or midnight, means until
    midnight; day_end before day_start crosses midnight, e.g. 20:00–02:00), on the local weekdays given
    (0 = Monday; the weekday of the evening a range opens on). Each candidate is maximal for the set of
    optional members free all through it, so "all five from 19:00" and "four from 18:00" both appear.
    Ranked by most optional members free, then longest, then earliest.
    """
    _check_aware(window_start, window_end)
    if window_end <= window_start or limit <= 0:
        return []
    if min_length <= timedelta(0):
        raise ValueError("min_length must be positive.")
    tz = zone(time_zone)
    required_keys = list(dict.fromkeys(required))
    optional_keys = [key for key in dict.fromkeys(optional) if key not in set(required_keys)]
    keys = required_keys + optional_keys
    shift = len(required_keys)
    all_required = (1 << shift) - 1
    first = window_start.astimezone(tz).date() - _DAY
    last = window_end.astimezone(tz).date()
    ranges = clip(_time_ranges(tz, first, last, day_start, day_end, weekdays), window_start, window_end)
    lists = [
        list(chain.from_iterable(_merged_in(busy_by_person.get(key, ()), window_start, window_end))) for key in keys
    ]
    times, masks = _pieces(lists, window_start, window_end, (1 << len(keys)) - 1)
    ends = [*times[1:], window_end]
    found: list[tuple[datetime, datetime, int]] = []
    piece = 0
    for range_start, range_end in ranges:
        # The piece the range starts in: the first that ends after its start.
        piece = bisect_right(ends, range_start, piece)
        run: list[tuple[datetime, int]] = []
        j = piece
        while True:
            inside = j < len(times) and times[j] < range_end
            if inside and masks[j] & all_required == all_required:
                run.append((max(times[j], range_start), masks[j] >> shift))
                j += 1
                continue
            if run:
                run_end = min(ends[j - 1], range_end)
                if run_end - run[0][0] >= min_length:
                    found.extend(_maximal_windows(run[0][0], run_end, run, min_length))
                run = []
            if not inside:
                break
            j += 1
    found.sort(key=lambda c: (-c[2].bit_count(), c[0] - c[1], c[0]))
    optional_set = frozenset(optional_keys)
    out = []
    for start, end, acc in found[:limit]:
        free = frozenset(required_keys) | {key for bit, key in enumerate(optional_keys) if acc >> bit & 1}
        out.append(Candidate(start, end, free, optional_set - free))
    return out


def gig_days(
    gigs: Iterable[Interval],
    first: date,
    last: date,
    time_zone: str,
    *,
    day_start: time | None = None,
    day_end: time | None = None,
) -> dict[date, list[Interval]]:
    """The local days from first to last in `time_zone` that hold a gig, each with its gigs in order.

    A gig belongs to the first day whose hours [day_start, day_end) it overlaps, as day_statuses counts
    hours (None, None: the whole day; an end before the start runs past midnight): a gig 23:00–01:00
    is the evening it starts in, not the next day too, and with hours 18:00–02:00 a gig at 00:30 is the
    night before. A gig that touches no day's hours belongs to no day. Days without a gig are left out.
    """
    tz = zone(time_zone)
    # From the day before `first`: a gig that belongs to it must not count for `first`.
    opening = first - _DAY
    ranges = _day_ranges(tz, opening, last, day_start, day_end)
    out: dict[date, list[Interval]] = {}
    for start, end in sorted(gigs):
        if start >= end:
            continue
        for k, (range_start, range_end) in enumerate(ranges):
            if range_start >= end:
                break
            if range_start < range_end and range_start < end and range_end > start:
                day = opening + timedelta(days=k)
                if day >= first:
                    out.setdefault(day, []).append((start, end))
                break
    return out
