"""Hand work to the Celery worker by the task's name.

Services decide that background work must happen; tasks call services to do it. Naming the task
here, instead of importing it, keeps that dependency one way: a `tasks` module imports its
`services`, never the reverse. Each app registers its tasks when Django starts (its AppConfig
imports `tasks`), so the name is always known, and the task still runs inline when Celery is eager.
"""

from typing import Any

from celery import current_app
from celery.result import AsyncResult, EagerResult


def task_queue(name: str, /, **kwargs: Any) -> AsyncResult:
    """Queue task `name` with keyword arguments (raises kombu's OperationalError if the broker is down)."""
    return current_app.tasks[name].delay(**kwargs)


def task_run_here(name: str, /, **kwargs: Any) -> EagerResult:
    """Run task `name` in this process now, as the fallback when the broker cannot be reached."""
    return current_app.tasks[name].apply(kwargs=kwargs)
