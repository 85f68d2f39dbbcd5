"""The one path to BOOKED: `booking_book`.

Every door that books a gig ends here – accepting a pending booking (answering.booking_accept, also
"accept anyway" with a stand-in and a quote's acceptance with its terms), an instant booking
(instant.booking_instant) and a band's own hosted show (shows.show_host). A door runs its own checks
first (who may answer, the instant limits, a show's form) and builds a `BookPlan`; what every booked
gig needs happens here, once:

- locks: the band, then the slot, then the booking (locks.booking_lock);
- checks, under the locks: checks.bookable (start in the future, band active and free, the slot's
  place, the required members with load-in, pack-down and travel – or, for a band with a minimum
  line-up, the free members filling it, decision 0112), the request group, then the door's
  own checks that must hold under the lock (`BookPlan.door`) and the terms: a quote's acceptance
  agrees its quote (`BookPlan.terms`); any other accept of a pending booking agrees the terms on the
  table – the open quote the other side sent – or is refused while the accepting side's own quote
  waits for the other side (agreement.open_quote_agree), so no door books a gig beside its terms;
- writes, in one savepoint: the BookingEvent, status and `sequence` (ending.booking_transition, which
  inserts an unsaved booking), the slot's place and the members' gig block (without a line-up's busy
  members, who sit the gig out); a constraint that catches
  what the checks missed becomes a BookingConflict (HTTP 409), never a 500;
- after the writes: the notifications of both sides and our webhooks (booked, slot filled, the show's);
- after the commit: the pending bookings it made impossible are declined (losers.losers_decline_soon).

tests/test_one_booked_path.py keeps this the only module that writes BOOKED.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Band
from bands.services import band_gig_block_add
from venues.models import Slot

from ..errors import BookingConflict
from ..models import Booking
from ..selectors.bookings import booking_point
from . import checks, locks, losers
from .agreement import open_quote_agree, quote_emit
from .ending import booking_transition
from .notices import booking_notify, booking_people, where_text
from .request_groups import request_group_taken
from .webhooks import show_event_emit, slot_filled_emit

logger = logging.getLogger(__name__)

Status = Booking.Status
Role = Booking.Role


@dataclass(frozen=True)
class BookPlan:
    """What a door asks `booking_book` to book, and how.

    `booking`: a pending booking (accept) or an unsaved one (instant, a hosted show's own place).
    `text`: the notice both sides read. `note`: the audit log's line (a stand-in's note replaces it when
    required members are busy). `stand_in`: the band's leaders will find a stand-in for busy members.
    `terms(booking)`: a quote's terms, agreed under the locks after every check; None: the terms on the
    table (agreement.open_quote_agree, for a pending booking). `door(band, booking)`:
    the door's own checks that must hold under the band lock (instant: its limits and the green zone).
    `show(band, booking)`: a hosted show's slot, made under the band lock, that the booking headlines.
    `text` may be a function of the booked booking (a hosted show's words name its place).
    `taken`: the refusal when a constraint catches what the checks missed (default: accept's words).
    """

    booking: Booking
    by: User
    text: Promise | str | Callable[[Booking], Promise | str]
    note: str = ""
    stand_in: bool = False
    terms: Callable[[Booking], None] | None = None
    door: Callable[[Band, Booking], None] | None = None
    show: Callable[[Band, Booking], Slot] | None = None
    taken: str = ""


def slot_place_take(*, booking: Booking, slot: Slot) -> None:
    """Count `booking`'s place on `slot` (locked); the slot's check constraints refuse one too many."""
    counter = "headliner_booked" if booking.role == Role.HEADLINER else "supports_booked"
    Slot.objects.filter(pk=slot.pk).update(**{counter: F(counter) + 1})
    slot.refresh_from_db(fields=["headliner_booked", "supports_booked"])


def gig_block_title(booking: Booking) -> str:
    """The members' calendar line of a gig (a hosted show goes by its title)."""
    if booking.kind == Booking.Kind.HOST:
        return f"Show: {booking.slot.title}"
    return f"Gig: {booking.band.name} at {where_text(booking)}"


def booked_events_emit(*, booking: Booking, slot: Slot | None) -> None:
    """Our webhooks beyond booking.booked (sent by booking_notify): a hosted show is created; a venue's
    slot is filled; a headliner picked its opener."""
    if slot is None:
        return
    if booking.kind == Booking.Kind.HOST:
        show_event_emit(event="show.created", slot=slot, bookings=[booking])
        return
    slot_filled_emit(slot=slot, booking=booking)
    if booking.role == Role.SUPPORT and booking.picker_band_id:  # the headliner picked its opener
        show_event_emit(
            event="show.opener_picked", slot=slot, bookings=[booking], also_band_ids=[booking.picker_band_id]
        )


def booking_book(*, plan: BookPlan, now: dt.datetime) -> Booking:
    """The one way a booking becomes BOOKED (see the module docstring for what it locks, checks and
    writes). Raises BookingConflict (the band is booked, the place taken, the slot cancelled, a
    booking no longer pending, another band of the request group booked; MembersBusy when a
    required member is busy, unless `plan.stand_in` or booking.stand_in_planned), BookingError (the
    gig has started, the band is suspended; BookingConflict too when the accepting side's own quote is
    open: the other side accepts it first) and whatever the door's own checks and terms raise.
    Nothing is written unless it succeeds.
    """
    with transaction.atomic():
        band, slot, booking = locks.booking_lock(plan.booking)
        if not booking._state.adding and booking.status != Status.PENDING:
            raise checks.stale_conflict(booking)
        if plan.door is not None:
            plan.door(band, booking)
        if plan.show is not None:
            slot = plan.show(band, booking)
            booking.slot = slot
        fit = checks.bookable(band=band, slot=slot, booking=booking, now=now, stand_in=plan.stand_in)
        note = plan.note
        if fit.busy and not fit.ok:
            note = checks.stand_in_note(band, fit.busy, booking.zone, hosted=booking.kind == Booking.Kind.HOST)
        if fit.amber:
            # Booked on occasional players (decision 0112): allowed, and said in the history.
            note = checks.amber_note(note, fit)
        # A request the client sent to several bands: one of them is booked, never two.
        if booking.request_group_id and (taken := request_group_taken(booking)):
            raise BookingConflict(taken)
        agreed = None
        if plan.terms is not None:
            plan.terms(booking)
        elif not booking._state.adding:
            agreed = open_quote_agree(booking=booking, by=plan.by, now=now)
        try:
            with transaction.atomic():
                booking_transition(booking, Status.BOOKED, actor=plan.by, note=note, now=now)
                if slot is not None:
                    slot_place_take(booking=booking, slot=slot)
                booking.block = band_gig_block_add(
                    band_id=band.pk,
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    title=gig_block_title(booking),
                    point=booking_point(booking),
                    # A line-up's busy members sit this gig out: its block takes no time of theirs.
                    absent=fit.sitting_out,
                )
                booking.save(update_fields=["block", "updated_at"])
        except IntegrityError as exc:
            # The constraints caught what the checks above should have: say so plainly.
            logger.warning("Booking of band %s hit a constraint: %s", band.pk, exc)
            raise BookingConflict(
                plan.taken
                or _("%(band)s is already booked at an overlapping time, or the place is taken.") % {"band": band.name}
            ) from exc
        text = plan.text if isinstance(plan.text, (str, Promise)) else plan.text(booking)
        booking_notify(booking, booking_people(booking), text, actor=plan.by, event="booked")
        booked_events_emit(booking=booking, slot=slot)
        if agreed is not None:
            quote_emit("quote.accepted", booking, agreed)
    # The band and slot locks are released here: the racers that queued behind them find the gig and
    # leave with a 409, while the bookings it has made impossible are declined by the worker, in a
    # transaction of their own, after the winner has its answer.
    losers.losers_decline_soon(winner=booking, band=band, slot=slot, by=plan.by, now=now)
    return booking
