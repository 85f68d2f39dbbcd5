"""A real Radicale CalDAV server on this machine, for the tests, the benchmark and `make run`.

Radicale comes from the dev requirements. `RadicaleServer` starts it on a free (or given) port of
127.0.0.1 with a storage folder and an htpasswd file of plain passwords, and `calendar_create` /
`event_put` set up calendars and events with the plain caldav library (no address guard: this is
our own server).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import caldav


def radicale_installed() -> bool:
    return importlib.util.find_spec("radicale") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int, timeout: float = 0.3) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=timeout):
        return True
    return False


@dataclass
class RadicaleServer:
    """One Radicale process; `users` maps user names to (plain) passwords."""

    folder: Path
    users: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def write_users(self) -> None:
        lines = [f"{name}:{password}" for name, password in self.users.items()]
        (self.folder / "users").write_text("\n".join(lines) + "\n")

    def start(self, *, log: Path | None = None) -> RadicaleServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write_users()
        self.port = self.port or free_port()
        config = self.folder / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "max_connections = 64\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {self.folder / 'users'}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {self.folder / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the process keeps it)
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Radicale did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def client(self, user: str) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=user, password=self.users[user], timeout=10)


def calendar_create(server: RadicaleServer, user: str, cal_id: str, name: str) -> str:
    """Make a calendar in `user`'s home; returns its address."""
    with server.client(user) as client:
        calendar = client.principal().make_calendar(name=name, cal_id=cal_id)
        return str(calendar.url)


def event_ics(uid: str, start: dt.datetime, end: dt.datetime, title: str, *, rrule: str = "") -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//StageSlot tests//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{start.astimezone(dt.UTC):{stamp}}",
        f"DTSTART:{start.astimezone(dt.UTC):{stamp}}",
        f"DTEND:{end.astimezone(dt.UTC):{stamp}}",
        f"SUMMARY:{title}",
        *([f"RRULE:{rrule}"] if rrule else []),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def event_put(
    server: RadicaleServer, user: str, calendar_url: str, uid: str, start: dt.datetime, end: dt.datetime, title: str
) -> None:
    """Put one event (by its UID) into a calendar."""
    with server.client(user) as client:
        calendar = caldav.Calendar(client=client, url=calendar_url)
        calendar.save_event(event_ics(uid, start, end, title))


def events_in(server: RadicaleServer, user: str, calendar_url: str) -> dict[str, str]:
    """{resource name: iCalendar text} of every object in a calendar."""
    with server.client(user) as client:
        calendar = caldav.Calendar(client=client, url=calendar_url)
        return {unquote(str(obj.url).rstrip("/").rpartition("/")[2]): obj.data for obj in calendar.events()}


# ---- `make run`'s Radicale ----------------------------------------------------------------------

DEV_PORT = 5232
DEV_USER, DEV_PASSWORD = "demo", "demo-caldav-app-password"


def dev_radicale_start(folder: Path, port: int = DEV_PORT) -> str:
    """Start the development Radicale in the background (storage in `folder`) unless one answers on `port`,
    with the demo account and its calendars "Personal" (a busy evening) and "Gigs". Returns what happened."""
    if not radicale_installed():
        return "Radicale is not installed (make install-dev): the demo shows the “connect your calendar” prompt."
    if answers(port):
        return f"Radicale already answers on 127.0.0.1:{port}."
    server = RadicaleServer(folder=folder, users={DEV_USER: DEV_PASSWORD}, port=port)
    server.start(log=folder / "radicale.log")
    home = folder / "collections" / "collection-root" / DEV_USER
    if not (home / "personal").exists():
        personal = calendar_create(server, DEV_USER, "personal", "Personal")
        calendar_create(server, DEV_USER, "gigs", "Gigs")
        evening = dt.datetime.combine(dt.date.today() + dt.timedelta(days=4), dt.time(17), tzinfo=dt.UTC)  # noqa: DTZ011
        event_put(
            server, DEV_USER, personal, "demo-dinner@stageslot", evening, evening + dt.timedelta(hours=5), "Dinner"
        )
    return f"Radicale (CalDAV) runs on {server.url} (pid {server.process.pid}), storage {folder}."


if __name__ == "__main__":
    print(dev_radicale_start(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/radicale")))
