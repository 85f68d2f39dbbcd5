"""Rule expansion: RFC 5545 RRULE bodies parsed, bounded and validated, and expanded by python-dateutil in the
owner's wall-clock time into busy intervals."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, YEARLY, rrule

from .intervals import Interval, _check_aware, existing_to_utc, local_to_utc, zone
from .words import RuleError, _, ngettext

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


@dataclass(frozen=True)
class Recurrence:
    """A busy (or free-only) time of one person, once or repeating, in their own wall-clock time."""

    start: datetime  # naive local wall-clock start of the first occurrence (DTSTART)
    end: datetime  # naive local wall-clock end of the first occurrence; end - start is the wall-clock duration
    time_zone: str  # IANA name
    rrule: str = ""  # RRULE body without "RRULE:" or DTSTART; "" = once
    exdates: frozenset[date] = frozenset()  # local dates whose occurrence is removed
    all_day: bool = False  # start/end are local midnights and the block covers whole local days


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
