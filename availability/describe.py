"""Plain-English descriptions of a musician's availability rules ("Every Monday to Friday, 09:00–17:00")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from .engine import Recurrence, rrule_parts, zone

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
_MONTHS += ("November", "December")
_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_FREQ_WORDS = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
_UNITS = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}
# Beyond this many removed dates the list stops being readable.
_MAX_LISTED_EXDATES = 3


def _join(words: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _ordinal(number: int) -> str:
    if number in _ORDINALS:
        return _ORDINALS[number]
    if number < 0:
        return f"{_ordinal(-number)} to last" if -number in _ORDINALS else f"{-number}th to last"
    return f"{number}th"


def _date(day: date) -> str:
    return f"{day.day} {_MONTHS_SHORT[day.month - 1]} {day.year}"


def _day(day: date) -> str:
    return f"{_WEEKDAYS_SHORT[day.weekday()]} {_date(day)}"


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _weekdays(days: Sequence[int]) -> str:
    """ "Monday to Friday", "Saturday and Sunday", "Monday, Wednesday and Friday"."""
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{_WEEKDAYS[days[0]]} to {_WEEKDAYS[days[-1]]}"
    return _join([_WEEKDAYS[d] for d in days])


def _split_byday(value: str) -> list[tuple[int, int]]:
    """BYDAY as (number or 0, weekday index) pairs."""
    out = []
    for item in value.split(","):
        code, number = item[-2:], item[:-2]
        out.append((int(number) if number else 0, _WEEKDAY_CODES.index(code)))
    return out


def _monthdays(value: str) -> str:
    numbers = [int(n) for n in value.split(",")]
    positive = sorted(n for n in numbers if n > 0)
    words = []
    if positive:
        words.append(("day " if len(positive) == 1 else "days ") + _join([str(n) for n in positive]))
    words += [f"the {_ordinal(n)} day" if n != -1 else "the last day" for n in sorted(numbers) if n < 0]
    return _join(words)


def _nth_weekdays(pairs: Sequence[tuple[int, int]], setpos: str | None) -> str | None:
    """ "the last Friday", "the first and third Tuesday"; None when the rule says something else."""
    if setpos is not None:
        positions = [int(p) for p in setpos.split(",")]
        if len(positions) != 1 or any(number for number, _ in pairs):
            return None
        weekdays = sorted({weekday for _, weekday in pairs})
        if weekdays == [0, 1, 2, 3, 4]:
            return f"the {_ordinal(positions[0])} weekday"
        if len(weekdays) != 1:
            return None
        pairs = [(positions[0], weekdays[0])]
    if any(number == 0 for number, _ in pairs):
        return None
    weekdays = {weekday for _, weekday in pairs}
    if len(weekdays) == 1:
        numbers = [number for number, _ in pairs]
        return f"the {_join([_ordinal(n) for n in numbers])} {_WEEKDAYS[pairs[0][1]]}"
    return _join([f"the {_ordinal(n)} {_WEEKDAYS[w]}" for n, w in pairs])


def _every(parts: dict[str, str], singular: str) -> str:
    interval = int(parts.get("INTERVAL", "1"))
    return singular if interval == 1 else f"Every {interval} {_UNITS[parts['FREQ']]}"


def _pattern(parts: dict[str, str], start: datetime) -> str:
    """What the repetition says, e.g. "Every 2 weeks on Tuesday"; a readable fallback for rare rules."""
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    keys = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
    fallback = f"Repeats {_FREQ_WORDS[freq]} by a custom rule ({';'.join(f'{k}={v}' for k, v in parts.items())})"
    if freq in {"DAILY", "WEEKLY"} and keys <= {"BYDAY"}:
        if freq == "DAILY" and "BYDAY" not in parts:
            return "Every day" if interval == 1 else f"Every {interval} days"
        if freq == "DAILY" and interval != 1:
            return fallback
        days = [w for _, w in _split_byday(parts["BYDAY"])] if "BYDAY" in parts else [start.weekday()]
        if interval == 1:
            return "Every day" if len(set(days)) == 7 else f"Every {_weekdays(days)}"
        return f"Every {interval} weeks on {'every day' if len(set(days)) == 7 else _weekdays(days)}"
    if freq == "MONTHLY" and keys <= {"BYMONTHDAY", "BYDAY", "BYSETPOS"}:
        if "BYMONTHDAY" in parts and "BYDAY" not in parts and "BYSETPOS" not in parts:
            return f"{_every(parts, 'Monthly')} on {_monthdays(parts['BYMONTHDAY'])}"
        if "BYDAY" in parts and "BYMONTHDAY" not in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), parts.get("BYSETPOS"))
            return f"{_every(parts, 'Monthly')} on {nth}" if nth else fallback
        if not keys:
            return f"{_every(parts, 'Monthly')} on day {start.day}"
        return fallback
    if freq == "YEARLY" and keys <= {"BYMONTH", "BYMONTHDAY", "BYDAY"}:
        months = [int(m) for m in parts.get("BYMONTH", str(start.month)).split(",")]
        month_names = _join([_MONTHS[m - 1] for m in months])
        if "BYDAY" in parts and "BYMONTHDAY" not in parts and "BYMONTH" in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), None)
            return f"{_every(parts, 'Every year')} on {nth} of {month_names}" if nth else fallback
        if "BYDAY" not in parts:
            day = parts.get("BYMONTHDAY", str(start.day))
            if len(months) == 1 and day.isdigit():
                return f"{_every(parts, 'Every year')} on {day} {_MONTHS[months[0] - 1]}"
            return f"{_every(parts, 'Every year')} on {_monthdays(day)} of {month_names}"
    return fallback


def _times(rec: Recurrence) -> str:
    """ "19:00–23:00", "22:00–02:00 (next day)", "all day", "all day for 3 days"."""
    if rec.all_day:
        days = max((rec.end.date() - rec.start.date()).days + (rec.end.time() != time(0)), 1)
        return "all day" if days == 1 else f"all day for {days} days"
    later = (rec.end.date() - rec.start.date()).days
    if later == 1 and rec.end.time() == time(0):
        return f"{_clock(rec.start)}–24:00"
    text = f"{_clock(rec.start)}–{_clock(rec.end)}"
    if later == 1:
        text += " (next day)"
    elif later > 1:
        text += f" ({later} days later)"
    return text


def _once(rec: Recurrence) -> str:
    """A one-off block: "Fri 5 Mar 2027, 19:00–23:00", "1 Mar 2027 – 14 Mar 2027, all day"."""
    if rec.all_day:
        last = rec.end.date() - timedelta(days=0 if rec.end.time() != time(0) else 1)
        if last <= rec.start.date():
            return f"{_day(rec.start.date())}, all day"
        return f"{_date(rec.start.date())} – {_date(last)}, all day"
    if (rec.end.date() - rec.start.date()).days > 1:
        return f"{_day(rec.start.date())} {_clock(rec.start)} – {_day(rec.end.date())} {_clock(rec.end)}"
    return f"{_day(rec.start.date())}, {_times(rec)}"


def _ending(parts: dict[str, str], rec: Recurrence) -> str:
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        return ", once" if count == 1 else f", {count} times"
    if "UNTIL" in parts:
        value = parts["UNTIL"]
        until = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        if value.endswith("Z"):
            moment = datetime.combine(until, time(int(value[9:11]), int(value[11:13]), int(value[13:15])), tzinfo=UTC)
            until = moment.astimezone(zone(rec.time_zone)).date()
        return f", until {_date(until)}"
    return ""


def _exceptions(rec: Recurrence) -> str:
    if not rec.exdates:
        return ""
    if len(rec.exdates) > _MAX_LISTED_EXDATES:
        return f", except on {len(rec.exdates)} dates"
    return f", except {_join([_date(d) for d in sorted(rec.exdates)])}"


def describe(rec: Recurrence, *, kind_busy: bool = True, show_zone: bool = False) -> str:
    """A plain-English line for a list of rules, with 24-hour times.

    "Every Monday to Friday, 09:00–17:00, until 31 Mar 2027", "Fri 5 Mar 2027, 19:00–23:00",
    "1 Mar 2027 – 14 Mar 2027, all day". A free-only window (kind_busy=False) starts with
    "Only available: ". show_zone adds the zone after the times: " (Europe/Berlin)".
    """
    zone_text = f" ({rec.time_zone})" if show_zone else ""
    parts = rrule_parts(rec.rrule)
    if not parts:
        text = _once(rec) + zone_text
    else:
        text = f"{_pattern(parts, rec.start)}, {_times(rec)}{zone_text}{_ending(parts, rec)}{_exceptions(rec)}"
    return text if kind_busy else f"Only available: {text}"
