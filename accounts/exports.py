"""Asking for one's data (docs/decisions/0082): one archive at a time per person, a new one a day after
the last was ready; the worker builds it (stageslot/privacy/export.py, queued by name: accounts sits below
the apps the archive reads), and only its person downloads it, until it expires."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core.queue import task_queue, task_run_here

from .models import DataExport, User

EXPORT_TASK = "stageslot.tasks.data_export_task"
# A new archive a day after the last one was ready; each is offered for a week.
EXPORT_EVERY = dt.timedelta(hours=24)
EXPORT_KEPT = dt.timedelta(days=7)
# A build claimed longer ago than this died with its worker: another takes it over (decision 0015).
EXPORT_CLAIM = dt.timedelta(hours=1)


class DataExportRefused(Exception):
    """Why no new archive now, in the person's words."""


def data_export_request(*, user: User, by: User | None = None, now: dt.datetime | None = None) -> DataExport:
    """Ask for an archive of `user`'s data (by themselves, or by staff for them). An archive already on its
    way is returned as is; raises DataExportRefused within a day of the last ready one."""
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        live = DataExport.objects.filter(user=user, state__in=[DataExport.State.PENDING, DataExport.State.BUILDING])
        if (export := live.first()) is not None:
            return export
        last = (
            DataExport.objects.filter(user=user, state=DataExport.State.READY, ready_at__gt=now - EXPORT_EVERY)
            .order_by("-ready_at")
            .first()
        )
        if last is not None and by is None:
            next_at = timezone.localtime(last.ready_at + EXPORT_EVERY, user.zone)
            raise DataExportRefused(
                _("Your last archive was made less than a day ago: you can ask for a new one from %(when)s.")
                % {"when": date_format(next_at, "DATETIME_FORMAT")}
            )
        export = DataExport.objects.create(user=user, requested_by=by if by and by.pk != user.pk else None)
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    try:
        task_queue(EXPORT_TASK, export_id=export_id)
    except OperationalError:
        task_run_here(EXPORT_TASK, export_id=export_id)


def data_exports_of(*, user: User) -> list[DataExport]:
    """A person's archives, newest first (the last few)."""
    return list(DataExport.objects.filter(user=user).order_by("-created_at", "-id")[:5])


def data_export_for_owner(*, user: User, pk: int, now: dt.datetime | None = None) -> DataExport | None:
    """The archive `pk` if it is `user`'s own, ready and not expired; else None (a 404, whoever asks)."""
    now = now or timezone.now()
    return DataExport.objects.filter(pk=pk, user=user, state=DataExport.State.READY, expires_at__gt=now).first()
