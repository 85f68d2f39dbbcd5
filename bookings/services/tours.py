"""Applying to the stops of a tour route: one application per slot, each standing on its own."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.models import User
from bands.models import Band
from venues.models import Slot

from ..models import Booking
from ..selectors.tours import tour_slots_to_apply
from . import workflow

GONE = "This slot is no longer open to applications."


@dataclass(frozen=True)
class StopOutcome:
    """What became of one stop: the booking made, or why there is none."""

    slot_id: int
    slot: Slot | None
    booking: Booking | None = None
    reason: str = ""

    @property
    def applied(self) -> bool:
        return self.booking is not None


OVER_LIMIT = "Not sent: you have used up the applications you can send this hour. Try this stop again later."


def tour_apply(
    *, band: Band, by: User, picks: Sequence[tuple[int, str]], message: str = "", limit: int | None = None
) -> list[StopOutcome]:
    """Apply `band` to each picked (slot id, role) through workflow.booking_apply, the gig finder's own
    service (same locks, rules and notifications), taking the fee each slot offers.

    Each application is its own transaction: a stop refused (taken meanwhile, the band booked at that
    time, invitation only…) is reported with the service's reason and the others still go through.
    A slot that is not public any more, or never was, is reported as no longer open. Raises
    ValidationError for a message that is too long before anything is written. With `limit` (what is
    left of the person's allowance of applications), the picks after the first `limit` are reported
    as not sent.
    """
    message = workflow.message_check(message)
    slots = tour_slots_to_apply(ids=[pk for pk, _role in picks])
    outcomes = []
    for n, (pk, role) in enumerate(picks):
        slot = slots.get(pk)
        if limit is not None and n >= limit:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=OVER_LIMIT))
            continue
        if slot is None:
            outcomes.append(StopOutcome(slot_id=pk, slot=None, reason=GONE))
            continue
        try:
            booking = workflow.booking_apply(slot=slot, band=band, by=by, role=role, fee=slot.fee, message=message)
        except workflow.BookingError as exc:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=str(exc)))
        except ValidationError as exc:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=" ".join(exc.messages)))
        else:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, booking=booking))
    return outcomes
