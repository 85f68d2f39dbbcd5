"""A real `celery worker` process for tests that go through Redis: on this run's queue, on the test's
own database, writing its mail to files the test reads. Use the fixtures from a test module with
`celery_worker_start = worker.celery_worker_start` (a plain name, so that the argument of the same
name shadows no import)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from core.local_servers import port_claim
from stageslot.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(os.environ.get("REDIS_SERVER_PATH", "/usr/bin/redis-server"))
# The ports of the Redis servers tests start, kill and start again themselves (redis_server): nine for each
# pytest-xdist process (gw0: 6391-6399, gw1: 6401-6409, …), so that two processes never probe the same port
# and take each other's server for their own.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
OWN_REDIS_PORTS = range(6391 + 10 * _XDIST_INDEX, 6400 + 10 * _XDIST_INDEX)
# What the file email backend writes after each message: a file without it is still being written.
MAIL_END = b"-" * 79 + b"\n"


def test_database_url() -> str:
    """The database this test runs on (the test database, not the configured one) as a DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{db['NAME']}"


# How long a process a test starts may take to come up on a busy machine (a passing test never waits it out).
STARTUP = 120


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log_path: Path

    def emails(self) -> list[Path]:
        """The emails sent so far, one file each, oldest first."""
        files = [f for f in self.mail_dir.iterdir() if f.is_file() and f.read_bytes().endswith(MAIL_END)]
        return sorted(files, key=lambda f: f.stat().st_mtime_ns)

    def wait_for_emails(self, count: int = 1, timeout: float = 30) -> list[Path]:
        """At least `count` emails, or those there are after `timeout` seconds once the worker is ready."""
        self.wait_ready()
        wait_until(lambda: len(self.emails()) >= count, timeout)
        return self.emails()

    def wait_ready(self, timeout: float = STARTUP) -> None:
        """Until the worker consumes its queue (its log says "ready"). A worker loads every app and its tasks
        before it says so: on a busy machine, with modules not yet compiled, that can take half a minute."""
        wait_until(lambda: " ready." in self.log() or self.process.poll() is not None, timeout)
        if " ready." not in self.log():
            raise AssertionError(f"The worker did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_until(condition: Callable[[], object], timeout: float = 30) -> bool:
    """Whether `condition()` came true within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def recipients_of(files: list[Path]) -> list[str]:
    """The To: address of each email file."""
    found = []
    for f in files:
        for line in f.read_text().splitlines():
            if line.startswith("To: "):
                found.append(line[4:].strip())
                break
    return sorted(found)


def celery_process_env(*, mail_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a Celery process a test starts: the test's database, this run's queue, mail to files."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "STAGESLOT_TEST_MAIL_DIR": str(mail_dir),
        "STAGESLOT_TEST_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "STAGESLOT_TEST_EAGER": "false",
        **(env or {}),
    }


def stop_processes(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each, then wait for each (killed after 20 s)."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def queues_purge() -> None:
    """This process's queues emptied before a test's first worker starts: a task an earlier test queued and its
    worker never took (stopped first, on a busy machine) would be sent by this test's worker, into its mail."""
    url = celery_app.conf.broker_url or ""
    if not url.startswith("redis"):
        return
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        for name in settings.CELERY_QUEUE_NAMES.values():
            # Kombu's Redis transport keeps a queue in a list of its name, one more per priority step.
            client.delete(name, *client.keys(f"{name}\x06\x16*"))
    except redis.RedisError:  # a test whose broker is down on purpose starts its worker all the same
        return
    finally:
        client.close()


@contextlib.contextmanager
def worker_processes(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Starts `celery worker` processes: `start(beat=False, concurrency=1, env={}, queues=None)`.

    `beat` runs the periodic tasks in the worker too (schedule file in tmp_path); `concurrency` > 1
    uses that many forked processes; `env` adds settings; `queues` the queues it consumes (this run's
    three by default, as the Procfile's `worker`). Tasks queued meanwhile go to the workers
    (eager again afterwards), and every worker is stopped at the end.
    """
    started: list[Worker] = []

    def start(
        *, beat: bool = False, concurrency: int = 1, env: dict[str, str] | None = None, queues: list[str] | None = None
    ) -> Worker:
        if not started:
            queues_purge()
        folder = tmp_path / f"worker-{len(started)}"
        mail_dir = folder / "mail"
        mail_dir.mkdir(parents=True)
        log_path = folder / "worker.log"
        command = [
            sys.executable, "-m", "celery", "-A", "stageslot", "worker", "--loglevel=INFO",
            "-Q", ",".join(queues or settings.CELERY_QUEUE_NAMES.values()),
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{os.getpid()}-{len(started)}@%h",
        ]  # fmt: skip
        command += ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
        if beat:
            command += ["-B", "-s", str(folder / "beat-schedule")]
        process_env = celery_process_env(mail_dir=mail_dir, env=env)
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        worker = Worker(process=process, mail_dir=mail_dir, log_path=log_path)
        started.append(worker)
        celery_app.conf.task_always_eager = False
        return worker

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        stop_processes([worker.process for worker in started])


@dataclass
class Beat:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_processes([self.process])


@contextlib.contextmanager
def beat_processes(tmp_path: Path) -> Iterator[Callable[..., Beat]]:
    """Starts `celery beat` processes: `start(env={})`, each with its own schedule file in tmp_path, sending
    to this run's queue; `env` adds settings. Every beat still running is stopped at the end."""
    started: list[Beat] = []

    def start(*, env: dict[str, str] | None = None) -> Beat:
        folder = tmp_path / f"beat-{len(started)}"
        folder.mkdir(parents=True)
        log_path = folder / "beat.log"
        command = [
            sys.executable, "-m", "celery", "-A", "stageslot", "beat", "--loglevel=INFO",
            "-s", str(folder / "beat-schedule"), "--max-interval", "1",
        ]  # fmt: skip
        # Unbuffered: the test reads what each beat sent from its log while it runs.
        process_env = {**celery_process_env(mail_dir=folder / "mail", env=env), "PYTHONUNBUFFERED": "1"}
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        beat = Beat(process=process, log_path=log_path)
        started.append(beat)
        return beat

    try:
        yield start
    finally:
        stop_processes([beat.process for beat in started if beat.process.poll() is None])


@pytest.fixture
def celery_worker_start(tmp_path: Path, django_db_setup) -> Iterator[Callable[..., Worker]]:
    """Starts worker processes for this test, stopped at its end: see worker_processes."""
    with worker_processes(tmp_path) as start:
        yield start


@pytest.fixture
def worker(tmp_path: Path, django_db_setup) -> Iterator[Path]:
    """One worker process on this run's queue; the folder its mail lands in."""
    with worker_processes(tmp_path) as start:
        yield start().mail_dir


def wait_for_files(folder: Path, timeout: float = STARTUP) -> list[Path]:
    """The files in `folder` once there is one: the worker may still be starting (a passing test never waits long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [f for f in folder.iterdir() if f.stat().st_size]
        if files:
            return files
        time.sleep(0.2)
    return []


def broker_url_set(url: str) -> None:
    """Point this process's Celery app at another broker, dropping the connections to the old one."""
    # Kombu keeps one pool per broker address for the whole process: closed and forgotten here, so
    # that the next task opens a connection to the new address (and, back on the old one, a new pool).
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Tasks queued inside go to a broker nobody listens on (port 1): the hand-off fails fast."""
    was_url, was_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    broker_url_set("redis://127.0.0.1:1/0")
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = was_eager
        broker_url_set(was_url)


@dataclass
class RedisServer:
    """A redis-server of a test's own, keeping nothing on disk: killed, it comes back empty."""

    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> bool:
        """Start it on its port; False when that port is taken by another process."""
        command = [
            str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no",
        ]  # fmt: skip
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        with redis.Redis(port=self.port, socket_connect_timeout=0.5) as client:
            up = wait_until(lambda: self.process.poll() is not None or self._answers(client), timeout)
        if not up or self.process.poll() is not None:
            self.kill()
            return False
        return True

    def kill(self) -> None:
        """Gone at once, as in a crash (SIGKILL); it keeps nothing."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError):
            return False


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, on the first free port of OWN_REDIS_PORTS; killed at the end."""
    if not REDIS_SERVER.exists():
        pytest.skip(f"needs redis-server at {REDIS_SERVER} (apt-get install redis-server)")
    for port in OWN_REDIS_PORTS:
        # Claimed first (core.local_servers.port_claim): another test process that found the port free at the same
        # moment would otherwise take this server, which answers, for its own.
        claim = port_claim(port)
        if claim is None:
            continue
        server = RedisServer(port=port, log_path=tmp_path / f"redis-{port}.log")
        if _port_free(port) and server.start():
            break
        claim.close()
    else:
        pytest.fail(f"no free port for a redis-server among {OWN_REDIS_PORTS}")
    try:
        yield server
    finally:
        server.kill()
        claim.close()


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Tasks queued inside go to the broker at `url`."""
    was_url = celery_app.conf.broker_url
    broker_url_set(url)
    try:
        yield
    finally:
        broker_url_set(was_url)
