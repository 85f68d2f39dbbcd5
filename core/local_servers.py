"""Servers StageSlot starts beside itself on this machine (Radicale, localstripe), for `make run` and the
tests: a free port for one, starting it as a child process and waiting until it answers, stopping it, and
a child that ends by itself when the process that started it is gone. One place, so that each side server
is started, found free and stopped the same way (docs/decisions/0034-localstripe.md).
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
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


def port_claim(port: int):
    """This process's claim on `port` for a side server it starts, or None when another process of this machine
    holds it: an exclusive lock on a file named for the port, held until `child_stop` (or this process's end)
    lets it go. Two test processes (the CI stages side by side, the pooler's run) could both find a port free,
    both start a server on it, and both take the one that bound for their own: what answered was the other's,
    and when its owner stopped it the other's tests met a closed port (CI, localstripe on 8423)."""
    handle = open(Path(tempfile.gettempdir()) / f"stageslot-port-{port}.lock", "a")  # noqa: SIM115 (held on)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


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

    Raises SideServerError when the port is taken before it starts, by a server or by another process's claim
    (`port_claim`: what answers there is someone else's, never taken for ours), and, naming the log, when it exits
    first or does not answer within `timeout` seconds. The claim is held while the child runs."""
    claim = port_claim(port)
    if claim is None or not port_free(port):
        if claim is not None:
            claim.close()
        raise SideServerError(f"{name} cannot start: port {port} is taken")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            list(command), cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
    process.port_claim = claim  # let go by child_stop
    deadline = time.monotonic() + timeout
    while not answers():
        if process.poll() is not None:
            child_stop(process)
            raise SideServerError(f"{name} stopped on start (exit code {process.returncode}): see {log}")
        if time.monotonic() > deadline:
            child_stop(process)
            raise SideServerError(f"{name} did not answer within {timeout:.0f} s: see {log}")
        time.sleep(0.05)
    return process


def child_stop(process: subprocess.Popen, *, wait: float = 5.0) -> None:
    """End a child (SIGTERM, then SIGKILL after `wait` seconds) and reap it, then let its port's claim go; a
    no-op when it has ended."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()
    claim = getattr(process, "port_claim", None)
    if claim is not None:
        claim.close()


def end_with_parent(parent: int) -> None:
    """In a side server's own process: SIGTERM itself (which Radicale and aiohttp end on cleanly) once the
    process that started it is gone, however that ended: killed, it stopped no child."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


# --- PostgreSQL clusters of our own -------------------------------------------------------------------
# A primary and its streaming replica made from Debian's server binaries (`initdb`, `pg_basebackup -R`), each
# on a port of its own: what bin/topology.py --replica runs and stageslot/tests/test_replica_cluster.py builds
# (docs/decisions/0106-reads-from-a-replica.md). A machine's own server is shared and takes no replication
# connections, so the primary is a cluster of ours too, with a copy of the database poured in.
POSTGRES_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
# PostgreSQL refuses to run as root: the clusters run as the database's own system user then.
POSTGRES_RUN_AS = "postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server's binaries on this machine (/usr/lib/postgresql/<version>/bin), or None."""
    return POSTGRES_BINARIES[-1].parent if POSTGRES_BINARIES else None


class PostgresCluster:
    """One PostgreSQL cluster in `folder`/`name`, on its own port of HOST (a free one unless `port`). It runs
    with `fsync=off` (a commit is not flushed to the disk: quick, and safe against a crash of the server's
    processes, not of the machine) unless `durable`, as production runs."""

    def __init__(self, bin_dir: Path, folder: Path, name: str, *, port: int = 0, durable: bool = False) -> None:
        self.bin_dir, self.folder, self.name = Path(bin_dir), Path(folder), name
        self.data, self.log = self.folder / name, self.folder / f"{name}.log"
        self.port = port or free_port()
        self.durable = durable

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def run(self, tool: str, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 (the server's own tools)
            [str(self.bin_dir / tool), *args],
            user=POSTGRES_RUN_AS,
            capture_output=True,
            check=check,
            timeout=kwargs.pop("timeout", 60),
            **({"text": True} | kwargs),
        )

    def initdb(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--locale=C",
            "--encoding=UTF8",
            "--no-sync",
        )

    def replica_of(self, primary: PostgresCluster) -> None:
        """This cluster's data directory a base backup of `primary`, set to stream from it (-R)."""
        self.run(
            "pg_basebackup", "-h", HOST, "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync={'on' if self.durable else 'off'} "
            "-c shared_buffers=32MB -c max_connections=60 -c max_wal_senders=4 -c wal_level=replica"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        if self.data.exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        found = self.run("psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", database, "-Atc", sql)
        return found.stdout.strip()

    def database_copy(self, source_url: str, name: str) -> None:
        """A database `name` here with the schema and rows of the database at `source_url` (pg_dump | psql)."""
        from urllib.parse import urlsplit

        source = urlsplit(source_url)
        self.psql(f'CREATE DATABASE "{name}"')
        env = dict(os.environ, PGPASSWORD=source.password or "")
        dump = subprocess.run(  # noqa: S603
            [
                *(str(self.bin_dir / "pg_dump"), "-h", source.hostname or HOST, "-p", str(source.port or 5432)),
                *("-U", source.username or "postgres", "--no-owner", "--no-privileges", source.path.lstrip("/")),
            ],
            capture_output=True,
            check=True,
            timeout=300,
            env=env,
        )
        self.run(
            "psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-d", name,
            input=dump.stdout, text=False, timeout=300,
        )  # fmt: skip


def postgres_folder(path: Path) -> Path:
    """`path` made as a folder the clusters' user owns and only it reads (initdb asks no more of it)."""
    path.mkdir(parents=True, exist_ok=True)
    if POSTGRES_RUN_AS:
        import pwd

        record = pwd.getpwnam(POSTGRES_RUN_AS)
        os.chown(path, record.pw_uid, record.pw_gid)
    path.chmod(0o700)
    return path


def primary_and_replica(folder: Path, *, durable: bool = False) -> tuple[PostgresCluster, PostgresCluster]:
    """A primary and its replica in `folder` (made with postgres_folder), each with a port, not made yet
    (primary_and_replica_start): the caller knows both, to stop them (PostgresCluster.stop) however the
    start ends. `durable`: both flush each commit to the disk (fsync on), as production's do."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SideServerError("PostgreSQL's server binaries are not in /usr/lib/postgresql/<version>/bin")
    primary = PostgresCluster(bin_dir, folder, "primary", durable=durable)
    replica = PostgresCluster(bin_dir, folder, "replica", durable=durable)
    while replica.port == primary.port:
        replica.port = free_port()
    return primary, replica


def primary_and_replica_start(
    primary: PostgresCluster, replica: PostgresCluster, *, copy_of: str, database: str
) -> None:
    """Make and start the clusters of primary_and_replica: the primary (`initdb`) holding `database`, a copy
    of the database at `copy_of`, then its streaming replica (`pg_basebackup -R`)."""
    primary.initdb()
    primary.start()
    primary.database_copy(copy_of, database)
    replica.replica_of(primary)
    replica.start()


# --- PgBouncer in transaction mode ----------------------------------------------------------------------
PGBOUNCER = os.environ.get("STAGESLOT_PGBOUNCER", "/usr/sbin/pgbouncer")


def pgbouncer_start(
    folder: Path,
    *,
    server_host: str,
    server_port: int,
    user: str,
    password: str = "",
    pool_size: int = 10,
    avoid: Collection[int] = (),
    port: int = 0,
) -> tuple[subprocess.Popen, int]:
    """Debian's PgBouncer in transaction mode on a free port of HOST (never one of `avoid`), in front of the
    PostgreSQL server at `server_host`:`server_port` (every database of it), as bin/topology.py --pooler, the
    pooler's tests and benchmarks/pooler.py run it (docs/decisions/0100). Its config, users file and log in
    `folder`, readable by the user it runs as (it will not run as root: as postgres then). Returns the process
    and its port; stop it with child_stop. `port`: that port rather than a free one (SideServerError when taken);
    `pool_size`: the server connections per database and user (default_pool_size)."""
    if not Path(PGBOUNCER).exists():
        raise SideServerError(f"PgBouncer is not at {PGBOUNCER}: apt-get install pgbouncer (or STAGESLOT_PGBOUNCER)")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    if port and not port_free(port):
        raise SideServerError(f"Port {port} is taken: choose another for PgBouncer, or 0 for a free one")
    if not 1 <= pool_size <= 1000:
        raise SideServerError(f"A pool of {pool_size} server connections: choose 1 to 1000")
    while not port and (port := free_port()) in avoid:
        port = 0
    users = folder / "users.txt"
    users.write_text(f'"{user}" "{password}"\n', encoding="utf-8")
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={server_host} port={server_port}\n"
        "[pgbouncer]\n"
        f"listen_addr = {HOST}\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\npool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\nserver_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits\n"
        # After a failed login to the server PgBouncer waits this long before it tries again (15 s by default):
        # a primary that failed over and was repointed by RELOAD is reached within a second, not 15 (issue 85).
        "server_login_retry = 1\n"
        # Who may RELOAD it (the failover drill repoints [databases], then RELOADs: docs/backups.md).
        f"admin_users = {user}\n",
        encoding="utf-8",
    )
    for path in (users, config):
        path.chmod(0o644)
    command = [PGBOUNCER, str(config)] + (["-u", "postgres"] if POSTGRES_RUN_AS else [])

    def answers() -> bool:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return True
        except OSError:
            return False

    process = child_start(command, name="pgbouncer", answers=answers, port=port, log=folder / "pgbouncer.log")
    return process, port
