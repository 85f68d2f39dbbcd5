"""Plain-language descriptions of a musician's availability rules ("Every Monday to Friday, 09:00–17:00").

Each shape of sentence is one message with named placeholders, so a translation may put the pieces in
its own order; the optional parts of a rule (its time zone, its end, the dates it skips) each wrap the
whole sentence so far. Weekday and month names are Django's own translated ones, days and times go
through the locale's formats (stageslot/formats/).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from core.fields.timezones import zone_name

from .engine import WEEKDAY_CODES, Recurrence, rrule_parts, zone

# Beyond this many removed dates the list stops being readable.
_MAX_LISTED_EXDATES = 3


def join_words(words: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C", with the separators of the active language."""
    words = [str(word) for word in words]
    if len(words) <= 1:
        return "".join(words)
    text = words[0]
    for word in words[1:-1]:
        # Translators: a list so far and the next item of it, e.g. "Monday, Wednesday".
        text = gettext("%(items)s, %(item)s") % {"items": text, "item": word}
    # Translators: a list so far and its last item, e.g. "Monday, Wednesday and Friday".
    return gettext("%(items)s and %(last)s") % {"items": text, "last": words[-1]}


def _weekday(index: int) -> str:
    return str(WEEKDAYS[index])


def _month(number: int) -> str:
    return str(MONTHS[number])


def _ordinal(number: int) -> str:
    """ "first", "second", "last", "second to last", "6th"."""
    ordinals = {
        1: pgettext("ordinal", "first"),
        2: pgettext("ordinal", "second"),
        3: pgettext("ordinal", "third"),
        4: pgettext("ordinal", "fourth"),
        5: pgettext("ordinal", "fifth"),
        -1: pgettext("ordinal", "last"),
    }
    if number in ordinals:
        return ordinals[number]
    if number < 0:
        if -number in ordinals:
            # Translators: counting from the end, e.g. "second to last".
            return pgettext("ordinal", "%(ordinal)s to last") % {"ordinal": ordinals[-number]}
        return pgettext("ordinal", "%(n)sth to last") % {"n": -number}
    return pgettext("ordinal", "%(n)sth") % {"n": number}


def _date(day: date) -> str:
    return date_format(day, "DAY_FORMAT")


def _day(day: date) -> str:
    return date_format(day, "WEEKDAY_FORMAT")


def _clock(moment: datetime) -> str:
    return time_format(moment, "CLOCK_FORMAT")


def _weekdays(days: Sequence[int]) -> str:
    """ "Monday to Friday", "Saturday and Sunday", "Monday, Wednesday and Friday"."""
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        # Translators: a run of weekdays, e.g. "Monday to Friday".
        return gettext("%(first)s to %(last)s") % {"first": _weekday(days[0]), "last": _weekday(days[-1])}
    return join_words([_weekday(d) for d in days])


def _split_byday(value: str) -> list[tuple[int, int]]:
    """BYDAY as (number or 0, weekday index) pairs."""
    out = []
    for item in value.split(","):
        code, number = item[-2:], item[:-2]
        out.append((int(number) if number else 0, WEEKDAY_CODES.index(code)))
    return out


def _monthdays(value: str) -> str:
    """ "day 15", "days 1 and 15", "the last day", "day 1 and the second to last day"."""
    numbers = [int(n) for n in value.split(",")]
    positive = sorted(n for n in numbers if n > 0)
    words = []
    if positive:
        days = join_words([str(n) for n in positive])
        # Translators: days of a month by their number, e.g. "days 1 and 15".
        words.append(ngettext("day %(days)s", "days %(days)s", len(positive)) % {"days": days})
    words += [
        gettext("the %(ordinal)s day") % {"ordinal": _ordinal(n)} if n != -1 else gettext("the last day")
        for n in sorted(numbers)
        if n < 0
    ]
    return join_words(words)


def _nth_weekday(number: int, weekday: int) -> str:
    # Translators: e.g. "the last Friday", "the first and third Tuesday".
    return gettext("the %(ordinals)s %(weekday)s") % {"ordinals": _ordinal(number), "weekday": _weekday(weekday)}


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
        ordinals = join_words([_ordinal(number) for number, _ in pairs])
        return gettext("the %(ordinals)s %(weekday)s") % {"ordinals": ordinals, "weekday": _weekday(pairs[0][1])}
    return join_words([_nth_weekday(number, weekday) for number, weekday in pairs])


def _custom(freq: str, rule: str) -> str:
    """The readable fallback for rules the sentences below do not cover."""
    # Translators: %(rule)s is the rule as written in a calendar file, e.g. "FREQ=YEARLY;BYWEEKNO=20".
    sentences = {
        "DAILY": gettext("Repeats daily by a custom rule (%(rule)s)"),
        "WEEKLY": gettext("Repeats weekly by a custom rule (%(rule)s)"),
        "MONTHLY": gettext("Repeats monthly by a custom rule (%(rule)s)"),
        "YEARLY": gettext("Repeats yearly by a custom rule (%(rule)s)"),
    }
    return sentences[freq] % {"rule": rule}


def _weekly(interval: int, days: Sequence[int]) -> str:
    """ "Every Tuesday", "Every day", "Every 2 weeks on Tuesday", "Every 2 weeks on every day"."""
    every_day = len(set(days)) == 7
    if interval == 1:
        return gettext("Every day") if every_day else gettext("Every %(days)s") % {"days": _weekdays(days)}
    if every_day:
        return ngettext("Every %(n)s week on every day", "Every %(n)s weeks on every day", interval) % {"n": interval}
    return ngettext("Every %(n)s week on %(days)s", "Every %(n)s weeks on %(days)s", interval) % {
        "n": interval,
        "days": _weekdays(days),
    }


def _monthly(interval: int, days: str) -> str:
    """ "Monthly on day 15", "Every 3 months on the last Friday"."""
    # Translators: %(days)s is e.g. "day 15", "days 1 and 15", "the last Friday".
    if interval == 1:
        return gettext("Monthly on %(days)s") % {"days": days}
    return ngettext("Every %(n)s month on %(days)s", "Every %(n)s months on %(days)s", interval) % {
        "n": interval,
        "days": days,
    }


def _yearly(interval: int, days: str, months: str) -> str:
    """ "Every year on the last Sunday of December", "Every 2 years on days 1 and 15 of March and June"."""
    # Translators: %(days)s is e.g. "the last Sunday" or "day 15", %(months)s one or more months.
    if interval == 1:
        return gettext("Every year on %(days)s of %(months)s") % {"days": days, "months": months}
    return ngettext(
        "Every %(n)s year on %(days)s of %(months)s", "Every %(n)s years on %(days)s of %(months)s", interval
    ) % {"n": interval, "days": days, "months": months}


def _yearly_on(interval: int, day: str, month: int) -> str:
    """ "Every year on 5 March", "Every 2 years on 5 March"."""
    values = {"n": interval, "day": day, "month": _month(month)}
    # Translators: a day of the month and a month's name, e.g. "Every year on 5 March".
    if interval == 1:
        return gettext("Every year on %(day)s %(month)s") % values
    return ngettext("Every %(n)s year on %(day)s %(month)s", "Every %(n)s years on %(day)s %(month)s", interval) % (
        values
    )


def _pattern(parts: dict[str, str], start: datetime) -> str:
    """What the repetition says, e.g. "Every 2 weeks on Tuesday"; a readable fallback for rare rules."""
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    keys = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
    fallback = _custom(freq, ";".join(f"{k}={v}" for k, v in parts.items()))
    if freq in {"DAILY", "WEEKLY"} and keys <= {"BYDAY"}:
        if freq == "DAILY" and "BYDAY" not in parts:
            if interval == 1:
                return gettext("Every day")
            return ngettext("Every %(n)s day", "Every %(n)s days", interval) % {"n": interval}
        if freq == "DAILY" and interval != 1:
            return fallback
        days = [w for _, w in _split_byday(parts["BYDAY"])] if "BYDAY" in parts else [start.weekday()]
        return _weekly(interval, days)
    if freq == "MONTHLY" and keys <= {"BYMONTHDAY", "BYDAY", "BYSETPOS"}:
        if "BYMONTHDAY" in parts and "BYDAY" not in parts and "BYSETPOS" not in parts:
            return _monthly(interval, _monthdays(parts["BYMONTHDAY"]))
        if "BYDAY" in parts and "BYMONTHDAY" not in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), parts.get("BYSETPOS"))
            return _monthly(interval, nth) if nth else fallback
        if not keys:
            return _monthly(interval, _monthdays(str(start.day)))
        return fallback
    if freq == "YEARLY" and keys <= {"BYMONTH", "BYMONTHDAY", "BYDAY"}:
        months = [int(m) for m in parts.get("BYMONTH", str(start.month)).split(",")]
        month_names = join_words([_month(m) for m in months])
        if "BYDAY" in parts and "BYMONTHDAY" not in parts and "BYMONTH" in parts:
            nth = _nth_weekdays(_split_byday(parts["BYDAY"]), None)
            return _yearly(interval, nth, month_names) if nth else fallback
        if "BYDAY" not in parts:
            day = parts.get("BYMONTHDAY", str(start.day))
            if len(months) == 1 and day.isdigit():
                return _yearly_on(interval, day, months[0])
            return _yearly(interval, _monthdays(day), month_names)
    return fallback


def _times(rec: Recurrence) -> str:
    """ "19:00–23:00", "22:00–02:00 (next day)", "all day", "all day for 3 days"."""
    if rec.all_day:
        days = max((rec.end.date() - rec.start.date()).days + (rec.end.time() != time(0)), 1)
        if days == 1:
            return gettext("all day")
        return ngettext("all day for %(n)s day", "all day for %(n)s days", days) % {"n": days}
    later = (rec.end.date() - rec.start.date()).days
    values = {"start": _clock(rec.start), "end": _clock(rec.end), "n": later}
    if later == 1 and rec.end.time() == time(0):
        # Translators: from a time until the end of the day, e.g. "18:00–24:00".
        return pgettext("time range", "%(start)s–24:00") % values
    if later == 1:
        return pgettext("time range", "%(start)s–%(end)s (next day)") % values
    if later > 1:
        return (
            npgettext(
                "time range", "%(start)s–%(end)s (%(n)s day later)", "%(start)s–%(end)s (%(n)s days later)", later
            )
            % values
        )
    # Translators: from one time of day to another, e.g. "19:00–23:00".
    return pgettext("time range", "%(start)s–%(end)s") % values


def _once(rec: Recurrence) -> str:
    """A one-off block: "Fri 5 Mar 2027, 19:00–23:00", "1 Mar 2027 – 14 Mar 2027, all day"."""
    if rec.all_day:
        last = rec.end.date() - timedelta(days=0 if rec.end.time() != time(0) else 1)
        if last <= rec.start.date():
            return gettext("%(day)s, all day") % {"day": _day(rec.start.date())}
        return gettext("%(first)s – %(last)s, all day") % {"first": _date(rec.start.date()), "last": _date(last)}
    if (rec.end.date() - rec.start.date()).days > 1:
        # Translators: a block over several days, e.g. "Fri 5 Mar 2027 19:00 – Sun 7 Mar 2027 12:00".
        return gettext("%(first_day)s %(first_time)s – %(last_day)s %(last_time)s") % {
            "first_day": _day(rec.start.date()),
            "first_time": _clock(rec.start),
            "last_day": _day(rec.end.date()),
            "last_time": _clock(rec.end),
        }
    # Translators: a day and the times on it, e.g. "Fri 5 Mar 2027, 19:00–23:00".
    return gettext("%(day)s, %(times)s") % {"day": _day(rec.start.date()), "times": _times(rec)}


def _until(parts: dict[str, str], rec: Recurrence) -> date:
    value = parts["UNTIL"]
    until = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    if value.endswith("Z"):
        moment = datetime.combine(until, time(int(value[9:11]), int(value[11:13]), int(value[13:15])), tzinfo=UTC)
        until = moment.astimezone(zone(rec.time_zone)).date()
    return until


def _repeating(parts: dict[str, str], rec: Recurrence, *, show_zone: bool) -> str:
    """ "Every Friday, 19:00–23:00 (Europe/Berlin), until 31 Mar 2027, except 25 Mar 2027"."""
    values = {"repeats": _pattern(parts, rec.start), "times": _times(rec), "zone": zone_name(rec.time_zone)}
    # Translators: how a rule repeats and its times, e.g. "Every Friday, 19:00–23:00"; the second
    # adds the rule's time zone.
    text = (gettext("%(repeats)s, %(times)s (%(zone)s)") if show_zone else gettext("%(repeats)s, %(times)s")) % values
    # Translators: in the sentences below %(rule)s is how a rule repeats and its times, e.g.
    # "Every Friday, 19:00–23:00".
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        if count == 1:
            text = gettext("%(rule)s, once") % {"rule": text}
        else:
            text = ngettext("%(rule)s, %(n)s time", "%(rule)s, %(n)s times", count) % {"rule": text, "n": count}
    elif "UNTIL" in parts:
        text = gettext("%(rule)s, until %(day)s") % {"rule": text, "day": _date(_until(parts, rec))}
    if len(rec.exdates) > _MAX_LISTED_EXDATES:
        count = len(rec.exdates)
        text = ngettext("%(rule)s, except on %(n)s date", "%(rule)s, except on %(n)s dates", count) % {
            "rule": text,
            "n": count,
        }
    elif rec.exdates:
        days = join_words([_date(d) for d in sorted(rec.exdates)])
        text = gettext("%(rule)s, except %(days)s") % {"rule": text, "days": days}
    return text


def describe(rec: Recurrence, *, kind_busy: bool = True, show_zone: bool = False) -> str:
    """A plain-language line for a list of rules, in the active language, with 24-hour times.

    "Every Monday to Friday, 09:00–17:00, until 31 Mar 2027", "Fri 5 Mar 2027, 19:00–23:00",
    "1 Mar 2027 – 14 Mar 2027, all day". A free-only window (kind_busy=False) starts with
    "Only available: ". show_zone adds the zone after the times: " (Europe/Berlin)".
    """
    parts = rrule_parts(rec.rrule)
    if parts:
        text = _repeating(parts, rec, show_zone=show_zone)
    elif show_zone:
        # Translators: a one-off block and its time zone, e.g. "Fri 5 Mar 2027, 19:00–23:00 (Europe/Berlin)".
        text = gettext("%(block)s (%(zone)s)") % {"block": _once(rec), "zone": zone_name(rec.time_zone)}
    else:
        text = _once(rec)
    return text if kind_busy else gettext("Only available: %(text)s") % {"text": text}
