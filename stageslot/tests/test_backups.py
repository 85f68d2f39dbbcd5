"""Backups restore (bin/backup.py, bin/restore.py, docs/decisions/0064-backups-that-restore.md): the demo world is
backed up, restored into a new empty PostgreSQL database, found equal table by table and file by file, and served
from there. Also: a damaged backup and a database that holds tables are refused, and a bucket is copied both ways."""

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.storage import storages
from django.db import connection

from bookings.models import BookingFile
from stageslot.tests import demo_once

ROOT = Path(__file__).resolve().parents[2]
BAND = ("the-night-owls", "The Night Owls")
MEMBER = "mara@demo.stageslot.test"


def load_script(name: str, folder: str = "bin"):
    """<folder>/<name>.py as a module (bin/ and benchmarks/ are no packages)."""
    sys.path.insert(0, str(ROOT / "bin"))
    try:
        spec = importlib.util.spec_from_file_location(f"{folder}_{name}", ROOT / folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bin"))


def database_url(name: str) -> str:
    """A postgres:// URL to the database `name` on the test database's server."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Each table of the public schema: its row count and the md5 of all its rows as text, in order."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        prints = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            prints[table] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM public.{quoted} AS t"
            ).fetchone()
        for name, value in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            prints[f"sequence {name}"] = (value, "")
    return prints


def file_fingerprints(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(args: list, env: dict) -> subprocess.CompletedProcess:
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - this interpreter and the project's own scripts
        [sys.executable, *map(str, args)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    result.seconds = time.perf_counter() - began
    return result


def drop_database(name: str) -> None:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A fresh process, as a restored site would be: its pages come from the restored database.
SERVE = """
import json
import django
django.setup()
from django.test import Client
from accounts.models import User
client = Client()
band = client.get("/bands/{slug}/")
client.force_login(User.objects.get(email="{member}"))
dashboard = client.get("/dashboard/")
print(json.dumps({{"band": [band.status_code, "{name}" in band.content.decode()],
                  "dashboard": [dashboard.status_code, "{name}" in dashboard.content.decode()]}}))
"""


@pytest.mark.postgres
@pytest.mark.slow(reason="seeds the demo world (about 30 s), then backs it up and restores it in other processes")
@pytest.mark.django_db(transaction=True)
def test_the_demo_world_backed_up_restores_into_an_empty_database_equal_and_served(
    settings, tmp_path, monkeypatch, request
):
    settings.DEBUG = True
    # Booking files in a folder of this test's own (the test process's folder holds other tests' files too).
    settings.STORAGES = {
        **settings.STORAGES,
        "booking_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "booking-files")},
        },
    }
    monkeypatch.setattr(BookingFile._meta.get_field("file"), "storage", storages["booking_files"])
    demo_once.seed(request.config)  # or copied from the run's first seed: the browser tests' world, its photos too
    media, booking_files = Path(settings.MEDIA_ROOT), Path(storages["booking_files"].location)
    assert file_fingerprints(media) and file_fingerprints(booking_files)  # photos, and the riders of a booking
    source = connection.settings_dict["NAME"]
    target = f"stageslot_backup_test_{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "DATABASE_URL": database_url(source),
        "DJANGO_TEST_MEDIA_ROOT": str(media),
        "DJANGO_TEST_BOOKING_FILES_ROOT": str(booking_files),
    }
    try:
        made = run(["bin/backup.py", "--into", tmp_path / "backups"], env)
        assert made.returncode == 0, made.stdout + made.stderr
        (backup,) = (tmp_path / "backups").iterdir()
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["database"]["name"] == source
        assert manifest["migrations"]["bookings"].startswith("00")
        assert {name: len(s["files"]) for name, s in manifest["storages"].items()} == {
            "media": len(file_fingerprints(media)),
            "booking-files": len(file_fingerprints(booking_files)),
        }

        restored = {"media": tmp_path / "restored-media", "booking-files": tmp_path / "restored-booking-files"}
        arguments = [
            "bin/restore.py",
            backup,
            "--database-url",
            database_url(target),
            "--media-root",
            restored["media"],
            "--booking-files-root",
            restored["booking-files"],
        ]
        back = run(arguments, env)
        assert back.returncode == 0, back.stdout + back.stderr
        assert "Schema matches the code" in back.stdout
        print(f"\nbackup ({made.seconds:.1f} s):\n{made.stdout}restore ({back.seconds:.1f} s):\n{back.stdout}")

        # Every table has the same rows, every sequence goes on from the same number, every file is back.
        assert table_fingerprints(database_url(target)) == table_fingerprints(database_url(source))
        assert file_fingerprints(restored["media"]) == file_fingerprints(media)
        assert file_fingerprints(restored["booking-files"]) == file_fingerprints(booking_files)

        # The restored database serves the site: the band's public page, a member's dashboard.
        served = run(
            ["-c", SERVE.format(slug=BAND[0], name=BAND[1], member=MEMBER)],
            {**env, "DATABASE_URL": database_url(target)},
        )
        assert served.returncode == 0, served.stderr
        assert json.loads(served.stdout.splitlines()[-1]) == {"band": [200, True], "dashboard": [200, True]}

        # Restoring again over the restored database is refused: it holds tables now.
        again = run([*arguments[:4], "--media-root", tmp_path / "elsewhere"], env)
        assert again.returncode == 2 and "holds" in again.stderr and "--force" in again.stderr

        # A damaged backup is refused before anything is created.
        damaged = tmp_path / "damaged"
        shutil.copytree(backup, damaged)
        with (damaged / "media.tar").open("r+b") as f:
            f.seek(600)
            byte = f.read(1)
            f.seek(600)
            f.write(bytes([byte[0] ^ 0xFF]))
        fresh = f"{target}_damaged"
        refused = run(["bin/restore.py", damaged, "--database-url", database_url(fresh)], env)
        assert refused.returncode == 2 and "media.tar is not the file the manifest lists" in refused.stderr
        # So is a folder that holds files, before the database is created.
        crowded = run(["bin/restore.py", backup, "--database-url", database_url(fresh), "--media-root", media], env)
        assert crowded.returncode == 2 and f"{media} holds files already" in crowded.stderr
        with psycopg.connect(database_url("postgres")) as conn:
            assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [fresh]).fetchone() == (0,)
    finally:
        drop_database(target)


def bucket_storage(s3_server, bucket: str, location: str) -> dict:
    """A bucket storage as bin/backup.py reads one from the settings, on the tests' S3 server."""
    options = s3_server.options(bucket)
    return {
        "kind": "bucket",
        "bucket": bucket,
        "location": location,
        **{key: options[key] for key in ("endpoint_url", "region_name", "access_key", "secret_key")},
    }


def bucket_objects(s3_server, bucket: str) -> dict[str, bytes]:
    """Every object of a bucket, by key, as an outsider reads them."""
    client = s3_server.client()
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {obj["Key"]: client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read() for obj in listed}


def test_a_bucket_is_copied_into_the_backup_and_back_into_another_bucket(tmp_path, s3_server):
    backup = load_script("backup")
    restore = load_script("restore")
    objects = {
        "files/bookings/a/rider.pdf": b"%PDF-1.7 rider",
        "files/bookings/b/stage plot.png": b"\x89PNG plot" * 100,
        "files/bookings/c/notes.txt": b"soundcheck at six",
        "files/bookings/": b"",  # a folder marker: no file
        "elsewhere/not-ours.txt": b"another app's file",
    }
    source, restored = s3_server.bucket(), s3_server.bucket()
    for key, body in objects.items():
        s3_server.client().put_object(Bucket=source, Key=key, Body=body)

    files = backup.copy_bucket(bucket_storage(s3_server, source, "files"), tmp_path / "booking-files")
    assert [(f["path"], f["size"]) for f in files] == [
        ("bookings/a/rider.pdf", 14),
        ("bookings/b/stage plot.png", 900),
        ("bookings/c/notes.txt", 17),
    ]
    assert (tmp_path / "booking-files/bookings/a/rider.pdf").read_bytes() == b"%PDF-1.7 rider"

    storage = {"kind": "bucket", "folder": "booking-files", "files": files}
    restore.restore_to_bucket(tmp_path, storage, bucket_storage(s3_server, restored, "copy"))
    assert bucket_objects(s3_server, restored) == {
        f"copy/{key.removeprefix('files/')}": body
        for key, body in objects.items()
        if key.startswith("files/") and not key.endswith("/")
    }

    # A copy that differs from the manifest is refused before anything is uploaded.
    (tmp_path / "booking-files/bookings/c/notes.txt").write_bytes(b"soundcheck at seven")
    with pytest.raises(SystemExit):
        restore.restore_to_bucket(tmp_path, storage, bucket_storage(s3_server, restored, "x"))
    assert not [key for key in bucket_objects(s3_server, restored) if key.startswith("x/")]


def test_a_file_the_bucket_gives_back_with_other_bytes_of_the_same_size_is_refused(tmp_path, s3_server, monkeypatch):
    restore = load_script("restore")
    (tmp_path / "booking-files").mkdir()
    notes = tmp_path / "booking-files" / "notes.txt"
    notes.write_bytes(b"soundcheck at six")
    storage = {"kind": "bucket", "folder": "booking-files", "files": [restore.backups.file_entry(notes, "notes.txt")]}
    connect = restore.backups.bucket_client

    def bucket_that_changes_bytes(target: dict):
        client = connect(target)
        upload = client.upload_file

        def upload_file(path: str, bucket: str, key: str) -> None:
            upload(path, bucket, key)
            client.put_object(Bucket=bucket, Key=key, Body=b"SOUNDCHECK AT SIX")

        client.upload_file = upload_file
        return client

    monkeypatch.setattr(restore.backups, "bucket_client", bucket_that_changes_bytes)
    with pytest.raises(SystemExit):
        restore.restore_to_bucket(tmp_path, storage, bucket_storage(s3_server, s3_server.bucket(), ""))


def test_an_object_whose_name_leads_out_of_the_backup_is_refused(tmp_path, s3_server):
    backup = load_script("backup")
    source = s3_server.bucket()
    s3_server.client().put_object(Bucket=source, Key="../../escape.txt", Body=b"no")
    assert list(bucket_objects(s3_server, source)) == ["../../escape.txt"]
    with pytest.raises(SystemExit, match="leads out of the backup folder"):
        backup.copy_bucket(bucket_storage(s3_server, source, ""), tmp_path / "booking-files")
    assert not (tmp_path.parent / "escape.txt").exists()


def archive_of(path: Path, members: list[tuple[str, bytes | None, bytes]]) -> Path:
    """A tar archive of (name, type, content) members: type tarfile.REGTYPE, DIRTYPE, SYMTYPE, LNKTYPE or CHRTYPE."""
    import io
    import tarfile

    with tarfile.open(path, "w") as tar:
        for name, kind, content in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = 0o4777 if kind == tarfile.REGTYPE else 0o755  # set-user-id asked for: never given
            info.uid = info.gid = 4242
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = content.decode()
                tar.addfile(info)
            elif kind == tarfile.REGTYPE:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                tar.addfile(info)
    return path


def test_a_backups_files_are_restored_into_their_folder_owned_by_the_restorer(tmp_path):
    import tarfile

    restore = load_script("restore")
    archive = archive_of(
        tmp_path / "files.tar",
        [
            ("photos", tarfile.DIRTYPE, b""),
            ("photos/a.jpg", tarfile.REGTYPE, b"jpeg"),
            ("rider.pdf", tarfile.REGTYPE, b"%PDF"),
        ],
    )
    root = tmp_path / "restored"
    restore.extract_archive(archive, root)
    assert file_fingerprints(root) == {
        "photos/a.jpg": hashlib.sha256(b"jpeg").hexdigest(),
        "rider.pdf": hashlib.sha256(b"%PDF").hexdigest(),
    }
    written = (root / "photos" / "a.jpg").stat()
    assert (written.st_uid, written.st_mode & 0o7000) == (os.getuid(), 0)


@pytest.mark.parametrize(
    ("name", "kind", "content", "reason"),
    [
        ("../escape.txt", "file", b"no", "a path outside its folder"),
        ("photos/../../escape.txt", "file", b"no", "a path outside its folder"),
        ("/srv/escape.txt", "file", b"no", "a path outside its folder"),
        ("link", "symlink", b"/etc/passwd", "not a file or a folder"),
        ("hard", "hardlink", b"/etc/passwd", "not a file or a folder"),
        ("device", "device", b"", "not a file or a folder"),
    ],
)
def test_an_archive_member_that_leads_out_or_is_not_a_file_is_refused_and_nothing_is_written(
    tmp_path, capsys, name, kind, content, reason
):
    import tarfile

    restore = load_script("restore")
    kinds = {
        "file": tarfile.REGTYPE,
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "device": tarfile.CHRTYPE,
    }
    # The good file first: refused archives write nothing, not even what came before the bad member.
    archive = archive_of(tmp_path / "files.tar", [("good.txt", tarfile.REGTYPE, b"ok"), (name, kinds[kind], content)])
    root = tmp_path / "restored" / "inner"
    root.mkdir(parents=True)
    with pytest.raises(restore.RestoreRefused) as refused:
        restore.extract_archive(archive, root)
    assert refused.value.code == 2
    said = capsys.readouterr().err
    assert reason in said and repr(name) in said
    assert list((tmp_path / "restored").rglob("*")) == [root]
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("cut", ["cut short", "not an archive"])
def test_an_archive_cut_short_or_not_an_archive_is_refused_with_the_reason_and_nothing_is_written(
    tmp_path, capsys, cut
):
    import tarfile

    restore = load_script("restore")
    whole = archive_of(
        tmp_path / "files.tar", [("a.txt", tarfile.REGTYPE, b"a" * 5000), ("b.txt", tarfile.REGTYPE, b"b")]
    )
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(whole.read_bytes()[:3000] if cut == "cut short" else b"this is no tar archive at all" * 40)
    root = tmp_path / "restored"
    root.mkdir()
    with pytest.raises(restore.RestoreRefused):
        restore.extract_archive(damaged, root)
    assert "is not a whole tar archive" in capsys.readouterr().err
    assert list(root.iterdir()) == []
