"""gunicorn's server hooks for the Procfile's web process (`--config deploy/gunicorn.conf.py`); the options
stay on the Procfile's line, which wins over anything set here.

A worker that is done exits at once (docs/decisions/0065-two-nodes-behind-a-proxy.md). After a graceful
stop – a reload (HUP), a recycle (--max-requests) or the node's own stop – a gthread worker has answered
its last request and closed its connections; what is left is Python's own teardown of the whole
application it inherited from the preloaded master: every module, object and cache freed one by one,
each free writing to a memory page the worker shares with the master, so the page is copied first.
Measured on the 2-core CI machine, that took each old worker about 3 s of CPU, and a HUP stops all of a
node's workers together: the new workers, forked at the same moment, waited for the CPU, and the node's
share of the requests took 1 to 3 s (p99 2.3 s under the test's load) until the old ones were gone.

A reload hands over without a gap (docs/decisions/0087-reloads-that-never-stall.md): gunicorn tells the old
workers to stop the moment it has forked the new ones, which take no connection until they are warm
(post_worker_init); an old worker told so by a reload keeps serving until a worker of that reload is warm.
"""

import contextlib
import gc
import logging
import mmap
import os
import signal
import struct
import sys
import threading
import time

# How long an old worker keeps serving, at most, while the reload's new workers warm up (they take well
# under a second; a reload whose workers fail to start must not keep the old ones for ever).
HANDOVER_SECONDS = 10


def _reloads(server):
    """The master's count of reloads and the last reload a new worker is warm for, two integers in memory
    that the master and every worker forked from it share. Made once per master, before its first fork,
    and kept on the arbiter, which outlives the re-reading of this file at each reload."""
    if not hasattr(server, "stageslot_reloads"):
        server.stageslot_reloads = mmap.mmap(-1, 16)
    return server.stageslot_reloads


def on_reload(server) -> None:
    """A reload (HUP) begins: the workers forked from now on belong to it."""
    reloads = _reloads(server)
    reloads[:8] = struct.pack("q", struct.unpack("q", reloads[:8])[0] + 1)


def post_fork(server, worker) -> None:
    """The worker remembers the shared counts and which reload it was forked for."""
    worker.stageslot_reloads = _reloads(server)
    worker.stageslot_reload = struct.unpack("q", worker.stageslot_reloads[:8])[0]


def pre_fork(server, worker) -> None:
    """Move every object the master holds – the whole application, loaded and warmed – out of the garbage
    collector's reach before a worker is forked from it (gc.freeze). Otherwise each worker's collector
    walks them all now and then: a full collection of the loaded application takes 1.1 to 1.5 s of CPU
    on the 2-core CI machine, with the worker's requests waiting, and writes to every page it walks, which
    the worker then copies from the master. Nothing the master holds is garbage to a worker; freezing again
    before each fork (a reload's) costs nothing."""
    gc.freeze()
    _reloads(server)  # made in the master, before the fork, so that it is shared


def post_worker_init(worker) -> None:
    """Before the worker accepts its first connection, ready what only a process of its own can
    (stageslot.warm.worker_warm_up: its first database and Redis connections; threads_warm_up: each request
    thread's own database connection and compiled reads): the master loaded and
    warmed the rest before the fork (--preload, stageslot/warm.py). A node whose worker answers /health/
    answers its pages as fast as ever (docs/decisions/0087-reloads-that-never-stall.md)."""
    from stageslot import readiness
    from stageslot.warm import threads_warm_up, worker_warm_up  # the application is loaded: Django is set up

    worker_warm_up()
    pool = getattr(worker, "tpool", None)  # gthread's request threads
    if pool is not None:
        threads_warm_up(pool, worker.cfg.threads)
    else:  # a sync worker serves on this thread
        readiness.thread_ready()
    readiness.process_ready()
    reloads = getattr(worker, "stageslot_reloads", None)
    if reloads is None:  # not forked by a master that ran post_fork (a test calling the hook alone)
        return
    if struct.unpack("q", reloads[8:])[0] < worker.stageslot_reload:
        reloads[8:] = struct.pack("q", worker.stageslot_reload)  # warm: the old workers may go
    signal.signal(signal.SIGTERM, lambda sig, frame: _stop_when_replaced(worker, sig, frame))
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: a stop does not break a request


def _stop_when_replaced(worker, sig, frame) -> None:
    """SIGTERM: a graceful stop (gunicorn's handle_exit) at once, unless a reload since this worker's fork
    has no warm worker yet; then once one is (or after HANDOVER_SECONDS), serving meanwhile."""
    reloads = worker.stageslot_reloads
    reload = struct.unpack("q", reloads[:8])[0]
    if reload <= worker.stageslot_reload or struct.unpack("q", reloads[8:])[0] >= reload:
        worker.handle_exit(sig, frame)
        return

    def stop_when_replaced() -> None:
        deadline = time.monotonic() + HANDOVER_SECONDS
        while struct.unpack("q", reloads[8:])[0] < reload and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.handle_exit(sig, None)

    threading.Thread(target=stop_when_replaced, name="handover", daemon=True).start()


def worker_exit(server, worker) -> None:
    """Close the database connections (PostgreSQL logs a connection dropped without a goodbye), send what
    Sentry and the log handlers hold, then end the process with the exit code it was ending with, without the
    teardown."""
    error = sys.exc_info()[1]
    if not isinstance(error, SystemExit) or not isinstance(error.code, int | None):
        return  # an unexpected exit: Python's own way, with its traceback
    # The process ends either way: a connection that fails to close closes with it.
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    # What Python's exit would still have sent: errors queued for Sentry, lines held by a log handler.
    if "sentry_sdk" in sys.modules:
        with contextlib.suppress(Exception):
            sys.modules["sentry_sdk"].flush(timeout=2)
    with contextlib.suppress(Exception):
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(error.code or 0)


# ---- Logs ---------------------------------------------------------------------------------------------
# gunicorn's own lines (the master's, the workers', one access line a request) through the site's
# formatter: one JSON object a line in production, the access line with the request's id
# (stageslot/gunicorn_logging.py, docs/decisions/0085-logs-probes-and-prefixes.md). The Procfile's
# `--access-logfile -` turns the access lines on.
logger_class = "stageslot.gunicorn_logging.SiteLogger"
