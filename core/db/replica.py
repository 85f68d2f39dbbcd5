"""Reads that may be a moment old, from a streaming replica (docs/decisions/0106-reads-from-a-replica.md).

One router, one mark. A view marked `reads_from_replica` (a public band, venue or show page, a feed, What's on,
search) reads from the `replica` alias (settings.DATABASE_REPLICA_URL) for the time it runs, unless
- no replica is configured (every read on the primary, as without this module),
- the person wrote something a moment ago (read-your-writes: the signed cookie `stageslot_primary`, set by
  ReadYourWritesMiddleware after a POST, PUT, PATCH or DELETE that succeeded or any request that wrote, pins
  their reads to the primary for DATABASE_REPLICA_PIN_SECONDS, whatever node answers next),
- the replica's replay is more than DATABASE_REPLICA_MAX_LAG seconds behind, or it does not answer (read at most
  every LAG_READ_EVERY seconds per process, not on each request).
Everything else reads the primary: every view not marked, every task, and within a marked view anything in a
transaction (locks, checks, money, the green zone a booking relies on are read in one), whoever the person is
(sessions and users), and everything after the view's first write. Every write goes to the primary.
"""

import contextlib
import contextvars
import functools
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "stageslot_primary"
PIN_SALT = "accounts.replica.pin"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LAG_READ_EVERY = 2.0
# Who is asking is decided on the primary (a session just made or ended, an account just closed), and so is
# what the database cache keeps (limits' counts where there is no Redis).
PRIMARY_ONLY = frozenset({"sessions.session", settings.AUTH_USER_MODEL.lower(), "django_cache.cacheentry"})

# Set by reads_from_replica while a marked view runs and may read from the replica.
_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reads_from_replica", default=False)
# The request's record of writes (ReadYourWritesMiddleware); None outside a request.
_writes: contextvars.ContextVar[list | None] = contextvars.ContextVar("request_writes", default=None)

# The primary's position: how far its WAL has been written, read just before the replica is asked.
PRIMARY_POSITION_SQL = "SELECT pg_current_wal_lsn()"
# The replica measured against that position (decision 0106, "The lag bound"): 0 when it has replayed at least
# as far as the primary had written a moment before; otherwise the age of the last commit it replayed. A replica
# whose stream went silent (a stopped walsender, a cut network) still believes it has replayed all it received;
# held against the primary's position it is behind, and the age of its last commit grows until it hears again.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0
    ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
END
"""


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _label(model) -> str:
    # Not `label_lower`: the database cache's stand-in model has only these two.
    return f"{model._meta.app_label}.{model._meta.model_name}"


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads to the replica only inside a marked view, outside any transaction."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _from_replica.get()
            and _label(model) not in PRIMARY_ONLY
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        # A view that writes reads its own writes from here on, and its person's next requests (the pin).
        if _from_replica.get():
            _from_replica.set(False)
        writes = _writes.get()
        label = _label(model)
        if writes is not None and label != "django_cache.cacheentry":  # a count or a page kept: no change of theirs
            writes.append(label)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None  # the replica follows its primary


# ---- Lag ----------------------------------------------------------------------------------------------

_lag_lock = threading.Lock()
_lag: dict = {"seconds": None, "read_at": float("-inf")}


def replica_lag(*, fresh: bool = False) -> float | None:
    """Seconds the replica is behind its primary: 0 when it has replayed all the primary had written a moment
    before, otherwise the age of the last transaction it replayed (so a replica that stopped hearing from its
    primary counts as behind from the primary's next write on); None when no replica is configured, or it or the
    primary did not answer. Read at most every LAG_READ_EVERY seconds per process unless `fresh`."""
    if not replica_configured():
        return None
    now = time.monotonic()
    if not fresh and now - _lag["read_at"] < LAG_READ_EVERY:
        return _lag["seconds"]
    with _lag_lock:
        if not fresh and now - _lag["read_at"] < LAG_READ_EVERY:
            return _lag["seconds"]
        seconds = _read_lag()
        _lag.update(seconds=seconds, read_at=time.monotonic())
    return seconds


def _read_lag() -> float | None:
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0  # tests that name the primary's own database as the replica
    primary = connections[DEFAULT_DB_ALIAS]
    try:
        # Inside a transaction, in a savepoint of its own: a refusal (a primary in recovery) breaks nothing else.
        kept_apart = transaction.atomic(using=DEFAULT_DB_ALIAS) if primary.in_atomic_block else contextlib.nullcontext()
        with kept_apart, primary.cursor() as cursor:
            cursor.execute(PRIMARY_POSITION_SQL)
            (position,) = cursor.fetchone()
    except DatabaseError:
        return None  # the primary is not answering: nothing to measure the replica by
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL, [position])
            (seconds,) = cursor.fetchone()
    except DatabaseError:
        connection.close()
        return None
    return None if seconds is None else max(float(seconds), 0.0)


def replica_lag_forget() -> None:
    _lag.update(seconds=None, read_at=float("-inf"))


# ---- Read-your-writes ---------------------------------------------------------------------------------


def pinned_to_primary(request: HttpRequest) -> bool:
    """Whether this person wrote something less than DATABASE_REPLICA_PIN_SECONDS ago."""
    until = request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT)
    try:
        return until is not None and float(until) > time.time()
    except ValueError:
        return False


def replica_serves(request: HttpRequest) -> bool:
    """Whether a marked view's reads may go to the replica for this request."""
    if not replica_configured() or pinned_to_primary(request):
        return False
    lag = replica_lag()
    return lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose reads may be a moment old: while it runs, reads outside a transaction go to the replica
    when replica_serves(request)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not replica_serves(request):
            return view(request, *args, **kwargs)
        token = _from_replica.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _from_replica.reset(token)

    wrapped.reads_from_replica = True
    return wrapped


class ReadYourWritesMiddleware:
    """After a person's write, their reads go to the primary for DATABASE_REPLICA_PIN_SECONDS: a signed cookie
    with the time it ends, set on the answer to a POST, PUT, PATCH or DELETE that succeeded (below 400) and to
    any request that wrote through the ORM. Only with a replica configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes: list[str] = []
        token = _writes.set(writes)
        try:
            response = self.get_response(request)
        finally:
            _writes.reset(token)
        succeeded = request.method in UNSAFE_METHODS and response.status_code < 400
        if (writes or succeeded) and replica_configured():
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_signed_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                salt=PIN_SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
