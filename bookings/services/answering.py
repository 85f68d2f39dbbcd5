"""Answering a pending booking: accept (through book.booking_book, the one path to BOOKED), decline,
withdraw (the side that asked), plan a stand-in, shortlist an application.

Locks: booking_accept takes band, slot, booking inside book.booking_book; booking_stand_in_plan
locks band, slot, booking (locks.booking_lock); decline, withdraw and shortlist lock the booking row.
Checks: who answers (_check_answerer, _check_asker), a race already decided before any lock
(_check_not_decided: checks.band_free_check, checks.slot_place_check), still PENDING
(checks.stale_conflict); accept runs checks.bookable under the locks in book.py."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text

from ..errors import BookingPermissionError
from ..models import Booking, BookingEvent
from ..selectors.bookings import (
    booking_point,
    is_venue_staff,
    manages_band_of,
    picks_support_of,
    staffs_venue_of,
)
from . import book, checks, locks
from .ending import booking_transition
from .notices import (
    answering_people,
    asking_people,
    booking_notify,
    booking_summary,
    kind_text,
)
from .webhooks import show_event_emit

Status = Booking.Status
Kind = Booking.Kind

# Accepts of pending bookings that an app above bookings asked for with a door of its own (a festival's offer of
# a set: its stage lock, the festival's rules and the set's slot). Each takes (booking, by, now, stand_in,
# terms) and returns the booked booking, or None when the booking is not its own; an app adds its function
# once, when it is ready (festivals.apps). So every accept of such an offer, from the inbox, an email or a
# quote, goes through that door.
ACCEPT_DOORS: list[Callable[..., Booking | None]] = []


def _check_answerer(booking: Booking, by: User) -> None:
    if booking.answering_side == "headliner":
        if not picks_support_of(booking, by):
            raise BookingPermissionError(_("Only the headliner's leaders and admins can answer this application."))
    elif booking.answering_side == "venue":
        if not staffs_venue_of(booking, by):
            raise BookingPermissionError(_("Only the venue's staff can answer this application."))
    elif not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can answer this."))
    if by.pk in (booking.requested_by_id, booking.client_id):
        raise BookingPermissionError(_("You sent this yourself, so you cannot accept or decline it."))


def _check_not_decided(booking: Booking) -> None:
    """Refuse at once, without the locks, an accept whose race a plain read shows already decided:
    the booking is no longer PENDING, the band is BOOKED at an overlapping time, or the place is gone.

    Nothing of this goes back by itself (no way leads back to PENDING; a gig or a place is only freed
    by a cancel, after which accepting is a new question), so the refusal was true when it was read,
    and the loser need not queue on the band lock to hear it. A read that finds nothing in the way
    decides nothing: the same checks run again under the locks.
    """
    if booking.status != Status.PENDING:
        raise checks.stale_conflict(booking)
    checks.band_free_check(booking.band, booking.starts_at, booking.ends_at, booking.zone)
    if booking.slot_id:
        checks.slot_place_check(booking.slot, booking.role)


def booking_stand_in_plan(*, booking: Booking, by: User, now=None) -> Booking:
    """The band's leaders or admins say they will find a stand-in for the required members who are busy
    during a pending booking, so the other side may accept it all the same. Recorded in the audit log
    with the members named. Raises BookingPermissionError (not the band's leader or admin),
    BookingConflict (no longer pending)."""
    now = now or timezone.now()
    if not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can plan a stand-in."))
    with transaction.atomic():
        band, _slot, booking = locks.booking_lock(booking)
        if booking.status != Status.PENDING:
            raise checks.stale_conflict(booking)
        if booking.stand_in_planned:
            return booking
        busy = checks.members_busy_for_gig(band, booking.starts_at, booking.ends_at, point=booking_point(booking))
        who = checks.busy_members_text(busy, booking.zone, kept=True) if busy else ""
        booking.stand_in_planned = True
        booking.updated_at = now
        booking.save(update_fields=["stand_in_planned", "updated_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            # "Stand-in planned" is the history's key (bookings.selectors.detail.SAID), read in the reader's
            # language; who is busy is data, written in the actor's.
            note=(f"Stand-in planned: {who}" if who else "Stand-in planned")[:500],
        )
    return booking


def booking_accept(
    *,
    booking: Booking,
    by: User,
    now=None,
    stand_in: bool = False,
    terms: Callable[[Booking], None] | None = None,
) -> Booking:
    """Accept a pending booking on behalf of the side that did not ask (the venue for an application,
    the band's leaders and admins for an offer or a request).

    A loser of a race that is already decided (see _check_not_decided) is refused before any lock.
    Otherwise locks the band, then the slot, then the booking, so concurrent accepts queue, and checks
    again. Raises BookingPermissionError (not the answering side, or your own request), BookingConflict
    (the booking is no longer pending, the band is booked at an overlapping time, the place is taken,
    the slot cancelled; MembersBusy when a required member is busy during the gig with its load-in and
    pack-down), BookingError (the gig has started). `stand_in`: the band's leaders accept anyway and
    will find a stand-in for the busy members (as does booking.stand_in_planned, which they set
    earlier for the other side's accept); recorded in the audit log. On success the booking, the slot's place
    and the band's members' busy time commit in one transaction, which holds the band lock briefly;
    every pending booking it makes impossible is declined right after, in a second one.

    Without `terms`, an open quote is the deal on the table: accepting the booking agrees it when the
    other side sent it, and is refused (BookingConflict) while it is the accepting side's own, which the
    other side accepts first (book.booking_book, agreement.open_quote_agree).

    `terms`: the accept is the acceptance of a quote (bookings.services.quotes.quote_accept), which has
    checked that `by` answers the other side's terms; so the side that asked may accept too, since the
    answering side agreed by quoting or accepts now. `terms(booking)` runs under the same locks, after
    every check and before the booking is booked; a BookingError it raises refuses the accept whole.
    """
    now = now or timezone.now()
    if terms is None:
        _check_answerer(booking, by)
    if stand_in and not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can accept with a stand-in."))
    _check_not_decided(booking)
    for door in ACCEPT_DOORS:
        booked = door(booking=booking, by=by, now=now, stand_in=stand_in, terms=terms)
        if booked is not None:
            return booked
    plan = book.BookPlan(
        booking=booking,
        by=by,
        text=lazy_text(
            gettext_lazy("Booked: %(band)s will %(gig)s."), band=booking.band.name, gig=booking_summary(booking)
        ),
        note="Accepted",
        stand_in=stand_in,
        terms=terms,
    )
    return book.booking_book(plan=plan, now=now)


def booking_decline(*, booking: Booking, by: User, reason: str = "", now=None) -> Booking:
    """Decline a pending booking (the answering side), with an optional reason for the other side."""
    now = now or timezone.now()
    _check_answerer(booking, by)
    reason = reason.strip()[:300]
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status != Status.PENDING:
            raise checks.stale_conflict(booking)
        booking_transition(booking, Status.DECLINED, actor=by, note=reason or "Declined", now=now)
        if reason:
            text = lazy_text(
                gettext_lazy("Declined: %(band)s to %(gig)s. Reason: %(reason)s"),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            )
        else:
            text = lazy_text(
                gettext_lazy("Declined: %(band)s to %(gig)s."), band=booking.band.name, gig=booking_summary(booking)
            )
        booking_notify(
            booking,
            asking_people(booking),
            text,
            actor=by,
            event="declined",
        )
        if booking.slot_id and booking.answering_side == "headliner":
            show_event_emit(
                event="show.opener_declined",
                slot=booking.slot,
                bookings=[booking],
                also_band_ids=[booking.picker_band_id],
            )
    return booking


def _check_asker(booking: Booking, by: User) -> None:
    side = booking.asking_side
    allowed = (
        (side == "band" and manages_band_of(booking, by))
        or (side == "venue" and staffs_venue_of(booking, by))
        or (side == "client" and booking.client_id == by.pk)
    )
    if not allowed:
        raise BookingPermissionError(_("Only the side that asked can withdraw this."))


def booking_withdraw(*, booking: Booking, by: User, now=None) -> Booking:
    """Take back a pending application, offer or request (the side that asked)."""
    now = now or timezone.now()
    _check_asker(booking, by)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status != Status.PENDING:
            raise checks.stale_conflict(booking)
        booking_transition(booking, Status.WITHDRAWN, actor=by, note="Withdrawn", now=now)
        booking_notify(
            booking,
            answering_people(booking),
            kind_text(
                booking,
                application=gettext_lazy("Withdrawn: the application for %(band)s to %(gig)s."),
                offer=gettext_lazy("Withdrawn: the offer for %(band)s to %(gig)s."),
                request=gettext_lazy("Withdrawn: the private request for %(band)s to %(gig)s."),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=by,
            event="withdrawn",
        )
    return booking


def booking_shortlist(*, booking: Booking, by: User, shortlisted: bool) -> Booking:
    """Mark a pending application as shortlisted (or not); the venue's own note, the band does not see it."""
    if booking.kind != Kind.APPLICATION or not is_venue_staff(booking.venue_id, by):
        raise BookingPermissionError(_("Only the venue's staff can shortlist applications."))
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != Status.PENDING:
            raise checks.stale_conflict(booking)
        booking.shortlisted = shortlisted
        booking.save(update_fields=["shortlisted", "updated_at"])
    return booking
