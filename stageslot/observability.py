"""What an operator watches: a request id on every log line, also on the worker's lines for the tasks a
request queued; logs as JSON lines in production; errors to Sentry when SENTRY_DSN is set.

The request id is the proxy's (nginx sends `X-Request-ID: $request_id`) when it looks like one, else a
new one; it goes back in the answer's X-Request-ID header, so a person reporting a problem can quote
it, and rides along with every task the request queues (a message header), so the worker's lines of
that task carry it too.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "stageslot_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Names each request: request.request_id, the logs' request_id and the X-Request-ID answer header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request.request_id = given if _VALID.match(given) else new_request_id()
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or task's) id on each record as `request_id` ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and the task's
    name and id on a worker's lines, the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get() or None,
        }
        task = _current_task()
        if task is not None:
            line["task"], line["task_id"] = task
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _current_task() -> tuple[str, str] | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    if current_task and getattr(current_task.request, "id", None):
        return current_task.name, current_task.request.id
    return None


# ---- Tasks carry the id of the request that queued them ----------------------------------------------


def carry_to_task(headers: dict | None = None, **_kwargs) -> None:
    """before_task_publish: the queuing request's id goes with the task message."""
    current = request_id.get()
    if current and headers is not None:
        headers[TASK_HEADER] = current


def take_in_task(task=None, **_kwargs) -> None:
    """task_prerun: the worker's lines for this task carry the id of the request that queued it (a
    periodic task's own new one)."""
    carried = getattr(getattr(task, "request", None), TASK_HEADER, None) if task is not None else None
    if not carried and task is not None:
        carried = (getattr(task.request, "headers", None) or {}).get(TASK_HEADER)
    if task is not None and task.request.is_eager:
        return  # an eager task runs inside the request, under its id already
    request_id.set(carried if isinstance(carried, str) and _VALID.match(carried) else new_request_id())


def leave_task(task=None, **_kwargs) -> None:
    """task_postrun: a worker's next task starts without the last one's id."""
    if task is not None and not task.request.is_eager:
        request_id.set("")


def connect_task_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(carry_to_task, weak=False, dispatch_uid="stageslot_request_id_out")
    task_prerun.connect(take_in_task, weak=False, dispatch_uid="stageslot_request_id_in")
    task_postrun.connect(leave_task, weak=False, dispatch_uid="stageslot_request_id_done")


# ---- Sentry -------------------------------------------------------------------------------------------


def _tag_request_id(event: dict, _hint: dict) -> dict:
    current = request_id.get()
    if current:
        event.setdefault("tags", {})["request_id"] = current
    return event


def init_sentry(dsn: str, *, environment: str, release: str | None = None, traces: float = 0.0) -> None:
    """Errors (and, with `traces` above 0, that share of requests' timings) to the Sentry project at
    `dsn`, from the web processes and the worker, each tagged with its request id. No personal data
    (send_default_pii off): Sentry gets the address, the view and the traceback, not who asked."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=environment,
        release=release,
        send_default_pii=False,
        traces_sample_rate=traces,
        before_send=_tag_request_id,
    )
