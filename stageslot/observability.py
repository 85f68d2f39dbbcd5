"""What an operator watches: a request id on every log line, also on the worker's lines for the tasks a
request queued; logs as JSON lines in production; errors to Sentry when SENTRY_DSN is set.

The request id is the proxy's (nginx sends `X-Request-ID: $request_id`) when it looks like one, else a
new one; it goes back in the answer's X-Request-ID header, so a person reporting a problem can quote
it, and rides along with every task the request queues (a message header), so the worker's lines of
that task carry it too.
"""

import contextvars
import datetime as dt
import functools
import hmac
import ipaddress
import json
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from stageslot import readiness

HEADER = "X-Request-ID"
TASK_HEADER = "stageslot_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def is_request_id(text: object) -> bool:
    """A request id we take from outside (the proxy's header, a task message): 8–64 letters, digits, `._:-`."""
    return isinstance(text, str) and _VALID.match(text) is not None


class RequestIdMiddleware:
    """Names each request: request.request_id, the logs' request_id and the X-Request-ID answer header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request.request_id = given if is_request_id(given) else new_request_id()
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = request.request_id
        if readiness.SENT:
            response[readiness.HEADER] = readiness.ready()
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or task's) id on each record as `request_id` ("-" outside one).

    A line about a request carries the request itself (Django's "Not Found" and "Internal Server Error"
    lines): Django writes those after the middleware has answered and let go of the id, so the id is read
    from that request first."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            about = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = about if isinstance(about, str) and about else request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and the task's
    name and id on a worker's lines, the traceback when there is one, and the fields a line names as
    `fields` (an access line's method, path, status…)."""

    def format(self, record: logging.LogRecord) -> str:
        named = getattr(record, "request_id", None)
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": (named if named and named != "-" else None) or request_id.get() or None,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line |= {key: value for key, value in fields.items() if key not in line}
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


def site_formatter() -> logging.Formatter:
    """The formatter of the site's own lines (the console handler of settings.LOGGING), for the lines of
    processes that write before or beside Django's logging: gunicorn's master and its access lines."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    config = dict(settings.LOGGING["formatters"][settings.LOGGING["handlers"]["console"]["formatter"]])
    factory = config.pop("()", None)
    if factory:
        return (import_string(factory) if isinstance(factory, str) else factory)(**config)
    return logging.Formatter(config.get("format"), config.get("datefmt"), config.get("style", "%"))


def json_lines() -> bool:
    """Whether the site writes its lines as JSON (DJANGO_LOG_FORMAT; JSON by default in production)."""
    return isinstance(site_formatter(), JsonFormatter)


# ---- What only the operator reads ------------------------------------------------------------------


def through_proxy(request: HttpRequest) -> bool:
    """The request came through the proxy (which appends X-Forwarded-For), not straight to this node."""
    return "X-Forwarded-For" in request.headers


PROBES = frozenset({"/health/", "/health/ready/", "/metrics/"})


class ProbeHostMiddleware:
    """A load balancer or Prometheus asks a node by its own address (`Host: 10.0.0.5:8000`), which is no
    site name in ALLOWED_HOSTS: Django would answer 400 before any view. The probes build no link from the
    host, so asked straight at the node (not through the proxy) by a host that is not allowed, they are
    answered as if asked by the site's first name. Every other path keeps Django's host check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBES and not through_proxy(request):
            from django.conf import settings
            from django.core.exceptions import DisallowedHost

            try:
                request.get_host()
            except DisallowedHost:
                named = next((host.lstrip(".") for host in settings.ALLOWED_HOSTS if host.lstrip(".") != "*"), "")
                request.META["HTTP_HOST"] = named or "localhost"
        return self.get_response(request)


def asked_by_operator(request: HttpRequest) -> bool:
    """/metrics/ and the full /health/ready/: a request straight to the node (not through the proxy) from
    STAGESLOT_OPERATOR_ALLOW's networks (loopback by default), or one with the bearer token
    STAGESLOT_METRICS_TOKEN from anywhere."""
    from django.conf import settings

    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if through_proxy(request):
        return False  # the proxy's own address is no proof: only the token opens it
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in operator_networks(tuple(settings.OPERATOR_ALLOW)))


@functools.cache
def operator_networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


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
    request_id.set(carried if is_request_id(carried) else new_request_id())


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
