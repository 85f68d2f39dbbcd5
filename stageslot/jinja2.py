"""The Jinja2 environment of the fragments drawn many times per page (templates/jinja2/; docs/decisions/0030).

Django's template engine draws every page; a fragment repeated per row, such as a search result card
or a calendar's day, is a Jinja2 template instead: it compiles to Python and draws 24 cards or a month of
42 days several times faster. Words go through Django's gettext by the i18n extension, written as Django's
makemessages finds them: `{{ _("Genres") }}`, and with a placeholder
`{{ _("Photo of %(name)s")|format(name=thing.name) }}` (old-style gettext, so `_()` returns the plain
translation and the template escapes it).

Two of Django's helpers are here too (docs/decisions/0078): `url(name, *args)` is Django's reverse, and
`value|date("WEEKDAY_MONTH_LONG_FORMAT")` Django's `date` filter (a named locale format or a format
string, in the active language), and `value|date_in(zone, format)` the same in a zone of its own; a plain
date's words are kept per language, format and day, since a month's grid names the same 42 days on every
request.
"""

import datetime as dt
import zoneinfo
from functools import lru_cache

from django.template.defaultfilters import date as django_date
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import template_localtime
from jinja2 import Environment

from core.fields.timezones import zone_name


@lru_cache(maxsize=4096)
def _day_words(language: str | None, day: dt.date, format_name: str) -> str:
    return django_date(day, format_name)


def date(value, format_name: str | None = None) -> str:
    """Django's `date` filter: `value` in the format `format_name` (DATE_FORMAT when None) of the active
    language; "" for no value."""
    if type(value) is dt.date:  # a datetime's words depend on the zone too: not kept
        return _day_words(translation.get_language(), value, format_name)
    return django_date(template_localtime(value), format_name)


def date_in(value: dt.datetime | None, zone: str, format_name: str | None = None) -> str:
    """A moment in the words of `format_name`, read in the zone named `zone` (an event's own zone, whatever
    the page's zone is); "" for no value or an unknown zone."""
    if value is None:
        return ""
    try:
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return django_date(local, format_name)


def url(name: str, *args) -> str:
    """Django's reverse: the address of the route `name` with `args`."""
    return reverse(name, args=args)


def environment(**options) -> Environment:
    env = Environment(**options)  # noqa: S701  (Django's backend turns autoescape on unless told otherwise)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=False)
    env.filters["date"] = date
    env.filters["date_in"] = date_in
    env.filters["zone_name"] = zone_name
    env.globals["url"] = url
    return env
