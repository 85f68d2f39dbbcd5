#!/usr/bin/env python
"""Back up StageSlot: the database and every stored file, into one new timestamped folder.

    python bin/backup.py                      # into ./backups/stageslot-<UTC time>/
    python bin/backup.py --into /srv/backups  # or $STAGESLOT_BACKUP_DIR

It reads the same settings as the app (DJANGO_SETTINGS_MODULE, else the local ones; DATABASE_URL names
the PostgreSQL database) and writes:

- `database.dump`: `pg_dump --format=custom` of the database (bin/restore.py restores it);
- for each file storage on disk (uploaded media in MEDIA_ROOT, booking files in BOOKING_FILES_ROOT):
  `<storage>.tar`, the folder's files;
- for each storage in an S3-compatible bucket (BOOKING_FILES_S3_BUCKET, or any storage set up with
  django-storages' S3Storage): `<storage>/`, a copy of the bucket's objects;
- `manifest.json`: when, which database, the latest applied migration of each app, and every file
  with its size and SHA-256, so that a restore can prove it got everything back.

It prints how long each part took. Exits non-zero, leaving the half-written folder named
`…-incomplete`, when any part fails. Made to run from cron (docs/backups.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = "manifest.json"
DUMP = "database.dump"
FORMAT = 1
# The storages a backup copies, by their name in settings.STORAGES, and the folder or archive name each gets.
# Static files are built from the code (collectstatic) and are not backed up.
STORAGE_NAMES = {"default": "media", "booking_files": "booking-files"}
S3_BACKEND = "storages.backends.s3.S3Storage"
CHUNK = 1024 * 1024


def setup_django() -> None:
    """Load the app's settings, as manage.py does."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.local")
    import django

    django.setup()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path, name: str) -> dict:
    """One file of the manifest: its path inside the backup (or its storage), size and SHA-256."""
    return {"path": name, "size": path.stat().st_size, "sha256": sha256_of(path)}


def files_under(root: Path) -> list[Path]:
    """Every regular file under a folder, in a stable order (symbolic links are not followed)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def libpq_environment(database: dict) -> dict[str, str]:
    """The environment that points pg_dump, pg_restore and psql at a Django database (the password
    goes through PGPASSWORD, never the command line, where `ps` would show it)."""
    env = dict(os.environ)
    for key, setting in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if database.get(setting):
            env[key] = str(database[setting])
    env["PGDATABASE"] = database["NAME"]
    sslmode = (database.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def storages_to_copy() -> dict[str, dict]:
    """What each stored-file storage is, from the settings: {"media": {"kind": "disk", "root": …}, …} or
    {"kind": "bucket", "bucket": …, "endpoint_url": …, …} for an S3-compatible bucket."""
    from django.conf import settings

    found = {}
    for alias, name in STORAGE_NAMES.items():
        config = settings.STORAGES.get(alias)
        if not config:
            continue
        options = config.get("OPTIONS", {})
        if config["BACKEND"] == S3_BACKEND:
            found[name] = {
                "kind": "bucket",
                "bucket": options["bucket_name"],
                "location": options.get("location", ""),
                "endpoint_url": options.get("endpoint_url"),
                "region_name": options.get("region_name"),
                "access_key": options.get("access_key"),
                "secret_key": options.get("secret_key"),
            }
        else:
            location = options.get("location") or (settings.MEDIA_ROOT if alias == "default" else None)
            if location:
                found[name] = {"kind": "disk", "root": str(location)}
    return found


def bucket_client(storage: dict):
    """A boto3 client for a bucket storage, with the keys the settings give (else boto3's own lookup)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=storage.get("endpoint_url"),
        region_name=storage.get("region_name"),
        aws_access_key_id=storage.get("access_key"),
        aws_secret_access_key=storage.get("secret_key"),
    )


def copy_bucket(storage: dict, into: Path) -> list[dict]:
    """Download every object of the storage's bucket (under its location, if it has one) into a folder,
    keeping their keys as paths. Returns the manifest's file entries (paths relative to the location)."""
    client = bucket_client(storage)
    prefix = storage.get("location", "").strip("/")
    prefix = f"{prefix}/" if prefix else ""
    entries = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage["bucket"], Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.endswith("/"):  # a "folder" marker, no file
                continue
            relative = key[len(prefix) :]
            target = into / relative
            if not target.resolve().is_relative_to(into.resolve()):
                raise SystemExit(f"Refusing the object {key!r}: its name leads out of the backup folder.")
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(storage["bucket"], key, str(target))
            entries.append(file_entry(target, relative))
    return sorted(entries, key=lambda e: e["path"])


def archive_folder(root: Path, archive: Path) -> list[dict]:
    """Write a folder's files into a tar archive. Returns the manifest's entries (paths relative to the
    folder); a missing folder is an empty archive (nothing uploaded yet)."""
    entries = []
    with tarfile.open(archive, "w") as tar:
        if root.is_dir():
            for path in files_under(root):
                relative = path.relative_to(root).as_posix()
                entries.append(file_entry(path, relative))
                tar.add(path, arcname=relative, recursive=False)
    return entries


def migration_state() -> dict[str, str]:
    """The latest applied migration of each app, as the database records it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app, name FROM django_migrations WHERE id IN (SELECT max(id) FROM django_migrations GROUP BY app)"
        )
        return dict(sorted(cursor.fetchall()))


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def backup(into: Path) -> Path:
    """Make one complete backup under `into`; returns its folder."""
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bin/backup.py backs up PostgreSQL: set DATABASE_URL=postgres://…")
    started = dt.datetime.now(dt.UTC)
    final = into / f"stageslot-{started:%Y%m%dT%H%M%SZ}"
    folder = final.with_name(final.name + "-incomplete")
    if final.exists() or folder.exists():
        raise SystemExit(f"{final} exists already: wait a second and run again.")
    folder.mkdir(parents=True)
    durations: dict[str, float] = {}
    manifest: dict = {"format": FORMAT, "created_at": started.isoformat(timespec="seconds")}

    began = time.perf_counter()
    migrations = migration_state()
    manifest["database"] = {"name": database["NAME"], "server_version": server_version(), "file": DUMP}
    connection.close()
    subprocess.run(  # noqa: S603 - PostgreSQL's own client, found on PATH as the operator's shell finds it
        ["pg_dump", "--format=custom", "--file", str(folder / DUMP)],  # noqa: S607
        env=libpq_environment(database),
        check=True,
    )
    manifest["database"].update(file_entry(folder / DUMP, DUMP))
    manifest["migrations"] = migrations
    durations["database"] = time.perf_counter() - began
    print(f"Database {database['NAME']}: {human_size(manifest['database']['size'])} in {durations['database']:.1f} s")

    manifest["storages"] = {}
    for name, storage in storages_to_copy().items():
        began = time.perf_counter()
        if storage["kind"] == "disk":
            archive = folder / f"{name}.tar"
            files = archive_folder(Path(storage["root"]), archive)
            entry = {"kind": "disk", "root": storage["root"], "archive": file_entry(archive, archive.name)}
            where = storage["root"]
        else:
            files = copy_bucket(storage, folder / name)
            entry = {"kind": "bucket", "bucket": storage["bucket"], "location": storage["location"], "folder": name}
            where = f"bucket {storage['bucket']}"
        entry["files"] = files
        manifest["storages"][name] = entry
        durations[name] = time.perf_counter() - began
        size = sum(f["size"] for f in files)
        print(f"Files {name} ({where}): {len(files)} files, {human_size(size)} in {durations[name]:.1f} s")

    manifest["durations"] = {key: round(value, 3) for key, value in durations.items()}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    folder.rename(final)
    total = sum(durations.values())
    print(f"Backup {final}: {human_size(folder_size(final))} in {total:.1f} s")
    return final


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in files_under(folder))


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--into",
        type=Path,
        default=Path(os.environ.get("STAGESLOT_BACKUP_DIR", ROOT / "backups")),
        help="the folder that keeps the backups (default: $STAGESLOT_BACKUP_DIR, else ./backups)",
    )
    args = parser.parse_args(argv)
    if shutil.which("pg_dump") is None:
        raise SystemExit("pg_dump is not on PATH (Debian: apt-get install postgresql-client).")
    setup_django()
    backup(args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
