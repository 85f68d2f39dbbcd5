"""/metrics/: what Prometheus scrapes from each web node, for the operator only.

- stageslot_request_seconds: each request's time by view (its URL name), method and status class.
- stageslot_queue_length: the tasks waiting in each Celery queue (Redis), read when scraped.
- stageslot_task_failures_total: tasks that failed, by task, counted by the workers in Redis.
- stageslot_payments_waiting / stageslot_refunds_waiting: payments and refunds that wait on the bank
  or on an answer from Stripe, by state, read from the database when scraped.
- stageslot_replica_lag_seconds: how far the database replica's replay is behind its primary, read from the
  replica when scraped (NaN when it does not answer); only with a replica (core/db/replica.py). Past
  DATABASE_REPLICA_MAX_LAG the site reads from the primary.

With PROMETHEUS_MULTIPROC_DIR set (a directory the node's gunicorn workers share), the request times of
all of a node's workers are added up; without it, each process answers with its own.

Who may read it: a request straight to the node (no X-Forwarded-For: not through the proxy) from an
address in STAGESLOT_OPERATOR_ALLOW (loopback by default), or any request with the bearer token
STAGESLOT_METRICS_TOKEN (stageslot.observability.asked_by_operator). Everyone else gets the site's 404,
as for an address that does not exist.
"""

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from core.db.replica import replica_configured, replica_lag
from stageslot.observability import asked_by_operator

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "stageslot_request_seconds",
    "Time to answer a request, by view, method and status class.",
    ["view", "method", "status"],
    buckets=BUCKETS,
)


class MetricsMiddleware:
    """Times each request into stageslot_request_seconds (the view's URL name; "unmatched" for none)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"  # a client's word is no label
        REQUEST_SECONDS.labels(view, method, f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response


def failures_key() -> str:
    """The Redis hash of task failures by task, under the site's prefix (settings.SITE_PREFIX)."""
    return f"{settings.SITE_PREFIX}-metrics:task-failures"


def broker_key(name: str) -> str:
    """A key of the broker's (a queue's list) as it is in Redis: behind the broker's prefix."""
    return (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("global_keyprefix", "") + name


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def count_task_failure(sender=None, **_kwargs) -> None:
    """task_failure (in the worker): one more failure of this task, in Redis where every node reads it."""
    if not getattr(settings, "REDIS_URL", ""):
        return
    name = getattr(sender, "name", None) or "unknown"
    try:
        _redis().hincrby(failures_key(), name, 1)
    except Exception:
        return


class _AtScrape:
    """The figures read when Prometheus asks: queues, task failures, payments waiting."""

    def collect(self):
        from payments.models import Payment, Refund

        payments = GaugeMetricFamily(
            "stageslot_payments_waiting",
            "Payments waiting on the bank or on Stripe's answer, by state.",
            labels=["state"],
        )
        waiting = (Payment.Status.PROCESSING, Payment.Status.REQUIRES_ACTION, Payment.Status.UNKNOWN)
        counts = dict.fromkeys(waiting, 0)
        for state, n in _counts(Payment, waiting):
            counts[state] = n
        for state, n in counts.items():
            payments.add_metric([state], n)
        yield payments
        refunds = GaugeMetricFamily(
            "stageslot_refunds_waiting", "Refunds waiting on Stripe's answer, by state.", labels=["state"]
        )
        refund_counts = dict.fromkeys((Refund.Status.CREATED, Refund.Status.UNKNOWN), 0)
        for state, n in _counts(Refund, tuple(refund_counts)):
            refund_counts[state] = n
        for state, n in refund_counts.items():
            refunds.add_metric([state], n)
        yield refunds
        if replica_configured():
            lag = replica_lag(fresh=True)
            yield GaugeMetricFamily(
                "stageslot_replica_lag_seconds",
                "Seconds the database replica's replay is behind its primary (NaN: it did not answer).",
                value=float("nan") if lag is None else lag,
            )
        if not getattr(settings, "REDIS_URL", ""):
            return
        queues = GaugeMetricFamily("stageslot_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
        failures = CounterMetricFamily(
            "stageslot_task_failures", "Tasks that failed, by task (all workers).", labels=["task"]
        )
        try:
            client = _redis()
            for queue in _queues():
                queues.add_metric([queue], client.llen(broker_key(queue)))
            for task, n in sorted(client.hgetall(failures_key()).items()):
                failures.add_metric([task.decode()], int(n))
        except Exception:
            return
        yield queues
        yield failures


def _counts(model, states: tuple) -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(model.objects.filter(status__in=states).values_list("status").annotate(n=Count("pk")).order_by())


def _queues() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not asked_by_operator(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        times = CollectorRegistry()
        MultiProcessCollector(times)  # every worker of this node
    else:
        times = REGISTRY  # this process's own
    at_scrape = CollectorRegistry(auto_describe=False)
    at_scrape.register(_AtScrape())
    return HttpResponse(generate_latest(times) + generate_latest(at_scrape), content_type=CONTENT_TYPE_LATEST)
