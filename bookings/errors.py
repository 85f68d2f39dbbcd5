"""The refusals of the booking services, raised by bookings and by the apps that build on it
(payments, gigs, holds, documents). `str()` is the message for the person who asked; the views turn
BookingPermissionError into 403, BookingConflict into 409 and BookingError into 400."""

from accounts.blocks import ContactBlocked
from bookings.selectors.bookings import MemberBusy


class BookingError(Exception):
    """A refusal with a message for the person who asked; `str()` is the message."""


class BookingConflict(BookingError):
    """Something else is in the way (the band is booked, the place is taken, the page was stale): HTTP 409."""


class StaleEdit(BookingConflict):
    """The change was made on a version someone else has changed since (a guest the door ticked in
    meanwhile, a set list the leader reordered): nothing is applied. `theirs` and `yours` say both versions
    in words, for the person to choose (a replayed offline change gets them as a 409, accounts.idempotency)."""

    def __init__(self, message: str, *, theirs: str, yours: str) -> None:
        super().__init__(message)
        self.theirs = theirs
        self.yours = yours


class MembersBusy(BookingConflict):
    """A required member of the band is busy during the gig with its load-in and pack-down. The band's
    leaders may accept anyway, saying they will find a stand-in (`stand_in=True`)."""

    def __init__(self, message: str, *, members: list[MemberBusy]) -> None:
        super().__init__(message)
        self.members = members


class BookingPermissionError(BookingError):
    """The person may not do this to this booking or slot: HTTP 403."""


class ContactRefused(BookingError, ContactBlocked):
    """One side blocked the other (accounts.Block): no new ask or message between them. Its words never
    say who blocked whom. HTTP 403, shown in place. The booking doors' form of accounts.blocks.ContactBlocked."""
