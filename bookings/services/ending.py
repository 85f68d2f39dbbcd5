"""What happens to a booking that leaves a state: the transition itself (a BookingEvent, the status
and its note, `sequence`), giving back a place and the members' time, cancelling a booked gig, a gig
lapsing unpaid, and what was paid.

Locks: booking_cancel and booking_lapse_unpaid lock band, then slot, then booking
(locks.booking_lock). Checks: the booking is still BOOKED (checks.stale_conflict), not over; a gig
with money paid is cancelled through the payments app."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text
from bands.services import band_gig_block_remove
from core.caching.stamps import stamp_bump_tagged
from venues.models import Slot

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking, BookingEvent
from ..selectors.bookings import (
    side_of,
    status_stamp_key,
)
from ..selectors.cancellation import cancellation_terms
from . import checks, locks
from .notices import (
    booking_notify,
    booking_people,
    booking_summary,
)
from .webhooks import show_event_emit

Status = Booking.Status
Role = Booking.Role


def booking_status_stamps_bump(bookings: Iterable[Booking]) -> None:
    """Tell the open pages' status polls that these bookings moved on (their `sequence` as saved), or
    that who answers them changed (Booking or values rows with `uid` and `sequence`)."""
    rows = [(b["uid"], b["sequence"]) if isinstance(b, dict) else (b.uid, b.sequence) for b in bookings]
    stamp_bump_tagged({status_stamp_key(uid): str(sequence) for uid, sequence in rows})


def booking_transition(booking: Booking, to: str, *, actor: User | None, note: str = "", now: dt.datetime) -> Booking:
    """Move a locked booking to `to`, record who did it and why; bumps `sequence`.

    An unsaved booking (an instant booking, a hosted show's own place: book.booking_book) is inserted
    in state `to`, with sequence 1 and an event from no state (""), the same event and note as a move."""
    note = note[:500]
    if booking._state.adding:
        booking.status, booking.status_note, booking.status_changed_at = to, note, now
        booking.sequence += 1
        booking.save()
        BookingEvent.objects.create(booking=booking, actor=actor, from_status="", to_status=to, note=note)
        booking_status_stamps_bump([booking])
        return booking
    BookingEvent.objects.create(booking=booking, actor=actor, from_status=booking.status, to_status=to, note=note)
    booking.status = to
    booking.status_note = note
    booking.status_changed_at = now
    booking.sequence += 1
    booking.save(update_fields=["status", "status_note", "status_changed_at", "sequence", "updated_at"])
    booking_status_stamps_bump([booking])
    return booking


def slot_place_free(booking: Booking, slot: Slot | None) -> None:
    """Give back the place and the members' time of a booking that stops being BOOKED.

    A venue's slot whose headliner goes gives the picking of its support acts back to the venue:
    the pending support applications are the venue's to answer again."""
    if slot is not None:
        counter = "headliner_booked" if booking.role == Role.HEADLINER else "supports_booked"
        Slot.objects.filter(pk=slot.pk, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})
        if booking.role == Role.HEADLINER and slot.venue_id and slot.headliner_picks_support:
            Slot.objects.filter(pk=slot.pk).update(support_picker=Slot.SupportPicker.VENUE, support_pick_asked_at=None)
            handed_back = Booking.objects.filter(slot_id=slot.pk, status=Status.PENDING, picker_band__isnull=False)
            booking_status_stamps_bump(list(handed_back.values("uid", "sequence")))  # "Waiting for …" changes
            handed_back.update(picker_band=None)
    if booking.block_id:
        band_gig_block_remove(block_id=booking.block_id)
        booking.block = None
        booking.save(update_fields=["block", "updated_at"])


def _headliner_ids(slot: Slot) -> list[int]:
    """The band hosting `slot`, or its booked headliner's."""
    if slot.host_band_id:
        return [slot.host_band_id]
    return list(
        Booking.objects.filter(slot_id=slot.pk, role=Role.HEADLINER, status=Status.BOOKED).values_list(
            "band_id", flat=True
        )
    )


def booking_cancel(*, booking: Booking, by: User, reason: str, now=None, refund_handled: bool = False) -> Booking:
    """Call off a booked gig: either side (band leaders and admins, venue staff, the client), with a reason.

    Frees the place on the slot and the band members' time. Raises ValidationError("reason") when
    no reason is given, BookingConflict when it is not booked (any more), BookingError once it is over.
    A gig with money paid through StageSlot is refused unless `refund_handled`: the payments app
    cancels it (payments.services.refunds.booking_cancel_refund) and refunds what the terms give back.
    """
    now = now or timezone.now()
    reason = reason.strip()[:300]
    side = side_of(booking, by)
    if side is None:
        raise BookingPermissionError(
            _("Only the band's leaders and admins, the venue or the client can cancel this gig.")
        )
    if not reason:
        raise ValidationError({"reason": [_("Say why the gig is cancelled; the other side will read it.")]})
    with transaction.atomic():
        _band, slot, booking = locks.booking_lock(booking)
        if booking.status != Status.BOOKED:
            raise checks.stale_conflict(booking)
        if booking.ends_at <= now:
            raise BookingError(_("This gig is over, so it can no longer be cancelled."))
        if booking.paid_minor and not refund_handled:
            raise BookingConflict(
                _(
                    "Money has been paid for this gig through StageSlot: cancel it from its payments, "
                    "where the refund the terms give back is shown first."
                )
            )
        note = reason
        terms = cancellation_terms(booking, side=side, now=now)
        if terms.percent < 100:
            # The audit log says the terms applied, in the words and with the share the refund uses,
            # for whoever settles it (a gig paid through StageSlot is refunded by payments on the same
            # terms). Stored in the language of the person who cancelled, beside their reason.
            note = _("Late cancellation (terms: %(terms)s) – %(reason)s") % {"terms": terms.now, "reason": reason}
        booking_transition(booking, Status.CANCELLED, actor=by, note=note, now=now)
        slot_place_free(booking, slot)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy("Cancelled: %(band)s to %(gig)s. Reason: %(reason)s"),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            ),
            actor=by,
            event="cancelled",
        )
        if slot is not None:  # the show's headliner (or host) hears that its bill changed
            show_event_emit(
                event="show.line_up_changed", slot=slot, bookings=[booking], also_band_ids=_headliner_ids(slot)
            )
    return booking


def booking_lapse_unpaid(*, booking: Booking, now=None) -> Booking | None:
    """Periodic (payments): a booked gig whose deposit was not paid in time lapses and its time is free
    again. Returns the booking, or None when it was paid, cancelled or started meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        _band, slot, booking = locks.booking_lock(booking)
        if booking.status != Status.BOOKED or booking.paid_minor or booking.starts_at <= now:
            return None
        booking_transition(booking, Status.CANCELLED, actor=None, note="The deposit was not paid in time", now=now)
        slot_place_free(booking, slot)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy(
                    "Lapsed: the deposit for %(band)s to %(gig)s was not paid in time, so the date is free again."
                ),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=None,
            event="cancelled",
        )
    return booking


def booking_paid_set(*, booking: Booking, paid_minor: int) -> None:
    """Payments: what the payer has paid through StageSlot for `booking` and kept, after refunds."""
    Booking.objects.filter(pk=booking.pk).update(paid_minor=max(paid_minor, 0), updated_at=timezone.now())
    booking.paid_minor = max(paid_minor, 0)
