"""Reads shared by the booking pages and services."""

import datetime as dt
from collections.abc import Collection

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from availability.models import BusyInterval
from bands.models import Membership
from bands.selectors import BusyOverlaps
from venues.models import Slot, VenueStaff

from .models import Booking, BookingEvent


def required_member_ids(*, band_id: int) -> list[int]:
    """The members a band cannot play without (its green zone is theirs)."""
    return list(Membership.objects.filter(band_id=band_id, required=True).values_list("user_id", flat=True))


def free_for_band(*, member_ids: Collection[int], start_ref: str = "starts_at", end_ref: str = "ends_at") -> Q:
    """An annotation/filter for rows with a time span (slots, bookings): True when none of `member_ids`
    is busy at any moment of the row's [start, end) – the band's green zone covers it.

    One NOT EXISTS per row over the busy intervals, answered by their GiST index on PostgreSQL.
    """
    busy = BusyInterval.objects.filter(BusyOverlaps(OuterRef(start_ref), OuterRef(end_ref)), user_id__in=member_ids)
    return ~Exists(busy)


def band_free_between(
    *, band_id: int, start: dt.datetime, end: dt.datetime, exclude_block_id: int | None = None
) -> bool:
    """Whether every required member of the band is free for all of [start, end). One query."""
    busy = BusyInterval.objects.filter(
        BusyOverlaps(start, end),
        user_id__in=Membership.objects.filter(band_id=band_id, required=True).values("user_id"),
    )
    if exclude_block_id is not None:
        busy = busy.exclude(source__in=("band_block", "gig"), source_id=exclude_block_id)
    return not busy.exists()


def bookings_with_band_free() -> Q:
    """For bookings: True when the band's required members are all free during the booking.

    The band of each row differs, so the member set is a correlated subquery.
    """
    members = Membership.objects.filter(band_id=OuterRef(OuterRef("band_id")), required=True).values("user_id")
    busy = BusyInterval.objects.filter(BusyOverlaps(OuterRef("starts_at"), OuterRef("ends_at")), user_id__in=members)
    return ~Exists(busy)


def booking_for_viewer(*, uid, user: User) -> Booking | None:
    """The booking if `user` is part of it (a member of the band, the venue's staff, the client), else None."""
    if not user.is_authenticated:
        return None
    booking = (
        Booking.objects.select_related("band", "venue", "slot__stage", "client", "requested_by").filter(uid=uid).first()
    )
    if booking is None:
        return None
    if booking.client_id == user.pk:
        return booking
    if Membership.objects.filter(band_id=booking.band_id, user_id=user.pk).exists():
        return booking
    if booking.venue_id and VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=user.pk).exists():
        return booking
    return None


def booking_events(*, booking: Booking) -> QuerySet[BookingEvent]:
    return BookingEvent.objects.filter(booking=booking).select_related("actor").order_by("created_at", "pk")


def user_booking_scope(*, user: User) -> Q:
    """Bookings `user` is part of: their bands', their venues', their own requests."""
    return Q(band__memberships__user_id=user.pk) | Q(venue__staff_roles__user_id=user.pk) | Q(client_id=user.pk)


def slots_public() -> QuerySet[Slot]:
    """Slots anyone may see: public, at approved venues."""
    return Slot.objects.filter(visibility=Slot.Visibility.PUBLIC, venue__status="approved")
