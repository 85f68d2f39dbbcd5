"""Reads of a booking's message thread: who is in it, its messages with their sides, what is unread."""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from bands.models import Membership
from venues.models import VenueStaff

from ..models import Booking, Message, ThreadRead
from .bookings import band_players, venue_team

PAGE_LIMIT = 200


def thread_participants(booking: Booking) -> list[User]:
    """Everyone in the thread, each once: the band's members, then the venue's staff or the client."""
    people = band_players(booking.band_id)
    people += venue_team(booking.venue_id) if booking.venue_id else [booking.client]
    return list({person.pk: person for person in people if person is not None}.values())


def thread_standing(booking: Booking, user: User) -> tuple[bool, bool]:
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
    return booking.client_id == user.pk or any(thread_standing(booking, user))


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


def thread_side(booking: Booking, *, user_id: int | None, in_band: bool, in_venue: bool) -> Side:
    # Someone on both sides (a venue's booker who plays in the band) writes for the venue, as in side_of.
    if user_id is not None and user_id == booking.client_id:
        return Side("client", "")
    if in_venue:
        return Side("venue", booking.venue.name)
    if in_band:
        return Side("band", booking.band.name)
    return Side("", "")


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
        message.side = thread_side(
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
