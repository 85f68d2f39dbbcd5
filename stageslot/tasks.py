"""Background work of the pages that compose several apps."""

from celery import shared_task

from .privacy.erasure import account_erasures_round


@shared_task
def account_erasures_task() -> int:
    """Erase closed accounts whose grace period has passed (stageslot/privacy/erasure.py)."""
    return account_erasures_round()
