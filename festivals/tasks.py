"""The festivals app's Celery tasks: they take ids (or nothing) and call a service."""

from celery import shared_task


@shared_task
def call_notices_task() -> int:
    """Every few minutes: the rejections whose civil hour has come in the band's zone are told, once."""
    from django.utils import timezone

    from .services.jury import notices_due_send

    return notices_due_send(now=timezone.now())
