"""Whether the web worker answering a request was readied before it took it (docs/decisions/0087): its
process (deploy/gunicorn.conf.py's post_worker_init, after stageslot.warm.worker_warm_up and the threads'
warm-up) and the request thread itself (stageslot.warm.thread_warm_up). With STAGESLOT_READY_HEADER=1 in the
environment (the two-node topology's tests set it) every answer says so in X-StageSlot-Ready: "1" when both
were readied, "0" when not, so a test asserts that no request met a worker still starting, instead of
timing the requests."""

import os
import threading

HEADER = "X-StageSlot-Ready"
SENT = os.environ.get("STAGESLOT_READY_HEADER", "") == "1"

_process = {"ready": False}
_thread = threading.local()


def process_ready() -> None:
    _process["ready"] = True


def thread_ready() -> None:
    _thread.ready = True


def ready() -> str:
    return "1" if _process["ready"] and getattr(_thread, "ready", False) else "0"
