"""Reads of a booking's reschedule proposals: the list on the reschedule page and the one an answer
names. The writes (propose, accept, decline, withdraw) are in services.reschedule."""

from django.db.models import QuerySet

from ..models import Booking, RescheduleProposal

PROPOSALS_SHOWN = 20


def reschedule_proposals_of(*, booking: Booking, limit: int = PROPOSALS_SHOWN) -> list[RescheduleProposal]:
    """The booking's proposals in the model's order (newest first), at most `limit`, each with who
    proposed it. One query."""
    return list(RescheduleProposal.objects.filter(booking_id=booking.pk).select_related("proposed_by")[:limit])


def reschedule_proposals_all(*, booking: Booking) -> QuerySet[RescheduleProposal]:
    """Every proposal of the booking, each with who proposed and who answered it, for a paged list (the
    API's); the caller orders it."""
    return RescheduleProposal.objects.filter(booking_id=booking.pk).select_related("proposed_by", "answered_by")


def reschedule_proposal_of(*, booking: Booking, pk: int) -> RescheduleProposal | None:
    """Proposal `pk` of this booking, with the booking and who proposed and answered it; None when it is
    another booking's or none at all (the caller answers 404). One query."""
    return (
        RescheduleProposal.objects.filter(booking_id=booking.pk, pk=pk)
        .select_related("booking", "proposed_by", "answered_by")
        .first()
    )
