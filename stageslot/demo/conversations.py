"""Demo conversations and calendar links: booking threads with a few messages (some still unread),
calendar feeds for a member, a band and a venue, and a share link a band sent to promoters.

Messages go through bookings.threads.message_post (it checks who may write and notifies the other
side); like the demo bookings, their emails are marked as not wanted, as the demo people have no
real mailboxes. Runs once: skipped when the demo threads have messages.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max

from accounts.models import Notification, User
from bands.models import Band
from bookings.models import Booking, CalendarFeed, Message, ShareLink, ThreadRead
from bookings.selectors.bookings import venue_team
from bookings.services.share import share_link_create
from bookings.services.threads import message_post
from venues.models import Venue

logger = logging.getLogger(__name__)

# (band, venue or None for the client's request, status) → the lines said, oldest first, and by whom:
# "band" is the band's leader, "other" the venue's owner or the client.
THREADS = [
    (
        "the-night-owls",
        "kellerbar",
        Booking.Status.BOOKED,
        [
            ("other", "Great to have you! Load-in is from 18:00 through the yard door; the backline is ours."),
            ("band", "Perfect. We bring our own snare and cymbals. Is there a parking spot for the van?"),
            ("other", "Yes, one spot right at the door – see https://example.com/kellerbar-access for the map."),
            ("band", "Thanks! Could we have a short soundcheck at 19:00?"),
            ("other", "19:00 works. Guest list closes at 18:00 – send us names by then."),
        ],
    ),
    (
        "the-night-owls",
        None,
        Booking.Status.BOOKED,
        [
            ("other", "We are so happy you can play! The first dance is at 21:30 – could you learn our song?"),
            ("band", "Of course – send us the title and we'll work up an arrangement."),
            ("other", "It's “La Vie en rose”. The hall has a small stage and two power sockets."),
        ],
    ),
    (
        "brass-and-bones",
        "kellerbar",
        Booking.Status.PENDING,
        [
            ("band", "Hi! We'd love this Saturday. We are eight on stage – is that too many for the room?"),
            ("other", "It's tight but it works; we have done big bands before. Deciding this week."),
        ],
    ),
]


def _leader(band: Band) -> User | None:
    membership = band.memberships.filter(role="leader").select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _booking(band: Band, venue_slug: str | None, status: str) -> Booking | None:
    qs = Booking.objects.filter(band=band, status=status).order_by("starts_at")
    qs = qs.filter(venue__slug=venue_slug) if venue_slug else qs.filter(kind=Booking.Kind.REQUEST)
    return qs.select_related("venue", "client").first()


def _other_side(booking: Booking) -> User | None:
    if booking.client_id:
        return booking.client
    team = venue_team(booking.venue_id)
    return team[0] if team else None


def seed_conversations(*, now: dt.datetime) -> None:
    if Message.objects.filter(booking__band__slug__in=[t[0] for t in THREADS]).exists():
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    with transaction.atomic():
        for band_slug, venue_slug, status, lines in THREADS:
            band = Band.objects.filter(slug=band_slug).first()
            booking = _booking(band, venue_slug, status) if band else None
            leader = _leader(band) if band else None
            other = _other_side(booking) if booking else None
            if not (booking and leader and other):
                logger.warning("Demo threads: no %s booking for %s; skipped", status, band_slug)
                continue
            for i, (who, text) in enumerate(lines):
                message = message_post(booking=booking, by=leader if who == "band" else other, body=text)
                # Spread the conversation over the last days, an hour or so apart.
                at = now - dt.timedelta(days=len(lines) - i, hours=i)
                Message.objects.filter(pk=message.pk).update(created_at=at)
                Notification.objects.filter(dedupe_key__startswith=f"message:{message.pk}:").update(created_at=at)
            # The band's leader has read all but the last message the other side wrote.
            last_other = Message.objects.filter(booking=booking).exclude(author=leader).order_by("-pk").first()
            if last_other is not None:
                ThreadRead.objects.filter(booking=booking, user=leader).update(last_read_id=last_other.pk - 1)
        _feeds_and_share()
        Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
            email_state=Notification.Email.SKIPPED
        )


def _feeds_and_share() -> None:
    owls = Band.objects.filter(slug="the-night-owls").first()
    mara = User.objects.filter(email="mara@demo.stageslot.test").first()
    kellerbar = Venue.objects.filter(slug="kellerbar").first()
    owner = User.objects.filter(email="kellerbar-owner@demo.stageslot.test").first()
    if mara:
        CalendarFeed.objects.get_or_create(
            scope=CalendarFeed.Scope.MEMBER, user=mara, defaults={"include_pending": True}
        )
    if owls and mara:
        CalendarFeed.objects.get_or_create(
            scope=CalendarFeed.Scope.BAND, band=owls, defaults={"user": mara, "include_available": True}
        )
        if not ShareLink.objects.filter(band=owls).exists():
            share_link_create(band=owls, by=mara, label="Summer festival promoters")
    if kellerbar and owner:
        CalendarFeed.objects.get_or_create(scope=CalendarFeed.Scope.VENUE, venue=kellerbar, defaults={"user": owner})
