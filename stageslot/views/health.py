"""/health/: what the load balancer asks; /health/ready/: whether this node should get traffic."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from stageslot.observability import asked_by_operator, through_proxy

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the database and the cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    try:
        cache.set("health", "ok", 5)
        checks["cache"] = "ok" if cache.get("health") == "ok" else "error"
    except Exception:
        checks["cache"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_GET
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """For an orchestrator deciding whether to send this node traffic.

    Asked by the operator (stageslot.observability.asked_by_operator): what /health/ checks, and the
    broker (the worker's queue) and the file storages (a small object written, read back and removed);
    503 with the part that failed, never the error's text. Asked straight by anyone else: only what this
    process knows, so that nobody can make the site call its database, Redis and buckets at request rate.
    Through the proxy without the operator's token: the site's 404."""
    if not asked_by_operator(request):
        if through_proxy(request):
            raise Http404
        return JsonResponse({"status": "ok"})
    checks = {"database": _check(_database), "cache": _check(_cache), "broker": _check(_broker)}
    checks |= {f"storage:{name}": _check(lambda s=storage: _storage(s)) for name, storage in _storages()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception:
        logger.warning("Readiness: %s failed", getattr(probe, "__name__", "a check"), exc_info=True)
        return "error"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("ready", "ok", 5)
    if cache.get("ready") != "ok":
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    from django.conf import settings

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return  # tasks run in the process: no broker to reach
    from stageslot.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _storages() -> list[tuple[str, object]]:
    from django.core.files.storage import default_storage

    found = [("media", default_storage)]
    try:
        from bookings.models import booking_files_storage

        found.append(("booking_files", booking_files_storage()))
    except ImportError:
        pass
    return found


def _storage(storage) -> None:
    import hashlib

    from django.core.files.base import ContentFile

    from core.files.stored_files import stored_file_fingerprint

    name = storage.save(f"readiness/{uuid.uuid4().hex}.txt", ContentFile(b"ready"))
    try:
        # Read back through the one reader of stored files (core/files/stored_files.py).
        if stored_file_fingerprint(storage, name) != (5, hashlib.md5(b"ready", usedforsecurity=False).hexdigest()):
            raise RuntimeError("the storage gave back other bytes, or nothing")
    finally:
        storage.delete(name)
