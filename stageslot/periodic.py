"""The periodic tasks in this process, for `make run` without Redis: no beat and no worker run there, so
held dates and quotes would never lapse, balances never be charged and lost answers never be asked
again. A daemon thread of the development server looks at settings.CELERY_BEAT_SCHEDULE every
`every` seconds and runs each task that is due, eagerly, one after another. With Redis, celery beat
and a worker do this, and this thread is not started."""

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def due_tasks(last_runs: dict[str, dt.datetime], now: dt.datetime) -> list[str]:
    """The schedule's entries due at `now`, given when each last ran (an entry never run is due)."""
    from celery.schedules import schedule as every_seconds

    due = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        plan = entry["schedule"]
        plan = every_seconds(dt.timedelta(seconds=plan)) if isinstance(plan, int | float) else plan
        last = last_runs.get(name)
        if last is None or plan.is_due(last).is_due:
            due.append(name)
    return due


def run_due(last_runs: dict[str, dt.datetime], now: dt.datetime) -> list[str]:
    """Run every task that is due, each on its own (one failing is logged, the others still run)."""
    from django.utils.module_loading import import_string

    ran = []
    for name in due_tasks(last_runs, now):
        task = settings.CELERY_BEAT_SCHEDULE[name]["task"]
        last_runs[name] = now
        try:
            import_string(task).apply(throw=True)
            ran.append(name)
        except Exception:
            logger.exception("The periodic task %s failed; it runs again when next due", task)
        finally:
            close_old_connections()
    return ran


def start_in_process(*, every: float = 60.0) -> threading.Event:
    """Start the thread; set the returned event to stop it."""
    from django.utils import timezone

    stop = threading.Event()

    def loop() -> None:
        last_runs: dict[str, dt.datetime] = {}
        while not stop.wait(every):
            run_due(last_runs, timezone.now())

    threading.Thread(target=loop, name="stageslot-periodic", daemon=True).start()
    return stop
