"""Servers StageSlot starts beside itself on this machine (Radicale, localstripe), for `make run` and the
tests: a free port for one, starting it as a child process and waiting until it answers, stopping it, and
a child that ends by itself when the process that started it is gone. One place, so that each side server
is started, found free and stopped the same way (docs/decisions/0034-localstripe.md).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

HOST = "127.0.0.1"
# How many ports above the wanted one `port_choose` tries before it lets the system pick one.
NEARBY = 20


class SideServerError(RuntimeError):
    """A side server could not be started, or did not answer in time."""


def port_free(port: int, *, host: str = HOST) -> bool:
    """Whether nothing listens on `host:port`: a server could bind to it now (it may be taken a moment later).
    Connections that ended moments ago (TIME_WAIT) do not count, as the servers bind with SO_REUSEADDR."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        if sys.platform != "win32":  # there it would let two servers share a port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(*, host: str = HOST) -> int:
    """A port the system has free on `host` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_choose(wanted: int, *, host: str = HOST, avoid: Collection[int] = ()) -> int:
    """`wanted` when it is free, else the first free one of the NEARBY ports above it (easy to read and to
    type), else one the system picks; never one of `avoid` (ports already given to another server)."""
    for port in range(wanted, min(wanted + NEARBY, 65536)):
        if port not in avoid and port_free(port, host=host):
            return port
    while (port := free_port(host=host)) in avoid:
        pass
    return port


def child_start(
    command: Sequence[str],
    *,
    name: str,
    answers: Callable[[], bool],
    port: int,
    log: Path,
    cwd: Path | None = None,
    timeout: float = 15.0,
) -> subprocess.Popen:
    """Start `command`, which listens on `port` of HOST, with its output in `log`, and wait until `answers()`.

    Raises SideServerError when the port is taken before it starts (what answers there is someone else's,
    never taken for ours), and, naming the log, when it exits first or does not answer within `timeout`
    seconds."""
    if not port_free(port):
        raise SideServerError(f"{name} cannot start: port {port} is taken")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            list(command), cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout
    while not answers():
        if process.poll() is not None:
            raise SideServerError(f"{name} stopped on start (exit code {process.returncode}): see {log}")
        if time.monotonic() > deadline:
            child_stop(process)
            raise SideServerError(f"{name} did not answer within {timeout:.0f} s: see {log}")
        time.sleep(0.05)
    return process


def child_stop(process: subprocess.Popen, *, wait: float = 5.0) -> None:
    """End a child (SIGTERM, then SIGKILL after `wait` seconds) and reap it; a no-op when it has ended."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def end_with_parent(parent: int) -> None:
    """In a side server's own process: SIGTERM itself (which Radicale and aiohttp end on cleanly) once the
    process that started it is gone, however that ended: killed, it stopped no child."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
