"""Reads shared by the booking pages and services."""

import datetime as dt
from collections.abc import Collection

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet

from accounts.models import User
from availability.models import BusyInterval
from bands.models import Membership
from bands.selectors import BusyOverlaps
from venues.models import Slot, VenueStaff

from .models import Booking, BookingEvent


def required_member_ids(*, band_id: int) -> list[int]:
    """The members a band cannot play without (its green zone is theirs)."""
    return list(Membership.objects.filter(band_id=band_id, required=True).values_list("user_id", flat=True))


class FreeOfBusy(Func):
    """PostgreSQL: the row's [start, end) overlaps none of the members' busy time, merged once per query.

    The uncorrelated sub-select runs once (an InitPlan) and merges every busy interval of the members
    into one multirange; each row then costs one range-vs-multirange test instead of an index probe.
    """

    output_field = BooleanField()

    def __init__(self, start_ref: str, end_ref: str, member_ids: Collection[int]) -> None:
        super().__init__(F(start_ref), F(end_ref))
        self.member_ids = sorted(int(pk) for pk in member_ids)

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.get_source_expressions())
        table = connection.ops.quote_name(BusyInterval._meta.db_table)
        # Only compiled column names and our own table name are formatted in; values are parameters.
        merged = f"SELECT RANGE_AGG(TSTZRANGE(b.starts_at, b.ends_at)) FROM {table} b WHERE b.user_id = ANY(%s)"  # noqa: S608
        sql = f"NOT COALESCE(TSTZRANGE({start}, {end}) && ({merged}), FALSE)"
        return sql, [*start_params, *end_params, self.member_ids]


def free_for_band(*, member_ids: Collection[int], start_ref: str = "starts_at", end_ref: str = "ends_at"):
    """An annotation/filter for rows with a time span (slots, bookings): True when none of `member_ids`
    is busy at any moment of the row's [start, end) – the band's green zone covers it.

    On PostgreSQL the members' busy time is merged once per query (FreeOfBusy); elsewhere one
    NOT EXISTS per row over the busy intervals' (user, starts_at, ends_at) index.
    """
    if connection.vendor == "postgresql":
        return FreeOfBusy(start_ref, end_ref, member_ids)
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
