"""The booking locks, and the one order they are taken in: band, then slot, then booking.

What must hold, whatever the order of clicks:
- a band is never BOOKED twice at overlapping times;
- a slot never has more acts BOOKED than it has places (one headliner, `support_places` supports).

Every service that creates or fills a place locks the band row, then the slot row, then the offer
invite or booking rows (always in that order, so racers queue instead of deadlocking) and checks again
under the lock (checks.py). The band row is locked FOR UPDATE (not FOR NO KEY UPDATE) on purpose: a
member joining meanwhile inserts a Membership, which waits for it, so a new gig block and a new member
never miss each other. On PostgreSQL the exclusion and unique constraints of Booking and the check
constraints of Slot stand behind the checks; on SQLite, IMMEDIATE transactions serialise writers.

Takes no lock of its own beyond what its functions say; runs no checks."""

from bands.models import Band
from venues.models import Slot

from ..models import Booking


def band_slot_lock(band_id: int, slot_id: int) -> tuple[Band, Slot]:
    """Lock the band, then the slot (see the module docstring); return them fresh."""
    band = Band.objects.select_for_update().get(pk=band_id)
    slot = Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot_id)
    return band, slot


def booking_lock(booking: Booking) -> tuple[Band, Slot | None, Booking]:
    """Lock band, slot, booking, in that order (see the module docstring); return them fresh. An
    unsaved booking (instant, a hosted show's own place) is returned as it is, with its band and slot
    locked."""
    band = Band.objects.select_for_update().get(pk=booking.band_id)
    slot = (
        Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=booking.slot_id)
        if booking.slot_id
        else None
    )
    if booking._state.adding:
        booking.band = band
        if slot is not None:
            booking.slot = slot
        return band, slot, booking
    fresh = Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
    return band, slot, fresh
