"""iCal feeds: a member's gigs in all their bands, one band's gigs, a venue's booked slots.

Rendered with django-ical; see `feed_render` and `feed_response`.
"""

import datetime as dt
from dataclasses import dataclass


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


def feed_render(*, name: str, events: list[FeedEvent]) -> bytes:
    """The calendar as bytes: the same events give the same bytes."""
    raise NotImplementedError
