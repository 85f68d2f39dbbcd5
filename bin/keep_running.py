#!/usr/bin/env python3
"""Run a command and start it again whenever it exits with an error.

    python bin/keep_running.py [--first-wait 1] [--max-wait 60] [--healthy-after 60] -- COMMAND [ARG …]

For the processes that must always be there (the Celery worker and beat, see the Procfile and
`make worker`): a worker that stops on an error it cannot recover from, or is killed (out of
memory), comes back on its own instead of leaving every email unsent until someone notices. Each
exit is one log line on stderr (one JSON object when the site's lines are JSON); the wait before the
next start doubles from --first-wait up to --max-wait, and starts again from --first-wait after a run
that lasted --healthy-after seconds.

A clean exit (status 0) ends the loop with it, and so does a stop asked of the loop: SIGTERM, SIGINT
and SIGQUIT are passed on to the command, and the loop exits with its status (SIGHUP is passed on
too, and the loop goes on). The command runs in a process group of its own, so that Ctrl-C in a
terminal reaches it once, through the loop (a second Ctrl-C is Celery's cold shutdown).
Standard library only, so that it keeps running whatever state the project's code is in.
"""

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

STOPS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def json_lines() -> bool:
    """Whether the site's lines are JSON, as its settings decide (stageslot/settings/: DJANGO_LOG_FORMAT,
    `json` by default in production), read from the environment: this loop imports none of the project."""
    chosen = os.environ.get("DJANGO_LOG_FORMAT", "")
    if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production"):
        return chosen != "plain"
    return chosen == "json"


def log(text: str, *, level: str = "WARNING") -> None:
    if json_lines():
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        line = json.dumps({"time": now, "level": level, "logger": "keep_running", "message": text, "request_id": None})
    else:
        line = f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] keep_running: {text}"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def exit_text(status: int) -> str:
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first-wait", type=float, default=1.0, help="seconds before the first restart")
    parser.add_argument("--max-wait", type=float, default=60.0, help="the longest wait between restarts")
    parser.add_argument("--healthy-after", type=float, default=60.0, help="a run this long resets the wait")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    child: subprocess.Popen | None = None
    stopping = False

    def pass_on(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = stopping or signum in STOPS
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    for signum in (*STOPS, signal.SIGHUP):
        signal.signal(signum, pass_on)

    wait = args.first_wait
    restarts = 0
    name = " ".join(command)
    while True:
        started = time.monotonic()
        try:
            child = subprocess.Popen(command, process_group=0)  # noqa: S603 – the operator's command line
        except OSError as exc:
            log(f"cannot start `{name}`: {exc}", level="ERROR")
            return 127
        if stopping:  # asked to stop while it was starting
            child.send_signal(signal.SIGTERM)
        status = child.wait()
        ran = time.monotonic() - started
        if stopping or status == 0:
            return status if status >= 0 else 128 - status
        if ran >= args.healthy_after:
            wait = args.first_wait
        restarts += 1
        log(f"`{name}` {exit_text(status)} after {ran:.1f} s; starting it again in {wait:g} s (restart {restarts})")
        deadline = time.monotonic() + wait
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        if stopping:
            log(f"asked to stop; not starting `{name}` again", level="INFO")
            return status if status >= 0 else 128 - status
        wait = min(wait * 2, args.max_wait)


if __name__ == "__main__":
    sys.exit(main())
