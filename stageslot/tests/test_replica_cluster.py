"""A real streaming replica (docs/decisions/0106-reads-from-a-replica.md, docs/backups.md "The drill").

Two PostgreSQL clusters of this test's own on this machine, made with Debian's server binaries: a primary
(`initdb`, the test database copied in with pg_dump) and its replica (`pg_basebackup -R`). The site then reads
as it would with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the replica: a write on the primary
shows on the replica; a public page reads from the replica; a person who just wrote reads the primary while the
replica is behind; past the lag bound everyone does, also when the replica's stream went silent and it believes
itself caught up. Then the failover drill: with the replica synchronous, a
writer writes while the primary is killed (a crash, `pg_ctl stop -m immediate`), the replica is promoted, the
site is pointed at it by configuration, and every write the primary acknowledged is there.
"""

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import DatabaseError, InterfaceError, connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.replicas import reads_on_replica, replica_alias
from bands.models import Band
from bands.tests.factories import BandFactory
from core import local_servers
from core.db import replica as replicas

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clusters():
    """(primary, replica): the primary holds a copy of the test database, the replica streams from it
    (core.local_servers: what bin/topology.py --replica runs too)."""
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL")
    if local_servers.postgres_bin_dir() is None:
        pytest.skip("needs PostgreSQL's server binaries in /usr/lib/postgresql/<version>/bin")
    folder = local_servers.postgres_folder(Path(tempfile.mkdtemp(prefix="stageslot-replica-")))
    # Durable, as production runs them (fsync on): the drill's "0 lost" holds for a server that flushes its commits.
    primary, replica = local_servers.primary_and_replica(folder, durable=True)
    db = connection.settings_dict
    source = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    try:
        local_servers.primary_and_replica_start(primary, replica, copy_of=source, database=db["NAME"])
        yield primary, replica
    finally:
        replica.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def site_on(primary: local_servers.PostgresCluster, replica: local_servers.PostgresCluster):
    """The site's DATABASE_URL on `primary` and DATABASE_REPLICA_URL on `replica` for the block; each commit
    waits as production's do (the test settings' synchronous_commit=off left out)."""
    db = connection.settings_dict
    kept = dict(db)
    connection.close()
    db.update(HOST="127.0.0.1", PORT=str(primary.port), OPTIONS={**db.get("OPTIONS", {}), "options": "-c jit=off"})
    try:
        with replica_alias(HOST="127.0.0.1", PORT=str(replica.port)) as alias:
            yield alias
    finally:
        connection.close()
        db.clear()
        db.update(kept)


def _until(what, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.02)
    return False


def test_a_replica_serves_public_pages_the_person_who_wrote_reads_the_primary_and_failover_loses_nothing(
    clusters, settings
):
    primary, replica = clusters
    figures = {}
    with site_on(primary, replica):
        # A write on the primary shows on the replica.
        band = BandFactory(name="The Replicas")
        assert _until(lambda: Band.objects.using(replicas.REPLICA).filter(pk=band.pk).exists(), 10)
        assert _until(lambda: replicas.replica_lag(fresh=True) == 0.0, 5)

        # A public page reads from the replica.
        url = reverse("bands:detail", args=[band.slug])
        with reads_on_replica() as tables:
            page = Client().get(url)
        assert page.status_code == 200 and "The Replicas" in page.content.decode()
        assert "bands_band" in tables, tables

        # Read-your-writes: with the replica's replay held, a fan follows the band (the pin) and the band is
        # renamed; a visitor still sees the old name from the replica, the fan the new one from the primary.
        fan = Client()
        fan.force_login(UserFactory())
        replica.psql("SELECT pg_wal_replay_pause()")
        assert _until(lambda: replica.psql("SELECT pg_get_wal_replay_pause_state()") == "paused", 5)
        settings.DATABASE_REPLICA_MAX_LAG = 60.0
        assert fan.post(reverse("fans:follow", args=["band", band.pk])).status_code == 302
        Band.objects.filter(pk=band.pk).update(name="The Primaries")
        replicas.replica_lag_forget()
        assert "The Replicas" in Client().get(url).content.decode()
        assert "The Primaries" in fan.get(url).content.decode()
        # Past the lag bound everyone reads the primary.
        assert _until(lambda: (replicas.replica_lag(fresh=True) or 0) > 0.2, 5)
        settings.DATABASE_REPLICA_MAX_LAG = 0.2
        replicas.replica_lag_forget()
        with reads_on_replica() as tables:
            assert "The Primaries" in Client().get(url).content.decode()
        assert "bands_band" not in tables
        replica.psql("SELECT pg_wal_replay_resume()")
        settings.DATABASE_REPLICA_MAX_LAG = 5.0
        assert _until(lambda: replicas.replica_lag(fresh=True) == 0.0, 10)

        # A silent stream: the primary's walsender stops (as a cut network leaves it), the replica still believes
        # it replayed all it received. Held against the primary's position it is behind from the next write on,
        # and past the bound everyone reads the primary; when the stream speaks again the lag is 0 once more.
        walsender = int(primary.psql("SELECT pid FROM pg_stat_replication"))
        os.kill(walsender, signal.SIGSTOP)
        try:
            Band.objects.filter(pk=band.pk).update(name="The Silent Stream")
            silent = []
            assert _until(lambda: silent.append(replicas.replica_lag(fresh=True)) or (silent[-1] or 0) > 0.3, 5), silent
            assert replica.psql("SELECT count(*) FROM pg_stat_wal_receiver") == "1"  # the receiver still listens
            settings.DATABASE_REPLICA_MAX_LAG = 0.3
            replicas.replica_lag_forget()
            with reads_on_replica() as tables:
                assert "The Silent Stream" in Client().get(url).content.decode()
            assert "bands_band" not in tables
            figures["silent_stream_lag_s"] = round(silent[-1], 2)
        finally:
            os.kill(walsender, signal.SIGCONT)
        settings.DATABASE_REPLICA_MAX_LAG = 5.0
        assert _until(lambda: replicas.replica_lag(fresh=True) == 0.0, 10)

        # The lag under a writer's load (asynchronous replication, as the topology runs it).
        figures["lag"] = _lag_under_load(seconds=1.5)

        # The drill: the replica synchronous (a commit returns once the replica has it), a writer writing,
        # the primary killed, the replica promoted.
        primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.psql("SELECT pg_reload_conf()")
        assert _until(lambda: primary.psql("SELECT sync_state FROM pg_stat_replication") == "sync", 10)
        acknowledged, writer = _writer()
        assert _until(lambda: len(acknowledged) >= 50, 10), "the writer wrote nothing"
        primary.stop("immediate")
        writer.join(timeout=10)
        assert not writer.is_alive()
        replica.run("pg_ctl", "-D", str(replica.data), "-w", "-t", "30", "promote")
    # The site follows by configuration: DATABASE_URL now names the promoted replica.
    db = connection.settings_dict
    kept = dict(db)
    db.update(HOST="127.0.0.1", PORT=str(replica.port))
    try:
        found = set(User.objects.filter(email__startswith="drill-").values_list("email", flat=True))
        lost = set(acknowledged) - found
        figures.update(acknowledged=len(acknowledged), lost=len(lost))
        print(f"\nreplica lag under load and the failover drill: {figures}")
        assert lost == set(), f"{len(lost)} acknowledged writes lost"
        assert Band.objects.get(pk=band.pk).name == "The Silent Stream"
        UserFactory(email="after-failover@example.com")  # the new primary takes writes
    finally:
        connection.close()
        db.clear()
        db.update(kept)


def _writer() -> tuple[list[str], threading.Thread]:
    """A thread creating accounts one commit at a time until the database goes; the emails it was told were
    committed."""
    acknowledged: list[str] = []

    def write() -> None:
        try:
            for n in range(100_000):
                email = f"drill-{n}@example.com"
                User.objects.create(email=email)
                acknowledged.append(email)
        except (DatabaseError, InterfaceError):
            return
        finally:
            connections.close_all()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return acknowledged, thread


def _lag_under_load(*, seconds: float) -> dict:
    """While a writer commits as fast as it can: the replica's lag as the site reads it (the largest reading),
    and how long a commit on the primary took to show on the replica (a probe written and looked for there),
    in milliseconds: the largest and the median."""
    stop = threading.Event()
    written = [0]

    def write() -> None:
        try:
            while not stop.is_set():
                User.objects.create(email=f"load-{written[0]}@example.com")
                written[0] += 1
        finally:
            connections.close_all()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    readings, delays = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readings.append(replicas.replica_lag(fresh=True))
        probe = User.objects.create(email=f"probe-{len(delays)}@example.com")
        committed = time.monotonic()
        on_replica = User.objects.using(replicas.REPLICA).filter(pk=probe.pk)
        assert _until(on_replica.exists, 5)
        delays.append((time.monotonic() - committed) * 1000)
    stop.set()
    thread.join(timeout=10)
    known = [r for r in readings if r is not None]
    delays.sort()
    return {
        "writes": written[0] + len(delays),
        "lag_max_s": round(max(known), 3) if known else None,
        "visible_after_ms_max": round(delays[-1], 1),
        "visible_after_ms_median": round(delays[len(delays) // 2], 1),
    }
