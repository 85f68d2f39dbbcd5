"""Background work of the fans app: the alert round, its chunks, the asks a show answers, the weekly."""

from celery import shared_task

from . import alerts, services


@shared_task
def show_alerts_round_task() -> int:
    """Every minute: shows newly public and booked, moved or cancelled; their telling queued."""
    return alerts.show_alerts_collect()


@shared_task(ignore_result=True)
def show_alert_chunk_task(*, slot_id: int, change: str, after: int, sequence: int = 0) -> None:
    """A show's audience told, some chunks of it; the next task queued for the rest."""
    alerts.show_alert_run(slot_id=slot_id, change=change, after=after, sequence=sequence)


@shared_task(ignore_result=True)
def asks_met_task(*, slot_id: int) -> None:
    alerts.asks_met(slot_id=slot_id)


@shared_task
def weekly_round_task() -> int:
    """Hourly: the fans for whom it is Monday 09:00 get their "this week near you"."""
    sent = 0
    for user_id in alerts.weekly_due():
        sent += alerts.weekly_send(user_id=user_id)
    return sent


@shared_task
def demand_refresh_task() -> int:
    """Nightly: every band's demand counted again, so follows and asks that came of age (fans.counting's
    standing) join the counts in one step (docs/decisions/0130)."""
    return services.demand_refresh_all()
