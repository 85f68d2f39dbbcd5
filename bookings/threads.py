"""A booking's message thread: its two sides write to each other in plain text.

Who is in it: every member of the band (any role, not only the ones who answer), and the venue's
staff for a slot booking or the client for a private request. Nobody else reads or writes, staff
included. Writing is open in every status, also after the gig (for the follow-ups).

The messages of one booking are written one at a time (the booking row is locked while one is
added), so their ids grow in the order they commit: "the messages after id N" (the page's poll) and
"read up to id N" (ThreadRead) never skip a message that committed late.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from accounts.services import notifications_create
from bands.models import Membership
from venues.models import VenueStaff

from .models import Booking, Message, ThreadRead
from .services import BookingPermissionError, band_players, link_of, venue_team

FLOOD_LIMIT = 20
FLOOD_WINDOW = dt.timedelta(minutes=10)
SNIPPET_LENGTH = 80
PAGE_LIMIT = 200


# ---- Who is in it -------------------------------------------------------------------------


def thread_participants(booking: Booking) -> list[User]:
    """Everyone in the thread, each once: the band's members, then the venue's staff or the client."""
    people = band_players(booking.band_id)
    people += venue_team(booking.venue_id) if booking.venue_id else [booking.client]
    return list({person.pk: person for person in people if person is not None}.values())


def _standing(booking: Booking, user: User) -> tuple[bool, bool]:
    """(plays in the band, is on the venue's staff) for `user`, in one query."""
    venue_staff = (
        Exists(VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=OuterRef("pk")))
        if booking.venue_id
        else Value(False)
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(in_band=Exists(Membership.objects.filter(band_id=booking.band_id, user_id=OuterRef("pk"))))
        .annotate(in_venue=venue_staff)
        .values_list("in_band", "in_venue")
        .first()
    )
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def thread_can_read(*, booking: Booking, user: User) -> bool:
    """Whether `user` is in the booking's thread (and so may read it and write to it). One query at most."""
    if not getattr(user, "is_authenticated", False):
        return False
    return booking.client_id == user.pk or any(_standing(booking, user))


@dataclass(frozen=True)
class Side:
    """The part a person plays in a booking: "band", "venue" or "client" ("" for someone no longer in it)."""

    key: str
    name: str  # the band's or venue's name; "" for the client

    def label(self) -> str:
        """ "Kellerbar (venue)", "The Night Owls (band)", "Client"."""
        if self.key == "client":
            return "Client"
        return f"{self.name} ({self.key})" if self.key else ""


def _side(booking: Booking, *, user_id: int | None, in_band: bool, in_venue: bool) -> Side:
    # Someone on both sides (a venue's booker who plays in the band) writes for the venue, as in side_of.
    if user_id is not None and user_id == booking.client_id:
        return Side("client", "")
    if in_venue:
        return Side("venue", booking.venue.name)
    if in_band:
        return Side("band", booking.band.name)
    return Side("", "")


# ---- Writing ------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    """Line breaks as "\\n" (a browser sends "\\r\\n", which its own maxlength counts once), ends trimmed."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError("Write a message first.", code="empty")
    if len(body) > Message.MAX_LENGTH:
        raise ValidationError(
            f"A message can be at most {Message.MAX_LENGTH} characters long; this one has {len(body)}. "
            "Shorten it or send it in two parts.",
            code="too_long",
        )
    return body


def _gig_words(booking: Booking) -> str:
    """ "the gig at Kellerbar on {when}", "the wedding at Gut Kleinow on {when}"."""
    if booking.venue_id:
        return f"the gig at {booking.venue.name} on {{when}}"
    what = (booking.event_type or "private event").lower()
    at = f" at {booking.location}" if booking.location else ""
    return f"the {what}{at} on {{when}}"


def _snippet(body: str) -> str:
    # One line, the first words; a literal "{when}" in it must stay text, not become the gig's time.
    text = Truncator(" ".join(body.split())).chars(SNIPPET_LENGTH)
    return text.replace("{when}", "(when)")


def message_post(*, booking: Booking, by: User, body: str) -> Message:
    """Add a message by `by` to the booking's thread, mark the thread read up to it for them, and
    notify every other participant (kind "message", once per message and person).

    Allowed in any status. Raises ValidationError for an empty or too long text or when `by` sent
    FLOOD_LIMIT messages to this thread within FLOOD_WINDOW (nothing is saved); raises
    BookingPermissionError when `by` is not in the thread.
    """
    in_band, in_venue = _standing(booking, by)
    if booking.client_id != by.pk and not (in_band or in_venue):
        raise BookingPermissionError("Only the people of a booking write in its thread.")
    side = _side(booking, user_id=by.pk, in_band=in_band, in_venue=in_venue)
    body = _clean_body(body)
    with transaction.atomic():
        # One writer per thread at a time: ids in commit order (see the module docstring), exact flood count.
        list(Booking.objects.select_for_update(no_key=True).filter(pk=booking.pk).values_list("pk", flat=True))
        since = timezone.now() - FLOOD_WINDOW
        if Message.objects.filter(booking_id=booking.pk, author_id=by.pk, created_at__gte=since).count() >= FLOOD_LIMIT:
            minutes = int(FLOOD_WINDOW.total_seconds() // 60)
            raise ValidationError(
                f"You sent {FLOOD_LIMIT} messages in this thread in the last {minutes} minutes. "
                "Wait a few minutes before you send the next one.",
                code="flood",
            )
        message = Message.objects.create(booking=booking, author=by, body=body)
        thread_mark_read(booking=booking, user=by, up_to_id=message.pk)
        who = f"{by.name} ({side.name or 'client'})" if side.key else by.name
        notifications_create(
            recipients=thread_participants(booking),
            kind="message",
            text=f"{who} wrote about {_gig_words(booking)}: “{_snippet(body)}”",
            link=f"{link_of(booking)}#thread",
            key=f"message:{message.pk}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
    return message


# ---- Reading ------------------------------------------------------------------------------


def thread_messages(*, booking: Booking, after_id: int = 0, limit: int = PAGE_LIMIT) -> list[Message]:
    """The thread's messages, oldest first, in one query; each with its author and `side` (a Side).

    after_id=0: the latest `limit` messages. Otherwise the first `limit` messages after that id
    (a poll that finds more goes on from the last one it got).
    """
    in_band = Exists(Membership.objects.filter(band_id=booking.band_id, user_id=OuterRef("author_id")))
    in_venue = (
        Exists(VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=OuterRef("author_id")))
        if booking.venue_id
        else Value(False)
    )
    rows = (
        Message.objects.filter(booking_id=booking.pk)
        .select_related("author")
        .annotate(author_in_band=in_band, author_in_venue=in_venue)
    )
    if after_id:
        messages = list(rows.filter(pk__gt=after_id).order_by("pk")[:limit])
    else:
        messages = list(rows.order_by("-pk")[:limit])[::-1]
    for message in messages:
        message.side = _side(
            booking,
            user_id=message.author_id,
            in_band=message.author_in_band,
            in_venue=message.author_in_venue,
        )
    return messages


def thread_read_up_to(*, booking: Booking, user: User) -> int:
    """The id of the last message `user` has read in the thread (0: none)."""
    row = ThreadRead.objects.filter(booking_id=booking.pk, user_id=user.pk).values_list("last_read_id", flat=True)
    return next(iter(row), 0)


def thread_mark_read(*, booking: Booking, user: User, up_to_id: int) -> None:
    """Remember that `user` has read the thread up to message `up_to_id`. Never moves backwards:
    a later mark with a smaller id (an older tab's poll) changes nothing."""
    if up_to_id <= 0:
        return
    ahead = ThreadRead.objects.filter(booking_id=booking.pk, user_id=user.pk, last_read_id__lt=up_to_id)
    if ahead.update(last_read_id=up_to_id, read_at=timezone.now()):
        return
    # No row yet, or one that is ahead already. A row made meanwhile by another request with an older
    # mark keeps the insert from happening; the second update then moves it on.
    ThreadRead.objects.bulk_create(
        [ThreadRead(booking_id=booking.pk, user_id=user.pk, last_read_id=up_to_id)], ignore_conflicts=True
    )
    ahead.update(last_read_id=up_to_id, read_at=timezone.now())


def thread_unread_counts(*, user: User, booking_ids: list[int]) -> dict[int, int]:
    """For each of `booking_ids` with unread messages: how many others wrote since `user` last read
    its thread. One query (none for no ids); bookings with nothing new are left out."""
    if not booking_ids:
        return {}
    read = ThreadRead.objects.filter(booking_id=OuterRef("booking_id"), user_id=user.pk).values("last_read_id")[:1]
    rows = (
        Message.objects.filter(booking_id__in=booking_ids)
        .exclude(author_id=user.pk)
        .filter(pk__gt=Coalesce(Subquery(read), Value(0), output_field=IntegerField()))
        .order_by()
        .values("booking_id")
        .annotate(unread=Count("pk"))
    )
    return {row["booking_id"]: row["unread"] for row in rows}
