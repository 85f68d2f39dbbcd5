"""The Celery app. Without REDIS_URL, tasks run eagerly in the web process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.local")

app = Celery("stageslot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the id of the request that queued them into the worker's log lines.
from stageslot.observability import connect_task_signals  # noqa: E402  (after the app, as Celery's docs do)

connect_task_signals()

# Each failed task is counted for the operator's metrics (stageslot/metrics.py).
from celery.signals import task_failure  # noqa: E402

from stageslot.metrics import count_task_failure  # noqa: E402

task_failure.connect(count_task_failure, weak=False, dispatch_uid="stageslot_task_failures")
