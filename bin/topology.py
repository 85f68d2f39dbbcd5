#!/usr/bin/env python3
"""A production topology on one machine: nginx with TLS in front of two web nodes, a Celery worker and
beat, PostgreSQL, Redis and an S3-compatible bucket server (docs/decisions/0065-two-nodes-behind-a-proxy.md).

    python bin/topology.py up [--dir DIR] [--ports PROXY,NODE1,NODE2] [--database-url URL] [--redis-url URL]
                              [--no-workers] [--pooler] [--replica]
    python bin/topology.py status --dir DIR
    python bin/topology.py restart node1 --dir DIR     # a rolling restart of one node
    python bin/topology.py reload node2 --dir DIR      # gunicorn's graceful reload (HUP)
    python bin/topology.py down --dir DIR

Each web node is the Procfile's `web:` line with its own PORT, bound to 127.0.0.1 (the proxy is the way in), a
small WEB_CONCURRENCY, production settings and a MEDIA_ROOT of its own (its own "disk", which stays empty:
files go to the buckets). nginx is Debian's, run as the current user with the config made from
deploy/nginx.conf.template, a throwaway certificate authority and certificate, and its pid, logs and
temporary files in DIR. Without --database-url a new database is made on the local PostgreSQL – a copy of
the template database an earlier `up` left for the same migrations, else migrated (the Procfile's `release:`
line) and then kept as that template; without MEDIA_S3_BUCKET in the environment a moto S3 server is started
with a public media bucket and a private booking-files bucket. Static files are collected only when their
sources changed. Every name it uses is in docs/deploying.md ("Try it on one machine"). With --pooler, Debian's
PgBouncer in transaction mode stands between the nodes, the worker and beat and PostgreSQL (the site with
DATABASE_TRANSACTION_POOLER=true, docs/decisions/0100); migrations still go straight to PostgreSQL. With
--replica, the database is poured into a PostgreSQL primary of the topology's own (Debian's server binaries,
`initdb`) with a streaming replica beside it (`pg_basebackup -R`), in a folder of the system's temporary folder
(state.json names it; `down` removes it): DATABASE_URL names the primary
and DATABASE_REPLICA_URL the replica for every process (docs/decisions/0106, 0114); the machine's own server is
shared and takes no replication connections.

`up` stays in the foreground; Ctrl-C or `down` stops everything it started, during its start too: DIR/state.json
is written before anything starts and again as each part does, so `down` also stops what an `up` killed
outright left behind (the S3 server, a migrate under way, the database it made).

Tests import it (stageslot/tests/test_topology.py): `Topology` is a context manager with the addresses,
an https session that trusts the throwaway authority, restart(), reload() and stop().
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.local_servers import HOST, free_port, port_free  # noqa: E402 (after the project is on the path)

NGINX = os.environ.get("STAGESLOT_NGINX", "/usr/sbin/nginx")
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NODES = ("node1", "node2")
S3_ACCESS_KEY = "stageslot-topology"
S3_SECRET_KEY = "stageslot-topology-secret"  # noqa: S105 (moto takes any key)
S3_REGION = "us-east-1"
STATE = "state.json"
# The database server `up` makes its database (topology_<hex>) and its template databases on.
# The Procfile's processes besides web and release, each run as production runs it (test_procfile.py checks).
BACKGROUND = ("worker", "worker-urgent", "beat")
POSTGRES = os.environ.get("STAGESLOT_TOPOLOGY_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
TEMPLATE_PREFIX = "topology_template_"


class TopologyError(RuntimeError):
    """Something the topology needs is missing, or a process did not start."""


# --- The Procfile -------------------------------------------------------------------------------------
def procfile_command(process: str, env: dict[str, str], procfile: Path = ROOT / "Procfile") -> list[str]:
    """The Procfile's line for `process` as arguments, with ${NAME:-default} and $NAME taken from `env`;
    `python` is this interpreter and a program installed beside it (gunicorn, celery) is that one."""
    for line in procfile.read_text(encoding="utf-8").splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            break
    else:
        raise TopologyError(f"The Procfile has no {process}: line")

    def value(match: re.Match) -> str:
        return env.get(match["name"]) or (match["default"] or "")

    expanded = re.sub(
        r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}|\$(?P<bare>\w+)",
        lambda m: env.get(m["bare"], "") if m["bare"] else value(m),
        command,
    )
    # The project's own files by their full path (bin/keep_running.py, manage.py), for any working directory.
    words = [
        str(ROOT / w) if not w.startswith("-") and "/" in w and (ROOT / w).is_file() else w
        for w in shlex.split(expanded)
    ]
    if words[0] == "python":
        words[0] = sys.executable
    elif (beside := Path(sys.executable).with_name(words[0])).exists():
        words[0] = str(beside)
    return words


def bind_loopback(words: list[str]) -> list[str]:
    """The web line's words with its `--bind` on this machine's loopback address instead of every address:
    the nodes are reached through the proxy only, as docs/deploying.md asks of a real site."""
    words = list(words)
    for index, word in enumerate(words):
        if word in ("--bind", "-b") and index + 1 < len(words):
            words[index + 1] = f"{HOST}:{words[index + 1].rsplit(':', 1)[1]}"
        elif word.startswith("--bind="):
            words[index] = f"--bind={HOST}:{word.rsplit(':', 1)[1]}"
    return words


# --- Certificates -------------------------------------------------------------------------------------
def certificates_make(directory: Path, names: tuple[str, ...] = ("localhost",), addresses=(HOST,)) -> dict:
    """A throwaway certificate authority and a server certificate it signed for `names` and `addresses`,
    as PEM files in `directory`: ca.pem (what a client trusts), server.pem and server-key.pem."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "StageSlot topology throwaway CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": directory / "ca.pem", "certificate": directory / "server.pem", "key": directory / "server-key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["certificate"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    paths["key"].chmod(0o600)
    return paths


# --- Processes ----------------------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    """Whether `pid` runs; a process that has ended but is not reaped yet (a zombie) has ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def children_reap() -> None:
    """Reap the children that have ended (a node `restart` stopped from another shell)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def process_start(command: list[str], *, env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """Start `command` in a session of its own (a Ctrl-C in the terminal reaches it only through us), its
    output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 (our own programs and arguments)
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def process_stop(pid: int, *, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
    """Send `sig` to the process `pid` and wait for it to end; after `wait` seconds, SIGKILL to its whole
    process group (it leads one: process_start), so that no worker of it is left behind."""
    if not _alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # what is left of its group: nothing, normally
    while _alive(pid) and time.monotonic() < deadline + 5:
        time.sleep(0.05)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _get(url: str, *, headers: dict | None = None, timeout: float = 2.0, ca: Path | None = None) -> int | None:
    """The status a GET of `url` answers (an https address checked against the certificate authority `ca`), or
    None where nothing answers."""
    import ssl

    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (our own servers)
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as answer:
        answer.close()
        return answer.code
    except OSError:
        return None


def wait_until(check, *, what: str, timeout: float, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None and process.poll() is not None:
            raise TopologyError(f"{what} stopped on start (exit code {process.returncode}): see {log}")
        if time.monotonic() > deadline:
            raise TopologyError(f"{what} did not answer within {timeout:.0f} s" + (f": see {log}" if log else ""))
        time.sleep(0.05)


# --- Static files -------------------------------------------------------------------------------------
def static_fingerprint() -> str:
    """What collectstatic's output depends on: every file under static/ and the apps' static/ folders (path
    and bytes), and requirements.txt (the installed packages' own static files). Content, not times: a
    checkout or a copy that touches every file leaves it the same."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for source in sorted([ROOT / "static", *ROOT.glob("*/static")]):
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


STATIC_STAMP = ROOT / "staticfiles" / ".topology-sources"


def static_stale() -> bool:
    """Whether collectstatic must run: no manifest yet, or the sources changed since the last run here."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists() or not STATIC_STAMP.exists():
        return True
    return STATIC_STAMP.read_text(encoding="utf-8").strip() != static_fingerprint()


def migrations_fingerprint() -> str:
    """What a migrated database depends on: every migration of the project (path and bytes), requirements.txt
    (the installed apps' own migrations) and the Procfile's release line."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes() + (ROOT / "Procfile").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# Without compression: WhiteNoise's brotli and gzip copies take about 45 s of CPU (this 2.2 s), and a topology
# on one machine serves its static files uncompressed just as well. The manifest is the same.
PLAIN_COLLECTSTATIC = """
import django
from django.conf import settings
settings.STORAGES = {**settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
django.setup()
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
"""


# --- The topology -------------------------------------------------------------------------------------
class Node:
    """One web node: its port, its own directory (log, media, booking files) and its gunicorn master."""

    def __init__(self, name: str, port: int, directory: Path) -> None:
        self.name, self.port, self.directory = name, port, directory
        self.pid: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "gunicorn.log"

    @property
    def media_root(self) -> Path:
        return self.directory / "media"


class Topology:
    """nginx (TLS) → two gunicorn nodes, with a worker and beat unless `workers` is False.

    `ports`: the proxy's and the nodes' (node1, node2), each 0 for a free one that no other of them takes.
    `database_url`: an existing, migrated database (tests: the test database); None makes one (from a template
    database of the same migrations when there is one) and migrates it.
    `s3`: {"endpoint_url", "access_key", "secret_key", "media_bucket", "booking_files_bucket"} of a real
    store; None starts a moto server with its two buckets. `for_tests`: nginx also names the node that
    answered (X-Upstream) and listens on one more port per node that goes to that node only.
    `full_collectstatic`: the static files with their compressed copies, as a real deploy collects them.
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        port: int = 0,
        ports: tuple[int, ...] = (),
        database_url: str | None = None,
        redis_url: str | None = None,
        s3: dict | None = None,
        workers: bool = True,
        web_concurrency: int = 2,
        for_tests: bool = False,
        full_collectstatic: bool = False,
        environment: dict[str, str] | None = None,
        pooler: bool = False,
        replica: bool = False,
        pool_size: int = 10,
        pooler_port: int = 0,
    ) -> None:
        self.directory = Path(directory or tempfile.mkdtemp(prefix="stageslot-topology-")).resolve()
        ports = (tuple(ports) or (port,)) + (0,) * (1 + len(NODES))
        self.port = ports[0]
        self.database_url = database_url
        self.database_created = False
        self.redis_url = redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7"
        self.s3 = s3
        self.workers = workers
        self.web_concurrency = web_concurrency
        self.for_tests = for_tests
        self.full_collectstatic = full_collectstatic
        self.environment = environment or {}
        self.name = "topology-" + secrets.token_hex(4)
        self.nodes = {name: Node(name, ports[1 + i], self.directory / name) for i, name in enumerate(NODES)}
        self.direct_ports: dict[str, int] = {}
        self.pids: dict[str, int] = {}
        self._processes: dict[str, subprocess.Popen] = {}
        self.certificates: dict[str, Path] = {}
        self.secret_key = secrets.token_urlsafe(50)
        self.seconds: dict[str, float] = {}
        self.drained: set[str] = set()
        # Nodes of the same site that nginx never sends to (shadow()).
        self.shadows: dict[str, Node] = {}
        self.up_pid = os.getpid()  # the process that started it, and stops it
        self.moto_port = 0
        self.pooler = pooler
        self.pool_size = pool_size
        self.pooler_port = pooler_port
        self.replica = replica
        # With `replica`: the clusters' folder, binaries and ports, and the site's URLs of the primary and replica.
        self.clusters: dict = {}
        self.primary_url = ""
        self.replica_url = ""

    # Addresses
    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def node_url(self, node: str) -> str:
        """The proxy's address that goes to `node` only (for_tests)."""
        return f"https://localhost:{self.direct_ports[node]}"

    def https(self):
        """A requests session that trusts the throwaway authority (a POST over HTTPS also needs an Origin or
        Referer header for Django's CSRF check, as a browser sends)."""
        import requests

        session = requests.Session()
        session.verify = str(self.certificates["ca"])
        # Not REQUESTS_CA_BUNDLE and the like from the environment: requests would let them win over `verify`.
        session.trust_env = False
        return session

    # Starting
    def start(self) -> Topology:
        began = time.perf_counter()
        if not Path(NGINX).exists():
            raise TopologyError(f"nginx is not at {NGINX}: apt-get install nginx-light (or set STAGESLOT_NGINX)")
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            self._start(began)
        except BaseException:
            self.stop(quick=True)
            raise
        self.seconds["start"] = time.perf_counter() - began
        return self

    def _start(self, began: float) -> None:
        self._ports_choose()
        for node in self.nodes.values():
            node.directory.mkdir(parents=True, exist_ok=True)
            node.media_root.mkdir(exist_ok=True)
            (node.directory / "booking-files").mkdir(exist_ok=True)
        # Written before anything starts and again as each part does: `down` stops what a stopped start left.
        self._state_write()
        self.certificates = certificates_make(self.directory / "tls")
        if self.s3 is None:
            self._moto_start()
        if self.database_url is None:
            self._database_create()
        if self.replica:
            self._replica_start()
        if self.pooler:
            self._pooler_start()
        stamp = time.perf_counter()
        self._collectstatic()
        self.seconds["collectstatic"] = time.perf_counter() - stamp
        stamp = time.perf_counter()
        for node in self.nodes.values():
            self._node_start(node)
        self._nginx_start()
        if self.workers:
            # In the topology's directory: beat keeps its schedule file where it runs. What production runs (the
            # Procfile): the all-queues worker, the urgent queue's own worker (sign-in codes) and beat.
            env = self.env() | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            for role in BACKGROUND:
                process = process_start(
                    procfile_command(role, env), env=env, log=self.directory / f"{role}.log", cwd=self.directory
                )
                self._remember(role, process)
        if self.s3.get("started"):
            self._buckets_make()
        for node in self.nodes.values():
            wait_until(
                lambda n=node: self._node_healthy(n),
                what=f"gunicorn {node.name}",
                timeout=60,
                process=node.process,
                log=node.log,
            )
        self.seconds["nodes"] = time.perf_counter() - stamp  # started until both answer /health/
        wait_until(
            lambda: _get(self.url + "/health/", ca=self.certificates["ca"]) == 200,
            what="nginx",
            timeout=15,
            process=self._processes.get("nginx"),
            log=self.directory / "nginx" / "error.log",
        )
        self._state_write()

    def _ports_choose(self) -> None:
        """The ports asked for, each checked free, and a free one for each of the rest that none of the others
        has: a port the system calls free now may be one this topology gives the proxy a moment later."""
        wanted = {"proxy": self.port, **{n.name: n.port for n in self.nodes.values()}}
        taken = [port for port in wanted.values() if port]
        if len(set(taken)) < len(taken):
            raise TopologyError(f"--ports names one port twice: {', '.join(map(str, taken))}")
        for what, port in wanted.items():
            if port and not port_free(port):
                raise TopologyError(f"Port {port} ({what}) is taken on {HOST}: name another, or 0 for a free one")

        def another() -> int:
            while (port := free_port()) in taken:
                pass
            taken.append(port)
            return port

        self.port = self.port or another()
        for node in self.nodes.values():
            node.port = node.port or another()
            if self.for_tests:
                self.direct_ports[node.name] = another()
        self.moto_port = another()

    def _remember(self, name: str, process: subprocess.Popen) -> None:
        self._processes[name] = process
        self.pids[name] = process.pid
        self._state_write()

    def _run(self, name: str, command: list[str], *, env: dict[str, str]) -> None:
        """Run `command` to its end as a process this topology remembers (a stop or `down` meanwhile stops it
        too), its output in DIR/<name>.log."""
        log = self.directory / f"{name}.log"
        process = process_start(command, env=env, log=log)
        self._remember(name, process)
        process.wait()
        self.pids.pop(name, None)
        self._processes.pop(name, None)
        self._state_write()
        if process.returncode:
            output = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise TopologyError(f"{name} failed (exit code {process.returncode}), {log}:\n{output}")

    def _pooler_start(self) -> None:
        """PgBouncer in transaction mode on a free port, in front of the database's server: its config, users
        file and log in a folder of their own (PgBouncer does not run as root: as postgres, it must read them)."""
        from core.local_servers import SideServerError, pgbouncer_start

        database = urlsplit(self.primary_url or self.database_url)
        folder = self.directory / "pgbouncer"
        self.directory.chmod(self.directory.stat().st_mode | 0o711)  # PgBouncer's user may pass through
        try:
            process, self.pooler_port = pgbouncer_start(
                folder,
                server_host=database.hostname or HOST,
                server_port=database.port or 5432,
                user=database.username or "postgres",
                password=database.password or "",
                avoid=self._ports_taken(),
                pool_size=self.pool_size,
                port=self.pooler_port,
            )
        except SideServerError as error:
            raise TopologyError(str(error)) from error
        self._remember("pgbouncer", process)

    def _replica_start(self) -> None:
        """A primary of the topology's own holding a copy of the database, and its streaming replica, in
        a temporary folder (core.local_servers: as stageslot/tests/test_replica_cluster.py builds them). The
        site's processes reach the primary as DATABASE_URL (through the pooler with --pooler) and the replica
        as DATABASE_REPLICA_URL, straight."""
        from core import local_servers

        if local_servers.postgres_bin_dir() is None:
            raise TopologyError("--replica needs PostgreSQL's server binaries: apt-get install postgresql")
        # A folder of their own in the system's temporary folder: the clusters run as postgres when we are root,
        # and DIR's parents may be closed to it (pytest's are).
        folder = local_servers.postgres_folder(Path(tempfile.mkdtemp(prefix=f"stageslot-{self.name}-postgres-")))
        primary, replica = local_servers.primary_and_replica(folder)
        # Known before either starts: a stop meanwhile (or `down`) stops what did.
        self.clusters = {
            "folder": str(folder),
            "bin_dir": str(primary.bin_dir),
            "primary": primary.port,
            "replica": replica.port,
        }
        self._state_write()
        name = urlsplit(self.database_url).path.lstrip("/")
        stamp = time.perf_counter()
        try:
            local_servers.primary_and_replica_start(primary, replica, copy_of=self.database_url, database=name)
        except subprocess.CalledProcessError as error:
            said = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else error.stderr
            raise TopologyError(f"The replica's clusters did not start ({error.cmd[0]}): {said}") from error
        self.seconds["replica"] = time.perf_counter() - stamp
        self.primary_url, self.replica_url = primary.url(name), replica.url(name)

    def _replica_stop(self, *, quick: bool) -> None:
        """Stop the replica and the primary and remove their folder (nothing of them is kept)."""
        if not self.clusters:
            return
        import shutil

        from core.local_servers import PostgresCluster

        folder, bin_dir = Path(self.clusters["folder"]), Path(self.clusters["bin_dir"])
        for name in ("replica", "primary"):
            cluster = PostgresCluster(bin_dir, folder, name, port=self.clusters[name])
            began = time.perf_counter()
            cluster.stop("immediate" if quick else "fast")
            self.seconds[f"stop {name}"] = time.perf_counter() - began
        shutil.rmtree(folder, ignore_errors=True)
        self.clusters = {}
        self.primary_url = self.replica_url = ""

    def _ports_taken(self) -> set[int]:
        """The ports this topology gave its servers, bound or not yet."""
        return {self.port, *(n.port for n in self.nodes.values()), *self.direct_ports.values(), self.moto_port}

    def site_database_url(self) -> str:
        """The database as the site's processes reach it: through the pooler when there is one."""
        if not self.pooler_port:
            return self.primary_url or self.database_url or ""
        database = urlsplit(self.primary_url or self.database_url)
        host = f"{HOST}:{self.pooler_port}"
        if database.username:
            host = f"{database.username}{':' + database.password if database.password else ''}@{host}"
        return urlunsplit(database._replace(netloc=host))

    def _moto_start(self) -> None:
        moto = Path(sys.executable).with_name("moto_server")
        if not moto.exists():
            raise TopologyError(f"moto_server is not beside {sys.executable}: pip install -r requirements-dev.txt")
        port = self.moto_port
        self.s3 = {
            "started": True,
            "endpoint_url": f"http://{HOST}:{port}",
            "access_key": S3_ACCESS_KEY,
            "secret_key": S3_SECRET_KEY,
            "region": S3_REGION,
            "media_bucket": f"{self.name}-media",
            "booking_files_bucket": f"{self.name}-booking-files",
        }
        process = process_start(
            [str(moto), "-H", HOST, "-p", str(port)], env=dict(os.environ), log=self.directory / "moto.log"
        )
        self._remember("moto", process)

    def _buckets_make(self) -> None:
        from stageslot.buckets import buckets_make

        url = self.s3["endpoint_url"]
        wait_until(
            lambda: _get(url + "/moto-api/") is not None,
            what="moto_server",
            timeout=30,
            process=self._processes.get("moto"),
            log=self.directory / "moto.log",
        )
        buckets_make(
            endpoint_url=url,
            region=S3_REGION,
            access_key=S3_ACCESS_KEY,
            secret_key=S3_SECRET_KEY,
            media=self.s3["media_bucket"],
            booking_files=self.s3["booking_files_bucket"],
        )

    def _database_create(self) -> None:
        """A new database topology_<hex>, migrated by the Procfile's release line. A copy of a template
        database made by an earlier `up` from the same migrations, when there is one, leaves the release line
        nothing to do; without one, the migrated database becomes that template for the next `up`."""
        import psycopg

        name = self.name.replace("-", "_")
        self.database_url = urlunsplit(urlsplit(POSTGRES)._replace(path=f"/{name}"))
        self.database_created = True  # before it is made: a start stopped meanwhile drops it (IF EXISTS)
        self._state_write()
        template = TEMPLATE_PREFIX + migrations_fingerprint()[:16]
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            known = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
            try:
                connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if known else ""))
            except psycopg.errors.ObjectInUse:  # another `up` is copying the template right now
                connection.execute(f'CREATE DATABASE "{name}"')
                known = None
        stamp = time.perf_counter()
        self._run("release", procfile_command("release", self.env()), env=self.env())
        self.seconds["migrate"] = time.perf_counter() - stamp
        if not known:
            self._template_make(name, template)

    def _template_make(self, name: str, template: str) -> None:
        """Keep a copy of the just-migrated database `name` as `template` (nothing is connected to it yet), and
        drop the templates of other migrations. Another `up` making the same one at once wins: no harm."""
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.ObjectInUse):
                connection.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
            rows = connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                [TEMPLATE_PREFIX.replace("_", r"\_") + "%", template],
            ).fetchall()
            for (old,) in rows:
                with contextlib.suppress(psycopg.errors.ObjectInUse):
                    connection.execute(f'DROP DATABASE IF EXISTS "{old}"')

    def _collectstatic(self) -> None:
        if not static_stale():
            return
        fingerprint = static_fingerprint()
        if self.full_collectstatic:
            command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        else:
            command = [sys.executable, "-c", PLAIN_COLLECTSTATIC]
        self._run("collectstatic", command, env=self.env())
        STATIC_STAMP.write_text(fingerprint + "\n", encoding="utf-8")

    def env(self, node: Node | None = None) -> dict[str, str]:
        """The environment of the site's processes: production settings, the shared services, and for a
        web node its port and its own disk."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k != "DJANGO_SETTINGS_MODULE" and not k.startswith(("PYTEST", "STAGESLOT_TEST", "DJANGO_TEST"))
        }
        # The programs installed beside this interpreter first, as in an activated virtualenv (celery for
        # keep_running.py).
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
        env |= {
            "DJANGO_SETTINGS_MODULE": "stageslot.settings.production",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": f"localhost,{HOST}",
            "DATABASE_URL": self.site_database_url(),
            "REDIS_URL": self.redis_url,
            # The keys of this topology in a Redis that others may share.
            "DJANGO_CACHE_PREFIX": self.name,
            "STAGESLOT_TRUSTED_PROXIES": "1",
            "STAGESLOT_SITE_URL": self.url,
            # No HSTS for localhost: a browser would remember it for every other local server.
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
            "DJANGO_SECURE_HSTS_PRELOAD": "false",
            "WEB_CONCURRENCY": str(self.web_concurrency),
            # Each answer says whether its worker and thread were readied before they took it (stageslot/readiness.py).
            "STAGESLOT_READY_HEADER": "1",
            # The Procfile's worker-urgent beside the all-queues worker, as production runs them; one process.
            "URGENT_CONCURRENCY": os.environ.get("URGENT_CONCURRENCY") or "1",
            # Who runs the site (a live site refuses to start without it): this machine's operator, unless set.
            "STAGESLOT_OPERATOR_NAME": os.environ.get("STAGESLOT_OPERATOR_NAME") or "StageSlot on this machine",
            "STAGESLOT_OPERATOR_ADDRESS": os.environ.get("STAGESLOT_OPERATOR_ADDRESS") or "localhost",
            "STAGESLOT_OPERATOR_EMAIL": os.environ.get("STAGESLOT_OPERATOR_EMAIL") or "operator@localhost",
        }
        if self.pooler_port:
            env["DATABASE_TRANSACTION_POOLER"] = "true"
        if self.replica_url:
            env["DATABASE_REPLICA_URL"] = self.replica_url
        if self.s3:
            env |= {
                "MEDIA_S3_BUCKET": self.s3["media_bucket"],
                "BOOKING_FILES_S3_BUCKET": self.s3["booking_files_bucket"],
                "BOOKING_FILES_S3_ENDPOINT_URL": self.s3["endpoint_url"],
                "BOOKING_FILES_S3_REGION": self.s3.get("region") or S3_REGION,
                "BOOKING_FILES_S3_ACCESS_KEY": self.s3["access_key"],
                "BOOKING_FILES_S3_SECRET_KEY": self.s3["secret_key"],
            }
        if node is not None:
            env |= {
                "PORT": str(node.port),
                "DJANGO_MEDIA_ROOT": str(node.media_root),
                "BOOKING_FILES_ROOT": str(node.directory / "booking-files"),
                # Each node's own control socket (gunicorn 25+): by default every gunicorn of a user on one
                # machine takes the same ~/.gunicorn/gunicorn.ctl, the last one started wins.
                "GUNICORN_CMD_ARGS": f"--control-socket {node.directory / 'gunicorn.ctl'}",
            }
        return env | self.environment

    def _node_start(self, node: Node) -> None:
        env = self.env(node)
        process = process_start(bind_loopback(procfile_command("web", env)), env=env, log=node.log)
        node.process, node.pid = process, process.pid
        self._remember(node.name, process)

    def _node_up(self, node: Node) -> None:
        """`node` started, and healthy within a minute."""
        self._node_start(node)
        wait_until(
            lambda: self._node_healthy(node),
            what=f"gunicorn {node.name}",
            timeout=60,
            process=node.process,
            log=node.log,
        )

    def _node_healthy(self, node: Node) -> bool:
        # Straight to the node, as nginx would ask: https seen, the node's own address.
        return _get(node.url + "/health/", headers={"X-Forwarded-Proto": "https"}) == 200

    # nginx
    def nginx_config(self) -> str:
        servers = "\n".join(
            f"        server {HOST}:{node.port} max_fails=3 fail_timeout=5s"
            + (" down;" if node.name in self.drained else ";")
            for node in self.nodes.values()
        )
        headers, extra = "", ""
        if self.for_tests:
            # Tests only: which node answered, and one port per node straight to it.
            headers = "        add_header X-Upstream $upstream_addr always;\n"
            for node in self.nodes.values():
                extra += (
                    f"    server {{\n        listen {HOST}:{self.direct_ports[node.name]} ssl;\n"
                    f"        ssl_certificate {self.certificates['certificate']};\n"
                    f"        ssl_certificate_key {self.certificates['key']};\n"
                    "        proxy_set_header Host $http_host;\n"
                    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "        proxy_set_header X-Forwarded-Proto $scheme;\n"
                    "        proxy_set_header X-Request-ID $request_id;\n"
                    "        add_header X-Upstream $upstream_addr always;\n"
                    f"        location / {{ proxy_pass http://{HOST}:{node.port}; }}\n    }}\n"
                )
        nginx = self.directory / "nginx"
        values = {
            "worker_processes": "2",
            "pid_file": str(nginx / "nginx.pid"),
            "error_log": str(nginx / "error.log"),
            "access_log": str(nginx / "access.log"),
            "temp_dir": str(nginx / "temp"),
            "upstream_servers": servers,
            "listen": f"{HOST}:{self.port}",
            "server_name": "localhost",
            "certificate": str(self.certificates["certificate"]),
            "certificate_key": str(self.certificates["key"]),
            "response_headers": headers,
            "extra_servers": extra,
        }
        text = TEMPLATE.read_text(encoding="utf-8")
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        left = re.findall(r"@\w+@", text)
        if left:
            raise TopologyError(f"{TEMPLATE} names {', '.join(left)}, which bin/topology.py does not fill in")
        return text

    def _nginx_write(self) -> Path:
        nginx = self.directory / "nginx"
        (nginx / "temp").mkdir(parents=True, exist_ok=True)
        config = nginx / "nginx.conf"
        config.write_text(self.nginx_config(), encoding="utf-8")
        test = subprocess.run(  # noqa: S603
            [NGINX, "-t", "-q", "-c", str(config), "-e", str(nginx / "error.log"), "-g", "daemon off;"],
            capture_output=True,
            text=True,
        )
        if test.returncode:
            raise TopologyError(f"nginx refuses {config}:\n{test.stderr}")
        return config

    def _nginx_start(self) -> None:
        config = self._nginx_write()
        nginx = self.directory / "nginx"
        process = process_start(
            [NGINX, "-c", str(config), "-e", str(nginx / "error.log"), "-g", "daemon off;"],
            env=dict(os.environ),
            log=nginx / "stderr.log",
        )
        self._remember("nginx", process)

    def _nginx_reload(self) -> None:
        """Write the config again and have nginx take it (HUP: new workers, the old ones finish what they
        are doing)."""
        self._nginx_write()
        os.kill(self.pids["nginx"], signal.SIGHUP)
        time.sleep(0.3)  # the new workers read it; the old ones stop taking requests

    # Changes while running
    def restart(self, node_name: str, *, drain_seconds: float = 0.5, rejoin: bool = True) -> float:
        """A rolling restart of one node: out of nginx's upstream, stopped gracefully (its requests
        finish), started again, healthy, and back in. The other node answers meanwhile. Returns seconds.
        `rejoin=False` leaves the restarted node out until rejoin(): the restart's whole cost to the machine,
        without a request sent to the new node."""
        began = time.perf_counter()
        node = self.nodes[node_name]
        self.drained.add(node_name)
        self._nginx_reload()
        time.sleep(drain_seconds)
        process_stop(node.pid, sig=signal.SIGTERM, wait=35)
        if node.process is not None:
            node.process.wait()  # reaped
        self._node_up(node)
        if rejoin:
            self.rejoin(node_name)
        self._state_write()
        return time.perf_counter() - began

    def rejoin(self, node_name: str) -> None:
        """`node_name` back in nginx's upstream."""
        self.drained.discard(node_name)
        self._nginx_reload()

    def drained_for(self, node_name: str, seconds: float) -> None:
        """`node_name` out of nginx's upstream for `seconds`, then back in, nothing restarted: the other node
        alone answers meanwhile, as during a rolling restart."""
        self.drained.add(node_name)
        self._nginx_reload()
        time.sleep(seconds)
        self.drained.discard(node_name)
        self._nginx_reload()

    def node(self, name: str) -> Node:
        """A node by its name: one nginx sends to, or a shadow."""
        return self.nodes.get(name) or self.shadows[name]

    def reload(self, node_name: str) -> None:
        """gunicorn's graceful reload of one node (HUP): new workers, the old ones finish their requests."""
        os.kill(self.node(node_name).pid, signal.SIGHUP)

    @contextlib.contextmanager
    def shadow(self, name: str = "shadow"):
        """A third node of the same site, started, healthy and never in nginx's upstream: a change made to it
        (a reload, a restart) costs the machine what the same change to a serving node does, while no request
        waits on it. Stopped on leaving."""
        if name in self.nodes or name in self.shadows:
            raise TopologyError(f"A node named {name} is already up")
        node = Node(name, free_port(), self.directory / name)
        node.directory.mkdir(parents=True, exist_ok=True)
        self.shadows[name] = node
        try:
            self._node_up(node)
            yield node
        finally:
            self.shadows.pop(name, None)
            pid = self.pids.pop(name, None)
            self._processes.pop(name, None)
            if pid is not None:
                process_stop(pid, sig=signal.SIGQUIT, wait=5)
            if node.process is not None:
                node.process.wait()  # reaped
            self._state_write()

    # Stopping
    def stop(self, *, quick: bool = False) -> None:
        """Stop every process this topology started (nginx first, then the nodes, the worker and beat, the
        bucket server) and drop the database it made. `quick`: no graceful waits."""
        order = [
            "nginx",
            *NODES,
            *self.shadows,
            "worker",
            "worker-urgent",
            "beat",
            "collectstatic",
            "release",
            "pgbouncer",
            "moto",
        ]
        for name in order:
            pid = self.pids.pop(name, None)
            if pid is None:
                continue
            sig = signal.SIGTERM
            if (name in NODES or name in self.shadows) and quick:
                sig = signal.SIGQUIT  # gunicorn's quick stop
            elif name == "moto":
                sig = signal.SIGINT  # its server stops on Ctrl-C; it lets SIGTERM wait
            began = time.perf_counter()
            process_stop(pid, sig=sig, wait=5 if quick else 35)
            self.seconds[f"stop {name}"] = time.perf_counter() - began
            process = self._processes.pop(name, None) or (self.nodes[name].process if name in NODES else None)
            if process is not None and process.pid == pid:
                process.wait()  # reaped
        for node in self.nodes.values():
            node.process = None
        self._replica_stop(quick=quick)
        if self.database_created:
            import psycopg

            name = urlsplit(self.database_url).path.lstrip("/")
            with psycopg.connect(POSTGRES, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.database_created = False
        state = self.directory / STATE
        state.unlink(missing_ok=True)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop(quick=True)

    # State, for the commands run from another shell
    def _state_write(self) -> None:
        state = {
            "url": self.url,
            "up_pid": self.up_pid,
            "pids": self.pids,
            "nodes": {n.name: {"port": n.port, "pid": n.pid} for n in self.nodes.values()},
            "moto_port": self.moto_port,
            "direct_ports": self.direct_ports,
            "database_url": self.database_url,
            "database_created": self.database_created,
            "redis_url": self.redis_url,
            "s3": self.s3,
            "name": self.name,
            "secret_key": self.secret_key,
            "certificates": {k: str(v) for k, v in self.certificates.items()},
            "for_tests": self.for_tests,
            "environment": self.environment,
            "web_concurrency": self.web_concurrency,
            "pooler_port": self.pooler_port,
            "clusters": self.clusters,
            "primary_url": self.primary_url,
            "replica_url": self.replica_url,
        }
        path = self.directory / STATE
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def from_state(cls, directory: Path | str) -> Topology:
        path = Path(directory) / STATE
        if not path.exists():
            raise TopologyError(f"No topology is up in {directory} (no {STATE})")
        state = json.loads(path.read_text(encoding="utf-8"))
        topology = cls(
            directory,
            port=int(state["url"].rsplit(":", 1)[1]),
            database_url=state["database_url"],
            redis_url=state["redis_url"],
            s3=state["s3"],
            for_tests=state["for_tests"],
            environment=state["environment"],
            web_concurrency=state["web_concurrency"],
        )
        topology.database_created = state["database_created"]
        topology.name, topology.secret_key = state["name"], state["secret_key"]
        topology.pids = {k: int(v) for k, v in state["pids"].items()}
        topology.direct_ports = state["direct_ports"]
        topology.certificates = {k: Path(v) for k, v in state["certificates"].items()}
        for name, node in state["nodes"].items():
            topology.nodes[name].port, topology.nodes[name].pid = node["port"], node["pid"]
        topology.up_pid = state["up_pid"]
        topology.moto_port = state.get("moto_port", 0)
        topology.pooler_port = state.get("pooler_port", 0)
        topology.pooler = bool(topology.pooler_port)
        topology.clusters = state.get("clusters") or {}
        topology.primary_url, topology.replica_url = state.get("primary_url", ""), state.get("replica_url", "")
        topology.replica = bool(topology.clusters)
        return topology


# --- Commands -----------------------------------------------------------------------------------------
def command_up(args: argparse.Namespace) -> int:
    s3 = None
    if os.environ.get("MEDIA_S3_BUCKET"):  # a real store: its settings go to the nodes as they are
        s3 = {
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or os.environ.get("BOOKING_FILES_S3_ENDPOINT_URL"),
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY") or os.environ.get("BOOKING_FILES_S3_ACCESS_KEY"),
            "secret_key": os.environ.get("MEDIA_S3_SECRET_KEY") or os.environ.get("BOOKING_FILES_S3_SECRET_KEY"),
            "region": os.environ.get("MEDIA_S3_REGION") or os.environ.get("BOOKING_FILES_S3_REGION"),
            "media_bucket": os.environ["MEDIA_S3_BUCKET"],
            "booking_files_bucket": os.environ.get("BOOKING_FILES_S3_BUCKET") or os.environ["MEDIA_S3_BUCKET"],
        }
    topology = Topology(
        args.dir,
        ports=args.ports or (args.port,),
        database_url=args.database_url,
        redis_url=args.redis_url,
        workers=not args.no_workers,
        s3=s3,
        pooler=args.pooler,
        replica=args.replica,
        pool_size=args.pool_size,
        pooler_port=args.pooler_port,
    )
    print(f"Starting in {topology.directory} …", flush=True)
    # Ctrl-C or SIGTERM (`down` from another shell) during the start: start() stops what it started so far –
    # the S3 server, a migrate under way, the database it made – and only then does `up` end.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        topology.start()
    except TopologyError as error:
        print(f"topology: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopped during the start; what it had started is stopped and its database dropped.", flush=True)
        return 130
    stopping = []

    def stop(*_args) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    figures = ", ".join(f"{k} {v:.1f} s" for k, v in topology.seconds.items() if k != "start")
    print(f"Up in {topology.seconds['start']:.1f} s ({figures}).")
    print(f"  The site:  {topology.url}/  (trust {topology.certificates['ca']}, e.g. curl --cacert)")
    for node in topology.nodes.values():
        print(f"  {node.name}:     {node.url} (pid {node.pid}, log {node.log})")
    if topology.replica_url:
        print(f"  primary:   {topology.primary_url}\n  replica:   {topology.replica_url}")
    print(f"  Logs, config, state: {topology.directory}")
    print(f"Stop with Ctrl-C or: {sys.executable} bin/topology.py down --dir {topology.directory}", flush=True)
    while not stopping and (topology.directory / STATE).exists():
        time.sleep(0.2)
        children_reap()
    print("Stopping …", flush=True)
    # `restart` from another shell may have replaced a node: its pids are in the state file.
    try:
        current = Topology.from_state(topology.directory)
        topology.pids = current.pids
    except TopologyError:
        pass
    topology.stop()
    print("Stopped.")
    return 0


def _interrupt(_signal: int, _frame) -> None:
    """Stop the start: the rest of it is skipped, and a second signal does not cut its clean-up short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def ports_parse(text: str) -> tuple[int, ...]:
    """--ports PROXY[,NODE1[,NODE2]]: each a port number, 0 (or left out) for a free one."""
    try:
        ports = tuple(int(part) if part.strip() else 0 for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: port numbers separated by commas, e.g. 8443,8001,8002") from None
    if len(ports) > 1 + len(NODES) or any(not 0 <= port < 65536 for port in ports):
        raise argparse.ArgumentTypeError(f"{text!r}: the proxy's port and at most {len(NODES)} nodes' ports, 0-65535")
    return ports


def command_down(args: argparse.Namespace) -> int:
    topology = Topology.from_state(args.dir)
    if topology.up_pid != os.getpid() and _alive(topology.up_pid):
        os.kill(topology.up_pid, signal.SIGTERM)  # `up` stops what it started
        deadline = time.monotonic() + 90
        while _alive(topology.up_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    if (Path(args.dir) / STATE).exists():  # `up` is gone: stop what is left by its pids
        topology.stop()
    print("Stopped.")
    return 0


def command_status(args: argparse.Namespace) -> int:
    topology = Topology.from_state(args.dir)
    print(f"The site: {topology.url}/ ({_get(topology.url + '/health/', ca=topology.certificates['ca'])})")
    for name, pid in topology.pids.items():
        extra = ""
        if name in NODES:
            node = topology.nodes[name]
            extra = f" port {node.port}, /health/ {(topology._node_healthy(node) and 'ok') or 'failing'}"
        print(f"  {name:<7} pid {pid:<8} {'running' if _alive(pid) else 'GONE'}{extra}")
    return 0


def command_restart(args: argparse.Namespace) -> int:
    topology = Topology.from_state(args.dir)
    seconds = topology.restart(args.node)
    print(f"{args.node} restarted in {seconds:.1f} s (pid {topology.nodes[args.node].pid}).")
    return 0


def command_reload(args: argparse.Namespace) -> int:
    topology = Topology.from_state(args.dir)
    topology.reload(args.node)
    print(f"{args.node} (pid {topology.nodes[args.node].pid}) reloads its workers.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start everything and stay in the foreground")
    up.add_argument("--dir", type=Path, default=None, help="where config, logs and state go (a new temporary one)")
    up.add_argument("--port", type=int, default=0, help="the proxy's port (a free one); --ports names the nodes' too")
    up.add_argument(
        "--ports",
        type=ports_parse,
        default=(),
        metavar="PROXY,NODE1,NODE2",
        help="the proxy's and the nodes' ports, 0 for a free one (e.g. 8443,8001,8002)",
    )
    up.add_argument("--database-url", default=None, help="a migrated database (a new one, made and migrated)")
    up.add_argument("--redis-url", default=None, help="default: $REDIS_URL, else redis://127.0.0.1:6379/7")
    up.add_argument("--no-workers", action="store_true", help="no Celery worker and beat")
    up.add_argument(
        "--pooler", action="store_true", help="PgBouncer (transaction mode) between the site's processes and PostgreSQL"
    )
    up.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="with --pooler: PgBouncer's server connections per database and user (default_pool_size; default 10)",
    )
    up.add_argument("--pooler-port", type=int, default=0, help="with --pooler: PgBouncer's port (a free one)")
    up.add_argument(
        "--replica",
        action="store_true",
        help="a PostgreSQL primary and streaming replica of its own; DATABASE_REPLICA_URL names the replica",
    )
    up.set_defaults(run=command_up)
    for name, run, text in (("down", command_down, "stop everything"), ("status", command_status, "what runs")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--dir", type=Path, required=True)
        sub.set_defaults(run=run)
    for name, run, text in (
        ("restart", command_restart, "a rolling restart of one node"),
        ("reload", command_reload, "gunicorn's graceful reload (HUP) of one node"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("node", choices=NODES)
        sub.add_argument("--dir", type=Path, required=True)
        sub.set_defaults(run=run)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except TopologyError as error:
        print(f"topology: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
