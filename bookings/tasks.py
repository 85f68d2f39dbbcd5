"""Background work of the bookings app."""

from celery import shared_task

from . import services


@shared_task
def bookings_complete_task() -> int:
    """Every few minutes: booked gigs whose end has passed become completed."""
    return services.bookings_complete()


@shared_task
def bookings_expire_task() -> int:
    """Every few minutes: pending bookings whose start has passed lapse (declined, both sides told)."""
    return services.bookings_expire()
