"""bin/topology.py --replica (docs/decisions/0106-reads-from-a-replica.md, 0114): the nodes' DATABASE_URL names a
primary of the topology's own and DATABASE_REPLICA_URL its streaming replica. With the replica's replay held, a
visitor's band page is read there (the page as it was), while a leader who has just changed the band through a
node reads their own change from the primary (read-your-writes, by the signed pin cookie).

One topology with its two clusters (a copy of the test database), without a worker and beat; the rows are made
before it starts (transactional test: committed, so the copy has them).
"""

import psycopg
import pytest

from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from core.local_servers import PostgresCluster, postgres_bin_dir
from stageslot.tests.test_backups import database_url, load_script
from stageslot.tests.test_topology import browser, person, post, sign_in

topology_script = load_script("topology")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.services,
    pytest.mark.slow(reason="starts nginx, two gunicorn nodes, an S3 server and two PostgreSQL clusters"),
    pytest.mark.xdist_group("topology"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def cast():
    band = BandFactory(name="The Replicas", slug="the-replicas", website="https://before.example.com")
    leader = person()
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    return band, leader


@pytest.fixture
def site(cast, tmp_path, settings):
    from django.db import connection

    if postgres_bin_dir() is None:
        pytest.skip("needs PostgreSQL's server binaries in /usr/lib/postgresql/<version>/bin")
    topology = topology_script.Topology(
        tmp_path / "topology",
        database_url=database_url(connection.settings_dict["NAME"]),
        redis_url=settings.REDIS_URL,
        workers=False,
        for_tests=True,
        replica=True,
        # The replay is held for a moment below: past the default bound every read would go to the primary.
        environment={"DATABASE_REPLICA_MAX_LAG": "300", "DATABASE_REPLICA_PIN_SECONDS": "300"},
    )
    with topology:
        figures = ", ".join(f"{k} {v:.1f} s" for k, v in topology.seconds.items())
        print(f"\ntopology with a replica up: {figures}")
        yield topology


def test_a_page_is_read_on_the_replica_and_a_writer_reads_their_own_write(site, cast):
    band, leader = cast
    assert site.env()["DATABASE_REPLICA_URL"] == site.replica_url and site.replica_url != site.primary_url
    node = site.node_url("node1")
    visitor = browser(site)
    assert "before.example.com" in visitor.get(node + f"/bands/{band.slug}/").text
    writer = browser(site)
    assert sign_in(writer, node, leader).status_code == 302

    clusters = site.clusters
    replica = PostgresCluster(clusters["bin_dir"], clusters["folder"], "replica", port=clusters["replica"])
    replica.psql("SELECT pg_wal_replay_pause()")
    # The leader's change, through the other node: written on the primary, not replayed on the replica.
    other = site.node_url("node2")
    saved = post(writer, other, f"/bands/{band.slug}/manage/links/", {"website": "https://after.example.com"})
    assert saved.status_code == 302, saved.text[:500]
    with psycopg.connect(site.primary_url) as primary:
        (website,) = primary.execute("SELECT website FROM bands_band WHERE id = %s", [band.pk]).fetchone()
    assert website == "https://after.example.com"

    # A visitor (no pin) reads the replica: the page as it was. The leader reads their own write.
    visitor.cookies.clear()
    for base in (node, other):
        page = visitor.get(base + f"/bands/{band.slug}/").text
        assert "before.example.com" in page and "after.example.com" not in page
        assert "after.example.com" in writer.get(base + f"/bands/{band.slug}/").text

    replica.psql("SELECT pg_wal_replay_resume()")
