"""How far ahead a person can schedule anything, and how far back a date still makes sense.

One horizon for every date someone types into StageSlot – a slot and a weekly series of slots, a
private request, busy time and the last date of a repeating rule, a band's rehearsal or hold – set
in days by STAGESLOT_SCHEDULING_HORIZON_DAYS and counted from today where the thing happens (the
venue's, the event's, the person's or the band's zone). Nothing is planned further ahead than that,
and a date like 9999-12-31 never reaches the date arithmetic that would overflow on it. Forms say
what is wrong next to the field, naming the last (or first) date allowed; services check again.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext


def _number_word(n: int) -> str:
    """Small counts of years as words ("three years"); figures from eleven on."""
    words = [
        pgettext("years", "no"),
        pgettext("years", "one"),
        pgettext("years", "two"),
        pgettext("years", "three"),
        pgettext("years", "four"),
        pgettext("years", "five"),
        pgettext("years", "six"),
        pgettext("years", "seven"),
        pgettext("years", "eight"),
        pgettext("years", "nine"),
        pgettext("years", "ten"),
    ]
    return words[n] if n < len(words) else str(n)


def horizon_days() -> int:
    return settings.STAGESLOT_SCHEDULING_HORIZON_DAYS


def scheduling_today(zone: ZoneInfo | None = None, *, now: dt.datetime | None = None) -> dt.date:
    """Today in `zone` (None: the active zone, the viewer's in a request)."""
    now = now or timezone.now()
    return timezone.localtime(now, zone).date()


def scheduling_last_day(today: dt.date) -> dt.date:
    """The last date anything can be scheduled on, seen from `today`."""
    return today + dt.timedelta(days=horizon_days())


def scheduling_first_day(today: dt.date) -> dt.date:
    """The earliest date busy time can start on: as far back as the horizon reaches ahead."""
    return today - dt.timedelta(days=horizon_days())


def horizon_words() -> str:
    """The horizon as people say it: "three years", or "400 days" when it is no whole number of years."""
    days = horizon_days()
    years, rest = divmod(days, 365)
    if years and rest <= years // 4 + 1:
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": _number_word(years)}
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def day_text(day: dt.date) -> str:
    """A date as people read it, in the active language ("Mon 3 Mar 2025" in English)."""
    return date_format(day, "WEEKDAY_FORMAT")


def too_late_message(last_day: dt.date) -> str:
    # Translators: horizon is a length of time ("three years", "400 days").
    return _("StageSlot plans at most %(horizon)s ahead: pick a date up to %(day)s.") % {
        "horizon": horizon_words(),
        "day": day_text(last_day),
    }


def too_early_message(first_day: dt.date) -> str:
    return _("That is too long ago to plan for: pick a date from %(day)s on.") % {"day": day_text(first_day)}


def scheduling_day_problem(day: dt.date, *, today: dt.date, earliest: dt.date | None = None) -> str:
    """Why `day` cannot be scheduled, seen from `today` ("" when it can): after the horizon, or before
    `earliest` when given."""
    last = scheduling_last_day(today)
    if day > last:
        return too_late_message(last)
    if earliest is not None and day < earliest:
        return too_early_message(earliest)
    return ""


def check_scheduled_days(
    form: forms.Form,
    names: Iterable[str],
    *,
    today: dt.date,
    earliest: dt.date | None = None,
    earliest_message: str = "",
) -> bool:
    """Put the horizon's message next to each date field of `form` in `names` that is after it, or
    before `earliest` (with `earliest_message`, else too_early_message). The earliest bound holds only
    for a date the form changed: an existing slot or rule keeps its own start. Returns whether every
    date is fine."""
    fine = True
    for name in names:
        day = form.cleaned_data.get(name)
        if not isinstance(day, dt.date) or form.fields[name].disabled:
            continue
        kept = form.initial.get(name) == day
        problem = scheduling_day_problem(day, today=today, earliest=None if kept else earliest)
        if problem and earliest is not None and day < earliest and earliest_message:
            problem = earliest_message
        if problem:
            form.add_error(name, problem)
            fine = False
    return fine
