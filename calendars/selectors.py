"""Reads of connected calendars: a member's list, one of them, and the gigs written into them."""

import datetime as dt

from django.db.models import QuerySet

from accounts.models import User
from bookings.ical import FeedEvent
from bookings.models import Booking, CalendarFeed
from bookings.selectors.feeds import feed_marks_stamp, member_feed_events

from .models import ConnectedCalendar

# The member's answer to "Can you play?" that takes a gig out of their own calendar.
NOT_PLAYING = frozenset({"cant"})


def user_connected_calendars(*, user_id: int) -> QuerySet[ConnectedCalendar]:
    """A member's connected calendars, oldest first."""
    return ConnectedCalendar.objects.filter(user_id=user_id).order_by("created_at", "pk")


def user_connected_calendar(*, user_id: int, pk: int) -> ConnectedCalendar | None:
    """One of the member's own connected calendars, or None (someone else's is None too)."""
    return ConnectedCalendar.objects.filter(user_id=user_id, pk=pk).first()


def _member_feed(user_id: int) -> CalendarFeed:
    # An unsaved member feed: what the member's own confirmed-gigs feed would read.
    return CalendarFeed(scope=CalendarFeed.Scope.MEMBER, user_id=user_id, include_pending=False)


def member_gigs_stamp(*, user_id: int) -> str:
    """Changes whenever anything the member's gig feed shows changes (bookings' feed marks); one query."""
    return feed_marks_stamp(feed=_member_feed(user_id)) or ""


def gigs_to_write(*, user: User, now: dt.datetime) -> list[FeedEvent]:
    """The gigs to have in the member's own calendar: the confirmed gigs of their bands (the member
    feed's events, same UIDs), less those they said they cannot play. Three queries."""
    events = [e for e in member_feed_events(user=user, now=now) if e.status == "CONFIRMED"]
    uids = {e.uid.removeprefix("booking-").removesuffix("@stageslot"): e for e in events}
    lineups = Booking.objects.filter(uid__in=list(uids)).values_list("uid", "block__lineup")
    key = str(user.pk)
    out = set()
    for uid, lineup in lineups:
        if lineup and (lineup.get("answers") or {}).get(key) in NOT_PLAYING:
            out.add(str(uid))
    return [event for raw, event in uids.items() if raw not in out]
