from celery import shared_task

from .services.periodic import money_round


@shared_task
def money_round_task() -> dict[str, int]:
    """Every few minutes: lapse unpaid deposits, charge balances due, end checkouts, finish payments."""
    return money_round()
