"""The rolling-deploy check (`manage.py lint_migrations`, `make migrations-check`; decision 0062) refuses a
migration that would break the release still running while it is deployed, and lets a safe one through.

The migrations under test live in two throwaway apps written to pytest's tmp_path and installed by a
settings module written there too; `manage.py lint_migrations` runs on them in a process of its own, on an
empty SQLite database in memory and, in the PostgreSQL stage, on PostgreSQL's SQL. Nothing is written
to the repository. The per-column checks are also tested on SQL text alone, as Django writes it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stageslot.migration_lint import (
    column_renamed,
    known_checks,
    not_null_without_default,
    project_app_labels,
    read_baseline,
    table_dropped,
    unique_added,
)

ROOT = Path(__file__).resolve().parents[2]

INITIAL = """
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=40)),
                ("note", models.CharField(max_length=40, blank=True)),
                ("size", models.IntegerField(null=True)),
                ("owner", models.ForeignKey("self", null=True, on_delete=models.SET_NULL)),
            ],
        ),
        migrations.CreateModel(
            name="Spare",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
    ]
"""
# Each refused migration of the app "lintbad": (name, class body without dependencies, what is said).
REFUSED = [
    ("0002_drop_note", 'operations = [migrations.RemoveField("gadget", "note")]', "DROPPING columns"),
    (
        "0003_add_required",
        'operations = [migrations.AddField("gadget", "colour", models.CharField(max_length=9, default="red"))]',
        "NOT NULL constraint on columns",
    ),
    ("0004_rename_name", 'operations = [migrations.RenameField("gadget", "name", "title")]', "RENAMING columns"),
    ("0005_drop_spare", 'operations = [migrations.DeleteModel("Spare")]', "DROPPING table"),
    (
        "0006_size_required",
        'operations = [migrations.AlterField("gadget", "size", models.IntegerField(default=1))]',
        "NOT NULL constraint on columns",
    ),
    (
        "0007_allowed_without_reason",
        'migration_linter_allow = {"DROP_COLUMN": ""}\noperations = [migrations.RemoveField("gadget", "size")]',
        "lets 'DROP_COLUMN' through without a reason",
    ),
]
# Each migration of the app "lintsafe", which the check lets through.
SAFE = [
    (
        "0002_add_nullable",
        'operations = [migrations.AddField("gadget", "colour", models.CharField(max_length=9, null=True))]',
    ),
    (
        "0003_add_with_db_default",
        'operations = [migrations.AddField("gadget", "shelf", models.IntegerField(db_default=0, default=0))]',
    ),
    (
        "0004_drop_note_on_purpose",
        'migration_linter_allow = {"DROP_COLUMN": "note has been unused since the release before"}\n'
        'operations = [migrations.RemoveField("gadget", "note")]',
    ),
    # SQLite rebuilds the table for this: the rebuild alone is no break.
    (
        "0005_name_optional",
        'operations = [migrations.AlterField("gadget", "name", models.CharField(max_length=40, null=True))]',
    ),
]


def _write_app(folder: Path, label: str, migrations: list[tuple[str, str]]) -> None:
    package = folder / label / "migrations"
    package.mkdir(parents=True)
    (folder / label / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    previous = None
    for name, body in [("0001_initial", textwrap.dedent(INITIAL).strip()), *migrations]:
        dependencies = f"dependencies = [({label!r}, {previous!r})]\n    " if previous else ""
        (package / f"{name}.py").write_text(
            "from django.db import migrations, models\n\n\n"
            f"class Migration(migrations.Migration):\n    {dependencies}{textwrap.indent(body, '    ').strip()}\n"
        )
        previous = name


@pytest.fixture(scope="module")
def apps_folder(tmp_path_factory) -> Path:
    """Two throwaway apps and the settings that install them, outside the repository."""
    folder = tmp_path_factory.mktemp("lint-apps")
    _write_app(folder, "lintbad", [(name, body) for name, body, _said in REFUSED])
    _write_app(folder, "lintsafe", SAFE)
    (folder / "lint_settings.py").write_text(
        "from stageslot.settings.test import *  # noqa: F403\n"
        "from stageslot.settings.test import INSTALLED_APPS\n\n"
        'INSTALLED_APPS = [*INSTALLED_APPS, "lintbad", "lintsafe"]\n'
    )
    return folder


def _lint(folder: Path, database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTHONPATH")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "lint_settings",
        "DATABASE_URL": database_url,
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
    }
    return subprocess.run(  # noqa: S603 - this interpreter and the repository's manage.py
        [sys.executable, "manage.py", "lint_migrations", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _verdicts(output: str) -> dict[tuple[str, str], str]:
    """Each migration's verdict line and the lines under it, by (app, migration name)."""
    found: dict[tuple[str, str], str] = {}
    key = ("", "")
    for line in output.splitlines():
        if line.startswith("(") and ")... " in line:
            app, name = line[1:].split(")... ", 1)[0].split(", ")
            key = (app, name)
            found[key] = line.split(")... ", 1)[1]
        elif line.startswith("\t") and key in found:
            found[key] += "\n" + line.strip()
    return found


DATABASES = [
    pytest.param("sqlite://:memory:", id="sqlite"),
    pytest.param("postgres", id="postgresql", marks=pytest.mark.postgres),
]
# Each run starts Django in a process of its own, which takes most of its time.
SUBPROCESS = pytest.mark.slow(reason="runs manage.py lint_migrations in a process of its own (about 5 s)")


def _database_url(which: str) -> str:
    return os.environ["DATABASE_URL"] if which == "postgres" else which


@SUBPROCESS
@pytest.mark.parametrize("database", DATABASES)
def test_the_check_refuses_a_migration_that_breaks_the_running_release(apps_folder, database):
    result = _lint(apps_folder, _database_url(database), "lintbad")
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = _verdicts(result.stdout)
    assert verdicts[("lintbad", "0001_initial")] == "OK"
    for name, _body, said in REFUSED:
        assert verdicts[("lintbad", name)].startswith("ERR"), (name, verdicts[("lintbad", name)])
        assert said in verdicts[("lintbad", name)], (name, verdicts[("lintbad", name)])
    assert "would break the release still running while it is deployed" in result.stdout
    assert "migration_linter_allow" in result.stdout
    assert f"{len(REFUSED)} migration(s) would break the release still running" in result.stderr


@SUBPROCESS
@pytest.mark.parametrize("database", DATABASES)
def test_the_check_lets_safe_migrations_an_intended_break_and_the_baseline_through(apps_folder, database, tmp_path):
    # Here the refused migrations are in the baseline, as if they had been there before the check.
    baseline = tmp_path / "baseline.txt"
    old = ["0001_initial", *(name for name, _body, _said in REFUSED)]
    baseline.write_text("# before the check\n" + "".join(f"lintbad {name}\n" for name in old))
    result = _lint(apps_folder, _database_url(database), "lintbad", "lintsafe", "--baseline", str(baseline))
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = _verdicts(result.stdout)
    assert {app for app, _name in verdicts} == {"lintsafe"}
    assert f"Left out as older than the check (the baseline): {len(old)}" in result.stdout
    for name in ("0001_initial", "0002_add_nullable", "0003_add_with_db_default", "0005_name_optional"):
        assert verdicts[("lintsafe", name)] == "OK", (name, verdicts[("lintsafe", name)])
    on_purpose = verdicts[("lintsafe", "0004_drop_note_on_purpose")]
    assert on_purpose.startswith("OK (ignored)") and "DROPPING columns" in on_purpose
    assert "let through on purpose: DROP_COLUMN – note has been unused since the release before" in on_purpose


def test_the_baseline_lists_only_migrations_of_our_apps_and_never_grows():
    baseline = read_baseline()
    assert {label for label, _name in baseline} <= set(project_app_labels())
    # The 103 migrations there were when the check began (issue 47): a new one is checked, never added here.
    # Lines may go with their files (decision 0049's clean-up of the replaced migrations).
    assert len(baseline) <= 103


# SQL as Django 5.2 writes it: SQLite rebuilds a table for most changes, PostgreSQL alters it.
GADGET = '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(40) NOT NULL, "size" integer NULL'
REBUILD = [
    'CREATE TABLE "new__app_gadget" ({columns});',
    'INSERT INTO "new__app_gadget" ({targets}) SELECT {values} FROM "app_gadget";',
    'DROP TABLE "app_gadget";',
    'ALTER TABLE "new__app_gadget" RENAME TO "app_gadget";',
]


def _rebuild(columns: str, targets: str, values: str) -> list[str]:
    return [line.format(columns=columns, targets=targets, values=values) for line in REBUILD]


def test_not_null_reads_each_sqlite_rebuild():
    copied = '"id", "name", "size"'
    assert not not_null_without_default(_rebuild(GADGET, copied, copied))
    # A new NOT NULL column the database fills (db_default) is safe; one filled once by the copy is not.
    assert not not_null_without_default(_rebuild(f'"shelf" integer DEFAULT 0 NOT NULL, {GADGET}', copied, copied))
    assert not_null_without_default(
        _rebuild(f'"shelf" integer NOT NULL, {GADGET}', f'{copied}, "shelf"', f"{copied}, 0")
    )
    # A nullable column made required is copied through coalesce().
    required = GADGET.replace('"size" integer NULL', '"size" integer NOT NULL')
    assert not_null_without_default(_rebuild(required, copied, '"id", "name", coalesce("size", 1)'))
    # Two rebuilds of one table: the first one's new column is copied by the second.
    first = _rebuild(f'"shelf" integer NOT NULL, {GADGET}', f'{copied}, "shelf"', f"{copied}, 0")
    second = _rebuild(f'"shelf" integer NOT NULL, {GADGET}', f'{copied}, "shelf"', f'{copied}, "shelf"')
    assert not_null_without_default(first + second)


def test_not_null_follows_each_postgresql_column():
    with_default = 'ALTER TABLE "app_gadget" ADD COLUMN "shelf" integer DEFAULT 0 NOT NULL;'
    python_default = [
        'ALTER TABLE "app_gadget" ADD COLUMN "colour" varchar(9) DEFAULT \'red\' NOT NULL;',
        'ALTER TABLE "app_gadget" ALTER COLUMN "colour" DROP DEFAULT;',
    ]
    assert not not_null_without_default([with_default])
    assert not_null_without_default(python_default)
    # The linter's own check let a default on one column, added last, cover the other.
    assert not_null_without_default([*python_default, with_default])
    assert not_null_without_default(['ALTER TABLE "app_gadget" ALTER COLUMN "size" SET NOT NULL;'])
    assert not not_null_without_default(['ALTER TABLE "app_gadget" ALTER COLUMN "size" DROP NOT NULL;'])
    # A table the migration creates is the new code's alone.
    assert not not_null_without_default(
        [
            'CREATE TABLE "app_ticket" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY);',
            'ALTER TABLE "app_ticket" ADD COLUMN "gadget_id" bigint NOT NULL;',
        ]
    )


def test_renames_drops_and_unique_indexes_through_sqlite_rebuilds():
    copied = '"id", "name", "size"'
    assert not column_renamed(_rebuild(GADGET, copied, copied))
    assert column_renamed(_rebuild(GADGET, copied, '"id", "title", "size"'))
    assert column_renamed(['ALTER TABLE "app_gadget" RENAME COLUMN "name" TO "title";'])
    assert not table_dropped(_rebuild(GADGET, copied, copied))
    assert table_dropped([*_rebuild(GADGET, copied, copied), 'DROP TABLE "app_spare" CASCADE;'])
    remade = 'CREATE UNIQUE INDEX "app_gadget_name_uniq" ON "app_gadget" ("name");'
    assert not unique_added([*_rebuild(GADGET, copied, copied), remade])
    assert unique_added([remade])


def test_every_check_a_migration_may_name():
    assert {"DROP_COLUMN", "DROP_TABLE", "RENAME_COLUMN", "RENAME_TABLE", "NOT_NULL", "ALTER_COLUMN"} <= known_checks()
    assert {"ADD_UNIQUE", "CREATE_INDEX", "RUNPYTHON_MODEL_IMPORT"} <= known_checks()
