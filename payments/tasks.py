from celery import shared_task

from .services.payments import payment_tell
from .services.periodic import money_round


@shared_task
def money_round_task() -> dict[str, int]:
    """Every few minutes: lapse unpaid deposits, charge balances due, end checkouts, finish payments."""
    return money_round()


@shared_task
def payment_tell_task(payment_id: int) -> bool:
    """Right after a payment succeeded: both sides told, our webhooks sent (once)."""
    return payment_tell(payment_id=payment_id)
