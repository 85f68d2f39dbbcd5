"""What every calendar provider's client gives the sync pipeline, and how the pipeline finds it.

A provider's module (calendars.caldav_client, calendars.google) exposes

    busy_between(calendar: ConnectedCalendar, start: datetime, end: datetime) -> list[BusyTime]

returning the busy stretches (aware UTC start, end, and a title or "") of the calendars the member
chose, and raises CalendarSyncError (its `str()` is words for the member) or, when the server refused
the credentials or the grant was revoked, CalendarAuthError. Nothing else may escape for an answer
the provider got wrong; anything that does is logged and reported as a general failure.
"""

import datetime as dt
import importlib
from types import ModuleType
from typing import NamedTuple

PROVIDER_MODULES = {
    "caldav": "calendars.caldav_client",
    "google": "calendars.google",
}


class BusyTime(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    title: str = ""


class CalendarSyncError(Exception):
    """A connected calendar that cannot be read (or written) now; `str()` is a message for its owner."""


class CalendarAuthError(CalendarSyncError):
    """The provider refused our credentials (401, revoked grant): the member has to connect again."""


def provider_client(provider: str) -> ModuleType:
    """The client module of `provider` (imported on first use)."""
    return importlib.import_module(PROVIDER_MODULES[provider])
