"""The `replica` alias for a test: what DATABASE_REPLICA_URL makes, added for the time of a block."""

import contextlib
import re

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from core.db import replica as replicas

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?((?!pg_)\w+)"?', re.IGNORECASE)


@contextlib.contextmanager
def replica_alias(**changes):
    """The `replica` alias for the time of the block: the test database itself unless `changes` say otherwise
    (what a replica that has caught up answers)."""
    connections.settings[replicas.REPLICA] = {
        **connections.settings[DEFAULT_DB_ALIAS],
        "CONN_MAX_AGE": None,
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
        **changes,
    }
    replicas.replica_lag_forget()
    # Connected here: the test case lets a test open no connection of its own to an alias it was not given.
    connections[replicas.REPLICA].connect()
    try:
        yield connections[replicas.REPLICA]
    finally:
        connections[replicas.REPLICA].close()
        del connections[replicas.REPLICA]
        del connections.settings[replicas.REPLICA]
        replicas.replica_lag_forget()


@contextlib.contextmanager
def reads_on_replica():
    """The tables read from the replica during the block."""
    tables: list[str] = []
    with CaptureQueriesContext(connections[replicas.REPLICA]) as captured:
        yield tables
    tables.extend(sorted({name for query in captured for name in TABLE.findall(query["sql"])}))
