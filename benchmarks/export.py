"""Export my data: how long the demo world's busiest person's archive takes to build, and how big it is.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/export.py
        [--runs 5] [--database-name stageslot_bench_export] [--keep]
    .venv/bin/python benchmarks/export.py     # SQLite, a throwaway file

Seeds the demo world (`seed_demo`) into the benchmark's own database, picks the person named in the most
rows of the person-data map (stageslot/privacy/person_data.py: every key to them in every mapped model),
then builds their archive --runs times as the worker does (stageslot.privacy.export.data_export_build,
the archive written to a temporary folder) and prints each build's time and queries, the archive's size
(and what its JSON, CSV and pages take unzipped), how many rows each section holds, and the coverage: the
rows of every mapped model that name the person (by any key to them, or addressed to their email) against
those the archive holds by id.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-name", default="stageslot_bench_export")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    return parser.parse_args()


def busiest_person():
    """The person with the most rows naming them in the person-data map's models."""
    from django.apps import apps
    from django.db.models import Count

    from accounts.models import User
    from stageslot.privacy.person_data import MAP

    counts: dict[int, int] = {}
    for entry in MAP:
        model = apps.get_model(entry.label)
        for key in entry.person:
            field = model._meta.get_field(key)
            if field.many_to_many:
                continue
            rows = model._base_manager.exclude(**{f"{key}__isnull": True}).values(key).annotate(n=Count("pk"))
            for row in rows.order_by():
                counts[row[key]] = counts.get(row[key], 0) + row["n"]
    pk, rows = max(counts.items(), key=lambda item: item[1])
    return User.objects.get(pk=pk), rows


def coverage(person, document: dict) -> tuple[int, int, dict[str, int]]:
    """(rows in the archive, rows that name the person, rows missed by model) over every mapped model."""
    from django.apps import apps
    from django.conf import settings
    from django.db.models import Q

    from stageslot.privacy.person_data import MAP

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found: dict[str, set] = {}
    for table in document["tables"]:
        if table["model"]:
            rows = document["sections"][table["section"]][table["table"]]
            found.setdefault(table["model"], set()).update(row["id"] for row in rows)
    held = total = 0
    missed: dict[str, int] = {}
    for entry in MAP:
        model = apps.get_model(entry.label)
        if model is user_model:
            naming = {person.pk}
        else:
            q = Q()
            for f in model._meta.get_fields():
                if getattr(f, "concrete", False) and f.is_relation and f.related_model is user_model:
                    q |= Q(**{f.name: person})
            for name in entry.by_email:
                q |= Q(**{f"{name}__iexact": person.email})
            naming = set(model._base_manager.filter(q).values_list("pk", flat=True)) if q else set()
        total += len(naming)
        held += len(naming & found.get(entry.label, set()))
        if naming - found.get(entry.label, set()):
            missed[entry.label] = len(naming - found.get(entry.label, set()))
    return held, total, missed


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot_bench_export.sqlite3")
    scratch = Path(tempfile.mkdtemp(prefix="stageslot-bench-export-"))
    os.environ["DJANGO_TEST_MEDIA_ROOT"] = str(scratch / "media")
    os.environ["DJANGO_TEST_BOOKING_FILES_ROOT"] = str(scratch / "private")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import DataExport
    from stageslot.privacy.export import data_export_build

    try:
        print(f"database: {connection.vendor} ({where}), load average {search_bench.load_average()}")
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo in {time.perf_counter() - started:.1f} s")
        person, rows = busiest_person()
        print(f"busiest person: {person.name} (id {person.pk}), named in {rows:,} rows")
        seconds, queries = [], []
        for _ in range(args.runs):
            export = DataExport.objects.create(user=person)
            counter = search_bench.QueryCounter()
            with connection.execute_wrapper(counter):
                began = time.perf_counter()
                data_export_build(export_id=export.pk)
                seconds.append(time.perf_counter() - began)
            queries.append(counter.count)
        export.refresh_from_db()
        print(
            f"build: median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms, "
            f"{statistics.median(queries):.0f} queries (n={args.runs})"
        )
        print(f"archive: {export.size / 1024:.1f} KiB")
        with export.file.open("rb") as handle:
            archive = zipfile.ZipFile(handle)
            print(f"members: {len(archive.namelist())}")
            for kind, test in (
                ("JSON", lambda n: n.endswith(".json")),
                ("CSV", lambda n: n.startswith("csv/")),
                ("pages", lambda n: n.endswith((".html", ".css"))),
                ("files", lambda n: n.startswith("files/")),
            ):
                size = sum(i.file_size for i in archive.infolist() if test(i.filename))
                print(f"  {kind:6} {size / 1024:8.1f} KiB unzipped")
            document = json.loads(archive.read("stageslot-export.json"))
        for section, tables in document["sections"].items():
            print(f"  {section:14} {sum(len(r) for r in tables.values()):6,} rows")
        held, total, missed = coverage(person, document)
        print(f"coverage: {held:,} of {total:,} rows that name the person are in the archive; missed: {missed}")
    finally:
        connection.close()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)


if __name__ == "__main__":
    main()
