"""Run the PostgreSQL stage of the suite (or the tests named) through PgBouncer in transaction mode.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stageslot REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bin/suite_through_pooler.py [pytest arguments …]

Debian's PgBouncer is started in front of DATABASE_URL's server (core.local_servers.pgbouncer_start, as
bin/topology.py --pooler starts it), and pytest runs in one process (`-n 0`: pytest-django makes its test
database by migrating through the pooler, where copying a template would meet the pooler's idle server
connections to it) with DATABASE_URL pointing at the pooler and DATABASE_TRANSACTION_POOLER=true, as a site
behind one runs (docs/decisions/0100). Without a test named: the races, money, jobs and erasure modules below,
every test of them whichever CI stage it belongs to but a race's controls (marker guard_removed), which take our
own lock away to show the race is real. Where STAGESLOT_TEST_TEMPLATE_DB names a migrated database (CI migrates
one for the run), the test database is copied from it at the server first; else it is made through the pooler.
It is kept (`--reuse-db`): dropping it there is refused while PgBouncer holds idle server connections to it,
which made a run whose tests all passed exit 1. It is dropped straight at the server once the pooler has stopped.
Prints the pooler's port, then pytest's own report; exits with pytest's code. CI runs it beside its stages (.ci/run).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import local_servers  # noqa: E402

# What a pooler breaks first (docs/decisions/0100): races and locks, money, jobs that iterate, erasure.
DEFAULT_TESTS = [
    "bookings/tests/test_concurrency.py",
    "bookings/tests/test_member_race.py",
    "bookings/tests/test_big_band_race.py",
    "bookings/tests/test_instant_concurrency.py",
    "bookings/tests/test_shows_concurrency.py",
    "gigs/tests/test_stand_in_race.py",
    "documents/tests/test_invoices_race.py",
    "documents/tests/test_contracts_concurrency.py",
    "reviews/tests/test_concurrency.py",
    "payments/tests/test_money_machine.py",
    "stageslot/tests/test_erasure_others.py",
    "stageslot/tests/test_erasure_ledger.py",
    "stageslot/tests/test_erasure_refs.py",
    "stageslot/tests/test_erasure_scan.py",
]


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL server (postgres://user@host:port/name)", file=sys.stderr)
        return 2
    parts = urlsplit(url)
    folder = Path(tempfile.mkdtemp(prefix="stageslot-pooler-"))
    process, port = local_servers.pgbouncer_start(
        folder,
        server_host=parts.hostname or "127.0.0.1",
        server_port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
    )
    code = 1
    try:
        auth = parts.username or "postgres"
        if parts.password:
            auth += f":{parts.password}"
        pooled = urlunsplit((parts.scheme, f"{auth}@{local_servers.HOST}:{port}", parts.path, parts.query, ""))
        print(f"PgBouncer (transaction mode) on {local_servers.HOST}:{port} in front of {parts.hostname}:{parts.port}")
        env = {**os.environ, "DATABASE_URL": pooled, "DATABASE_TRANSACTION_POOLER": "true"}
        command = [sys.executable, "-m", "pytest", "-n", "0", "--reuse-db", "-p", "no:randomly"]
        named = [arg for arg in argv if not arg.startswith("-") and Path(ROOT, arg.split("::")[0]).exists()]
        # A race's control takes our own lock or check away to show that the race is real: what it shows is the
        # same on any connection, and the PostgreSQL stage runs it (about 30 s of the job's 95 on a quiet machine).
        command += argv + ([] if named else ["-m", "not guard_removed", *DEFAULT_TESTS])
        template = os.environ.get("STAGESLOT_TEST_TEMPLATE_DB", "")
        if template and "--create-db" not in argv:
            test_database_copy(url, template)
        code = subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603
    finally:
        local_servers.child_stop(process, wait=10)
        test_database_drop(url)
    return code


def test_database_copy(url: str, template: str) -> None:
    """Make the run's test database a copy of `template`, a database CI migrated once for the run, straight at the
    server before PgBouncer holds a connection to either: pytest (`--reuse-db`) then finds it migrated, where it
    would otherwise migrate through the pooler, about 15 s of CPU on a quiet machine."""
    import psycopg

    name = "test_" + urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    identifier = psycopg.sql.Identifier
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if exists is None:
            print(f"No database {template} to copy: pytest migrates the test database through the pooler")
            return
        connection.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(identifier(name)))
        connection.execute(
            psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(identifier(name), identifier(template))
        )


def test_database_drop(url: str) -> None:
    """Drop the run's test database (pytest-django's "test_" + the name) straight at the server."""
    import psycopg

    name = "test_" + urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(psycopg.sql.Identifier(name)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
