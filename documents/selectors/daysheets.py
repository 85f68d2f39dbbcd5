"""Reads of the day sheet's pages: the booking, for the people who may read its day sheet."""

from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.selectors.bookings import booking_for_viewer, standing_in
from gigs.selectors.day_sheets import ITEMS, SHEET_RELATED, SHEET_STATUSES, advance_items_of, advance_rows, late_rows


def day_sheet_booking_for_viewer(*, uid, user: User) -> Booking | None:
    """The booked (or played) gig `uid` with what its day sheet shows beside it, if `user` is part of it
    (its band's members, its venue's staff, its client, the headliner picking it) or StageSlot staff;
    else None. Two queries: the booking with its neighbours, the viewer's standing."""
    if not user.is_authenticated:
        return None
    booking = booking_for_viewer(uid=uid, user=user, related=SHEET_RELATED)
    if booking is None and user.is_staff:
        booking = Booking.objects.select_related(*SHEET_RELATED).filter(uid=uid).first()
        if booking is not None:
            booking.standing = standing_in(booking, user)
    if booking is None or booking.status not in SHEET_STATUSES:
        return None
    return booking


def day_sheet_card(*, booking: Booking) -> dict | None:
    """The paper card's part: the day sheet's link, how many items are still open and how many of them
    are late (the day sheet's own reading of "late"); None for a gig that has no day sheet (not booked).
    One query."""
    if booking.status not in SHEET_STATUSES:
        return None
    rows = advance_rows(booking=booking, marks=advance_items_of(booking), now=timezone.now())
    late = len(late_rows(rows)) if booking.status in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS) else 0
    return {"open": sum(1 for row in rows if not row.advanced), "total": len(ITEMS), "late": late}
