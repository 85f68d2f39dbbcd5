"""Background work of the availability app: keeping busy time current."""

from celery import shared_task

from . import services


# A calendar of 5 MB takes about 10 s to read; past a minute something is wrong with it.
@shared_task(soft_time_limit=60, time_limit=90)
def calendar_sync_task(*, calendar_id: int) -> None:
    """Fetch one imported calendar and replace its busy time."""
    services.calendar_sync(calendar_id=calendar_id)


@shared_task
def calendars_refresh() -> int:
    """Periodic: queue a sync for every imported calendar that is due."""
    due = services.calendars_due()
    for calendar_id in due:
        calendar_sync_task.delay(calendar_id=calendar_id)
    return len(due)


@shared_task
def horizon_extend_task() -> int:
    """Nightly: extend materialised busy time over the rolling horizon."""
    return services.horizon_extend()
