"""The one module that talks to CalDAV servers (Nextcloud, Fastmail, iCloud, Radicale, …), with `caldav`.

Every request goes to an address a member typed, so the library is handed the one outbound session
(core.transport.outbound): the host is resolved once per connection, every address must be public (or
"host:port" listed in CALDAV_ALLOW_HOSTS, for the tests' and `make run`'s Radicale), the connection goes
to a checked address, every redirect hop is checked the same way and never leaves https for http, no
proxy from the environment is used, each wait is limited to CALDAV_TIMEOUT seconds (a request to twice
that) and an answer to MAX_BYTES. At most CALDAV_CONNECTIONS_PER_HOST requests run at once per server
in this process.

Busy time is read with a free-busy query (REPORT free-busy-query, RFC 4791 §7.10); where a server does
not answer one, the events of the time range are read and expanded here by calendar import's parser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import caldav
import icalendar
from caldav.lib import error as caldav_error
from django.conf import settings
from django.utils.translation import gettext_lazy

from availability.ics_import import (
    MSG_CERTIFICATE,
    MSG_PROTOCOL,
    MSG_RATE_LIMITED,
    MSG_SERVER_ERROR,
    MSG_TIMEOUT,
    MSG_TLS,
    MSG_TOO_BIG,
    MSG_UNREACHABLE,
    FeedError,
    normalise_url,
    parse_busy,
)
from core.transport.outbound import OutboundError, OutboundRefused, OutboundSession, address_check, failure_kind

from .clients import BusyTime, CalendarAuthError, CalendarSyncError
from .crypto import SecretUnreadable

logger = logging.getLogger(__name__)

USER_AGENT = "StageSlot calendar sync (+https://stageslot.example/)"
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3

MSG_UNAUTHORISED = gettext_lazy(
    "The calendar server refused the user name or app password (it may have been revoked) – please connect again."
)
MSG_NO_CALENDARS = gettext_lazy("We connected, but found no calendars for this account at that address.")
MSG_NOT_CALDAV = gettext_lazy(
    "That address did not answer as a CalDAV server. Use the CalDAV address your calendar provider gives "
    "(for Nextcloud e.g. https://cloud.example.com/remote.php/dav)."
)
MSG_SECRET_LOST = gettext_lazy("We can no longer read the stored app password – please connect again.")


@dataclass(frozen=True)
class RemoteCalendar:
    """One calendar of the account: its address and the name its owner gave it."""

    url: str
    name: str


# ---- the guarded session ---------------------------------------------------------------------


class _CalDAVSession(OutboundSession):
    """The outbound session, with one server's concurrency bound and a server's 5xx and 429 said in plain
    words (the library would try to read an error page as XML)."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            normalise_url(url)
        except FeedError:
            raise CalendarSyncError(MSG_NOT_CALDAV) from None
        with _host_slot(urlsplit(url).netloc):
            response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429:
            raise CalendarSyncError(MSG_RATE_LIMITED)
        if response.status_code >= 500:
            raise CalendarSyncError(MSG_SERVER_ERROR % {"status": response.status_code})
        return response


_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
# How many requests ran at once at most, per server (the benchmark prints it).
peak_connections: dict[str, int] = {}
_running: dict[str, int] = {}


@contextlib.contextmanager
def _host_slot(netloc: str) -> Iterator[None]:
    """At most CALDAV_CONNECTIONS_PER_HOST requests at a time to one server from this process."""
    with _slots_lock:
        slot = _slots.setdefault(netloc, threading.BoundedSemaphore(settings.CALDAV_CONNECTIONS_PER_HOST))
    with slot:
        with _slots_lock:
            _running[netloc] = _running.get(netloc, 0) + 1
            peak_connections[netloc] = max(peak_connections.get(netloc, 0), _running[netloc])
        try:
            yield
        finally:
            with _slots_lock:
                _running[netloc] -= 1


def _client(server_url: str, username: str, password: str) -> caldav.DAVClient:
    timeout = settings.CALDAV_TIMEOUT
    client = caldav.DAVClient(
        url=server_url,
        username=username,
        password=password,
        timeout=(timeout, timeout),
        headers={"User-Agent": USER_AGENT},
    )
    client.session.close()
    client.session = _CalDAVSession(
        allow_hosts=settings.CALDAV_ALLOW_HOSTS,
        max_redirects=MAX_REDIRECTS,
        max_bytes=MAX_BYTES,
        timeout=timeout,
        pool_maxsize=1,
    )
    return client


@contextlib.contextmanager
def _talking(host: str) -> Iterator[None]:
    """Every failure of a conversation with the server, as words for the member."""
    seconds = settings.CALDAV_TIMEOUT
    try:
        yield
    except CalendarSyncError:
        raise
    except FeedError as e:
        raise CalendarSyncError(str(e)) from None
    except OutboundRefused as e:
        if e.code == "timeout":
            raise CalendarSyncError(MSG_TIMEOUT % {"seconds": seconds}) from None
        if e.code == "too_big":
            raise CalendarSyncError(MSG_TOO_BIG % {"size": "5 MB"}) from None
        if e.code in ("invalid", "redirect_bad", "encoding"):
            raise CalendarSyncError(MSG_NOT_CALDAV if e.code == "invalid" else MSG_PROTOCOL) from None
        raise CalendarSyncError(str(e)) from None
    except caldav_error.AuthorizationError:
        raise CalendarAuthError(MSG_UNAUTHORISED) from None
    except (OutboundError, TimeoutError) as e:
        kind = failure_kind(e)
        if kind == "timeout":
            raise CalendarSyncError(MSG_TIMEOUT % {"seconds": seconds}) from None
        if kind in ("certificate", "tls"):
            raise CalendarSyncError((MSG_CERTIFICATE if kind == "certificate" else MSG_TLS) % {"host": host}) from None
        if kind in ("redirects", "protocol", "damaged"):
            raise CalendarSyncError(MSG_PROTOCOL) from None
        raise CalendarSyncError(MSG_UNREACHABLE % {"host": host}) from None
    except caldav_error.DAVError as e:
        status = _status_of(e)
        if status is not None and status >= 500:
            raise CalendarSyncError(MSG_SERVER_ERROR % {"status": status}) from None
        if status == 404:
            raise CalendarSyncError(MSG_NOT_CALDAV) from None
        raise CalendarSyncError(MSG_PROTOCOL) from None
    except SecretUnreadable:
        raise CalendarAuthError(MSG_SECRET_LOST) from None
    except Exception:
        # Garbage where XML or iCalendar should be, and whatever else a strange server provokes in the library.
        logger.info("CalDAV server %s gave an answer we could not read", host, exc_info=True)
        raise CalendarSyncError(MSG_PROTOCOL) from None


def _status_of(error: Exception) -> int | None:
    reason = str(getattr(error, "reason", "") or error)
    for word in reason.replace(",", " ").split():
        if word.isdigit() and len(word) == 3:
            return int(word)
    return None


# ---- what the pipeline and the pages call ----------------------------------------------------


def server_address(url: str) -> str:
    """The server address as we store and call it, checked by the outbound guard (the words every door
    shows for a private address); CalendarSyncError with words for a bad one. A name that does not
    resolve is left to the connection test that follows, which says so."""
    try:
        return address_check(normalise_url(url), allow_hosts=settings.CALDAV_ALLOW_HOSTS, unresolved_ok=True)
    except FeedError as e:
        raise CalendarSyncError(str(e)) from None
    except OutboundRefused as e:
        raise CalendarSyncError(str(e)) from None


def discover(server_url: str, username: str, password: str) -> list[RemoteCalendar]:
    """The account's calendars that hold events (principal → calendar home → calendars).

    Raises CalendarAuthError for a refused user name or password, CalendarSyncError otherwise.
    """
    host = urlsplit(server_url).hostname or server_url
    with _talking(host):
        client = _client(server_url, username, password)
        with contextlib.closing(client):
            principal = client.principal()
            found = []
            for calendar in principal.calendars():
                with contextlib.suppress(caldav_error.DAVError):
                    components = calendar.get_supported_components()
                    if components and "VEVENT" not in components:
                        continue
                name = ""
                with contextlib.suppress(caldav_error.DAVError):
                    name = calendar.get_display_name() or ""
                url = str(calendar.url)
                found.append(RemoteCalendar(url=url, name=name.strip()[:120] or _calendar_tail(url)))
    if not found:
        raise CalendarSyncError(MSG_NO_CALENDARS)
    return found


def _calendar_tail(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rpartition("/")[2] or url


def _read_urls(calendar) -> list[str]:
    return list(calendar.calendars or calendar.calendar_names.keys())


def busy_between(calendar, start: dt.datetime, end: dt.datetime) -> list[BusyTime]:
    """The busy stretches between two aware datetimes in the calendars the member chose (see clients.py)."""
    host = urlsplit(calendar.server_url).hostname or ""
    busy: list[BusyTime] = []
    with _talking(host):
        client = _client(calendar.server_url, calendar.username, calendar.secret)
        with contextlib.closing(client):
            for url in _read_urls(calendar):
                remote = caldav.Calendar(client=client, url=url)
                busy += _busy_of(remote, start, end, calendar.user.time_zone)
    return busy


def _busy_of(remote: caldav.Calendar, start: dt.datetime, end: dt.datetime, zone: str) -> list[BusyTime]:
    try:
        response = remote.freebusy_request(start, end)
    except (caldav_error.ReportError, caldav_error.DAVError) as e:
        status = _status_of(e)
        if status is not None and status >= 500 and status != 501:
            raise
        # The server has no free-busy query (403, 405, 501, …): read the events and expand them here.
        return _busy_from_events(remote, start, end, zone)
    return _busy_from_freebusy(response.data, start, end)


def _busy_from_freebusy(data: str, start: dt.datetime, end: dt.datetime) -> list[BusyTime]:
    text = data.encode() if isinstance(data, str) else data
    if not text.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise CalendarSyncError(MSG_PROTOCOL)
    busy = []
    for component in icalendar.Calendar.from_ical(text).walk("VFREEBUSY"):
        values = component.get("FREEBUSY") or []
        for prop in values if isinstance(values, list) else [values]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            periods = prop.dt if isinstance(prop.dt, list) else [prop.dt]
            for period in periods:
                first, last = period
                last = first + last if isinstance(last, dt.timedelta) else last
                first, last = first.astimezone(dt.UTC), last.astimezone(dt.UTC)
                if first < last and first < end and last > start:
                    busy.append(BusyTime(first, last, ""))
    return busy


def _busy_from_events(remote: caldav.Calendar, start: dt.datetime, end: dt.datetime, zone: str) -> list[BusyTime]:
    busy = []
    for event in remote.search(start=start, end=end, event=True, expand=False):
        data = event.data.encode() if isinstance(event.data, str) else event.data
        busy += [BusyTime(ev.start, ev.end, ev.title) for ev in parse_busy(data, start, end, default_zone=zone)]
    return busy


# ---- writing the member's gigs ---------------------------------------------------------------


def event_url(calendar_url: str, uid: str) -> str:
    """The address of a gig in the member's calendar: the calendar's, plus the UID (the same one the
    feeds use) as the resource name, so a write is a PUT that creates or replaces, and is idempotent."""
    base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
    return urljoin(base, quote(uid, safe="@-_.") + ".ics")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def gigs_write(calendar, *, put: dict[str, bytes], delete: list[str]) -> tuple[list[str], list[str]]:
    """PUT each of `put` ({uid: VCALENDAR bytes}) and DELETE each uid of `delete` in the member's chosen
    calendar. At least once: a lost answer means the same PUT or DELETE is sent again next time, which
    changes nothing. Returns (uids put, uids deleted) – those done before a failure too – and raises
    CalendarSyncError / CalendarAuthError for the first failure (after recording what was done)."""
    host = urlsplit(calendar.server_url).hostname or ""
    done_put: list[str] = []
    done_delete: list[str] = []
    try:
        with _talking(host):
            client = _client(calendar.server_url, calendar.username, calendar.secret)
            with contextlib.closing(client):
                for uid, body in put.items():
                    response = client.put(
                        event_url(calendar.write_calendar_url, uid),
                        body.decode(),
                        {"Content-Type": "text/calendar; charset=utf-8"},
                    )
                    if response.status >= 400:
                        raise caldav_error.PutError(f"{response.status} {response.reason}")
                    done_put.append(uid)
                for uid in delete:
                    with contextlib.suppress(caldav_error.NotFoundError):
                        response = client.delete(event_url(calendar.write_calendar_url, uid))
                        if response.status >= 400 and response.status != 404:
                            raise caldav_error.DAVError(f"{response.status} {response.reason}")
                    done_delete.append(uid)
    except CalendarSyncError as e:
        e.done = (done_put, done_delete)
        raise
    return done_put, done_delete
