"""The IANA time zones a user may choose, validation of a zone name, the zone a page is shown in (and
where it came from), and the one way a zone is named to people."""

import datetime as dt
import zoneinfo
from datetime import timedelta
from enum import StrEnum
from functools import cache, lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, gettext_lazy


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every canonical IANA zone name known to this machine, sorted."""
    names = {n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"}
    # Legacy aliases ("US/Eastern", "Etc/GMT+3") confuse more than they help.
    names = {n for n in names if not n.startswith(("Etc/", "SystemV/", "US/")) or n == "UTC"}
    return tuple(sorted(names))


def time_zone_choices() -> list[tuple[str, str]]:
    """The zone pickers' options, each labelled as every page names it (zone_name)."""
    return [(name, zone_name(name)) for name in time_zone_names()]


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            gettext_lazy("“%(value)s” is not a time zone we know. Pick one from the list, e.g. Europe/Berlin."),
            code="invalid_time_zone",
            params={"value": value},
        )


# The cookie static/js/zone.js keeps the browser's zone in (Intl's resolvedOptions().timeZone).
ZONE_COOKIE = "stageslot_zone"


class ZoneSource(StrEnum):
    """Where the zone a page is shown in came from."""

    ACCOUNT = "account"  # a signed-in person's profile
    BROWSER = "browser"  # a visitor's browser, through ZONE_COOKIE
    DEFAULT = "default"  # nobody told us yet (a first visit, no JavaScript): settings.TIME_ZONE


@cache
def _zone_keys() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def browser_zone(value: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone a browser reported, when it is one zoneinfo knows; None for anything else (a cookie is
    whatever the client sends: a wrong one is ignored, never an error)."""
    if not value or len(value) > 64 or value not in _zone_keys():
        return None
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def signup_zone_name(request: HttpRequest) -> str:
    """The zone a new account starts in, whatever the kind of sign-up (a form, an emailed code, Google): the
    browser's, as zone.js reported it; the site's default only when the browser never said."""
    zone = browser_zone(request.COOKIES.get(ZONE_COOKIE))
    return zone.key if zone is not None else settings.TIME_ZONE


def viewer_zone(request: HttpRequest) -> tuple[zoneinfo.ZoneInfo, ZoneSource]:
    """The zone to show a request's pages in, and where it came from: a signed-in person's account zone;
    a visitor's browser zone once zone.js has told us; else the site's default (UTC)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.zone, ZoneSource.ACCOUNT
    zone = browser_zone(request.COOKIES.get(ZONE_COOKIE))
    if zone is not None:
        return zone, ZoneSource.BROWSER
    return zoneinfo.ZoneInfo(settings.TIME_ZONE), ZoneSource.DEFAULT


def known_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The viewer's own zone when we know it (their account's or their browser's); None on a first visit,
    when a page shows its subject's times in the subject's zone (a band's, a venue's) instead."""
    zone, source = viewer_zone(request)
    return None if source == ZoneSource.DEFAULT else zone


def zone_name(value) -> str:
    """The one way a zone is named to people, on every page, email and PDF: its IANA name
    ("Europe/Berlin"), never an abbreviation ("CET") that changes with the season and means several
    places. Takes a zone name, a tzinfo, or a datetime (named in the zone the page shows it in)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return timezone.get_current_timezone().key
    if isinstance(value, zoneinfo.ZoneInfo):
        return value.key
    if value is dt.UTC:
        return "UTC"
    return str(value)


def when_text(starts_at: dt.datetime, ends_at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "Fri 5 Dec 2026, 20:00–23:00 (Europe/Berlin)"; an end on the next day reads "–01:00 next day".
    Kept per language: lists (the dashboard, a band's gigs) show the same bookings on every visit, and
    formatting a date costs more than finding it again."""
    return _when_text(starts_at, ends_at, zone, get_language())


@lru_cache(maxsize=8192)
def _when_text(starts_at: dt.datetime, ends_at: dt.datetime, zone: zoneinfo.ZoneInfo, _language: str | None) -> str:
    start, end = timezone.localtime(starts_at, zone), timezone.localtime(ends_at, zone)
    values = {
        "start": date_format(start, "WEEKDAY_MOMENT_FORMAT"),
        "end": time_format(end, "CLOCK_FORMAT"),
        "zone": zone_name(zone),
    }
    if end.date() == start.date():
        # Translators: a start (day and time), its end time and the time zone, e.g.
        # "Fri 5 Dec 2026, 20:00–23:00 (Europe/Berlin)".
        return gettext("%(start)s–%(end)s (%(zone)s)") % values
    if end.date() == start.date() + timedelta(days=1):
        return gettext("%(start)s–%(end)s next day (%(zone)s)") % values
    # Translators: %(day)s is the day the time ends on, e.g. "7 Dec".
    return gettext("%(start)s–%(end)s on %(day)s (%(zone)s)") % {**values, "day": date_format(end, "DAY_MONTH_FORMAT")}


# A test that changes a format or language setting reads dates formatted anew.
setting_changed.connect(lambda **_kwargs: _when_text.cache_clear(), weak=False, dispatch_uid="when_text")

# when_text read later, in the language active then (a notification's sentence, read per recipient).
when_text_lazy = lazy(when_text, str)
