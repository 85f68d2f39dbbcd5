"""Reads of a booked gig's later life: the steps of its dispute (opened, resolved by staff). The writes
are in services.life."""

from django.db.models import Q, QuerySet

from ..models import Booking, BookingEvent


def booking_dispute_events(*, booking: Booking) -> QuerySet[BookingEvent]:
    """The booking's events that opened a dispute or closed one, oldest first, each with who acted.
    One query."""
    disputed = Booking.Status.DISPUTED
    return (
        BookingEvent.objects.filter(Q(to_status=disputed) | Q(from_status=disputed), booking_id=booking.pk)
        .exclude(from_status=disputed, to_status=disputed)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
