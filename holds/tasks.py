"""The holds app's Celery tasks: they take ids (or nothing) and call a service."""

from celery import shared_task


@shared_task
def holds_settle_task() -> int:
    """Every minute: holds past their expiry, and 1st holds that let a challenge lapse, are let go; the
    holds below move up."""
    from .services import holds_settle

    return holds_settle()
