"""The IANA time zones a user may choose, and validation of a zone name."""

import datetime as dt
import zoneinfo
from datetime import timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every canonical IANA zone name known to this machine, sorted."""
    names = {n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"}
    # Legacy aliases ("US/Eastern", "Etc/GMT+3") confuse more than they help.
    names = {n for n in names if not n.startswith(("Etc/", "SystemV/", "US/")) or n == "UTC"}
    return tuple(sorted(names))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            gettext_lazy("“%(value)s” is not a time zone we know. Pick one from the list, e.g. Europe/Berlin."),
            code="invalid_time_zone",
            params={"value": value},
        )


def when_text(starts_at: dt.datetime, ends_at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "Fri 5 Dec 2026, 20:00–23:00 (Europe/Berlin)"; an end on the next day reads "–01:00 next day"."""
    start, end = timezone.localtime(starts_at, zone), timezone.localtime(ends_at, zone)
    values = {
        "start": date_format(start, "WEEKDAY_MOMENT_FORMAT"),
        "end": time_format(end, "CLOCK_FORMAT"),
        "zone": zone.key,
    }
    if end.date() == start.date():
        # Translators: a start (day and time), its end time and the time zone, e.g.
        # "Fri 5 Dec 2026, 20:00–23:00 (Europe/Berlin)".
        return gettext("%(start)s–%(end)s (%(zone)s)") % values
    if end.date() == start.date() + timedelta(days=1):
        return gettext("%(start)s–%(end)s next day (%(zone)s)") % values
    # Translators: %(day)s is the day the time ends on, e.g. "7 Dec".
    return gettext("%(start)s–%(end)s on %(day)s (%(zone)s)") % {**values, "day": date_format(end, "DAY_MONTH_FORMAT")}


# when_text read later, in the language active then (a notification's sentence, read per recipient).
when_text_lazy = lazy(when_text, str)
