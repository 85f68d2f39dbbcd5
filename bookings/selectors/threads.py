"""Reads of a booking's message thread: who is in it, its messages with their sides, what is unread."""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from accounts.models import User
from bands.models import Membership
from venues.models import VenueStaff

from ..models import Booking, BookingSide, Message, ThreadRead
from .bookings import band_players, standing_of, venue_team

PAGE_LIMIT = 200


def thread_stamp_key(booking_uid) -> str:
    """The name of the thread's change stamp (core/caching/stamps.py), moved by every new message."""
    return f"thread:{booking_uid}"


MANAGER_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)


def thread_participants(booking: Booking) -> list[User]:
    """Everyone in the thread, each once: the band's members, then the venue's staff, the leaders and
    admins of the band that hosts the show and picks this support act, or the client."""
    people = band_players(booking.band_id)
    if booking.venue_id:
        people += venue_team(booking.venue_id)
    elif booking.picker_band_id:
        people += list(
            User.objects.filter(
                memberships__band_id=booking.picker_band_id, memberships__role__in=MANAGER_ROLES
            ).order_by("pk")
        )
    else:
        people.append(booking.client)
    return list({person.pk: person for person in people if person is not None}.values())


def _other_side(booking: Booking, ref: str):
    """An expression: the person at `ref` speaks for the other side of the band in the thread: the
    venue's staff, or on a show a band hosts without a venue, its leaders and admins who pick."""
    if booking.venue_id:
        return Exists(VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=OuterRef(ref)))
    if booking.picker_band_id:
        return Exists(
            Membership.objects.filter(band_id=booking.picker_band_id, user_id=OuterRef(ref), role__in=MANAGER_ROLES)
        )
    return Value(False)


def thread_standing(booking: Booking, user: User) -> tuple[bool, bool]:
    """(plays in the band, speaks for the other side: the venue's staff or the hosting band's leaders)
    for `user`, in one query."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(in_band=Exists(Membership.objects.filter(band_id=booking.band_id, user_id=OuterRef("pk"))))
        .annotate(in_venue=_other_side(booking, "pk"))
        .values_list("in_band", "in_venue")
        .first()
    )
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def thread_can_read(*, booking: Booking, user: User) -> bool:
    """Whether `user` is in the booking's thread (and so may read it and write to it). One query at most."""
    if not getattr(user, "is_authenticated", False):
        return False
    if booking.client_id == user.pk:
        return True
    standing = standing_of(booking, user)  # read with the booking on its page: no query
    if standing is not None:
        if booking.venue_id:
            return standing.band_role is not None or standing.venue_staff
        return standing.band_role is not None or (bool(booking.picker_band_id) and standing.picks_support)
    return any(thread_standing(booking, user))


@dataclass(frozen=True)
class Side:
    """The part a person plays in a booking: "band", "venue" or "client" ("" for someone no longer in it)."""

    key: str
    name: str  # the band's or venue's name; "" for the client

    def label(self) -> str:
        """ "Kellerbar (venue)", "The Night Owls (band)", "Client", in the reader's language."""
        if self.key == BookingSide.CLIENT:
            return gettext("Client")
        if not self.key:
            return ""
        return gettext("%(name)s (%(side)s)") % {"name": self.name, "side": BookingSide(self.key).label}


def thread_side(booking: Booking, *, user_id: int | None, in_band: bool, in_venue: bool) -> Side:
    # Someone on both sides (a venue's booker who plays in the band) writes for the venue, as in side_of.
    if user_id is not None and user_id == booking.client_id:
        return Side("client", "")
    if in_venue:
        return Side("venue", booking.venue.name) if booking.venue_id else Side("host", booking.picker_band.name)
    if in_band:
        return Side("band", booking.band.name)
    return Side("", "")


def thread_message_rows(*, booking: Booking, after_id: int = 0) -> QuerySet[Message]:
    """The thread's messages (unordered; after_id: only those after it) with their authors, and for each
    whether its author plays in the band and is on the venue's staff (`author_in_band`,
    `author_in_venue`, for thread_sides)."""
    in_band = Exists(Membership.objects.filter(band_id=booking.band_id, user_id=OuterRef("author_id")))
    in_venue = _other_side(booking, "author_id")
    rows = Message.objects.filter(booking_id=booking.pk)
    if after_id:
        rows = rows.filter(pk__gt=after_id)
    return rows.select_related("author").annotate(author_in_band=in_band, author_in_venue=in_venue)


def thread_sides(booking: Booking, messages: list[Message]) -> list[Message]:
    """Give each message of thread_message_rows its `side` (a Side); no query."""
    for message in messages:
        message.side = thread_side(
            booking,
            user_id=message.author_id,
            in_band=message.author_in_band,
            in_venue=message.author_in_venue,
        )
    return messages


def thread_messages(*, booking: Booking, after_id: int = 0, limit: int = PAGE_LIMIT) -> list[Message]:
    """The thread's messages, oldest first, in one query; each with its author and `side` (a Side).

    after_id=0: the latest `limit` messages. Otherwise the first `limit` messages after that id
    (a poll that finds more goes on from the last one it got).
    """
    rows = thread_message_rows(booking=booking, after_id=after_id)
    messages = list(rows.order_by("pk")[:limit]) if after_id else list(rows.order_by("-pk")[:limit])[::-1]
    return thread_sides(booking, messages)


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
