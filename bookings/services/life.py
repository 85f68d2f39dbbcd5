"""A gig's life after it is booked: the band marks it played, disputes opened by either side within
DISPUTE_DAYS after the end, and resolved by StageSlot staff (completed or cancelled). Starting and
completing are periodic too (periodic.bookings_start, periodic.bookings_complete): the clock completes
every gig the band has not marked."""

import datetime as dt
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.services import lazy_text

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking
from ..selectors.bookings import can_manage_band, side_of
from .checks import too_long_text
from .ending import booking_transition, slot_place_free
from .notices import booking_notify, booking_people, booking_summary

Status = Booking.Status

DISPUTE_DAYS = 7
# A gig can be disputed once its end has passed, whether or not the periodic task has marked it.
DISPUTABLE = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED)


def can_mark_played(booking: Booking, *, now: dt.datetime) -> bool:
    """The gig has started and is still on (booked, or in progress): the band may mark it played."""
    return booking.status in Booking.ON and booking.starts_at <= now


def booking_mark_played(*, booking: Booking, by: User, note: str = "", now=None) -> Booking:
    """The band's leaders and admins say the gig took place, once it has started: BOOKED or IN PROGRESS
    becomes COMPLETED before the clock would (its time stays in every calendar as it was). Both sides
    are told; the band then hands over what its package promised (bookings.services.files).

    Raises BookingPermissionError (not a leader or admin of the band), ValidationError("note") past
    500 characters, BookingError (not started yet), BookingConflict (completed already, cancelled…).
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if not can_manage_band(booking.band_id, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can mark this gig as played.") % {"band": booking.band.name}
        )
    if len(note) > 500:
        raise ValidationError({"note": [too_long_text(500, len(note))]})
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status not in Booking.ON:
            raise BookingConflict(
                # Translators: status is the gig's state (completed, cancelled…).
                _("This gig is %(status)s, so it cannot be marked as played. Nothing was changed.")
                % {"status": booking.get_status_display().lower()}
            )
        if booking.starts_at > now:
            raise BookingError(_("This gig has not started yet; mark it as played once it has."))
        booking_transition(booking, Status.COMPLETED, actor=by, note=note, now=now)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy("Marked as played: %(band)s to %(gig)s."),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=by,
            event="played",
        )
    return booking


def dispute_open_until(booking: Booking) -> dt.datetime:
    return booking.ends_at + timedelta(days=DISPUTE_DAYS)


def can_dispute(booking: Booking, *, now: dt.datetime) -> bool:
    return booking.status in DISPUTABLE and booking.ends_at <= now < dispute_open_until(booking)


def booking_dispute(*, booking: Booking, by: User, reason: str, now=None) -> Booking:
    """Either side says something went wrong with a gig that has ended, within DISPUTE_DAYS of its end.

    The booking becomes DISPUTED for both sides until staff resolve it. Raises BookingPermissionError
    (not a side of it), ValidationError("reason"), BookingError (not over yet, or too late),
    BookingConflict (already disputed, cancelled…).
    """
    now = now or timezone.now()
    reason = reason.strip()
    if side_of(booking, by) is None:
        raise BookingPermissionError(
            _("Only the band's leaders and admins, the venue or the client can dispute this gig.")
        )
    if not reason:
        raise ValidationError({"reason": [_("Say what went wrong; the other side and StageSlot staff will read it.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [too_long_text(500, len(reason))]})
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status not in DISPUTABLE:
            raise BookingConflict(
                # Translators: status is the gig's state (cancelled, declined…).
                _("This gig is %(status)s, so it cannot be disputed. Nothing was changed.")
                % {"status": booking.get_status_display().lower()}
            )
        if booking.ends_at > now:
            raise BookingError(_("This gig has not ended yet; a dispute can be opened once it is over."))
        if now >= dispute_open_until(booking):
            raise BookingError(
                ngettext(
                    "A gig can be disputed up to %(days)d day after its end; that time has passed. "
                    "Write to StageSlot staff if something is still wrong.",
                    "A gig can be disputed up to %(days)d days after its end; that time has passed. "
                    "Write to StageSlot staff if something is still wrong.",
                    DISPUTE_DAYS,
                )
                % {"days": DISPUTE_DAYS}
            )
        booking_transition(
            booking, Status.DISPUTED, actor=by, note=_("Disputed: %(reason)s") % {"reason": reason}, now=now
        )
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy("Disputed: %(band)s to %(gig)s. Reason: %(reason)s"),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            ),
            actor=by,
            event="disputed",
        )
    return booking


def booking_dispute_resolve(*, booking: Booking, by: User, outcome: str, note: str, now=None) -> Booking:
    """Staff close a dispute: the gig counts as COMPLETED, or as CANCELLED (its place and the members'
    time given back), with a note both sides read. Staff only."""
    now = now or timezone.now()
    note = note.strip()
    if not by.is_staff:
        raise BookingPermissionError(_("Only StageSlot staff resolve disputes."))
    if outcome not in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError({"outcome": [_("Choose completed or cancelled.")]})
    if not note:
        raise ValidationError({"note": [_("Write what was decided and why; both sides read it.")]})
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status != Status.DISPUTED:
            raise BookingConflict(_("This gig is not disputed (any more). Nothing was changed."))
        # Stored in the language of the staff member who resolved it.
        resolved = (
            _("Dispute resolved (completed): %(note)s")
            if outcome == Status.COMPLETED
            else _("Dispute resolved (cancelled): %(note)s")
        )
        booking_transition(booking, outcome, actor=by, note=(resolved % {"note": note})[:500], now=now)
        if outcome == Status.CANCELLED:
            slot_place_free(booking, booking.slot)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy(
                    "Dispute resolved by StageSlot staff – %(band)s to %(gig)s counts as completed. Note: %(note)s"
                )
                if outcome == Status.COMPLETED
                else gettext_lazy(
                    "Dispute resolved by StageSlot staff – %(band)s to %(gig)s counts as cancelled. Note: %(note)s"
                ),
                band=booking.band.name,
                gig=booking_summary(booking),
                note=note,
            ),
            actor=by,
            event="dispute_resolved",
        )
    return booking
