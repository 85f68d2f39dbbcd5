"""The Celery app. Without REDIS_URL, tasks run eagerly in the web process.

Each periodic task runs once per period however many schedulers send it (docs/decisions/0060): beat's
scheduler (`PeriodStampingScheduler`, settings.CELERY_BEAT_SCHEDULER) stamps each send with the period
it is for, and every task (`OncePerPeriodTask`) claims a stamped period before it does any work.

With the site's lines in JSON (production's default), `celery worker` and `celery beat` write nothing else:
their start banners and the worker's "Warm shutdown" are plain text printed on stdout, so they start as
with --quiet and the shutdown is a log line (docs/decisions/0085-logs-probes-and-prefixes.md)."""

import copy
import logging
import os
from functools import cached_property

from celery import Celery, Task
from celery.apps.beat import Beat
from celery.apps.worker import Worker, install_worker_term_handler
from celery.beat import PersistentScheduler
from celery.exceptions import Ignore
from celery.signals import worker_shutting_down

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


class _QuietWithJsonLines:
    """`celery worker` or `celery beat`, as with --quiet when the site's lines are JSON: what the banner
    says (the broker, the queues, the schedule) is in the log lines that follow it. Python's warnings
    (Celery's own at start) are log lines too."""

    def __init__(self, *args, quiet: bool = False, **kwargs) -> None:
        from stageslot.observability import json_lines

        as_json = json_lines()
        if as_json:
            logging.captureWarnings(True)
        super().__init__(*args, quiet=quiet or as_json, **kwargs)


class SiteWorker(_QuietWithJsonLines, Worker):
    def install_platform_tweaks(self, worker) -> None:
        super().install_platform_tweaks(worker)
        if self.quiet:
            # SIGTERM's "worker: Warm shutdown (MainProcess)" is printed; log_shutdown says it as a line.
            install_worker_term_handler(worker, verbose=False)


class SiteBeat(_QuietWithJsonLines, Beat):
    pass


class SiteCelery(Celery):
    @cached_property
    def Worker(self):
        return self.subclass_with_self(SiteWorker)

    @cached_property
    def Beat(self):
        return self.subclass_with_self(SiteBeat)


def log_shutdown(sender=None, how: str = "", sig: str = "", **_kwargs) -> None:
    """worker_shutting_down: one line when the worker is asked to stop."""
    logger.info("%s shutdown of %s on %s", how, sender, sig)


app = SiteCelery("stageslot", task_cls=OncePerPeriodTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the id of the request that queued them into the worker's log lines.
from stageslot.observability import connect_task_signals  # noqa: E402  (after the app, as Celery's docs do)

connect_task_signals()
worker_shutting_down.connect(log_shutdown, weak=False, dispatch_uid="stageslot_worker_shutdown")

# Each failed task is counted for the operator's metrics (stageslot/metrics.py).
from celery.signals import task_failure  # noqa: E402

from stageslot.metrics import count_task_failure  # noqa: E402

task_failure.connect(count_task_failure, weak=False, dispatch_uid="stageslot_task_failures")
