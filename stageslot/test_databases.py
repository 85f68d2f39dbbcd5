"""One migrated test database per test run, copied for each test process (docs/decisions/0066-ci-within-budget.md).

Under pytest-xdist each test process needs a test database of its own. Built by running every migration (the
gazetteer's 34,000 cities included), each costs about 15 s of CPU on a quiet machine and three times that beside
the other CI stage. Here the first process to get to it builds its database that way and keeps a copy, the run's
template; every other process copies the template (PostgreSQL: `CREATE DATABASE … TEMPLATE`; SQLite: the backup
API), and Django's own set-up then finds it migrated. A lock file makes the others wait for the template.

Where CI has migrated one database for the run already (STAGESLOT_TEST_TEMPLATE_DB, .ci/run), that is the template,
and no test process migrates.

Loaded by the root conftest.py as a plugin; it replaces pytest-django's `django_db_setup`. Without pytest-xdist,
with `--reuse-db` or `--no-migrations`, pytest-django's own way runs.

It also empties the database after a transactional test (a race, a live server for the browser) the quick way
(`empty_after_transactional_test`, docs/decisions/0079-suite-under-fifteen.md): Django's flush truncates every
table (on PostgreSQL a new file for each of some 300 tables and indexes, about 3 s of a busy machine's time per
test) and then writes the content types and permissions again; here only the tables that hold rows are emptied,
and the content types and permissions, which only migrations write, are kept (written again only where a test
changed them). The database ends as Django's
flush leaves it.
"""

import contextlib
import fcntl
import gc
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

# A PostgreSQL database already migrated, to copy instead of migrating (CI migrates one for its PostgreSQL stage and
# the run through the pooler, .ci/run). Where it is unset or missing, the first test process migrates as above.
TEMPLATE_ENV = "STAGESLOT_TEST_TEMPLATE_DB"

# Written by migrations alone and read again by post_migrate: kept through the emptying (see the docstring).
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


class TriggersStayOn(Exception):
    """PostgreSQL refused to turn triggers off for this session (a user that is not its superuser)."""


@contextlib.contextmanager
def triggers_off(connection, cursor):
    """The tables' triggers off inside the caller's transaction, on again after: for rows copied in whose trigger
    rows are copied too, and for tables emptied whose trigger rows are emptied too. On PostgreSQL the session
    replicates (`session_replication_role`, the superuser's alone: else TriggersStayOn); on SQLite the triggers
    are dropped and made again inside the transaction."""
    from django.db import transaction

    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception as exc:  # not the database's superuser
            raise TriggersStayOn from exc
        yield
        cursor.execute("SET LOCAL session_replication_role = origin")
        return
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    triggers = cursor.fetchall()
    for name, _sql in triggers:
        cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    yield
    for _name, sql in triggers:
        cursor.execute(sql)


def tables_with_rows(connection) -> list[str]:
    """The tables of the project's models (Django's flush list) that hold at least one row, in one query."""
    quote = connection.ops.quote_name
    tables = [
        name
        for name in connection.introspection.django_table_names(only_existing=True, include_views=False)
        if name not in KEPT_TABLES
    ]
    if not tables:
        return []
    with connection.cursor() as cursor:
        # Each table's name is a literal chosen by us (Django's list), not input.
        cursor.execute(
            " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in tables)  # noqa: S608
        )
        return [row[0] for row in cursor.fetchall()]


def _empty(connection, cursor, emptied: set[str]) -> None:
    quote = connection.ops.quote_name
    for _round in range(5):
        tables = tables_with_rows(connection)
        if not tables:
            return
        emptied.update(tables)
        for name in tables:
            cursor.execute(f"DELETE FROM {quote(name)}")  # noqa: S608
    raise RuntimeError(f"tables still hold rows after emptying: {tables}")


def empty_database(connection) -> None:
    """Delete every row of every table that holds one, but the content types' and permissions'. Foreign keys are
    checked at the commit (Django makes them deferrable), so the order does not matter; a row a trigger writes
    while its table is emptied is deleted in the next round. On PostgreSQL the emptied tables are vacuumed, so
    their pages are as few as after a TRUNCATE."""
    from django.db import transaction

    quote = connection.ops.quote_name
    emptied: set[str] = set()
    try:
        # Every table is emptied, the rows triggers write included: with the triggers off, a row deleted does not
        # run its trigger (the busy time's copy into the bands' runs a query a row: minutes for the demo world).
        with (
            transaction.atomic(using=connection.alias),
            connection.cursor() as cursor,
            triggers_off(connection, cursor),
        ):
            _empty(connection, cursor, emptied)
    except TriggersStayOn:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            _empty(connection, cursor, emptied)
    if emptied and connection.vendor == "postgresql":
        # The deleted rows' pages would still count in the planner's costs (a test reading a plan would see
        # another plan than after Django's TRUNCATE): VACUUM gives them back, a few milliseconds a table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM " + ", ".join(quote(name) for name in sorted(emptied)))


def empty_after_transactional_test(self) -> None:
    """TransactionTestCase._fixture_teardown, emptying only what holds rows (see the module docstring). A test
    that flushes only some apps or restores serialized data takes Django's own way."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections

    if self.available_apps is not None or self.serialized_rollback:
        return _django_fixture_teardown(self)
    for db_name in self._databases_names(include_mirrors=False):
        connection = connections[db_name]
        empty_database(connection)
        # What Django's flush does next, content types and permissions made anew where missing, is needed only
        # where a test changed them (post_migrate reads every app's: about a second of a busy machine).
        marks = kept_marks(connection)
        if _kept_as_migrated.setdefault(db_name, marks) != marks:
            emit_post_migrate_signal(verbosity=0, interactive=False, db=db_name)
            _kept_as_migrated[db_name] = kept_marks(connection)
    return None


# The kept tables' marks as the first emptying of each database found them (as its migrations left them).
_kept_as_migrated: dict[str, tuple] = {}


def kept_marks(connection) -> tuple:
    """Count and highest id of the content types and of the permissions: what tells whether a test changed them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM django_content_type), (SELECT max(id) FROM django_content_type),"
            " (SELECT count(*) FROM auth_permission), (SELECT max(id) FROM auth_permission)"
        )
        return tuple(cursor.fetchone())


_django_fixture_teardown = None


def pytest_configure(config: pytest.Config) -> None:
    """The main process names the run, so that it knows the template's name too and removes it at the end."""
    global _django_fixture_teardown
    from django.test import TransactionTestCase

    if _django_fixture_teardown is None:
        _django_fixture_teardown = TransactionTestCase._fixture_teardown
        TransactionTestCase._fixture_teardown = empty_after_transactional_test
    main = not hasattr(config, "workerinput") and config.pluginmanager.hasplugin("xdist")
    if main and config.getoption("numprocesses", None) and not config.getoption("testrunuid", None):
        config.option.testrunuid = uuid.uuid4().hex


def _run_id(config: pytest.Config) -> str | None:
    if hasattr(config, "workerinput"):
        return config.workerinput.get("testrunuid")
    return config.getoption("testrunuid", None)


def _template(connection, run: str) -> str:
    """The template's name: a database (on PostgreSQL, named like the run's test databases, which CI drops at
    its end) or a file beside the test database (SQLite)."""
    if connection.vendor == "postgresql":
        return f"test_{connection.settings_dict['NAME']}_template_{run[:8]}"
    return str(Path(tempfile.gettempdir()) / f"stageslot-test-template-{run}.sqlite3")


@contextlib.contextmanager
def _locked(run: str) -> Iterator[None]:
    path = Path(tempfile.gettempdir()) / f"stageslot-test-databases-{run}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exists(connection, template: str) -> bool:
    if connection.vendor == "postgresql":
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            return cursor.fetchone() is not None
    return Path(template).exists()


def _copy(connection, source: str, target: str) -> None:
    """A whole copy of the database `source` as `target` (which must not be in use)."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")
        return
    partial = Path(f"{target}.{os.getpid()}.partial")
    for leftover in (Path(target), Path(f"{target}-wal"), Path(f"{target}-shm"), partial):
        leftover.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(source)) as read, contextlib.closing(sqlite3.connect(partial)) as write:
        read.backup(write)
    partial.rename(target)  # whole or not at all


def _drop(connection, template: str) -> None:
    if connection.vendor == "postgresql":
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(template)}")
    else:
        for end in ("", "-wal", "-shm"):
            Path(template + end).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's set-up of the test databases, from the run's template where there is one."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    run = _run_id(request.config)
    shared = run is not None and not keepdb and django_db_use_migrations and aliases == {"default"}

    def set_up(**extra):
        return setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            **extra,
        )

    # Migrating renders every model's state again and again: hundreds of thousands of objects, and with them full
    # collections of the garbage collector, each walking the whole loaded project and the collected tests too.
    # Those live as long as the process: out of the collector's way first (as deploy/gunicorn.conf.py's pre_fork
    # does for a worker), a build takes about a fifth less CPU, and every later full collection walks less.
    gc.collect()
    gc.freeze()
    with django_db_blocker.unblock():
        if not shared:
            db_cfg = set_up(keepdb=keepdb)
        else:
            connection = connections["default"]
            template = _template(connection, run)
            given = os.environ.get(TEMPLATE_ENV, "")
            if connection.vendor == "postgresql" and given and _exists(connection, given):
                template = given  # migrated once for the whole CI run (.ci/run)
            test_name = connection.creation._get_test_db_name()
            with _locked(run):
                if _exists(connection, template):
                    _copy(connection, template, test_name)
                    db_cfg = set_up(keepdb=True)  # finds it migrated: nothing left to do
                else:
                    db_cfg = set_up()
                    connections.close_all()  # PostgreSQL copies a database nobody is connected to
                    _copy(connection, test_name, template)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            # Both ways the test database is this process's own: dropped at the end.
            _end_other_sessions(connections["default"])
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


def _end_other_sessions(connection) -> None:
    """On PostgreSQL, end every other session still connected to this process's test database before it is
    dropped, and say whose they were: a connection a thread of the run left open (a server thread, a racer)
    made the DROP fail with "is being accessed by other users" after every test had passed. Nothing of the run
    needs that database any more."""
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT application_name, state, left(query, 120), pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        for application, state, query, _ in cursor.fetchall():
            print(
                f"\nA session was still connected to {name} at the end ({application or 'no name'}, {state}): {query}"
            )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The main process removes the run's template and lock file once every test process has ended."""
    config = session.config
    run = _run_id(config)
    if hasattr(config, "workerinput") or run is None:
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    # Never fail a run on cleaning up: CI drops its databases anyway.
    with contextlib.suppress(Exception), config.stash[blocking_manager_key].unblock():
        _drop(connections["default"], _template(connections["default"], run))
    (Path(tempfile.gettempdir()) / f"stageslot-test-databases-{run}.lock").unlink(missing_ok=True)
    # The demo world's snapshots of the run (stageslot/tests/demo_once.py names them so).
    for path in Path(tempfile.gettempdir()).glob(f"stageslot-demo-{run}-*"):
        path.unlink(missing_ok=True)
