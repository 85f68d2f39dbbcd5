"""Writes of one booking's page beyond its workflow: a booked gig's own load-in and pack-down."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import BandBlock
from bands.services import gig_minutes_clean

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking
from ..selectors.bookings import can_manage_band
from . import locks, moves
from .webhooks import webhook_events_emit


def booking_gig_times_set(
    *,
    booking: Booking,
    by: User,
    load_in_minutes: int | None,
    pack_down_minutes: int | None,
    now: dt.datetime | None = None,
) -> Booking:
    """Give a booked gig its own load-in before and pack-down after, in minutes (None: the band's
    usual time); its members' busy time moves to match, in every band they play in. The booking's
    own times, and so the double-booking check, stay as they are.

    The band's leaders and admins only (BookingPermissionError). Raises BookingConflict when the
    booking is not booked (any more), BookingError once the gig is over, ValidationError by field for
    minutes outside 0–600, MembersBusy when the band cannot play the new window: a band with a minimum
    line-up cannot field it, or a longer load-in or pack-down runs into a required member's other gig
    (bookings.services.moves); nothing changes then.
    """
    now = now or timezone.now()
    if not can_manage_band(booking.band_id, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can change its gig times.") % {"band": booking.band.name}
        )
    with transaction.atomic():
        # Band, slot, the people the gig takes, booking (locks.py): the line-up is checked under them.
        band, _slot, booking = locks.booking_lock(booking)
        if booking.status != Booking.Status.BOOKED or not booking.block_id:
            raise BookingConflict(
                # Translators: what is the booking's kind (application, offer, request), status its state.
                _("This %(what)s is %(status)s, so it has no gig times to change.")
                % {"what": booking.get_kind_display().lower(), "status": booking.get_status_display().lower()}
            )
        if booking.ends_at <= now:
            raise BookingError(_("This gig is over, so its times can no longer be changed."))
        for name, value in (("load_in_minutes", load_in_minutes), ("pack_down_minutes", pack_down_minutes)):
            gig_minutes_clean(name, value)
        block = BandBlock.objects.only("gig_starts_at", "gig_ends_at").get(pk=booking.block_id)
        # The one place a booked gig's time changes for its members (moves.gig_move): a band with a minimum
        # line-up is checked over the new window (who sits it out is recomputed), any band when the new
        # window reaches beyond the old one.
        moves.gig_move(
            band=band,
            booking=booking,
            starts_at=block.gig_starts_at,
            ends_at=block.gig_ends_at,
            load_in_minutes=load_in_minutes,
            pack_down_minutes=pack_down_minutes,
            times_change=False,
        )
        webhook_events_emit(event="booking.rescheduled", bookings=[booking], now=now)
    return booking
