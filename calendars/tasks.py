"""Background work of connected calendars: reading busy time and writing gigs, by ids."""

from celery import shared_task

from . import services


@shared_task(soft_time_limit=60, time_limit=90)
def connected_calendar_refresh_task(*, calendar_id: int) -> None:
    """Read one connected calendar's busy time (and write the member's gigs into it if they changed)."""
    services.connected_calendar_refresh(calendar_id=calendar_id)


@shared_task(soft_time_limit=120, time_limit=150)
def connected_calendar_write_task(*, calendar_id: int) -> None:
    """Write the member's gigs into their chosen calendar (create, update, delete by UID)."""
    services.connected_calendar_write_gigs(calendar_id=calendar_id)


@shared_task
def connected_calendars_round() -> int:
    """Periodic: queue a read of every connected calendar that is due, and a write for every one whose
    member's gigs changed since they were last written."""
    due = services.connected_calendars_due()
    for calendar_id in due:
        connected_calendar_refresh_task.delay(calendar_id=calendar_id)
    for calendar_id in services.connected_calendars_to_write():
        if calendar_id not in due:
            connected_calendar_write_task.delay(calendar_id=calendar_id)
    return len(due)


@shared_task
def grant_revocations_task() -> int:
    """Periodic: ask Google again to forget grants it could not be told about when their calendar went."""
    return services.grant_revocations_retry()
