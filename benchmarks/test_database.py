"""How long building a test database takes: the CPU time of Django's `setup_databases` (every migration
applied, as pytest-django does for each test process of each CI stage), and the slowest migrations.

Usage:
    .venv/bin/python benchmarks/test_database.py            # SQLite, a throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/test_database.py

PostgreSQL when DATABASE_URL is set (its server; the test database `test_<name>` is made and dropped).
Prints the total CPU time of this process, the wall time, the load average, and the 15 slowest migrations.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

import django

django.setup()

from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

applied: list[tuple[float, str]] = []
_apply = MigrationExecutor.apply_migration


def _timed(self, state, migration, **kwargs):
    began = time.process_time()
    try:
        return _apply(self, state, migration, **kwargs)
    finally:
        applied.append((time.process_time() - began, f"{migration.app_label}.{migration.name}"))


def main() -> None:
    MigrationExecutor.apply_migration = _timed
    cpu, wall = time.process_time(), time.perf_counter()
    old = setup_databases(verbosity=0, interactive=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    teardown_databases(old, verbosity=0)
    engine = django.conf.settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"A test database on {engine}: {len(applied)} migrations, {cpu:.1f} s CPU, {wall:.1f} s wall")
    print("Load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for seconds, name in sorted(applied, reverse=True)[:15]:
        print(f"{seconds:7.2f} s  {name}")


if __name__ == "__main__":
    main()
