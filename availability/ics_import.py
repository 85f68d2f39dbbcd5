"""Fetch a person's own calendar by its secret ICS address and read their busy times from it.

Fetching is a server-side request made with an address a user typed, so it goes through the one
outbound guard (core.transport.outbound): only public addresses, checked after DNS resolution and pinned for
the connection, on every redirect hop, with time and size limits. Parsing expands recurring events and
keeps only what makes the owner busy. The caller passes the limits.
"""

from __future__ import annotations

import contextlib
import re
import time
import warnings
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from datetime import tzinfo as TzInfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from icalendar.prop import vDDDTypes, vRecur
from icalendar.timezone import tzp

from core.transport.outbound import (
    OutboundError,
    OutboundRefused,
    Response,
    address_check,
    failure_kind,
    outbound_session,
    url_normalise,
)

USER_AGENT_URL = "https://stageslot.example/"
USER_AGENT = f"StageSlot calendar import (+{USER_AGENT_URL})"
MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 200
MAX_UID_LENGTH = 255
# ETag and Last-Modified are stored and sent back; a longer value is dropped rather than cut (a cut one never matches).
MAX_VALIDATOR_LENGTH = 255
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# What the owner of an imported calendar reads (on the page and, after a sync, stored with it). Each is
# translated when it is raised: a sync runs in the worker, in the site's language.
MSG_BAD_ADDRESS = gettext_lazy("Paste the calendar's address starting with https:// or webcal://")
MSG_TOO_LONG = gettext_lazy("That address is longer than %(limit)s characters; paste the calendar's own address.")
# A private address, a redirect to one, to http or to another scheme: the outbound guard's words, the same on
# every door (MSG_PRIVATE, MSG_REDIRECT_PRIVATE, MSG_REDIRECT_DOWNGRADE, MSG_REDIRECT_BAD, imported above).
MSG_TOO_MANY_REDIRECTS = gettext_lazy(
    "The calendar address redirects more than %(count)s times; paste the address it finally leads to."
)
MSG_TIMEOUT = gettext_lazy("The calendar server took longer than %(seconds)s seconds to answer.")
MSG_TOO_BIG = gettext_lazy(
    "The calendar is larger than %(size)s, which is more than we import. "
    "Share a smaller calendar (for example one without years of past events)."
)
MSG_DNS = gettext_lazy("We could not find the calendar server “%(host)s” – check the address.")
MSG_REFUSED = gettext_lazy("The calendar server “%(host)s” refused the connection – try again later.")
MSG_UNREACHABLE = gettext_lazy("We could not reach the calendar server “%(host)s” – try again later.")
MSG_CERTIFICATE = gettext_lazy(
    "The calendar server's security certificate is not valid for “%(host)s”, so we did not read it."
)
MSG_TLS = gettext_lazy("We could not open a secure connection to the calendar server “%(host)s”.")
MSG_PROTOCOL = gettext_lazy("The calendar server sent an answer we could not understand – try again later.")
MSG_DAMAGED = gettext_lazy("The calendar server sent a damaged or incomplete file – try again later.")
MSG_ENCODING = gettext_lazy("The calendar server sent the file in a compression we do not read (%(encoding)s).")
MSG_UNAUTHORISED = gettext_lazy("The calendar server refused access – check the link is the secret address.")
MSG_NOT_FOUND = gettext_lazy("The calendar was not found at that address – it may have been reset.")
MSG_SERVER_ERROR = gettext_lazy("The calendar server had an error (HTTP %(status)s).")
MSG_RATE_LIMITED = gettext_lazy("The calendar server asks us to slow down (HTTP 429); we will try again later.")
MSG_HTTP_OTHER = gettext_lazy("The calendar server answered with an error (HTTP %(status)s).")
MSG_NOT_ICS = gettext_lazy(
    "That address did not return a calendar (iCalendar/ICS) file. "
    "Copy the calendar's secret address in iCal format, not the address of its web page."
)
MSG_DAMAGED_ICS = gettext_lazy(
    "The calendar file is damaged: it starts as a calendar but breaks off or is garbled, so we could not read it. "
    "Export or share it again from your calendar app."
)
# Counted in the file before it is read (reading takes about 2 s per MB and cannot be interrupted).
MAX_FILE_EVENTS = 20000
MSG_FILE_TOO_MANY_EVENTS = gettext_lazy(
    "Your calendar file has %(count)s events; we import calendars of up to %(limit)s events. "
    "Share a calendar without years of past events (many apps can share only recent ones)."
)
MSG_TOO_MANY_EVENTS = gettext_lazy(
    "Your calendar has more than %(limit)s events in the period we import; "
    "share a calendar with fewer events (for example without reminders that repeat)."
)
MSG_TOO_SLOW = gettext_lazy(
    "Your calendar is too complex to read in %(seconds)s seconds; share a calendar with fewer repeating events."
)
MSG_TOO_FREQUENT = gettext_lazy(
    "The event “%(title)s” repeats more often than once a day, which we do not import. "
    "Change or remove it in your calendar, then try again."
)

_SUB_DAILY = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})
_FREE_STATUSES = frozenset({"FREE"})


def _number(value: float) -> str:
    """A count or a number of seconds as the reader's locale writes it ("20,000", "2.5")."""
    whole = float(value).is_integer()
    return number_format(int(value) if whole else value, decimal_pos=None if whole else 1, force_grouping=True)


class FeedError(Exception):
    """A calendar that cannot be fetched or read; `str()` is a plain-words message for its owner."""


@dataclass(frozen=True)
class FetchResult:
    """The calendar's bytes (None when the server said 304 Not Modified) and its validators for the next fetch."""

    body: bytes | None
    etag: str
    last_modified: str
    final_url: str


@dataclass(frozen=True)
class ParseResult:
    """The busy occurrences, and what could not be read fully (one plain sentence per event)."""

    events: list[ImportedEvent]
    problems: list[str]


@dataclass(frozen=True)
class ImportedEvent:
    """One occurrence that makes the calendar's owner busy, in aware UTC."""

    start: datetime
    end: datetime
    title: str
    uid: str


# ---- addresses -------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """Return the address to fetch: http(s), host lower-cased, webcal(s) as https, no userinfo, no fragment.

    Numeric hosts written the old way (2130706433, 0x7f.0.0.1) become dotted IPv4 so the address check
    sees what the resolver would (core.transport.outbound.url_normalise). Raises FeedError with a message for
    the user otherwise.
    """
    url = (url or "").strip()
    if len(url) > MAX_URL_LENGTH:
        raise FeedError(MSG_TOO_LONG % {"limit": MAX_URL_LENGTH})
    scheme, colon, rest = url.partition(":")
    if colon and scheme.lower() in ("webcal", "webcals"):
        url = "https:" + rest
    try:
        return url_normalise(url)
    except OutboundRefused:
        raise FeedError(MSG_BAD_ADDRESS) from None


def address_check_ics(url: str, *, allow_hosts: Collection[str] = ()) -> str:
    """The address as calendar_add stores it, checked by the one outbound rule (core.transport.outbound
    address_check): FeedError with its words for a private one. A name that does not resolve yet is kept;
    the first sync says so."""
    normal = normalise_url(url)
    try:
        return address_check(normal, allow_hosts=allow_hosts, unresolved_ok=True)
    except OutboundRefused as refused:
        raise FeedError(str(refused)) from None


# ---- fetching --------------------------------------------------------------------------------


def fetch_ics(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 3,
    allow_hosts: Collection[str] = (),
) -> FetchResult:
    """GET a calendar by its address, conditionally when `etag`/`last_modified` are given.

    The request goes through the outbound guard (core.transport.outbound): every hop's host is resolved and
    refused unless all its addresses are public (`allow_hosts`: exact "host:port" strings, e.g.
    "127.0.0.1:8000", skip that check), the connection goes to the checked address, https never
    redirects to http. Each socket wait is limited to `timeout` and the whole fetch to twice that; the
    body (and its gunzipped form) to `max_bytes`. Raises FeedError, with a message for the calendar's
    owner, for every network or HTTP problem.
    """
    current = normalise_url(url)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/calendar, text/plain;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip",
    }
    etag, last_modified = _validator(etag), _validator(last_modified)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    session = outbound_session(
        allow_hosts=allow_hosts, max_redirects=max_redirects, max_bytes=max_bytes, timeout=timeout
    )
    host = urlsplit(current).hostname or ""
    try:
        with session:
            response = session.get(current, headers=headers, timeout=timeout)
    except OutboundRefused as refused:
        raise _refusal_words(refused, timeout=timeout, max_bytes=max_bytes) from None
    except OutboundError as error:
        failed = urlsplit(error.request.url).hostname if error.request is not None else None
        raise _failure_words(error, host=failed or host, timeout=timeout, max_redirects=max_redirects) from None
    return _answer(response, etag=etag, last_modified=last_modified, max_redirects=max_redirects)


def _refusal_words(refused: OutboundRefused, *, timeout: float, max_bytes: int) -> FeedError:
    """The guard's refusal in the calendar owner's words (the address rules read the same on every door)."""
    if refused.code == "dns":
        return FeedError(MSG_DNS % {"host": refused.host})
    if refused.code == "timeout":
        return FeedError(MSG_TIMEOUT % {"seconds": _number(timeout)})
    if refused.code == "too_big":
        return FeedError(MSG_TOO_BIG % {"size": _size(max_bytes)})
    if refused.code == "encoding":
        return FeedError(MSG_ENCODING % {"encoding": refused.detail})
    if refused.code in ("invalid", "insecure"):
        return FeedError(MSG_BAD_ADDRESS)
    return FeedError(str(refused))


def _failure_words(error: Exception, *, host: str, timeout: float, max_redirects: int) -> FeedError:
    kind = failure_kind(error)
    if kind == "timeout":
        return FeedError(MSG_TIMEOUT % {"seconds": _number(timeout)})
    if kind == "redirects":
        return FeedError(MSG_TOO_MANY_REDIRECTS % {"count": _number(max_redirects)})
    return FeedError(
        {
            "damaged": MSG_DAMAGED,
            "certificate": MSG_CERTIFICATE,
            "tls": MSG_TLS,
            "refused": MSG_REFUSED,
            "protocol": MSG_PROTOCOL,
        }.get(kind, MSG_UNREACHABLE)
        % {"host": host}
    )


def _answer(response: Response, *, etag: str, last_modified: str, max_redirects: int) -> FetchResult:
    status = response.status_code
    if status in REDIRECT_STATUSES:
        # Not followed: only when no redirect is allowed (max_redirects=0).
        raise FeedError(MSG_TOO_MANY_REDIRECTS % {"count": _number(max_redirects)})
    if status == 304:
        return FetchResult(
            body=None,
            etag=_validator(response.headers.get("ETag", "")) or etag,
            last_modified=_validator(response.headers.get("Last-Modified", "")) or last_modified,
            final_url=response.url,
        )
    if status in (401, 403):
        raise FeedError(MSG_UNAUTHORISED)
    if status in (404, 410):
        raise FeedError(MSG_NOT_FOUND)
    if status == 429:
        raise FeedError(MSG_RATE_LIMITED)
    if status >= 500:
        raise FeedError(MSG_SERVER_ERROR % {"status": status})
    if not 200 <= status < 300:
        raise FeedError(MSG_HTTP_OTHER % {"status": status})
    return FetchResult(
        body=response.content,
        etag=_validator(response.headers.get("ETag", "")),
        last_modified=_validator(response.headers.get("Last-Modified", "")),
        final_url=response.url,
    )


def _validator(value: str) -> str:
    """An ETag or Last-Modified value safe to send and store, or "" when it is not."""
    value = (value or "").strip()
    if len(value) > MAX_VALIDATOR_LENGTH or any(not " " <= char <= "~" for char in value):
        return ""
    return value


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        # Translators: a file size in megabytes.
        return _("%(size)s MB") % {"size": _number(round(limit / (1024 * 1024), 1))}
    if limit >= 1024:
        # Translators: a file size in kilobytes.
        return _("%(size)s kB") % {"size": _number(round(limit / 1024, 1))}
    return ngettext("%(count)s byte", "%(count)s bytes", limit) % {"count": _number(limit)}


# ---- parsing ---------------------------------------------------------------------------------


def parse_busy(
    data: bytes, window_start: datetime, window_end: datetime, *, problems: list[str] | None = None, **options
) -> list[ImportedEvent]:
    """The busy occurrences of `parse_busy_report` (same arguments); its problems are added to `problems`."""
    report = parse_busy_report(data, window_start, window_end, **options)
    if problems is not None:
        problems.extend(report.problems)
    return report.events


def parse_busy_report(
    data: bytes,
    window_start: datetime,
    window_end: datetime,
    *,
    default_zone: str = "UTC",
    max_events: int = 20000,
    max_seconds: float = 10.0,
    max_file_events: int = MAX_FILE_EVENTS,
) -> ParseResult:
    """The occurrences in an iCalendar file that make its owner busy between two aware datetimes, sorted.

    Recurring events are expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides); events shown as free
    (TRANSP:TRANSPARENT, Outlook's busy status FREE) and cancelled ones are left out, and so are events
    without length. All-day events cover the owner's local days in `default_zone`; times without a zone
    are in the calendar's X-WR-TIMEZONE or else in `default_zone`. Events overlapping the window are
    returned whole. Raises FeedError when the bytes are not a calendar or a damaged one, when the file
    holds more than `max_file_events` events, when more than `max_events` occurrences (free ones
    included) fall in the window, when an event repeats more often than daily, or when expanding takes
    longer than `max_seconds`.

    Nothing is dropped silently: events without a UID or sharing one are each kept, an event with both
    DTEND and DURATION keeps its DTEND, a repeat rule with a small slip (`UNTL=`, `BYDAY=MO, TU`) is
    repaired, and an event whose repeats cannot be read keeps its first date; `problems` says which.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("parse_busy needs aware window bounds")
    owner_zone = ZoneInfo(default_zone)
    # All-day events are compared in UTC by the expander; a day either side keeps every zone's days in.
    span_start, span_end = window_start - timedelta(days=1), window_end + timedelta(days=1)
    counted = 0
    busy: list[ImportedEvent] = []
    problems: list[str] = []
    # icalendar warns about odd input (guessed zone names and the like); odd input is the norm here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calendars = _read_calendars(data, max_file_events=max_file_events)
        # Reading the file cannot be interrupted (about 2 s per MB); the budget is for expanding repeats.
        started = time.monotonic()
        for calendar in calendars:
            for series in _series(_with_zones(calendar, owner_zone), owner_zone, problems):
                for occurrence in _expand(series, span_start, span_end, problems):
                    interval = _interval(occurrence, owner_zone)
                    if interval is None or not (interval[0] < window_end and interval[1] > window_start):
                        continue
                    counted += 1
                    if counted > max_events:
                        raise FeedError(MSG_TOO_MANY_EVENTS % {"limit": _number(max_events)})
                    if interval[1] > interval[0] and _makes_busy(occurrence):
                        busy.append(
                            ImportedEvent(
                                start=interval[0],
                                end=interval[1],
                                title=" ".join(_text(occurrence, "SUMMARY").split())[:MAX_TITLE_LENGTH],
                                uid=_text(occurrence, "UID").strip()[:MAX_UID_LENGTH],
                            )
                        )
                if time.monotonic() - started > max_seconds:
                    raise FeedError(MSG_TOO_SLOW % {"seconds": _number(max_seconds)})
    busy.sort(key=lambda event: (event.start, event.end, event.uid, event.title))
    return ParseResult(events=busy, problems=problems)


_EVENT_LINE = re.compile(rb"^BEGIN:VEVENT\r?$", re.MULTILINE | re.IGNORECASE)


def _read_calendars(data: bytes, *, max_file_events: int = MAX_FILE_EVENTS) -> list[icalendar.Calendar]:
    """Every VCALENDAR in the bytes; FeedError when they are something else (a login page, JSON, nothing),
    a calendar too damaged to read, or one with more than `max_file_events` events (counted first)."""
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise FeedError(MSG_NOT_ICS)
    count = len(_EVENT_LINE.findall(data))
    if count > max_file_events:
        raise FeedError(MSG_FILE_TOO_MANY_EVENTS % {"count": _number(count), "limit": _number(max_file_events)})
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    # The parser raises assorted exception types on damaged input; it starts as a calendar, so it is a damaged one.
    except Exception:
        raise FeedError(MSG_DAMAGED_ICS) from None
    calendars = [calendar for calendar in calendars if calendar.name == "VCALENDAR"]
    if not calendars:
        raise FeedError(MSG_DAMAGED_ICS)
    return calendars


class _FloatingToZone(x_wr_timezone.CalendarWalker):
    """Gives times without a zone (floating) the owner's zone, leaving zoned and UTC times as they are."""

    def __init__(self, zone: TzInfo) -> None:
        self.zone = zone

    def walk_value_datetime(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=self.zone) if dt.tzinfo is None else dt


def _with_zones(calendar: icalendar.Calendar, owner_zone: TzInfo) -> icalendar.Calendar:
    """The calendar with floating times placed in its X-WR-TIMEZONE (Google, Apple) or else the owner's zone."""
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    zone = None
    if name:
        try:
            zone = tzp.timezone(name)
        except (ValueError, KeyError, OSError):
            zone = None
    if zone is not None:
        # Also moves UTC start times into that zone, as Google means them: a weekly 19:00 stays 19:00 over DST.
        return x_wr_timezone.to_standard(calendar, timezone=zone)
    return _FloatingToZone(owner_zone).walk(calendar)


def _series(
    calendar: icalendar.Calendar, owner_zone: TzInfo, problems: list[str] | None = None
) -> Iterator[list[icalendar.Event]]:
    """The calendar's events grouped by UID (a recurring event with its changed occurrences), each rule
    repaired where it can be and checked.

    An event without a UID is a series of its own, and so is each further event that shares a UID but
    is not a changed occurrence (RECURRENCE-ID): two different events never hide each other. Events that
    end before they start are left out here: the expander would silently swap their ends.
    """
    problems = [] if problems is None else problems
    groups: dict[object, list[icalendar.Event]] = defaultdict(list)
    for index, component in enumerate(calendar.subcomponents):
        if component.name == "VEVENT" and not _ends_before_start(component, owner_zone):
            uid = _text(component, "UID").strip()
            groups[uid or ("no uid", index)].append(component)
    for events in groups.values():
        events = _latest_versions(events, problems)
        masters = [event for event in events if event.get("RECURRENCE-ID") is None]
        changed = [event for event in events if event.get("RECURRENCE-ID") is not None]
        for series in [[*masters[:1], *changed], *([master] for master in masters[1:])]:
            for event in series:
                _repair(event, problems)
                _check_rules(event)
            yield series


def _sequence(event: icalendar.Event) -> int:
    try:
        return int(str(event.get("SEQUENCE", 0)).strip())
    except ValueError:
        return 0


def _recurrence_key(event: icalendar.Event) -> object:
    """Which occurrence a copy stands for: None for the series itself, else its RECURRENCE-ID (in UTC
    where it has a zone, so that the same moment written in two zones is one key)."""
    value = event.get("RECURRENCE-ID")
    if value is None:
        return None
    moment = getattr(value, "dt", value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment


def _latest_versions(events: list[icalendar.Event], problems: list[str]) -> list[icalendar.Event]:
    """Of the copies of one UID, per occurrence (the series, or one RECURRENCE-ID), only those with the
    highest SEQUENCE: an export that keeps the versions an event had (RFC 5545 §3.8.7.4) must not stay
    busy when its newer version took a date out. Copies of equal SEQUENCE are all kept (two different
    events that share a UID never hide each other); how many were left out is said in `problems`."""
    if len(events) < 2:
        return events
    highest: dict[object, int] = {}
    for event in events:
        key = _recurrence_key(event)
        highest[key] = max(highest.get(key, _sequence(event)), _sequence(event))
    latest = [event for event in events if _sequence(event) == highest[_recurrence_key(event)]]
    if len(latest) < len(events):
        older = len(events) - len(latest)
        problems.append(
            ngettext(
                "“%(title)s”: an older version was left out; the newest one counts",
                "“%(title)s”: %(count)s older versions were left out; the newest one counts",
                older,
            )
            % {"title": _title(latest[0]), "count": older}
        )
    return latest


# Misspelt rule parts seen in real exports, and what they mean.
_RULE_PART_SLIPS = {"UNTL": "UNTIL", "UNTILL": "UNTIL", "UNITL": "UNTIL", "FREQUENCY": "FREQ", "INTERVALL": "INTERVAL"}
_RULE_PARTS = frozenset(
    {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY"}
    | {"BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST", "RSCALE", "SKIP"}
)


def _title(event: icalendar.Component) -> str:
    return " ".join(_text(event, "SUMMARY").split())[:80] or _("An event without a title")


def _repaired_rule(text: str) -> vRecur | None:
    """A repeat rule with its small slips mended (spaces, case, misspelt or unknown parts), or None."""
    parts = []
    for part in text.replace("\\", "").split(";"):
        key, _sep, value = part.partition("=")
        key = "".join(key.split()).upper()
        key = _RULE_PART_SLIPS.get(key, key)
        value = "".join(value.split()).upper().strip(",")
        if key in _RULE_PARTS and value:
            parts.append(f"{key}={value}")
    if not any(part.startswith("FREQ=") for part in parts):
        return None
    try:
        return vRecur.from_ical(";".join(parts))
    except Exception:
        return None


def _readable_rule(rule: object) -> bool:
    """A parsed rule with a frequency and only parts RFC 5545 knows (icalendar accepts `UNTL=` as a part)."""
    return isinstance(rule, vRecur) and "FREQ" in rule and all(str(key).upper() in _RULE_PARTS for key in rule)


def _rule_text(rule: object) -> str:
    if isinstance(rule, vRecur):
        return rule.to_ical().decode(errors="replace")
    return str(rule)


def _repair(event: icalendar.Event, problems: list[str]) -> None:
    """Mend what a sloppy export gets wrong, in place; say so in `problems` where something is lost."""
    if event.get("DTEND") is not None and event.get("DURATION") is not None:
        del event["DURATION"]  # both is not allowed (RFC 5545); the end is the one people see
    rules = event.get("RRULE")
    if rules is None:
        return
    rules = rules if isinstance(rules, list) else [rules]
    if all(_readable_rule(rule) for rule in rules):
        return
    mended = [rule if _readable_rule(rule) else _repaired_rule(_rule_text(rule)) for rule in rules]
    del event["RRULE"]
    kept = [rule for rule in mended if rule is not None]
    for rule in kept:
        event.add("RRULE", rule)
    if len(kept) < len(rules):
        problems.append(
            _("“%(title)s”: its repeat rule could not be read, so only its first date is kept")
            % {"title": _title(event)}
        )


def _ends_before_start(event: icalendar.Event, owner_zone: TzInfo) -> bool:
    start, end, duration = event.get("DTSTART"), event.get("DTEND"), event.get("DURATION")
    if isinstance(duration, vDDDTypes) and isinstance(duration.dt, timedelta):
        return duration.dt < timedelta(0)
    if not isinstance(start, vDDDTypes) or not isinstance(end, vDDDTypes):
        return False
    start_utc, end_utc = _utc(start.dt, owner_zone), _utc(end.dt, owner_zone)
    return start_utc is not None and end_utc is not None and end_utc < start_utc


def _check_rules(event: icalendar.Event) -> None:
    """Refuse rules finer than daily: expanding one (FREQ=SECONDLY since 1990) would take hours."""
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if not isinstance(rule, vRecur):
            continue
        frequency = str((rule.get("FREQ") or [""])[0]).upper()
        per_day = 1
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(len(rule.get(part) or []), 1)
        if frequency in _SUB_DAILY or per_day > 1:
            title = " ".join(_text(event, "SUMMARY").split())[:80] or _("without a title")
            raise FeedError(MSG_TOO_FREQUENT % {"title": title})


def _expand(
    events: list[icalendar.Event], start: datetime, end: datetime, problems: list[str] | None = None
) -> list[icalendar.Event]:
    """The occurrences of one series between two datetimes. A series too broken to expand keeps its
    first date where that can be read; either way `problems` says so."""
    problems = [] if problems is None else problems
    # A malformed event (no DTSTART, dates mixed with times, ...) must not cost the owner the rest of the calendar.
    with contextlib.suppress(Exception):
        return _occurrences(events, start, end)
    title = _title(events[0]) if events else "An event"
    first = events[0].copy() if events else None
    if first is not None and first.get("DTSTART") is not None:
        for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"):
            first.pop(name, None)
        try:
            occurrences = _occurrences([first], start, end)
        except Exception:
            occurrences = None
        if occurrences is not None:
            problems.append(
                _("“%(title)s”: its repeats could not be read, so only its first date is kept") % {"title": title}
            )
            return occurrences
    problems.append(_("“%(title)s” could not be read") % {"title": title})
    return []


def _occurrences(events: list[icalendar.Event], start: datetime, end: datetime) -> list[icalendar.Event]:
    calendar = icalendar.Calendar()
    for event in events:
        calendar.add_component(event)
    return recurring_ical_events.of(calendar, skip_bad_series=False).between(start, end)


def _interval(occurrence: icalendar.Event, owner_zone: TzInfo) -> tuple[datetime, datetime] | None:
    start = occurrence.get("DTSTART")
    end = occurrence.get("DTEND")
    if not isinstance(start, vDDDTypes) or not isinstance(end, vDDDTypes):
        return None
    start_utc, end_utc = _utc(start.dt, owner_zone), _utc(end.dt, owner_zone)
    if start_utc is None or end_utc is None:
        return None
    return start_utc, end_utc


def _utc(value: object, owner_zone: TzInfo) -> datetime | None:
    """A DATE is the start of that day in the owner's zone; a floating time is in the owner's zone."""
    try:
        if isinstance(value, datetime):
            return (value if value.tzinfo is not None else value.replace(tzinfo=owner_zone)).astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, clock_time.min, tzinfo=owner_zone).astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted out of range
        pass
    return None


def _makes_busy(occurrence: icalendar.Event) -> bool:
    if _text(occurrence, "STATUS").strip().upper() == "CANCELLED":
        return False
    if _text(occurrence, "TRANSP").strip().upper() == "TRANSPARENT":
        return False
    return _text(occurrence, "X-MICROSOFT-CDO-BUSYSTATUS").strip().upper() not in _FREE_STATUSES


def _text(component: icalendar.Component, name: str) -> str:
    """A text property as str; the first one when a sloppy writer repeated it."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)
