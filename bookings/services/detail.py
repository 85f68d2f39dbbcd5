"""Writes of one booking's page beyond its workflow: a booked gig's own load-in and pack-down."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bands.services import band_gig_block_pad

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking
from ..selectors.bookings import can_manage_band
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
    minutes outside 0–600; nothing changes then.
    """
    now = now or timezone.now()
    if not can_manage_band(booking.band_id, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can change its gig times.") % {"band": booking.band.name}
        )
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("band").get(pk=booking.pk)
        if booking.status != Booking.Status.BOOKED or not booking.block_id:
            raise BookingConflict(
                # Translators: what is the booking's kind (application, offer, request), status its state.
                _("This %(what)s is %(status)s, so it has no gig times to change.")
                % {"what": booking.get_kind_display().lower(), "status": booking.get_status_display().lower()}
            )
        if booking.ends_at <= now:
            raise BookingError(_("This gig is over, so its times can no longer be changed."))
        band_gig_block_pad(
            block_id=booking.block_id, load_in_minutes=load_in_minutes, pack_down_minutes=pack_down_minutes
        )
        webhook_events_emit(event="booking.rescheduled", bookings=[booking], now=now)
    return booking
