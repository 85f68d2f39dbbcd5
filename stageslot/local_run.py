"""`make run` and `make serve` (`manage.py run_local`): one checkout's side servers and its web server, as
children of one process that stops them all when it ends – by CONTROL-C, SIGTERM, or the web server exiting.

Each side server – Radicale, the demo's CalDAV calendar (when installed), and localstripe, the embedded
Stripe (without Stripe's keys) – takes the port its setting names or, when another program (another
checkout's `make run`, say) holds it, the next free one. It keeps its data in this checkout's .cache/ and
is always started here, never found running: a server that another checkout started is never used, nor
written to. The web server likewise takes HOST's port or the next free one. The children (the demo data's
loader, the web server) get the ports in the settings' own variables.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.core.management.commands.runserver import naiveip_re

from calendars.testing import RadicaleServer, dev_radicale_start, radicale_installed
from core.local_servers import SideServerError, child_stop, port_choose
from payments import localstripe

PROJECT = Path(__file__).resolve().parents[1]
# Addresses a browser on this machine reaches as `localhost`: passkeys refuse an address made of numbers.
LOOPBACK_OR_ANY = {"0", "0.0.0.0", "::", "127.0.0.1", "::1", "localhost"}  # noqa: S104


def address_split(addrport: str) -> tuple[str, int]:
    """(address, port) of runserver's "[addr:]port"; the address 127.0.0.1 when none is given. Raises
    ValueError for anything else."""
    match = re.match(naiveip_re, addrport)
    if match is None:
        raise ValueError(f'"{addrport}" is not an address and port (such as 127.0.0.1:8000) or a port')
    addr = match["addr"] or "127.0.0.1"
    return addr.strip("[]"), int(match["port"])


def address_join(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def own_url(addr: str, port: int) -> str:
    """The web server's address as this machine reaches it (every address is reached on loopback)."""
    host = {"0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(addr, addr)  # noqa: S104
    return f"http://{address_join(host, port)}"


def browser_url(addr: str, port: int, *, protocol: str = "http") -> str:
    """The address to open: `localhost` for a loopback or every-address bind, the bound address otherwise."""
    if addr in LOOPBACK_OR_ANY:
        return f"{protocol}://localhost:{port}/"
    return f"{protocol}://{address_join(addr, port)}/"


@dataclass
class LocalRun:
    """The servers of one `make run`: start_side_servers(), then run() the web server, then stop()."""

    cache: Path  # this checkout's .cache/: the side servers' data and logs
    addrport: str = "127.0.0.1:8000"
    radicale_port: int | None = 5232  # None: no Radicale
    localstripe_port: int | None = 8420  # None: no localstripe (Stripe's keys are set)
    out: TextIO = field(default=sys.stdout)
    children: list[subprocess.Popen] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    radicale: RadicaleServer | None = None

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _port(self, name: str, wanted: int, *, host: str = "127.0.0.1", setting: str) -> int:
        port = port_choose(wanted, host=host, avoid=set(self.ports.values()))
        if port != wanted:
            self.say(f"Port {wanted} is taken (another StageSlot running?): {name} takes port {port} ({setting}).")
        self.ports[name] = port
        return port

    @property
    def pid_file(self) -> Path:
        return self.cache / "run_local.pid"

    def claim(self) -> None:
        """One run per checkout: its side servers' data (.cache/) is one run's at a time. Raises
        SideServerError naming the run that holds it; a run that was killed holds nothing."""
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            pid = 0
        if pid and pid != os.getpid() and _alive(pid):
            raise SideServerError(
                f"StageSlot already runs from this folder (process {pid}): stop it first, "
                "or run a second one from another checkout."
            )
        self.cache.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(os.getpid()))

    def release(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if int(self.pid_file.read_text()) == os.getpid():
                self.pid_file.unlink()

    def start_side_servers(self) -> None:
        """Start Radicale and localstripe, each on its port (see the module's docstring), as children."""
        if self.radicale_port is not None:
            if radicale_installed():
                port = self._port("Radicale", self.radicale_port, setting="STAGESLOT_RADICALE_PORT")
                self.radicale = dev_radicale_start(self.cache / "radicale", port)
                self.children.append(self.radicale.process)
                self.say(f"Radicale (CalDAV) runs on {self.radicale.url}, its calendars in {self.cache / 'radicale'}.")
            else:
                self.say("Radicale is not installed: the demo shows the “connect your calendar” prompt.")
        if self.localstripe_port is not None:
            port = self._port("localstripe", self.localstripe_port, setting="STAGESLOT_LOCALSTRIPE_PORT")
            # One file of objects for this checkout, whichever port it runs on.
            process = localstripe.start(
                port, state=self.cache / "localstripe.pickle", log=self.cache / "localstripe.log"
            )
            self.children.append(process)

    def web_address(self) -> str:
        """HOST, or HOST's address with the next free port when its port is taken."""
        addr, wanted = address_split(self.addrport)
        port = port_choose(wanted, host=addr, avoid=set(self.ports.values()))
        if port != wanted:
            self.say(
                f"Port {wanted} is taken (another StageSlot running?): this one serves on port {port} "
                f"(make run HOST={address_join(addr, wanted).rpartition(':')[0]}:<port> picks one)."
            )
        self.ports["web"] = port
        return address_join(addr, port)

    def webhook_register(self, web: str) -> None:
        """Have this run's localstripe send its events to the web server's Stripe webhook."""
        if "localstripe" in self.ports:
            url = own_url(*address_split(web)) + localstripe.WEBHOOK_PATH
            localstripe.register_webhook(self.ports["localstripe"], url=url)

    def child_env(self, web: str, environ: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of the children: the ports taken, and links pointing at the web server unless
        STAGESLOT_SITE_URL says where."""
        env = dict(os.environ if environ is None else environ)
        if "Radicale" in self.ports:
            env["STAGESLOT_RADICALE_PORT"] = str(self.ports["Radicale"])
        if "localstripe" in self.ports:
            env["STAGESLOT_LOCALSTRIPE_PORT"] = str(self.ports["localstripe"])
        if not env.get("STAGESLOT_SITE_URL"):
            env["STAGESLOT_SITE_URL"] = browser_url(*address_split(web)).rstrip("/")
        return env

    def run(self, command: Sequence[str], env: dict[str, str]) -> int:
        """Run one child to its end (the demo data's loader, the web server); its exit code."""
        process = subprocess.Popen(list(command), cwd=PROJECT, env=env)  # noqa: S603 (our own commands)
        self.children.append(process)
        try:
            return process.wait()
        finally:
            child_stop(process)

    def stop(self) -> None:
        """Stop every child still running, the last started first, and wait for each."""
        for process in reversed(self.children):
            child_stop(process)
        self.children.clear()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def main(
    run: LocalRun, *, seed: bool, migrate: bool = False, manage: Sequence[str] = (sys.executable, "manage.py")
) -> int:
    """Claim this checkout (a second run is refused before it changes anything), migrate the database when
    `migrate`, start the side servers, load the demo data when `seed`, serve until the server ends or this
    process is asked to stop (CONTROL-C, SIGTERM), and stop every child; the server's exit code."""

    def stop_asked(signum, frame):
        raise SystemExit(128 + signum)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    run.claim()
    main_thread = threading.current_thread() is threading.main_thread()  # only there can signals be caught
    previous = signal.signal(signal.SIGTERM, stop_asked) if main_thread else None
    # CONTROL-C stops the run even where it was started with SIGINT ignored (a shell's background job
    # inherits that, and Python then leaves it ignored).
    previous_interrupt = signal.signal(signal.SIGINT, interrupted) if main_thread else None
    try:
        if migrate:
            # Only once the checkout is ours: a refused second run never migrates the running one's database.
            run.say("Migrating the database…")
            if code := run.run([*manage, "migrate", "--noinput", "-v", "0"], dict(os.environ)):
                return code
        run.start_side_servers()
        web = run.web_address()
        run.webhook_register(web)
        env = run.child_env(web)
        if seed:
            run.say("Loading demo data…")
            if code := run.run([*manage, "seed_demo", "--quiet"], env):
                return code
        run.say("Starting the server…")
        return run.run([*manage, "serve", web], env)
    except KeyboardInterrupt:
        return 0
    finally:
        run.stop()
        run.release()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_interrupt)
