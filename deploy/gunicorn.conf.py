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
"""

import contextlib
import logging
import os
import sys


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
