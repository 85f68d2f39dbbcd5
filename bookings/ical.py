"""iCal feeds: a member's gigs in all their bands, one band's gigs, a venue's booked slots.

The calendar's frame is rendered with django-ical, each event's VEVENT written directly (byte for
byte what django-ical and icalendar would make of it); see `feed_render` and `feed_response`.
What calendar apps rely on: a UID that never changes for the same gig, a SEQUENCE that grows
with each change, DTSTAMP at the last change (never "now", so the same state gives the same bytes),
UTC times, and a cancelled gig kept as STATUS:CANCELLED for a while instead of vanishing. Nothing goes
out that no calendar reads: no LAST-MODIFIED beside DTSTAMP, no TRANSP:OPAQUE (the default), no
timezones (UTC only) – docs/decisions/0101. A client that accepts gzip gets the feed gzipped.

Every text a calendar carries goes through one writer, `ical_text` (decision 0123): a name, a title, a
place, a UID on one line, whatever a row holds; a description with its line breaks escaped as RFC 5545 allows.
Every calendar StageSlot serves or writes is made by `feed_render` (stageslot/tests/test_calendar_doors.py).
"""

import datetime as dt
import functools
import gzip
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.encoding import iri_to_uri
from django.utils.http import http_date, quote_etag
from django_ical.feedgenerator import FEED_FIELD_MAP, ICal20Feed
from icalendar import Calendar, Component

from core.fields.form_fields import CONTROL_CHARACTERS, DIRECTION_CHARACTERS, LINE_BREAKS
from core.web.site import site_url

logger = logging.getLogger(__name__)

PRODUCT_ID = "-//StageSlot//Feeds//EN"
# How often subscribers should ask again: REFRESH-INTERVAL (RFC 7986) and Outlook's X-PUBLISHED-TTL.
REFRESH = dt.timedelta(hours=1)
REFRESH_TEXT = "PT1H"
# Calendar apps poll; a proxy or the app itself may keep an answer this long (seconds).
CACHE_SECONDS = 300


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT. `uid` is stable for the thing it describes; `sequence` grows on each change of its
    time or status; `modified_at` is its last change (DTSTAMP and LAST-MODIFIED)."""

    uid: str
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str  # "CONFIRMED", "TENTATIVE" or "CANCELLED"
    sequence: int
    modified_at: dt.datetime
    description: str = ""
    location: str = ""
    url: str = ""
    # True for time that is not busy (an "Available" window): TRANSP:TRANSPARENT.
    transparent: bool = False


class StageSlotICalFeed(ICal20Feed):
    """django-ical's feed with what it has no field for: REFRESH-INTERVAL on the calendar, and no
    empty properties (an empty CATEGORIES, DESCRIPTION or URL line) on the events."""

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*args, **kwargs)
        item = self.items[-1]
        for key in [key for key, value in item.items() if value in ("", (), [])]:
            del item[key]

    def calendar(self) -> Calendar:
        """The icalendar Calendar of the feed and its items (what ICal20Feed.write serialises)."""
        calendar = Calendar()
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        for ifield, efield in FEED_FIELD_MAP:
            value = self.feed.get(ifield)
            if value is not None:
                calendar.add(efield, value)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        self.write_items(calendar)
        return calendar

    def write(self, outfile, encoding) -> None:
        outfile.write(calendar_bytes(self.calendar()))


def calendar_bytes(component: Component) -> bytes:
    """The same bytes as `component.to_ical()`, sooner: icalendar folds every content line character
    by character; a line that fits in 74 octets comes out unchanged, so only longer ones go through it."""
    out = []
    for line in component.content_lines():
        if not line:
            continue
        encoded = line.encode()
        out.append(encoded if len(encoded) < 75 else line.to_ical())
    return b"\r\n".join(out) + b"\r\n"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _feed(name: str) -> StageSlotICalFeed:
    return StageSlotICalFeed(
        title=ical_one_line(name),
        link=site_url(),
        description=None,
        product_id=PRODUCT_ID,
        method="PUBLISH",
        ttl=REFRESH_TEXT,
    )


_END = b"END:VCALENDAR\r\n"


def feed_render(*, name: str, events: list[FeedEvent]) -> bytes:
    """The calendar as bytes: the same events give the same bytes.

    Events go out ordered by (start, UID), whatever order they come in; times in UTC, whole seconds.
    The bytes are icalendar's serialisation of the whole calendar (tests hold them to it), put
    together from the calendar's own lines (django-ical and icalendar) and each event's VEVENT, which
    `_vevent` writes itself (docs/decisions/0013). Calendar apps poll feeds that rarely change, so each
    VEVENT is also kept (per process) and only new or changed events are written again.
    """
    frame = calendar_bytes(_feed(name).calendar())
    ordered = sorted(events, key=lambda e: (e.starts_at, e.uid))
    return frame.removesuffix(_END) + b"".join(_vevent(event) for event in ordered) + _END


# A VEVENT is about 0.6 KiB: this keeps some 12 MiB per process at most.
@functools.lru_cache(maxsize=20_000)
def _vevent(event: FeedEvent) -> bytes:
    """One event's VEVENT, byte for byte what django-ical and icalendar made of it (RFC 5545).

    Written directly: building icalendar components was almost all of a cold feed's time. The
    properties come in icalendar's order (its canonical ones, then alphabetical); an empty SUMMARY,
    DESCRIPTION, LOCATION or URL is left out, as StageSlotICalFeed does. A test compares the two.
    """
    modified = _ical_utc(event.modified_at)
    lines = [
        b"BEGIN:VEVENT",
        _line("SUMMARY", ical_text(event.summary)),
        b"DTSTART:" + _ical_utc(event.starts_at),
        b"DTEND:" + _ical_utc(event.ends_at),
        b"DTSTAMP:" + modified,
        _line("UID", ical_text(event.uid)),
        b"SEQUENCE:%d" % event.sequence,
        _line("DESCRIPTION", ical_text(event.description, lines=True)),
        _line("LOCATION", ical_text(event.location)),
        _line("STATUS", ical_text(event.status)),
        b"TRANSP:TRANSPARENT" if event.transparent else b"",
        _line("URL", iri_to_uri(event.url)),  # as Django's feed generator passes it on
        b"END:VEVENT",
    ]
    return b"\r\n".join(line for line in lines if line) + b"\r\n"


def _ical_utc(moment: dt.datetime) -> bytes:
    """A UTC DATE-TIME, whole seconds: 20301231T203000Z."""
    m = _utc(moment)
    return f"{m.year:04}{m.month:02}{m.day:02}T{m.hour:02}{m.minute:02}{m.second:02}Z".encode()


# ---- The one writer of calendar text -------------------------------------------------------------------------

# Runs of line breaks, tabs and controls, with the spaces around them: one space each in a one-line text.
_BREAKS_IN_A_LINE = re.compile(f" *(?:(?:{LINE_BREAKS.pattern}|{CONTROL_CHARACTERS.pattern}) *)+")
# A line break of any kind in a text of several lines (CRLF first: one break, not two).
_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")


def ical_one_line(value: str) -> str:
    """`value` as a calendar writes a name, a title, a place or a UID: on one line. Each run of line breaks,
    tabs and control characters (a row stored before forms refused them) is one space, the characters that turn
    the direction of what follows are gone, and the ends are trimmed."""
    return _BREAKS_IN_A_LINE.sub(" ", DIRECTION_CHARACTERS.sub("", value or "")).strip(" ")


def ical_lines(value: str) -> str:
    """`value` as a calendar writes a description: each line break of any kind a line feed (escaped "\\n" by
    `ical_text`), each other control character a space, the direction characters gone."""
    return CONTROL_CHARACTERS.sub(" ", _BREAKS.sub("\n", DIRECTION_CHARACTERS.sub("", value or "")))


def ical_text(value: str, *, lines: bool = False) -> str:
    """The one writer of calendar text (RFC 5545 3.3.11 TEXT): what every SUMMARY, LOCATION, UID, STATUS and
    DESCRIPTION of a StageSlot calendar is written with. A one-line text (the default) goes through
    `ical_one_line` and is escaped so that a written backslash stays one (a name "Back\\Nowhere" is not
    broken in two); with `lines` (a DESCRIPTION), line breaks are kept as escaped "\\n", as icalendar writes
    them. Never a raw CR or LF in what it returns."""
    if lines:
        return _text(ical_lines(value))
    return ical_one_line(value).replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")


def _text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11) as icalendar does it, in its order: a written "\\N" is a line
    break too, and CRLF, LF or a lone CR all become "\\n"."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _line(name: str, value: str) -> bytes:
    """`NAME:value`, folded; nothing for an empty value."""
    return _fold(f"{name}:{value}".encode()) if value else b""


def _fold(line: bytes) -> bytes:
    """Fold a content line as icalendar does: at most 74 octets before each CRLF + space, never inside
    a UTF-8 character, and a backslash or caret that would end a piece (with more before it) starts
    the next piece instead, so that an escape is not split."""
    if len(line) < 75:
        return line
    pieces, start, size = [], 0, len(line)
    while size - start > 74:
        end = start + 74
        while line[end] & 0xC0 == 0x80:  # a UTF-8 continuation octet: back to the character's start
            end -= 1
        if end - start > 1 and line[end - 1] in b"\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return b"\r\n ".join(pieces)


def feed_render_forget() -> None:
    """Forget the VEVENTs this process keeps (the next render writes every event: benchmarks)."""
    _vevent.cache_clear()


_LAST_MODIFIED = re.compile(rb"^DTSTAMP:(\d{8}T\d{6})Z\r?$", re.MULTILINE)


def _last_modified(body: bytes) -> dt.datetime | None:
    """The latest change of the events in a rendered feed, their DTSTAMPs (None for a feed without events)."""
    stamps = _LAST_MODIFIED.findall(body)
    if not stamps:
        return None
    return dt.datetime.strptime(max(stamps).decode(), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


def feed_body_hash(body: bytes) -> str:
    """The hash the ETag is made of."""
    return hashlib.sha256(body).hexdigest()[:40]


def feed_events_changed_at(body: bytes) -> dt.datetime | None:
    """The latest change among the events of a rendered feed (None without events)."""
    return _last_modified(body)


# Accept-Encoding names gzip, without a q of 0 (RFC 9110 12.5.3).
_ACCEPTS_GZIP = re.compile(r"(?:^|,)\s*(?:x-)?gzip\s*(?:;\s*q\s*=\s*([0-9.]*))?\s*(?=,|$)", re.IGNORECASE)
# The gzipped bodies this process made last, by body hash: a feed polled by many answers from here.
_GZIPPED: OrderedDict[str, bytes] = OrderedDict()
_GZIPPED_KEPT = 32
_GZIPPED_LOCK = threading.Lock()


# The bodies this process built or answered last, by body hash, each with its events' latest change: a
# poll whose feed has not changed since (its marks, as for a 304) is answered from here without building.
# A body is some 0.6 KiB an event: 32 feeds of 500 events keep about 10 MiB.
_BODIES: OrderedDict[str, tuple[bytes, dt.datetime | None]] = OrderedDict()
_BODIES_KEPT = 32
_BODIES_LOCK = threading.Lock()
# The shared cache keeps each body as long, for the other processes and for fresh ones after a deploy: the
# "pages" cache (Redis; without Redis each process's memory, so a poll never writes a body to the database).
SHARED_BODY_SECONDS = 24 * 3600


def _shared_body_key(body_hash: str) -> str:
    return f"feed-body:{body_hash}"


def feed_body_keep(body: bytes, *, body_hash: str, events_changed_at: dt.datetime | None) -> None:
    """Keep a built body under its hash, in this process and in the shared cache (the hash names the
    bytes: whoever finds them under it has the very body)."""
    with _BODIES_LOCK:
        _BODIES[body_hash] = (body, events_changed_at)
        _BODIES.move_to_end(body_hash)
        while len(_BODIES) > _BODIES_KEPT:
            _BODIES.popitem(last=False)
    try:
        caches["pages"].set(_shared_body_key(body_hash), (body, events_changed_at), SHARED_BODY_SECONDS)
    except Exception:  # the shared cache is a help, never a condition: a process without it builds the body
        logger.warning("feed body not kept in the shared cache", exc_info=True)


def feed_body_kept(body_hash: str) -> tuple[bytes, dt.datetime | None] | None:
    """(body, its events' latest change) kept under `body_hash`, here or in the shared cache; None if neither
    has it."""
    with _BODIES_LOCK:
        kept = _BODIES.get(body_hash)
        if kept is not None:
            _BODIES.move_to_end(body_hash)
            return kept
    try:
        kept = caches["pages"].get(_shared_body_key(body_hash))
    except Exception:  # as in feed_body_keep
        logger.warning("feed body not read from the shared cache", exc_info=True)
        return None
    if not isinstance(kept, tuple) or len(kept) != 2 or feed_body_hash(kept[0]) != body_hash:
        return None
    with _BODIES_LOCK:
        _BODIES[body_hash] = kept
        while len(_BODIES) > _BODIES_KEPT:
            _BODIES.popitem(last=False)
    return kept


def feed_bodies_forget() -> None:
    """Forget the bodies this process keeps (benchmarks; the shared cache keeps its own)."""
    with _BODIES_LOCK:
        _BODIES.clear()


def feed_accepts_gzip(request: HttpRequest) -> bool:
    """Whether the client takes a gzipped answer (Accept-Encoding: gzip, not q=0)."""
    found = _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
    if found is None:
        return False
    try:
        return found.group(1) in (None, "") or float(found.group(1)) > 0
    except ValueError:
        return False


def feed_etag(body_hash: str, *, gzipped: bool) -> str:
    """The strong ETag of a feed's answer: the body's hash, and "-gzip" after it for the gzipped answer
    (another representation, other bytes: RFC 9110 8.8.3)."""
    return quote_etag(f"{body_hash}-gzip" if gzipped else body_hash)


def feed_gzip(body: bytes, body_hash: str) -> bytes:
    """The body gzipped, the same bytes for the same body (no time or name in the gzip header), so the
    gzipped answer's ETag holds as the plain one's does."""
    with _GZIPPED_LOCK:
        packed = _GZIPPED.get(body_hash)
        if packed is not None:
            _GZIPPED.move_to_end(body_hash)
            return packed
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    with _GZIPPED_LOCK:
        _GZIPPED[body_hash] = packed
        while len(_GZIPPED) > _GZIPPED_KEPT:
            _GZIPPED.popitem(last=False)
    return packed


def feed_answer_warm_up(body: bytes) -> None:
    """Answer a stand-in request for `body` plain, gzipped and with a 304, as a feed view does, and forget
    the gzipped body: what the answer uses on first use (zlib's compressor, the HTTP date and cache
    headers, the conditional GET) is ready before the first subscriber asks (stageslot/warm.py)."""
    request = HttpRequest()
    request.method = "GET"
    for encoding in ("", "gzip"):
        request.META["HTTP_ACCEPT_ENCODING"] = encoding
        answer = feed_response(request, body=body, filename="-.ics")
        request.META["HTTP_IF_NONE_MATCH"] = answer["ETag"]
        feed_response(request, body=body, filename="-.ics")
        feed_not_modified(request, body_hash=feed_body_hash(body), content_changed_at=dt.datetime.now(dt.UTC))
        del request.META["HTTP_IF_NONE_MATCH"]
    with _GZIPPED_LOCK:
        _GZIPPED.clear()


def feed_not_modified(request: HttpRequest, *, body_hash: str, content_changed_at: dt.datetime) -> HttpResponse | None:
    """A 304 for a client that already holds the body stored as `body_hash` (changed last at
    `content_changed_at`, the feed's Last-Modified), with the headers feed_response gives; None when
    the request's validators do not match it (then the feed is built)."""
    response = HttpResponse(content_type=StageSlotICalFeed.mime_type)
    response["ETag"] = feed_etag(body_hash, gzipped=feed_accepts_gzip(request))
    patch_vary_headers(response, ("Accept-Encoding",))
    response["Last-Modified"] = http_date(content_changed_at.timestamp())
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    answer = get_conditional_response(
        request, etag=response["ETag"], last_modified=int(content_changed_at.timestamp()), response=response
    )
    return answer if answer.status_code == 304 else None


def feed_response(
    request: HttpRequest,
    *,
    body: bytes,
    filename: str,
    content_changed_at: dt.datetime | None = None,
    body_hash: str | None = None,
    events_changed_at: dt.datetime | bool | None = False,
) -> HttpResponse:
    """The feed as an HTTP answer: text/calendar, a strong ETag (a hash of the body) and Last-Modified
    (the latest change among its events, or `content_changed_at` – when the body last changed, e.g. an
    event left it – if later), and a 304 without a body when the caller already has it
    (If-None-Match, or If-Modified-Since when no ETag is sent). Calendar apps cannot log in, so the
    answer is private to the secret address and kept only briefly. A client that accepts gzip gets the
    body gzipped (Content-Encoding: gzip, its own ETag); every answer says it varies with Accept-Encoding.
    `body_hash` and `events_changed_at` (feed_body_hash, feed_events_changed_at) when the caller has them
    already: each reads the whole body."""
    body_hash = body_hash or feed_body_hash(body)
    gzipped = feed_accepts_gzip(request)
    response = HttpResponse(feed_gzip(body, body_hash) if gzipped else body, content_type=StageSlotICalFeed.mime_type)
    if gzipped:
        response["Content-Encoding"] = "gzip"
    response["ETag"] = feed_etag(body_hash, gzipped=gzipped)
    patch_vary_headers(response, ("Accept-Encoding",))
    modified = _last_modified(body) if events_changed_at is False else events_changed_at
    if content_changed_at is not None:
        modified = max(modified, content_changed_at) if modified is not None else content_changed_at
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "calendar.ics"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(modified.timestamp()) if modified is not None else None,
        response=response,
    )
