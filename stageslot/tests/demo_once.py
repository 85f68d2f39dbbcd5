"""The demo world seeded once per test run and database kind, then copied into each test that needs it.

`seed_demo` makes the same world each time it runs (about 25 s of CPU a time); seven modules of the two stages
read that world, and two tests of the seed run it again over that world. The first of them in a run seeds it as
before, then writes what the seed changed – the rows of each table whose content it changed and the files it
stored – to a snapshot beside the run's template database; every later one (in this process or another of the run)
copies the snapshot into its own database and media folder in about a second. The seed's tests under other dates
(`test_seed_demo.py`) still seed, under every date they name.

    def test_…(request, …):
        demo_once.seed(request.config)                  # the demo world with its photos
        demo_once.seed(request.config, pictures=False)  # with tiny photos (tests that read no picture)

Call it before the test makes rows of its own: the snapshot holds whole tables, what the test made first with them.
The copy is the world as the first seed made it: a snapshot older than `FRESH` is made again, so a story told
"now" (a gig in progress, a hold that expires tomorrow) is still told. The copy goes in as it was read – on
PostgreSQL with `COPY`, triggers off for the session (the rows they would write are in the snapshot already); on
SQLite with the triggers dropped and made again inside the copy's transaction – and the identity sequences are set
past the copied ids. Where the copy cannot be made as it was (the database holds rows the seed would have made
first, files are not on the disk, PostgreSQL refuses to turn triggers off for a user that is not its superuser),
the test seeds as before.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import io
import os
import pickle
import tempfile
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from PIL import Image

from stageslot.test_databases import TriggersStayOn, _run_id, triggers_off

# Seconds a snapshot is copied for, before the next test seeds anew: the demo's stories told "now" hold for longer
# (the gig in progress goes on for two hours after the seed; the open call's deadline passed an hour before it).
FRESH = 60 * 60

# In this process: the snapshot read last, by its path, and when it was written.
_memory: dict[str, tuple[float, dict]] = {}


def seed(config: pytest.Config, *, pictures: bool = True) -> None:
    """The demo world in this test's database and media: seeded, or copied from the run's snapshot of it."""
    _gazetteer_back()
    path = _snapshot_path(config, pictures)
    roots = _file_roots()
    if path is None or roots is None:
        return _seed(pictures)
    with _locked(path):
        snapshot = _read(path)
        if snapshot is not None and _restore(snapshot, roots):
            return None
        before = _tables()
        files_before = _files(roots)
        _seed(pictures)
        changed = _changed(before, _tables())
        snapshot = {
            "tables": changed,
            # What the seed left as it found it (the gazetteer's cities, the content types) must be there as it was
            # where the snapshot is copied: a transactional test before may have emptied it.
            "kept": _counts([table for table in before if table not in changed]),
            "files": _new_files(roots, files_before),
            "vendor": connection.vendor,
        }
        _write(path, snapshot)
    return None


def _gazetteer_back() -> None:
    """The cities the migrations load, back where a transactional test before emptied the table (as one may in a
    run of every stage at once, `make test`): the demo's fans, venues and tours find their towns in it. Loaded
    from a restarted key sequence, in the migration's order, so every city has the key it has in a database made
    by the migrations: a snapshot of the demo taken here is copied into such databases, keys and all."""
    from places.models import City
    from places.services import cities_load

    if City.objects.exists():
        return
    table = City._meta.db_table
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_by_name_sql(no_style(), [{"table": table, "column": "id"}]):
            cursor.execute(statement)
    cities_load()


def _seed(pictures: bool) -> None:
    with contextlib.ExitStack() as stack:
        if not pictures:
            monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
            monkeypatch.setattr("stageslot.management.commands.seed_demo.demo_picture", tiny_picture)
        call_command("seed_demo", force=True, quiet=True, verbosity=0)


def tiny_picture(seed: str, size: tuple[int, int] = (8, 8)) -> ContentFile:
    """An 8 × 8 WEBP in place of the demo's drawn pictures (`stageslot.demo.images.demo_picture`)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#223").save(buffer, "WEBP")
    return ContentFile(buffer.getvalue())


def _snapshot_path(config: pytest.Config, pictures: bool) -> Path | None:
    run = _run_id(config)
    if run is None:  # one process alone (no pytest-xdist): its snapshots go when it ends
        run = f"process-{os.getpid()}"
        if run not in _memory:
            atexit.register(remove_snapshots, run)
            _memory[run] = (0.0, {})
    variant = "pictures" if pictures else "tiny"
    return Path(tempfile.gettempdir()) / f"stageslot-demo-{run}-{connection.vendor}-{variant}.pickle"


@contextlib.contextmanager
def _locked(path: Path):
    """One process of the run seeds at a time; the others wait for its snapshot instead of seeding too."""
    with open(path.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> dict | None:
    if not path.exists() or time.time() - path.stat().st_mtime > FRESH:
        return None
    key = str(path)
    stamp = path.stat().st_mtime
    if key not in _memory or _memory[key][0] != stamp:
        _memory[key] = (stamp, pickle.loads(path.read_bytes()))  # noqa: S301 (written by this run, above)
    return _memory[key][1]


def _write(path: Path, snapshot: dict) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
    partial.rename(path)  # whole or not at all
    _memory[str(path)] = (path.stat().st_mtime, snapshot)


def remove_snapshots(run: str) -> None:
    """At the end of a process run alone; a run of several processes ends with test_databases.pytest_sessionfinish
    removing them by this name."""
    for path in Path(tempfile.gettempdir()).glob(f"stageslot-demo-{run}-*"):
        path.unlink(missing_ok=True)


# --- The files the seed stores: public media and booking files, on the disk.


def _file_roots() -> dict[str, Path] | None:
    roots = {}
    for alias in ("default", "booking_files"):
        storage = storages[alias]
        if not isinstance(storage, FileSystemStorage):
            return None  # in a bucket: the test seeds
        roots[alias] = Path(storage.location)
    return roots


def _files(roots: dict[str, Path]) -> dict[tuple[str, str], float]:
    found = {}
    for alias, root in roots.items():
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file():
                    found[(alias, str(path.relative_to(root)))] = path.stat().st_mtime_ns
    return found


def _new_files(roots: dict[str, Path], before: dict) -> dict[tuple[str, str], bytes]:
    return {
        key: (roots[key[0]] / key[1]).read_bytes() for key, stamp in _files(roots).items() if before.get(key) != stamp
    }


# --- The tables: each read whole, as the database writes it out and reads it back.


def _table_names() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    cache_tables = {
        c.get("LOCATION") for c in settings.CACHES.values() if c.get("BACKEND", "").endswith("DatabaseCache")
    }
    return sorted(n for n in names if n not in cache_tables and not n.startswith("sqlite_"))


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _tables() -> dict[str, tuple[list[str], object]]:
    """Every table's columns and content: PostgreSQL's COPY text, SQLite's rows."""
    quote = connection.ops.quote_name
    found = {}
    with connection.cursor() as cursor:
        for table in _table_names():
            columns = _columns(table)
            names = ", ".join(quote(c) for c in columns)
            if connection.vendor == "postgresql":
                out = io.BytesIO()
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) TO STDOUT") as copy:
                    for block in copy:
                        out.write(block)
                found[table] = (columns, out.getvalue())
            else:
                # Each column as an expression: SQLite's declared types would turn times and dates into Python's
                # objects (Django's converters), which it cannot take back: read as stored, they go back as they were.
                plain = ", ".join(f"CASE WHEN 1 THEN {quote(c)} END" for c in columns)
                cursor.execute(f"SELECT {plain} FROM {quote(table)}")  # noqa: S608 (names from the schema)
                found[table] = (columns, cursor.fetchall())
    return found


def _counts(tables: list[str]) -> dict[str, int]:
    """Each table's number of rows, in one query."""
    if not tables:
        return {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The names are the schema's own (Django's table list), not input.
        cursor.execute(
            " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM {quote(name)}" for name in tables)  # noqa: S608
        )
        return dict(cursor.fetchall())


def _changed(before: dict, after: dict) -> dict:
    """The tables whose content the seed changed, with whether they were empty before it."""
    return {
        table: (columns, content, not before.get(table, (None, None))[1])
        for table, (columns, content) in after.items()
        if before.get(table) != (columns, content)
    }


def _restore(snapshot: dict, roots: dict[str, Path]) -> bool:
    """The snapshot copied into this database and these folders; False (nothing changed) where it cannot be."""
    if snapshot["vendor"] != connection.vendor:
        return False
    kept = snapshot.get("kept", {})
    if _counts(list(kept)) != kept:
        return False  # a table the seed only read is not as it was (emptied by a transactional test): seed
    quote = connection.ops.quote_name
    tables = snapshot["tables"]
    with connection.cursor() as cursor:
        for table, (columns, _content, was_empty) in tables.items():
            if _columns(table) != columns:
                return False
            if was_empty:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is not None:
                    return False  # rows the seed would have met: it decides what to do with them
    try:
        with transaction.atomic(), connection.cursor() as cursor, triggers_off(connection, cursor):
            for table, (columns, content, _was_empty) in tables.items():
                names = ", ".join(quote(c) for c in columns)
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                        copy.write(content)
                elif content:
                    marks = ", ".join("%s" for _ in columns)
                    cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", content)  # noqa: S608
            _sequences_past_the_ids(cursor, set(tables))
    except TriggersStayOn:
        return False
    for (alias, name), data in snapshot["files"].items():
        path = roots[alias] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return True


def _sequences_past_the_ids(cursor, tables: set[str]) -> None:
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(sql)
