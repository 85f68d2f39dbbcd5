"""How long a backup and a restore of the demo world take (bin/backup.py, bin/restore.py), and how big they are.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/backup.py

PostgreSQL only (the server DATABASE_URL names; the databases are the benchmark's own, dropped at the end).
Migrates and seeds the demo world (`seed_demo`, with its photos) into stageslot_bench_backup, its files in a
temporary folder, then times each script as cron or an operator runs it: a process of its own, Django's start
included. Prints seconds and sizes.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as search_bench

ROOT = Path(__file__).resolve().parents[1]
SOURCE, TARGET = "stageslot_bench_backup", "stageslot_bench_backup_restored"


def timed(args: list, env: dict) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - this interpreter and the project's own scripts
        [sys.executable, *map(str, args)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{result.stdout}{result.stderr}")
    return seconds, result.stdout


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    source_url, maintenance_url = search_bench.bench_database_url(SOURCE)
    target_url, _ = search_bench.bench_database_url(TARGET)
    search_bench.recreate_database(maintenance_url, SOURCE)
    search_bench.recreate_database(maintenance_url, TARGET, drop_only=True)
    with tempfile.TemporaryDirectory(prefix="stageslot-bench-backup-") as scratch:
        scratch = Path(scratch)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "stageslot.settings.local",
            "DATABASE_URL": source_url,
            "DJANGO_MEDIA_ROOT": str(scratch / "media"),
            "BOOKING_FILES_ROOT": str(scratch / "booking-files"),
            "EMAIL_URL": "dummymail://",  # the seed's mails: not printed
        }
        env.pop("BOOKING_FILES_S3_BUCKET", None)
        try:
            seconds, _ = timed(["manage.py", "migrate", "--noinput", "-v0"], env)
            print(f"migrate: {seconds:.1f} s")
            seconds, _ = timed(["manage.py", "seed_demo", "--force", "--quiet"], env)
            print(f"seed_demo: {seconds:.1f} s")

            backup_seconds, out = timed(["bin/backup.py", "--into", scratch / "backups"], env)
            (backup,) = (scratch / "backups").iterdir()
            print(f"\nbin/backup.py: {backup_seconds:.1f} s in all ({size_of(backup) / 1e6:.1f} MB)")
            print(re.sub("^", "  ", out.strip(), flags=re.MULTILINE))

            restore_seconds, out = timed(
                [
                    "bin/restore.py",
                    backup,
                    "--database-url",
                    target_url,
                    "--media-root",
                    scratch / "restored-media",
                    "--booking-files-root",
                    scratch / "restored-booking-files",
                ],
                env,
            )
            print(f"\nbin/restore.py: {restore_seconds:.1f} s in all")
            print(re.sub("^", "  ", out.strip(), flags=re.MULTILINE))
            print(f"\nload average: {search_bench.load_average()}")
        finally:
            for name in (SOURCE, TARGET):
                search_bench.recreate_database(maintenance_url, name, drop_only=True)


if __name__ == "__main__":
    main()
