"""Through PgBouncer in transaction mode (Debian's, 1.18), in front of the test database: with
DATABASE_TRANSACTION_POOLER's settings (stageslot.settings.base.behind_transaction_pooler) a booking race, an
`.iterator()` and a query run again and again work; without them a server-side cursor (`.iterator()` outside
a transaction) and the `options` startup parameter break. Django binds parameters in the client unless told
otherwise, and psycopg prepares no statement for such a cursor, so repeated queries work either way; the
setting also keeps it so (no server-side binding, prepare_threshold None). And the project's code takes no
session-level advisory lock and sets nothing for a session (a connection is one transaction's only).

A connection is handed to another client between transactions; PgBouncer gives out the server connection
released last, so a second client holding one in a transaction sends the first to another server connection,
where its cursor does not exist."""

import contextlib
import gc
import re
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from django.db import connection, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory
from core import local_servers
from stageslot.settings.base import behind_transaction_pooler

ROOT = Path(__file__).resolve().parents[2]

# ---- What the code asks of a connection: discovered in every Python file of the project --------------------

SESSION_STATE = re.compile(
    r"pg_(try_)?advisory_lock|pg_advisory_unlock|set_config\([^)]*false|"
    r"\bSET\s+(SESSION\s+)?(?!LOCAL\b)[a-z_.]+\s*(=|TO\b)|\bLISTEN\s|\bWITH HOLD\b|\bPREPARE\s+\w|\bDISCARD\s"
)


def test_the_code_takes_no_session_lock_and_sets_nothing_for_a_session():
    from django.apps import apps

    folders = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)}
    files = [
        path
        for folder in folders | {ROOT / "stageslot", ROOT / "bin"}
        for path in sorted(folder.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]
    assert len(files) > 100, "the project's files were not found"
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SESSION_STATE.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == [], "a transaction pooler hands the connection on after each transaction"


# ---- Through PgBouncer ------------------------------------------------------------------------------------


@pytest.fixture
def pooler():
    """PgBouncer in transaction mode on a free port, in front of the test database's server (as bin/topology.py
    --pooler runs it: core.local_servers.pgbouncer_start); its port."""
    if not Path(local_servers.PGBOUNCER).exists():
        pytest.skip(f"needs PgBouncer ({local_servers.PGBOUNCER}): apt-get install pgbouncer")
    db = connection.settings_dict
    # Readable by the user it runs as (it will not run as root): a folder of its own outside pytest's.
    folder = Path(tempfile.mkdtemp(prefix="stageslot-pgbouncer-"))
    process, port = local_servers.pgbouncer_start(
        folder,
        server_host=db["HOST"] or "127.0.0.1",
        server_port=int(db["PORT"] or 5432),
        user=db["USER"] or "postgres",
        pool_size=4,
    )
    try:
        yield port
    finally:
        local_servers.child_stop(process, wait=10)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def through(port: int, *, safe: bool, server_side_binding: bool = False):
    """Every connection of this test (this thread's and any other's) through the pooler; `safe`: with the
    setting's database settings, else Django's and psycopg's defaults (without the jit startup option, which
    PgBouncer refuses outright, so that what else breaks shows)."""
    db = connection.settings_dict
    kept = dict(db)
    connection.close()
    changed = {**db, "HOST": "127.0.0.1", "PORT": str(port)}
    changed["OPTIONS"] = {k: v for k, v in db.get("OPTIONS", {}).items() if k != "options"}
    changed.pop("DISABLE_SERVER_SIDE_CURSORS", None)
    if server_side_binding:
        changed["OPTIONS"]["server_side_binding"] = True
    if safe:
        changed = behind_transaction_pooler(changed)
    db.clear()
    db.update(changed)
    db.setdefault("DISABLE_SERVER_SIDE_CURSORS", False)
    try:
        yield
    finally:
        connection.close()
        db.clear()
        db.update(kept)


@contextlib.contextmanager
def another_client_in_a_transaction():
    """A second client holding a server connection in an open transaction (the one released last)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                User.objects.exists()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(timeout=15)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=15)


def _iterate_while_another_client_holds(ids: list[int]) -> list[int]:
    """An `.iterator()` outside a transaction (as the jobs run it), a second client taking the server
    connection after its first chunk."""
    seen = []
    rows = User.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2)
    try:
        seen.append(next(rows))
        with another_client_in_a_transaction():
            seen.extend(rows)
    finally:
        # A cursor the server lost cannot be closed either: the connection goes, with it.
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            rows.close()
            del rows
            gc.collect()
        if connection.connection is not None and connection.connection.info.transaction_status != 0:
            connection.close()
    return seen


def _repeat_while_another_client_holds(times: int = 10) -> int:
    """One query run `times` times (psycopg prepares it on the server at its fifth), a second client
    taking the server connection before the last run."""
    found = 0
    for n in range(times):
        if n == times - 1:
            with another_client_in_a_transaction():
                found += User.objects.filter(pk__gt=0).count() > 0
        else:
            found += User.objects.filter(pk__gt=0).count() > 0
    return found


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_setting_server_side_cursors_and_startup_options_break(pooler):
    ids = sorted(u.pk for u in UserFactory.create_batch(6))
    # The site's own jit=off startup option: PgBouncer refuses the connection.
    with through(pooler, safe=False):
        connection.settings_dict["OPTIONS"]["options"] = "-c jit=off"
        with pytest.raises(Exception, match="unsupported startup parameter"):
            connection.ensure_connection()
    with through(pooler, safe=False), warnings.catch_warnings():
        # The lost cursor lives on in the error's traceback: collected here, where its ResourceWarning is
        # expected, not in whichever test the collector happens to run next.
        warnings.simplefilter("ignore", ResourceWarning)
        with pytest.raises(Exception, match=r"cursor .* does not exist") as lost:
            _iterate_while_another_client_holds(ids)
        del lost
        gc.collect()
    # Django binds parameters in the client by default, and psycopg prepares nothing for such a cursor.
    with through(pooler, safe=False):
        assert _repeat_while_another_client_holds() == 10
    assert sorted(User.objects.values_list("pk", flat=True)) == ids


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_setting_iterators_and_repeated_queries_work_through_the_pooler(pooler):
    ids = sorted(u.pk for u in UserFactory.create_batch(6))
    with through(pooler, safe=True, server_side_binding=True):  # which the setting turns off
        assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert _iterate_while_another_client_holds(ids) == ids
        assert _repeat_while_another_client_holds() == 10


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_the_setting_a_member_shared_by_two_bands_is_booked_once_through_the_pooler(pooler, monkeypatch):
    from bookings.tests import test_member_race as races

    members_check = races.checks.gig_fit

    def members_then_wait(*args, **kwargs):
        fit = members_check(*args, **kwargs)
        time.sleep(races.GAP)
        return fit

    monkeypatch.setattr(races.checks, "gig_fit", members_then_wait)
    with through(pooler, safe=True):
        for n in range(races.ROUNDS):
            races._accepts_round(n)


def test_check_deploy_warns_when_the_pooler_setting_is_on_but_a_connection_keeps_state(monkeypatch):
    from stageslot import checks

    def transaction_pooler_safe():
        return checks.transaction_pooler_safe()

    databases: dict = {}
    monkeypatch.setattr(checks, "settings", type("Settings", (), {"DATABASES": databases}))

    plain = {"ENGINE": "django.db.backends.postgresql", "NAME": "site", "OPTIONS": {"options": "-c jit=off"}}
    checks.settings.DATABASE_TRANSACTION_POOLER = False
    databases["default"] = plain
    assert transaction_pooler_safe() == []
    checks.settings.DATABASE_TRANSACTION_POOLER = True
    warned = transaction_pooler_safe()
    assert [w.id for w in warned] == ["stageslot.W002"] * 3, warned
    assert "server-side cursors" in warned[0].msg and "prepares" in warned[1].msg and "startup" in warned[2].msg
    databases["default"] = behind_transaction_pooler(plain)
    assert transaction_pooler_safe() == []
    assert "options" not in databases["default"]["OPTIONS"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pooler_repointed_by_reload_reaches_the_new_server_at_once(tmp_path):
    """The failover drill through PgBouncer (docs/backups.md): the server it points at is gone, so its logins
    fail; the operator repoints [databases] at the promoted server and RELOADs it through its admin console.
    A client then gets its answer at once: with PgBouncer's default server_login_retry (15 s) it would wait that
    long after the failed login before PgBouncer tried again, longer than the client's patience here."""
    import psycopg

    if not Path(local_servers.PGBOUNCER).exists():
        pytest.skip(f"needs PgBouncer ({local_servers.PGBOUNCER}): apt-get install pgbouncer")
    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432), db["USER"] or "postgres"
    folder = Path(tempfile.mkdtemp(prefix="stageslot-pgbouncer-"))
    gone = local_servers.free_port()  # the primary that died: nothing listens there
    process, bouncer = local_servers.pgbouncer_start(folder, server_host=host, server_port=gone, user=user)
    try:
        config = (folder / "pgbouncer.ini").read_text()
        assert "server_login_retry = 1" in config and f"admin_users = {user}" in config
        dsn = f"host=127.0.0.1 port={bouncer} user={user} dbname={db['NAME']} connect_timeout=5"
        with pytest.raises(psycopg.OperationalError):  # the login to the dead server fails
            psycopg.connect(dsn, autocommit=True, prepare_threshold=None).execute("SELECT 1")
        (folder / "pgbouncer.ini").write_text(config.replace(f"port={gone}", f"port={port}"))
        with psycopg.connect(f"host=127.0.0.1 port={bouncer} user={user} dbname=pgbouncer", autocommit=True) as admin:
            admin.execute("RELOAD")
        answer: list = []

        def ask() -> None:
            with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as client:
                answer.append(client.execute("SELECT 1").fetchone()[0])

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(timeout=8)  # within PgBouncer's default retry of 15 s, well past the 1 s set
        assert answer == [1], "the repointed pooler did not reach the new server before its retry wait"
    finally:
        local_servers.child_stop(process, wait=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_check_deploy_refuses_a_pooler_that_the_settings_do_not_name(pooler):
    """`check --deploy` finds PgBouncer behind DATABASE_URL (its console answers at the same address) and refuses
    to go on without DATABASE_TRANSACTION_POOLER; PostgreSQL itself is not mistaken for one."""
    from stageslot.checks import pooler_in_front, pooler_refusals, transaction_pooler_named

    db = connection.settings_dict
    assert pooler_in_front(db) is None  # the test database's own server
    # PostgreSQL refusing a role it does not know is PostgreSQL still, not a pooler (CI's deploy check names one).
    assert pooler_in_front({**db, "USER": "no_such_role_of_stageslot"}) is None
    through_pooler = {**db, "HOST": "127.0.0.1", "PORT": str(pooler)}
    assert (pooler_in_front(through_pooler) or "").startswith("PgBouncer")
    # A user its console refuses is refused in PgBouncer's own words: still found.
    assert pooler_in_front({**through_pooler, "USER": "no_such_role_of_stageslot"}) == "PgBouncer"
    [error] = pooler_refusals({"default": through_pooler}, pooler_named=False)
    assert error.id == "stageslot.E002" and "DATABASE_TRANSACTION_POOLER" in error.msg
    assert pooler_refusals({"default": through_pooler}, pooler_named=True) == []
    assert transaction_pooler_named() == []  # the suite's own database: PostgreSQL itself


def test_the_pooler_takes_the_port_and_pool_size_it_is_given(tmp_path):
    """bin/topology.py --pooler-port and --pool-size reach PgBouncer's config; a taken port or a pool of 0 is
    refused in words before anything starts (issue 85)."""
    if not Path(local_servers.PGBOUNCER).exists():
        pytest.skip(f"needs PgBouncer ({local_servers.PGBOUNCER}): apt-get install pgbouncer")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(local_servers.SideServerError, match="is taken"):
            local_servers.pgbouncer_start(
                tmp_path / "a", server_host="127.0.0.1", server_port=5432, user="u", port=taken.getsockname()[1]
            )
    with pytest.raises(local_servers.SideServerError, match="choose 1 to 1000"):
        local_servers.pgbouncer_start(tmp_path / "b", server_host="127.0.0.1", server_port=5432, user="u", pool_size=0)
    assert not (tmp_path / "a" / "pgbouncer.ini").exists() and not (tmp_path / "b" / "pgbouncer.ini").exists()
    folder = Path(tempfile.mkdtemp(prefix="stageslot-pgbouncer-"))
    chosen = local_servers.free_port()
    process, port = local_servers.pgbouncer_start(
        folder, server_host="127.0.0.1", server_port=5432, user="postgres", pool_size=3, port=chosen
    )
    try:
        config = (folder / "pgbouncer.ini").read_text()
        assert port == chosen and f"listen_port = {chosen}" in config and "default_pool_size = 3" in config
    finally:
        local_servers.child_stop(process, wait=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_topology_passes_its_pool_size_and_port_on():
    """`bin/topology.py up --pooler --pool-size 7 --pooler-port 6543` makes a Topology that starts PgBouncer so."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("topology_cli", ROOT / "bin" / "topology.py")
    topology = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(topology)
    made = []

    class Recorded(topology.Topology):
        def __init__(self, *args, **kwargs) -> None:
            made.append(kwargs)
            raise SystemExit(0)  # started nothing

    topology.Topology = Recorded
    with pytest.raises(SystemExit):
        topology.main(["up", "--pooler", "--pool-size", "7", "--pooler-port", "6543"])
    assert (made[0]["pooler"], made[0]["pool_size"], made[0]["pooler_port"]) == (True, 7, 6543)
