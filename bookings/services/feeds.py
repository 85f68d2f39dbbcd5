"""Calendar feeds: who may hold which secret address (services), and the events each one shows (selectors).

Three kinds, one row each (bookings.models.CalendarFeed):
- a member's feed: the gigs of every band they play in;
- a band's feed: that band's gigs, optionally its green-zone windows as "Available" (for promoters);
  made and rotated by its leaders and admins;
- a venue's feed: one event per slot that has acts, with the lineup; made and rotated by its staff.

A feed works for as long as the person it belongs to keeps their place: a band feed whose owner left
the band, or a venue feed whose owner left the staff, answers 404 until another leader or staff member
makes a new link (rotating puts it in their name). Feeds show what every member sees on the booking
page, minus money and private notes: the address is secret but lives in calendar apps and may be shared.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Band
from venues.models import Venue

from ..models import CalendarFeed, FeedMark, ServedCalendar, new_feed_token
from ..selectors.bookings import can_manage_band, is_venue_staff
from ..selectors.feeds import feed_may_manage, feeds_with_live

# Feed marks older than this are deleted (feed_marks_prune): far longer than any transaction stays open.
MARKS_KEPT = dt.timedelta(days=7)

Scope = CalendarFeed.Scope


class FeedPermissionError(Exception):
    """The person may not make or change this feed; `str()` is the message."""


# ---- Services -------------------------------------------------------------------------------


def _check_may(*, scope: str, by: User, band: Band | None, venue: Venue | None) -> None:
    if scope == Scope.BAND and (band is None or not can_manage_band(band.pk, by)):
        raise FeedPermissionError(_("Only the band's leaders and admins can manage its calendar feed."))
    if scope == Scope.VENUE and (venue is None or not is_venue_staff(venue.pk, by)):
        raise FeedPermissionError(_("Only the venue's owners and bookers can manage its calendar feed."))


def feed_create(*, by: User, scope: str, band: Band | None = None, venue: Venue | None = None) -> CalendarFeed:
    """The member's own feed (scope member), a band's or a venue's: made if there is none yet (there is
    one each), else the existing one unchanged – unless its owner has lost access, then it gets a new
    address in `by`'s name (the old one stays dead).

    Raises FeedPermissionError unless `by` leads or administers the band / is on the venue's staff.
    """
    _check_may(scope=scope, by=by, band=band, venue=venue)
    if scope == Scope.MEMBER:
        lookup = {"scope": scope, "user": by}
    elif scope == Scope.BAND:
        lookup = {"scope": scope, "band": band}
    else:
        lookup = {"scope": scope, "venue": venue}
    with transaction.atomic():
        feed, created = CalendarFeed.objects.get_or_create(**lookup, defaults={"user": by})
        if not created and not feeds_with_live(CalendarFeed.objects.filter(pk=feed.pk)).get().live:
            feed = feed_rotate(feed=feed, by=by)
    return feed


def feed_rotate(*, feed: CalendarFeed, by: User, now: dt.datetime | None = None) -> CalendarFeed:
    """Give the feed a new secret address; the old one answers 404 from now on. A band or venue feed
    passes into `by`'s name, so it works for as long as they keep their place.

    Raises FeedPermissionError unless `by` may manage the feed (see feed_may_manage).
    """
    if not feed_may_manage(feed=feed, user=by):
        raise FeedPermissionError(_("You cannot change this calendar feed."))
    now = now or timezone.now()
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        feed.token = new_feed_token()
        feed.rotated_at = now
        feed.user = by
        feed.save(update_fields=["token", "rotated_at", "user"])
    return feed


def feed_options_update(
    *, feed: CalendarFeed, by: User, include_pending: bool, include_available: bool = False
) -> CalendarFeed:
    """Set what the feed shows besides confirmed gigs: pending ones (as tentative) and, for a band
    feed only, its green-zone windows. The address stays the same.

    Raises FeedPermissionError unless `by` may manage the feed; ValidationError("include_available")
    for available windows on a member or venue feed.
    """
    if not feed_may_manage(feed=feed, user=by):
        raise FeedPermissionError(_("You cannot change this calendar feed."))
    if include_available and feed.scope != Scope.BAND:
        raise ValidationError({"include_available": [_("Only a band’s feed can show its available windows.")]})
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(
            include_pending=include_pending, include_available=include_available
        )
    feed.include_pending, feed.include_available = include_pending, include_available
    return feed


def feed_content_seen(
    *,
    feed: ServedCalendar,
    body_hash: str,
    events_changed_at: dt.datetime | None,
    now: dt.datetime | None = None,
    marks_stamp: str | None = None,
    fresh_until: dt.datetime | None = None,
) -> dt.datetime:
    """When the content of a feed (or a share link's calendar) last changed, given the hash of the
    body it answers with now.

    The first answer counts from its latest event change (or now); a body unlike the last one moves
    the time to now, and always at least a second past the time given before, so an If-Modified-Since
    holding the old value is answered in full. Returns the stored time (the feed's Last-Modified).

    Calendar feeds also keep the stamp of their marks read before the body was built, and the time it
    holds until (selectors.feeds.feed_marks_stamp, feed_fresh_until): polls are answered 304 from
    them without building the body. Stored only while the body is the one on record: a build that
    lost a race to a newer one leaves them alone, and a change after the stamp was read makes the
    next poll build the body again.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    marks = {}
    if isinstance(feed, CalendarFeed):
        marks = {"marks_stamp": marks_stamp or "", "fresh_until": fresh_until if marks_stamp else None}
    if feed.body_hash == body_hash and feed.content_changed_at is not None:
        if any(getattr(feed, field) != value for field, value in marks.items()):
            type(feed).objects.filter(pk=feed.pk, body_hash=body_hash).update(**marks)
            for field, value in marks.items():
                setattr(feed, field, value)
        return feed.content_changed_at
    if feed.content_changed_at is None:
        changed = events_changed_at or now
    else:
        changed = max(now, feed.content_changed_at + dt.timedelta(seconds=1))
    if events_changed_at is not None:
        changed = max(changed, events_changed_at)
    # Only the answer that saw the old hash moves it: two renders at once do not move it twice.
    stored = {"body_hash": body_hash, "content_changed_at": changed, **marks}
    type(feed).objects.filter(pk=feed.pk, body_hash=feed.body_hash).update(**stored)
    for field, value in stored.items():
        setattr(feed, field, value)
    return changed


def feed_marks_prune(*, now: dt.datetime | None = None) -> int:
    """Delete feed marks older than MARKS_KEPT; returns how many. A feed's stamp counts and sums the
    ids of its marks: a mark that old was committed before any transaction still open, so every
    later mark has a larger id, and no deletion can make a changed stamp look as it was."""
    now = now or timezone.now()
    deleted, _ = FeedMark.objects.filter(at__lt=now - MARKS_KEPT).delete()
    return deleted
