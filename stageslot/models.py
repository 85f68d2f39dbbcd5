"""Tables of the machinery behind every app: the periodic tasks' claims."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One period of one periodic task, claimed by the copy of the task that does its work.

    Each scheduler (every `celery beat`, the in-process one of `make run`) sends each schedule entry once
    per period, so two of them send it twice. Each copy inserts this row before it does anything: the
    unique constraint lets exactly one insert per task and period through, and the copy that loses does
    nothing (stageslot.services.periodic_run_claim, docs/decisions/0060). Runs by hand carry no period
    and claim nothing. Rows older than a week are dropped by later claims of the same task."""

    task = models.CharField(_("task"), max_length=200)
    # The start of the period the schedule sent the task for, in UTC: the last crontab moment at or before
    # the send, or the send time floored to the interval (stageslot.periodic.period_start).
    period_start = models.DateTimeField(_("starts at"))
    # Celery's id of the message that claimed it: the same message delivered again may go on.
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            models.UniqueConstraint(fields=["task", "period_start"], name="periodic_run_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.task} @ {self.period_start.isoformat()}"
