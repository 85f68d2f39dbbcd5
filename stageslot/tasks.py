"""Background work of the pages that compose several apps."""

from celery import shared_task

from .privacy.erasure import account_erasures_round
from .privacy.export import data_export_build
from .privacy.retention import retention_run


@shared_task
def account_erasures_task() -> int:
    """Erase closed accounts whose grace period has passed (stageslot/privacy/erasure.py)."""
    return account_erasures_round()


# A large archive takes minutes: cut short well before its claim (an hour) runs out and another takes over.
@shared_task(soft_time_limit=30 * 60, time_limit=35 * 60)
def data_export_task(*, export_id: int) -> bool:
    """Build one person's data archive (stageslot/privacy/export.py)."""
    return data_export_build(export_id=export_id)


@shared_task
def retention_task() -> dict[str, int]:
    """Remove what the site no longer needs (stageslot/privacy/retention.py)."""
    return retention_run()
