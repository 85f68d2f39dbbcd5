"""Background work of the bookings app."""

from celery import shared_task
from django.utils import timezone

from .services import reminders, workflow


@shared_task
def bookings_complete_task() -> int:
    """Every few minutes: booked gigs whose end has passed become completed."""
    return workflow.bookings_complete()


@shared_task
def bookings_expire_task() -> int:
    """Every few minutes: pending bookings whose start has passed lapse (declined, both sides told)."""
    return workflow.bookings_expire()


@shared_task
def gig_reminders_task() -> int:
    """Hourly: both sides of every gig booked within the next two days are reminded of it, once."""
    return reminders.gig_reminders_send(now=timezone.now())


@shared_task
def waiting_reminders_task() -> int:
    """Hourly: the side that must answer a booking waiting 3 (and then 7) days is reminded, once each."""
    return reminders.waiting_reminders_send(now=timezone.now())
