"""The Celery app. Without REDIS_URL, tasks run eagerly in the web process.

Each periodic task runs once per period however many schedulers send it (docs/decisions/0060): beat's
scheduler (`PeriodStampingScheduler`, settings.CELERY_BEAT_SCHEDULER) stamps each send with the period
it is for, and every task (`OncePerPeriodTask`) claims a stamped period before it does any work."""

import copy
import logging
import os

from celery import Celery, Task
from celery.beat import PersistentScheduler
from celery.exceptions import Ignore

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.local")

logger = logging.getLogger(__name__)


class OncePerPeriodTask(Task):
    """Every StageSlot task. A copy a scheduler sent for a period of the schedule claims that period
    before it starts, and does nothing when another copy already has (two beats, or `make run`'s own
    scheduler beside a beat, each send every entry). A run by hand or queued by code carries no period,
    claims nothing and always runs."""

    def before_start(self, task_id, args, kwargs) -> None:
        from stageslot.periodic import period_of_request
        from stageslot.services import periodic_run_claim

        period = period_of_request(self.request)
        if period is None:
            return
        if periodic_run_claim(task=self.name, period_start=period, task_id=task_id or "") is None:
            logger.info(
                "%s for the period from %s was already run by another scheduler's copy: this one does nothing",
                self.name,
                period.isoformat(),
            )
            # Celery then acknowledges the message and logs it as ignored, at INFO; the task body never runs.
            raise Ignore()


class PeriodStampingScheduler(PersistentScheduler):
    """celery beat's scheduler (schedule kept in its file, as before), sending each due task with the
    period it is for, by this beat's clock (stageslot.periodic.period_headers)."""

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        from stageslot.periodic import period_headers

        # Advanced here, not by the parent, so that the stamped copy never goes into the schedule.
        entry = self.reserve(entry) if advance else entry
        stamp = period_headers(entry.schedule, self.app.now())
        stamped = copy.copy(entry)
        stamped.options = {**entry.options, "headers": {**entry.options.get("headers", {}), **stamp}}
        if stamp:
            logger.info("Sending %s for the period from %s", entry.task, *stamp.values())
        return super().apply_async(stamped, producer=producer, advance=False, **kwargs)


app = Celery("stageslot", task_cls=OncePerPeriodTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the id of the request that queued them into the worker's log lines.
from stageslot.observability import connect_task_signals  # noqa: E402  (after the app, as Celery's docs do)

connect_task_signals()

# Each failed task is counted for the operator's metrics (stageslot/metrics.py).
from celery.signals import task_failure  # noqa: E402

from stageslot.metrics import count_task_failure  # noqa: E402

task_failure.connect(count_task_failure, weak=False, dispatch_uid="stageslot_task_failures")
