"""Rescheduling a booked private gig: one side proposes new times with a reason, the other accepts
(the same booking moves: same feed UID, a higher SEQUENCE, the members' busy time with it) or
declines (the old times stand). One open proposal per booking at a time.

Accepting is a change of a booked gig's time, so it holds to the rules of booking the gig: the band,
the slot and the booking are locked in that order (locks.booking_lock), and under the locks no other
gig of the band may overlap the new times and every required member must be free then, with load-in,
pack-down and the journey from or to another gig (moves.gig_move: checks.gig_fit, the gig's own block
aside; for a band with a minimum line-up, who sits it out is recomputed); on PostgreSQL the exclusion
constraint stands behind the check. The gig stays BOOKED, so this is no second path to BOOKED
(bookings/tests/test_one_booked_path.py).
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import WHEN, lazy_text, notifications_create
from core.fields.scheduling import scheduling_day_problem, scheduling_today
from core.fields.timezones import when_text, when_text_lazy

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking, BookingEvent, RescheduleProposal
from ..selectors.bookings import side_of
from . import checks, locks, moves, radius
from .asking import MAX_REQUEST_LENGTH
from .checks import too_long_text
from .notices import booking_notify, booking_people, link_of

logger = logging.getLogger(__name__)

Status = Booking.Status
Open = RescheduleProposal.Status.OPEN


def _notify(booking: Booking, text: str | Promise, *, by: User, kind: str, key: str) -> None:
    """Tell both sides (never the actor) of a proposal or its answer; `{when}` reads the gig's times."""
    notifications_create(
        recipients=booking_people(booking),
        kind=kind,
        text=text,
        link=link_of(booking),
        key=key,
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def _side(booking: Booking, by: User) -> str:
    side = side_of(booking, by)
    if side is None:
        raise BookingPermissionError(_("Only the band's leaders and admins and the client can reschedule this gig."))
    return side


def reschedule_propose(
    *, booking: Booking, by: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str, now=None
) -> RescheduleProposal:
    """Propose new times for a booked private gig (either side). Raises BookingPermissionError,
    ValidationError by field (times, reason), BookingError (a venue's slot, the gig has started),
    BookingConflict (not booked any more; a proposal is already open; the band is booked then)."""
    now = now or timezone.now()
    side = _side(booking, by)
    checks.booking_contact_check(booking=booking, band_side_asks=side == "band")
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > MAX_REQUEST_LENGTH:
        errors["ends_at"] = [_("A gig can be at most 24 hours long.")]
    if starts_at <= now:
        errors["starts_at"] = [_("This start is in the past. Choose a time from now on.")]
    elif problem := scheduling_day_problem(
        starts_at.astimezone(booking.zone).date(), today=scheduling_today(booking.zone, now=now)
    ):
        errors["starts_at"] = [problem]
    if (starts_at, ends_at) == (booking.starts_at, booking.ends_at):
        errors["starts_at"] = [_("These are the gig's times already.")]
    if not reason:
        errors["reason"] = [_("Say why; the other side reads it before they answer.")]
    elif len(reason) > 500:
        errors["reason"] = [too_long_text(500, len(reason))]
    if errors:
        raise ValidationError(errors)
    if booking.slot_id:
        raise BookingError(_("A venue's slot has its own times: ask the venue to change the slot instead."))
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("band", "client").get(pk=booking.pk)
        if booking.status != Status.BOOKED:
            raise BookingConflict(
                # Translators: status is the gig's state (cancelled, completed…).
                _("This gig is %(status)s, so it cannot be rescheduled. Nothing was changed.")
                % {"status": booking.get_status_display().lower()}
            )
        if booking.starts_at <= now:
            raise BookingError(_("This gig has started, so it can no longer be rescheduled."))
        if RescheduleProposal.objects.filter(booking=booking, status=Open).exists():
            raise BookingConflict(
                _("New times are already proposed for this gig. Wait for the answer, or withdraw that proposal first.")
            )
        # Told now rather than after the other side agreed: the band is booked then.
        clash = Booking.objects.filter(
            band_id=booking.band_id, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exclude(pk=booking.pk)
        if clash.exists():
            raise BookingConflict(
                _("%(band)s is already booked %(when)s; propose other times.")
                % {"band": booking.band.name, "when": when_text(starts_at, ends_at, booking.zone)}
            )
        try:
            with transaction.atomic():
                proposal = RescheduleProposal.objects.create(
                    booking=booking,
                    side=side,
                    proposed_by=by,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    old_starts_at=booking.starts_at,
                    old_ends_at=booking.ends_at,
                    reason=reason,
                )
        except IntegrityError as exc:
            raise BookingConflict(_("New times are already proposed for this gig. Nothing was changed.")) from exc
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note=f"Proposed new times: {when_text(starts_at, ends_at, booking.zone)}. Reason: {reason}"[:500],
        )
        _notify(
            booking,
            lazy_text(
                # Translators: %(new)s are the times proposed, %(when)s the gig's times now.
                gettext_lazy(
                    "%(name)s proposes new times for %(band)s: %(new)s instead of %(when)s. Reason: %(reason)s"
                ),
                name=by.name,
                band=booking.band.name,
                new=when_text_lazy(starts_at, ends_at, booking.zone),
                when=WHEN,
                reason=reason,
            ),
            by=by,
            kind="booking_reschedule",
            key=f"reschedule:{proposal.pk}:open",
        )
    return proposal


def _answerable(proposal: RescheduleProposal, by: User) -> str:
    side = _side(proposal.booking, by)
    if side == proposal.side:
        raise BookingPermissionError(_("Your side proposed these times; the other side answers."))
    return side


def _moved(booking: Booking, start: dt.datetime, end: dt.datetime) -> Booking:
    """An unsaved copy of `booking` at new times, for the checks that read a booking."""
    moved = Booking(
        pk=booking.pk, band_id=booking.band_id, slot=booking.slot, venue=booking.venue, location=booking.location
    )
    moved.starts_at, moved.ends_at, moved.time_zone = start, end, booking.time_zone
    return moved


def reschedule_accept(*, proposal: RescheduleProposal, by: User, now=None) -> Booking:
    """The other side accepts: the gig moves to the proposed times under the band's lock. Raises
    BookingPermissionError (your own side's proposal), BookingConflict (answered already, the gig is
    not booked, the band is booked or its members busy then), BookingError (the new start passed)."""
    now = now or timezone.now()
    _answerable(proposal, by)
    with transaction.atomic():
        # Band, then slot, then booking (locks.py), then the proposal: the order every booking write takes.
        band, _slot, booking = locks.booking_lock(proposal.booking)
        proposal = RescheduleProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Open:
            raise BookingConflict(
                # Translators: status is the proposal's state (accepted, declined, withdrawn).
                _("This proposal is already %(status)s.") % {"status": proposal.get_status_display().lower()}
            )
        if booking.status != Status.BOOKED:
            raise BookingConflict(
                _("This gig is %(status)s, so it cannot be moved.") % {"status": booking.get_status_display().lower()}
            )
        if proposal.starts_at <= now:
            raise BookingError(_("The proposed start has passed; propose other times."))
        start, end = proposal.starts_at, proposal.ends_at
        clash = (
            Booking.objects.filter(band_id=band.pk, status__in=Booking.ON, starts_at__lt=end, ends_at__gt=start)
            .exclude(pk=booking.pk)
            .first()
        )
        if clash is not None:
            raise BookingConflict(
                _("%(band)s is already booked %(when)s, which overlaps the proposed times, so the gig was not moved.")
                % {"band": band.name, "when": when_text(clash.starts_at, clash.ends_at, booking.zone)}
            )
        # A standing radius clause of the band bars the new day too (radius.py, the rule's one place).
        radius.radius_check(booking=_moved(booking, start, end))
        old = when_text(booking.starts_at, booking.ends_at, booking.zone)
        was = when_text_lazy(booking.starts_at, booking.ends_at, booking.zone)  # in each recipient's language
        try:
            with transaction.atomic():
                if booking.cancel_free_until is not None:
                    # The free days the booking was made with move with the gig, whatever the band's now.
                    booking.cancel_free_until = start - (booking.starts_at - booking.cancel_free_until)
                # The members' check every booking runs, at the new times (moves.gig_move, the one place a
                # booked gig moves): refused when the band cannot play then; who sits it out is recomputed.
                moves.gig_move(band=band, booking=booking, starts_at=start, ends_at=end)
                booking.starts_at, booking.ends_at = start, end
                booking.sequence += 1
                booking.save(update_fields=["starts_at", "ends_at", "sequence", "cancel_free_until", "updated_at"])
        except IntegrityError as exc:
            logger.warning("Reschedule %s hit a constraint: %s", proposal.pk, exc)
            raise BookingConflict(
                _("%(band)s is already booked at an overlapping time.") % {"band": band.name}
            ) from exc
        proposal.status, proposal.answered_by, proposal.answered_at = RescheduleProposal.Status.ACCEPTED, by, now
        proposal.save(update_fields=["status", "answered_by", "answered_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            # "Rescheduled" is the history's key (bookings.selectors.detail.SAID), read in the reader's language.
            note=f"Rescheduled: {old} → {when_text(start, end, booking.zone)}"[:500],
        )
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                # Translators: %(when)s are the gig's new times, %(was)s its times before.
                gettext_lazy("Rescheduled: %(band)s now plays on %(when)s (was %(was)s)."),
                band=band.name,
                when=WHEN,
                was=was,
            ),
            actor=by,
            event="rescheduled",
        )
    return booking


def reschedule_decline(*, proposal: RescheduleProposal, by: User, note: str = "", now=None) -> RescheduleProposal:
    """The other side declines: the old times stand. The proposer withdraws with reschedule_withdraw."""
    now = now or timezone.now()
    _answerable(proposal, by)
    return _close(proposal, by=by, to=RescheduleProposal.Status.DECLINED, note=note.strip()[:500], now=now)


def reschedule_withdraw(*, proposal: RescheduleProposal, by: User, now=None) -> RescheduleProposal:
    """The side that proposed takes it back."""
    now = now or timezone.now()
    if _side(proposal.booking, by) != proposal.side:
        raise BookingPermissionError(_("Only the side that proposed these times can withdraw them."))
    return _close(proposal, by=by, to=RescheduleProposal.Status.WITHDRAWN, note="", now=now)


def _closed_text(booking: Booking, *, to: str, note: str) -> Promise:
    """What both sides read when a proposal of new times is declined (with the answer's note) or withdrawn."""
    if to == RescheduleProposal.Status.WITHDRAWN:
        message = gettext_lazy("The new times for %(band)s were withdrawn: the gig stays on %(when)s.")
    elif note:
        # Translators: %(note)s is what the person declining wrote.
        message = gettext_lazy("The new times for %(band)s were declined (%(note)s): the gig stays on %(when)s.")
    else:
        message = gettext_lazy("The new times for %(band)s were declined: the gig stays on %(when)s.")
    return lazy_text(message, band=booking.band.name, note=note, when=WHEN)


def _close(proposal: RescheduleProposal, *, by: User, to: str, note: str, now) -> RescheduleProposal:
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "client").get(pk=proposal.booking_id)
        )
        proposal = RescheduleProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Open:
            raise BookingConflict(
                # Translators: status is the proposal's state (accepted, declined, withdrawn).
                _("This proposal is already %(status)s.") % {"status": proposal.get_status_display().lower()}
            )
        proposal.status, proposal.answered_by, proposal.answered_at, proposal.answer_note = to, by, now, note
        proposal.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
        # "New times declined" / "New times withdrawn" is the history's key (bookings.selectors.detail.SAID).
        head = f"New times {to}"
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note=(f"{head}: {note}" if note else head)[:500],
        )
        _notify(
            booking,
            _closed_text(booking, to=to, note=note),
            by=by,
            kind="booking_rescheduled",
            key=f"reschedule:{proposal.pk}:{to}",
        )
    return proposal
