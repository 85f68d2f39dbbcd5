#!/usr/bin/env python
"""Restore a backup that bin/backup.py made: the database, then the stored files, each checked.

    python bin/restore.py backups/stageslot-20270104T031500Z \\
        --database-url postgres://user@host/stageslot_restored \\
        [--media-root /srv/restored/media] [--booking-files-root /srv/restored/booking-files] [--force]

In order, stopping at the first problem:

1. checks every file of the backup against the manifest's SHA-256 before touching anything, and refuses a
   folder to restore files into that holds files already, unless --force (which adds to it);
2. creates the target database when it is missing, and refuses one that holds any table unless --force
   (which drops that database and creates it empty);
3. `pg_restore --no-owner --no-privileges --exit-on-error` into it;
4. puts the files back: into the folders given, else where the settings (read with the target database)
   keep each storage (a folder on disk, or a bucket), and checks each file's SHA-256 against the manifest;
5. runs `manage.py migrate --check`: the restored schema must be the one the code expects (if the code is
   newer than the backup, run `manage.py migrate` afterwards, then `manage.py erasures_reapply`);
6. runs `manage.py erasures_reapply`: every account the erasure ledger (kept outside the database) names
   that the backup still holds, erased after it was made, is erased again.

It prints how long each part took. Exit status 0 means all of it held.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backup as backups  # bin/backup.py, beside this file

ROOT = backups.ROOT


class RestoreRefused(SystemExit):
    """A restore that would lose or mix data, or a backup that is not what its manifest says."""

    def __init__(self, message: str) -> None:
        print(f"Restore refused: {message}", file=sys.stderr)
        super().__init__(2)


def read_manifest(folder: Path) -> dict:
    path = folder / backups.MANIFEST
    if not path.is_file():
        raise RestoreRefused(f"{path} is missing: is {folder} a backup made by bin/backup.py?")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != backups.FORMAT:
        raise RestoreRefused(f"the manifest's format {manifest.get('format')} is not {backups.FORMAT}")
    return manifest


def check_entry(path: Path, entry: dict) -> None:
    """Refuse a file whose size or SHA-256 is not the manifest's."""
    if not path.is_file():
        raise RestoreRefused(f"{path} is missing")
    if path.stat().st_size != entry["size"] or backups.sha256_of(path) != entry["sha256"]:
        raise RestoreRefused(f"{path} is not the file the manifest lists (size or SHA-256 differs)")


def check_backup(folder: Path, manifest: dict) -> None:
    """Every file of the backup is whole: the dump, each archive, each bucket copy."""
    check_entry(folder / manifest["database"]["file"], manifest["database"])
    for storage in manifest["storages"].values():
        if storage["kind"] == "disk":
            check_entry(folder / storage["archive"]["path"], storage["archive"])
        else:
            for entry in storage["files"]:
                check_entry(folder / storage["folder"] / entry["path"], entry)


def database_from_url(url: str) -> dict:
    """The parts of a postgres:// URL, as Django's settings name them."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise RestoreRefused(f"--database-url must be postgres://…, not {parts.scheme}://")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise RestoreRefused("--database-url names no database")
    return {
        "NAME": name,
        "HOST": parts.hostname or "",
        "PORT": parts.port or "",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
    }


def psql(database: dict, sql: str, *, on: str) -> str:
    """One SQL statement through psql, on the database `on` of the target's server."""
    env = backups.libpq_environment({**database, "NAME": on})
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own client, on PATH
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atqc", sql],  # noqa: S607
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def prepare_database(database: dict, *, force: bool) -> str:
    """Make sure the target database exists and is empty. Returns what was done, in words."""
    name = database["NAME"]
    literal = "'" + name.replace("'", "''") + "'"
    exists = psql(database, f"SELECT 1 FROM pg_database WHERE datname = {literal}", on="postgres")  # noqa: S608 - the name as a quoted literal
    if not exists:
        psql(database, f"CREATE DATABASE {quoted(name)}", on="postgres")
        return f"created the database {name}"
    relations = int(
        psql(
            database,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
            on=name,
        )
    )
    if relations == 0:
        return f"the database {name} exists and is empty"
    if not force:
        raise RestoreRefused(
            f"the database {name} holds {relations} tables, views or sequences: restore into an empty or a new "
            "database, or pass --force to drop this one and restore into it anew"
        )
    psql(database, f"DROP DATABASE {quoted(name)} WITH (FORCE)", on="postgres")
    psql(database, f"CREATE DATABASE {quoted(name)}", on="postgres")
    return f"dropped the database {name} (it held {relations} relations) and created it empty"


def restore_database(folder: Path, manifest: dict, database: dict) -> None:
    subprocess.run(  # noqa: S603 - PostgreSQL's own client, on PATH
        [  # noqa: S607
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            database["NAME"],
            str(folder / manifest["database"]["file"]),
        ],
        env=backups.libpq_environment(database),
        check=True,
    )


def refuse_folder_with_files(root: Path, *, force: bool) -> None:
    if root.is_dir() and any(p.is_file() for p in root.rglob("*")) and not force:
        raise RestoreRefused(f"{root} holds files already: give an empty folder, or pass --force to add to it")


def extract_archive(archive: Path, root: Path) -> None:
    """Write an archive's folders and files under `root`, and nothing else: a member that is a link, a device or a
    fifo, or whose name is absolute or climbs out with "..", is refused before any file is written. (What tarfile's
    `filter="data"` does, which Python 3.11 has only from 3.11.4 on; the distribution's 3.11.2 has not.) Files are
    written with this process's owner and the folder's default mode, never the archive's."""
    try:
        with tarfile.open(archive) as tar:
            _extract_members(archive, tar, root)
    except (tarfile.TarError, EOFError) as exc:  # cut short or not a tar archive at all
        raise RestoreRefused(f"{archive} is not a whole tar archive ({exc}): not restored") from None


def _extract_members(archive: Path, tar: tarfile.TarFile, root: Path) -> None:
    """Every member checked, then all written (tarfile reads the whole index first: a cut archive fails here)."""
    members = tar.getmembers()
    for member in members:
        parts = PurePosixPath(member.name).parts
        if not (member.isfile() or member.isdir()):
            raise RestoreRefused(f"{archive} holds {member.name!r}, which is not a file or a folder: not restored")
        if PurePosixPath(member.name).is_absolute() or ".." in parts or "\\" in member.name:
            raise RestoreRefused(f"{archive} holds {member.name!r}, a path outside its folder: not restored")
    for member in members:
        path = root.joinpath(*PurePosixPath(member.name).parts)
        if member.isdir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        with path.open("wb") as target:
            shutil.copyfileobj(source, target)


def restore_to_folder(folder: Path, name: str, storage: dict, root: Path, *, force: bool) -> None:
    """Put one storage's files into a folder on disk, then check each against the manifest."""
    refuse_folder_with_files(root, force=force)
    root.mkdir(parents=True, exist_ok=True)
    if storage["kind"] == "disk":
        extract_archive(folder / storage["archive"]["path"], root)
    else:
        shutil.copytree(folder / storage["folder"], root, dirs_exist_ok=True)
    for entry in storage["files"]:
        check_entry(root / entry["path"], entry)


def restore_to_bucket(folder: Path, storage: dict, target: dict) -> None:
    """Upload one storage's files into a bucket (under its location), then read each one back and check
    its size and SHA-256 against the manifest."""
    client = backups.bucket_client(target)
    prefix = target.get("location", "").strip("/")
    prefix = f"{prefix}/" if prefix else ""
    with tempfile.TemporaryDirectory() as staging:
        source = Path(staging)
        if storage["kind"] == "disk":
            extract_archive(folder / storage["archive"]["path"], source)
        else:
            source = folder / storage["folder"]
        for entry in storage["files"]:  # all checked before the first is uploaded
            check_entry(source / entry["path"], entry)
        for entry in storage["files"]:
            client.upload_file(str(source / entry["path"]), target["bucket"], prefix + entry["path"])
    for entry in storage["files"]:
        size, sha256 = bucket_object_fingerprint(client, target["bucket"], prefix + entry["path"])
        if (size, sha256) != (entry["size"], entry["sha256"]):
            raise RestoreRefused(
                f"{prefix + entry['path']} in bucket {target['bucket']} is not the file the manifest lists"
                f" ({size} bytes, SHA-256 {sha256})"
            )


def bucket_object_fingerprint(client, bucket: str, key: str) -> tuple[int, str]:
    """The size and SHA-256 of an object as the bucket gives it back, read in pieces."""
    digest, size = hashlib.sha256(), 0
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        for piece in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(piece)
            size += len(piece)
    finally:
        body.close()
    return size, digest.hexdigest()


def migrate_check(database_url: str) -> subprocess.CompletedProcess:
    """`manage.py migrate --check` against the restored database: 0 when nothing is left to apply."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.local")
    return subprocess.run(  # noqa: S603 - this interpreter and the project's manage.py
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--check", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
    )


def erasures_reapply(ledger: Path | None) -> str:
    """`manage.py erasures_reapply` against the restored database (Django is set up with it): the accounts
    erased after the backup was made, named by the erasure ledger (kept outside the database), are erased
    again. Returns what it says."""
    from io import StringIO

    from django.core.management import call_command

    said = StringIO()
    call_command("erasures_reapply", *(["--ledger", str(ledger)] if ledger else []), stdout=said)
    return said.getvalue().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backup", type=Path, help="a folder bin/backup.py made")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://…/<database> to restore into (default: $DATABASE_URL)",
    )
    parser.add_argument("--media-root", type=Path, help="restore uploaded media into this folder")
    parser.add_argument("--booking-files-root", type=Path, help="restore booking files into this folder")
    parser.add_argument(
        "--force", action="store_true", help="drop a target database that holds tables; add to folders holding files"
    )
    parser.add_argument(
        "--erasure-ledger",
        type=Path,
        help="the erasure ledger whose accounts are erased again (default: $STAGESLOT_ERASURE_LEDGER's)",
    )
    args = parser.parse_args(argv)
    for program in ("pg_restore", "psql"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is not on PATH (Debian: apt-get install postgresql-client).")
    if not args.database_url:
        raise RestoreRefused("say where to restore: --database-url postgres://…/<database>")
    manifest = read_manifest(args.backup)
    database = database_from_url(args.database_url)
    durations: dict[str, float] = {}

    began = time.perf_counter()
    check_backup(args.backup, manifest)
    durations["check"] = time.perf_counter() - began
    print(f"Backup {args.backup} (made {manifest['created_at']}) is whole: checked in {durations['check']:.1f} s")

    # The files go where the settings keep them for the restored site, unless a folder is given: each place
    # is known, and a folder holding files refused, before the database is touched.
    os.environ["DATABASE_URL"] = args.database_url
    backups.setup_django()
    configured = backups.storages_to_copy()
    folders = {"media": args.media_root, "booking-files": args.booking_files_root}
    targets = {}
    for name in manifest["storages"]:
        if folders.get(name) is not None:
            targets[name] = {"kind": "disk", "root": str(folders[name])}
        elif name in configured:
            targets[name] = configured[name]
        else:
            raise RestoreRefused(f"the settings keep no storage for {name}: give its folder")
        if targets[name]["kind"] == "disk":
            refuse_folder_with_files(Path(targets[name]["root"]), force=args.force)

    began = time.perf_counter()
    print(prepare_database(database, force=args.force).capitalize())
    restore_database(args.backup, manifest, database)
    durations["database"] = time.perf_counter() - began
    print(f"Database {manifest['database']['name']} restored into {database['NAME']} in {durations['database']:.1f} s")

    for name, storage in manifest["storages"].items():
        began = time.perf_counter()
        target = targets[name]
        if target["kind"] == "disk":
            restore_to_folder(args.backup, name, storage, Path(target["root"]), force=args.force)
            where = target["root"]
        else:
            restore_to_bucket(args.backup, storage, target)
            where = f"bucket {target['bucket']}"
        durations[name] = time.perf_counter() - began
        print(f"Files {name}: {len(storage['files'])} restored into {where} and checked in {durations[name]:.1f} s")

    began = time.perf_counter()
    check = migrate_check(args.database_url)
    durations["migrate --check"] = time.perf_counter() - began
    if check.returncode != 0:
        print(check.stdout + check.stderr, file=sys.stderr)
        print(
            "The restored schema is not the one this code expects (migrations above are unapplied): "
            "run `manage.py migrate` with this DATABASE_URL before serving it.",
            file=sys.stderr,
        )
        return 1
    print(f"Schema matches the code (manage.py migrate --check) in {durations['migrate --check']:.1f} s")

    began = time.perf_counter()
    try:
        again = erasures_reapply(args.erasure_ledger)
    except Exception as exc:
        print(
            f"{exc!r}\nAccounts erased since the backup could not be erased again: run `manage.py "
            "erasures_reapply` with this DATABASE_URL before serving it.",
            file=sys.stderr,
        )
        return 1
    durations["erasures"] = time.perf_counter() - began
    print(f"{again} ({durations['erasures']:.1f} s)")
    print(f"Restore done in {sum(durations.values()):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
