"""Background work of the reviews app."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def reviews_due_task() -> dict[str, int]:
    """Every few minutes: ask both sides of newly completed gigs for reviews, remind after a week, and
    publish what was written once the window has closed. Idempotent; safe to run twice at once."""
    now = timezone.now()
    return {
        "published": services.reviews_publish_due(now=now),
        "asked": services.review_requests_send(now=now),
    }
