"""Plain-language descriptions of a musician's availability rules ("Every Monday to Friday, 09:00–17:00")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .engine import Recurrence, rrule_parts, zone

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
_WEEKDAYS_SHORT = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
_MONTHS = (_("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"), _("August"))
_MONTHS += (_("September"), _("October"), _("November"), _("December"))
_MONTHS_SHORT = (_("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"), _("Jul"), _("Aug"), _("Sep"), _("Oct"))
_MONTHS_SHORT += (_("Nov"), _("Dec"))
_ORDINALS = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth"), -1: _("last")}
_FREQ_WORDS = {"DAILY": _("daily"), "WEEKLY": _("weekly"), "MONTHLY": _("monthly"), "YEARLY": _("yearly")}
# Beyond this many removed dates the list stops being readable.
_MAX_LISTED_EXDATES = 3


def _join(words: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    words = [str(word) for word in words]
    if len(words) <= 1:
        return "".join(words)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(str(w) for w in words[:-1]), "last": words[-1]}


def _ordinal(number: int) -> str:
    if number in _ORDINALS:
        return _ORDINALS[number]
    if number < 0:
        if -number in _ORDINALS:
            return gettext("%(ordinal)s to last") % {"ordinal": _ordinal(-number)}
        return gettext("%(n)sth to last") % {"n": -number}
    return gettext("%(n)sth") % {"n": number}


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
        return gettext("%(first)s to %(last)s") % {"first": _WEEKDAYS[days[0]], "last": _WEEKDAYS[days[-1]]}
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
        days = _join([str(n) for n in positive])
        words.append(ngettext("day %(days)s", "days %(days)s", len(positive)) % {"days": days})
    words += [
        gettext("the %(ordinal)s day") % {"ordinal": _ordinal(n)} if n != -1 else gettext("the last day")
        for n in sorted(numbers)
        if n < 0
    ]
    return _join(words)


def _nth_weekdays(pairs: Sequence[tuple[int, int]], setpos: str | None) -> str | None:
    """ "the last Friday", "the first and third Tuesday"; None when the rule says something else."""
    if setpos is not None:
        positions = [int(p) for p in setpos.split(",")]
        if len(positions) != 1 or any(number for number, _ in pairs):
            return None
        weekdays = sorted({weekday for _, weekday in pairs})
        if weekdays == [0, 1, 2, 3, 4]:
            return gettext("the %(ordinal)s weekday") % {"ordinal": _ordinal(positions[0])}
        if len(weekdays) != 1:
            return None
        pairs = [(positions[0], weekdays[0])]
    if any(number == 0 for number, _ in pairs):
        return None
    weekdays = {weekday for _, weekday in pairs}
    if len(weekdays) == 1:
        numbers = [number for number, _ in pairs]
        ordinals = _join([str(_ordinal(n)) for n in numbers])
        return gettext("the %(ordinals)s %(weekday)s") % {"ordinals": ordinals, "weekday": _WEEKDAYS[pairs[0][1]]}
    return _join(
        [gettext("the %(ordinals)s %(weekday)s") % {"ordinals": _ordinal(n), "weekday": _WEEKDAYS[w]} for n, w in pairs]
    )


def _every(parts: dict[str, str], singular: str) -> str:
    interval = int(parts.get("INTERVAL", "1"))
    if interval == 1:
        return singular
    units = {
        "DAILY": ngettext("Every %(n)s day", "Every %(n)s days", interval),
        "WEEKLY": ngettext("Every %(n)s week", "Every %(n)s weeks", interval),
        "MONTHLY": ngettext("Every %(n)s month", "Every %(n)s months", interval),
        "YEARLY": ngettext("Every %(n)s year", "Every %(n)s years", interval),
    }
    return units[parts["FREQ"]] % {"n": interval}


def _pattern(parts: dict[str, str], start: datetime) -> str:
    """What the repetition says, e.g. "Every 2 weeks on Tuesday"; a readable fallback for rare rules."""
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    keys = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    fallback = gettext("Repeats %(freq)s by a custom rule (%(rule)s)") % {"freq": _FREQ_WORDS[freq], "rule": rule}
    if freq in {"DAILY", "WEEKLY"} and keys <= {"BYDAY"}:
        if freq == "DAILY" and "BYDAY" not in parts:
            return gettext("Every day") if interval == 1 else _every(parts, "")
        if freq == "DAILY" and interval != 1:
            return fallback
        days = [w for _, w in _split_byday(parts["BYDAY"])] if "BYDAY" in parts else [start.weekday()]
        if interval == 1:
            return (
                gettext("Every day") if len(set(days)) == 7 else gettext("Every %(days)s") % {"days": _weekdays(days)}
            )
        on = gettext("every day") if len(set(days)) == 7 else _weekdays(days)
        return gettext("%(every)s on %(days)s") % {"every": _every(parts, ""), "days": on}
    if freq == "MONTHLY" and keys <= {"BYMONTHDAY", "BYDAY", "BYSETPOS"}:
        if "BYMONTHDAY" in parts and "BYDAY" not in parts and "BYSETPOS" not in parts:
            return gettext("%(every)s on %(days)s") % {
                "every": _every(parts, gettext("Monthly")),
                "days": _monthdays(parts["BYMONTHDAY"]),
            }
        if "BYDAY" in parts and "BYMONTHDAY" not in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), parts.get("BYSETPOS"))
            return (
                gettext("%(every)s on %(days)s") % {"every": _every(parts, gettext("Monthly")), "days": nth}
                if nth
                else fallback
            )
        if not keys:
            return gettext("%(every)s on day %(day)s") % {"every": _every(parts, gettext("Monthly")), "day": start.day}
        return fallback
    if freq == "YEARLY" and keys <= {"BYMONTH", "BYMONTHDAY", "BYDAY"}:
        months = [int(m) for m in parts.get("BYMONTH", str(start.month)).split(",")]
        month_names = _join([str(_MONTHS[m - 1]) for m in months])
        every_year = _every(parts, gettext("Every year"))
        if "BYDAY" in parts and "BYMONTHDAY" not in parts and "BYMONTH" in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), None)
            if not nth:
                return fallback
            return gettext("%(every)s on %(days)s of %(months)s") % {
                "every": every_year,
                "days": nth,
                "months": month_names,
            }
        if "BYDAY" not in parts:
            day = parts.get("BYMONTHDAY", str(start.day))
            if len(months) == 1 and day.isdigit():
                return gettext("%(every)s on %(day)s %(month)s") % {
                    "every": every_year,
                    "day": day,
                    "month": _MONTHS[months[0] - 1],
                }
            return gettext("%(every)s on %(days)s of %(months)s") % {
                "every": every_year,
                "days": _monthdays(day),
                "months": month_names,
            }
    return fallback


def _times(rec: Recurrence) -> str:
    """ "19:00–23:00", "22:00–02:00 (next day)", "all day", "all day for 3 days"."""
    if rec.all_day:
        days = max((rec.end.date() - rec.start.date()).days + (rec.end.time() != time(0)), 1)
        return gettext("all day") if days == 1 else gettext("all day for %(n)s days") % {"n": days}
    later = (rec.end.date() - rec.start.date()).days
    if later == 1 and rec.end.time() == time(0):
        return f"{_clock(rec.start)}–24:00"
    text = f"{_clock(rec.start)}–{_clock(rec.end)}"
    if later == 1:
        return gettext("%(times)s (next day)") % {"times": text}
    if later > 1:
        return gettext("%(times)s (%(n)s days later)") % {"times": text, "n": later}
    return text


def _once(rec: Recurrence) -> str:
    """A one-off block: "Fri 5 Mar 2027, 19:00–23:00", "1 Mar 2027 – 14 Mar 2027, all day"."""
    if rec.all_day:
        last = rec.end.date() - timedelta(days=0 if rec.end.time() != time(0) else 1)
        if last <= rec.start.date():
            return gettext("%(day)s, all day") % {"day": _day(rec.start.date())}
        return gettext("%(first)s – %(last)s, all day") % {"first": _date(rec.start.date()), "last": _date(last)}
    if (rec.end.date() - rec.start.date()).days > 1:
        return f"{_day(rec.start.date())} {_clock(rec.start)} – {_day(rec.end.date())} {_clock(rec.end)}"
    return f"{_day(rec.start.date())}, {_times(rec)}"


def _ending(parts: dict[str, str], rec: Recurrence) -> str:
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        return gettext(", once") if count == 1 else gettext(", %(n)s times") % {"n": count}
    if "UNTIL" in parts:
        value = parts["UNTIL"]
        until = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        if value.endswith("Z"):
            moment = datetime.combine(until, time(int(value[9:11]), int(value[11:13]), int(value[13:15])), tzinfo=UTC)
            until = moment.astimezone(zone(rec.time_zone)).date()
        return gettext(", until %(day)s") % {"day": _date(until)}
    return ""


def _exceptions(rec: Recurrence) -> str:
    if not rec.exdates:
        return ""
    if len(rec.exdates) > _MAX_LISTED_EXDATES:
        return gettext(", except on %(n)s dates") % {"n": len(rec.exdates)}
    return gettext(", except %(days)s") % {"days": _join([_date(d) for d in sorted(rec.exdates)])}


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
    return text if kind_busy else gettext("Only available: %(text)s") % {"text": text}
