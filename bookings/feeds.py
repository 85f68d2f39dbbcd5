"""iCal feeds: a member's gigs in all their bands, one band's gigs, a venue's booked slots.

Rendered with django-ical; see `feed_render` and `feed_response`. What calendar apps rely on:
a UID that never changes for the same gig, a SEQUENCE that grows with each change, DTSTAMP and
LAST-MODIFIED at the last change (never "now", so the same state gives the same bytes), UTC
times, and a cancelled gig kept as STATUS:CANCELLED for a while instead of vanishing.
"""

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django_ical.feedgenerator import FEED_FIELD_MAP, ICal20Feed
from icalendar import Calendar, Component

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
        title=name,
        link=settings.SITE_URL,
        description=None,
        product_id=PRODUCT_ID,
        method="PUBLISH",
        ttl=REFRESH_TEXT,
    )


def _add(feed: StageSlotICalFeed, event: FeedEvent) -> None:
    modified = _utc(event.modified_at)
    feed.add_item(
        title=event.summary,
        link=event.url,
        description=event.description,
        unique_id=event.uid,
        start_datetime=_utc(event.starts_at),
        end_datetime=_utc(event.ends_at),
        timestamp=modified,
        updateddate=modified,
        sequence=event.sequence,
        status=event.status,
        location=event.location,
        transparency="TRANSPARENT" if event.transparent else "OPAQUE",
    )


_END = b"END:VCALENDAR\r\n"


def feed_render(*, name: str, events: list[FeedEvent]) -> bytes:
    """The calendar as bytes: the same events give the same bytes.

    Events go out ordered by (start, UID), whatever order they come in; times in UTC, whole seconds.
    The bytes are icalendar's serialisation of the whole calendar (a test holds them to it), put
    together from the calendar's own lines and each event's: calendar apps poll feeds that rarely
    change, and building hundreds of events is the slow part of answering, so each event's VEVENT is
    kept (per process, see `_vevent`) and only new or changed events are built again.
    """
    frame = calendar_bytes(_feed(name).calendar())
    ordered = sorted(events, key=lambda e: (e.starts_at, e.uid))
    return frame.removesuffix(_END) + b"".join(_vevent(event) for event in ordered) + _END


# A VEVENT is about 0.6 KiB: this keeps some 12 MiB per process at most.
@functools.lru_cache(maxsize=20_000)
def _vevent(event: FeedEvent) -> bytes:
    """One event's VEVENT lines, built by django-ical and icalendar."""
    feed = _feed("")
    _add(feed, event)
    calendar = Calendar()
    feed.write_items(calendar)
    return calendar_bytes(calendar.subcomponents[0])


def feed_render_forget() -> None:
    """Forget the VEVENTs this process keeps (the next render builds every event: benchmarks)."""
    _vevent.cache_clear()


_LAST_MODIFIED = re.compile(rb"^LAST-MODIFIED:(\d{8}T\d{6})Z\r?$", re.MULTILINE)


def _last_modified(body: bytes) -> dt.datetime | None:
    """The latest LAST-MODIFIED of the events in a rendered feed (None for a feed without events)."""
    stamps = _LAST_MODIFIED.findall(body)
    if not stamps:
        return None
    return dt.datetime.strptime(max(stamps).decode(), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


def feed_response(request: HttpRequest, *, body: bytes, filename: str) -> HttpResponse:
    """The feed as an HTTP answer: text/calendar, a strong ETag (a hash of the body) and Last-Modified
    (the latest change among its events), and a 304 without a body when the caller already has it
    (If-None-Match, or If-Modified-Since when no ETag is sent). Calendar apps cannot log in, so the
    answer is private to the secret address and kept only briefly."""
    response = HttpResponse(body, content_type=StageSlotICalFeed.mime_type)
    response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest()[:40])
    modified = _last_modified(body)
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
