"""Writes of the machinery behind every app: the periodic tasks' claims."""

import datetime as dt

from django.db import IntegrityError, transaction

from .models import PeriodicRun

# Claims of a task this much older than its newest are dropped when it claims a period.
PERIODIC_RUNS_KEPT = dt.timedelta(days=7)


def periodic_run_claim(*, task: str, period_start: dt.datetime, task_id: str = "") -> PeriodicRun | None:
    """Claim one period of a periodic task for the copy that is about to run it: the claim when this copy
    may do the period's work, None when another copy already claimed it (it must then do nothing).

    The insert is the claim: the unique constraint on (task, period_start) lets exactly one of any number
    of copies through, however they race, on PostgreSQL and SQLite alike, and the claim is committed
    before the work starts. So a period's work runs at most once: a copy that dies after claiming leaves
    its period undone, and the next period's run (every periodic task is a sweep of what is due) does it.
    The same message delivered again (its worker died, or it retries) has the claim's task id and may go
    on. The copy that claims also drops its task's claims older than PERIODIC_RUNS_KEPT."""
    try:
        with transaction.atomic():
            claim = PeriodicRun.objects.create(task=task, period_start=period_start, task_id=task_id)
    except IntegrityError:
        held = PeriodicRun.objects.filter(task=task, period_start=period_start).first()
        return held if held is not None and task_id and held.task_id == task_id else None
    PeriodicRun.objects.filter(task=task, period_start__lt=period_start - PERIODIC_RUNS_KEPT).delete()
    return claim
