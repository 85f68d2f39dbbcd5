"""A real Radicale CalDAV server on this machine, for the tests, the benchmark and `make run`.

Radicale comes from the dev requirements. `RadicaleServer` starts it on a free (or given) port of
127.0.0.1 with a storage folder and an htpasswd file of plain passwords, as a child process that ends
with the one that started it (`python -m calendars.testing`, below), and `calendar_create` /
`event_put` set up calendars and events with the plain caldav library (no address guard: this is
our own server).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import caldav

from core.local_servers import child_start, child_stop, end_with_parent, free_port

PROJECT = Path(__file__).resolve().parents[1]


def radicale_installed() -> bool:
    return importlib.util.find_spec("radicale") is not None


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
        self.process = child_start(
            [sys.executable, "-m", "calendars.testing", "--parent", str(os.getpid()), "--config", str(config)],
            name=f"Radicale on port {self.port}",
            answers=lambda: answers(self.port),
            port=self.port,
            log=log or self.folder / "radicale.log",
            cwd=PROJECT,
        )
        return self

    def stop(self) -> None:
        if self.process is not None:
            child_stop(self.process)
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

DEV_USER = "demo"
# Its storage, log and the demo account's password: this checkout's own.
DEV_FOLDER = PROJECT / ".cache" / "radicale"


def dev_password(folder: Path, *, make: bool = True) -> str | None:
    """The demo account's password on this checkout's Radicale, made once (None when not made yet and not
    `make`) and kept in its folder: another checkout's Radicale (on a port this one used before, say)
    refuses it, so nothing is written there."""
    kept = folder / "demo-password"
    if not kept.exists():
        if not make:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        kept.write_text(secrets.token_urlsafe(18))
    return kept.read_text().strip()


def dev_radicale_start(folder: Path, port: int) -> RadicaleServer:
    """Start the development Radicale on `port` (storage and log in `folder`) with the demo account and its
    calendars "Personal" (a busy evening) and "Gigs". It ends with this process."""
    server = RadicaleServer(folder=folder, users={DEV_USER: dev_password(folder)}, port=port)
    server.start()
    home = folder / "collections" / "collection-root" / DEV_USER
    if not (home / "personal").exists():
        personal = calendar_create(server, DEV_USER, "personal", "Personal")
        calendar_create(server, DEV_USER, "gigs", "Gigs")
        evening = dt.datetime.combine(dt.date.today() + dt.timedelta(days=4), dt.time(17), tzinfo=dt.UTC)  # noqa: DTZ011
        event_put(
            server, DEV_USER, personal, "demo-dinner@stageslot", evening, evening + dt.timedelta(hours=5), "Dinner"
        )
    return server


def _serve(config: str, parent: int) -> None:
    """The child process: Radicale with `config`, ending when `parent` is gone."""
    from radicale.__main__ import run

    end_with_parent(parent)
    sys.argv = ["radicale", "--config", config]
    run()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Radicale on 127.0.0.1, for StageSlot")
    parser.add_argument("--config", required=True)
    parser.add_argument("--parent", type=int, default=os.getppid(), help="stop when this process is gone")
    arguments = parser.parse_args()
    _serve(arguments.config, arguments.parent)
