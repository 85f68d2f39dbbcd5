"""The rolling-deploy check of migrations (`manage.py lint_migrations`, `make migrations-check`).

During a deploy the release phase runs `migrate` while the old release still serves requests, and the
old and the new code run side by side until every node has the new one. A migration must therefore leave
a schema the old code can still read and write: no dropped or renamed column or table, no new column the
old code's INSERTs leave out unless the database fills it (`db_default`), no column made required or
changed in type under the old code. django-migration-linter (3YOURMIND) reads the SQL Django writes for
each migration on the database in use and refuses those; this module adds what StageSlot needs around it
(docs/decisions/0062-migrations-during-a-rolling-deploy.md):

- the migrations that were already in the repository when the check began (`migration_baseline.txt`)
  are left out: they have run everywhere, and every later one is checked;
- only StageSlot's own apps are checked, not those of installed packages;
- a migration that breaks the old code on purpose (the second release of an expand/contract change)
  says so itself: `migration_linter_allow = {"DROP_COLUMN": "why it is safe now"}` on its Migration
  class, a reason for each check it is let through;
- the NOT NULL check follows each column: a column added NOT NULL passes only when the database gives it
  a default (Django's `db_default`), and a column made NOT NULL never passes, also when SQLite rebuilds
  the table to do it (the linter's own SQLite check refuses every rebuild, its PostgreSQL one lets a
  default on one column cover another);
- a column SQLite renames by rebuilding the table counts as renamed.

The linter is a development requirement (requirements-dev.txt); production neither needs nor has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations import Migration
from django_migration_linter import MigrationLinter
from django_migration_linter.migration_linter import MessageType
from django_migration_linter.sql_analyser import MySqlAnalyser, PostgresqlAnalyser, SqliteAnalyser
from django_migration_linter.sql_analyser.base import (
    BaseAnalyser,
    Check,
    CheckMode,
    CheckType,
    update_migration_checks,
)

BASELINE = Path(__file__).resolve().parent / "migration_baseline.txt"
# The attribute of a Migration class naming the checks it is let through on purpose, each with its reason.
ALLOW_ATTRIBUTE = "migration_linter_allow"
# The linter's checks of data migrations (RunPython, RunSQL), beside its SQL checks.
DATA_MIGRATION_CHECKS = (
    "RUNPYTHON_REVERSIBLE",
    "RUNPYTHON_ARGS_NAMING_CONVENTION",
    "RUNPYTHON_MODEL_IMPORT",
    "RUNPYTHON_MODEL_VARIABLE_NAME",
    "RUNSQL_REVERSIBLE",
)
ADVICE = (
    "A migration above would break the release still running while it is deployed. Split the change over "
    "two releases (docs/deploying.md, 'Migrations during a rolling deploy': add nullable or with db_default, backfill, "
    "make it required in the next release; stop using a column, drop it in the next release). If the break "
    f"is intended, name the check in the migration's `{ALLOW_ATTRIBUTE} = {{'CHECK': 'reason'}}`."
)

_NAME = r'"?(?P<{}>\w+)"?'
_ADD_COLUMN = re.compile(
    r"^ALTER TABLE {} ADD COLUMN {} (?P<definition>.*)$".format(_NAME.format("table"), _NAME.format("column")),
    re.IGNORECASE | re.DOTALL,
)
_ALTER_COLUMN = re.compile(
    r"ALTER COLUMN {} (?P<action>SET NOT NULL|DROP DEFAULT|SET DEFAULT)".format(_NAME.format("column")),
    re.IGNORECASE,
)
_ALTER_TABLE = re.compile(r"^ALTER TABLE {}".format(_NAME.format("table")), re.IGNORECASE)
_NEW_TABLE = re.compile(r'^CREATE TABLE "new__(?P<table>\w+)" \((?P<body>.*)\);?$', re.DOTALL)
_COPY_INTO_NEW = re.compile(
    r'^INSERT INTO "new__(?P<table>\w+)" \((?P<targets>.*?)\) SELECT (?P<values>.*) FROM "(?P<source>\w+)";?$',
    re.DOTALL,
)
_CREATE_TABLE = re.compile(r"^CREATE TABLE (?:IF NOT EXISTS )?{}".format(_NAME.format("table")), re.IGNORECASE)
_UNIQUE_INDEX = re.compile(
    r"^CREATE UNIQUE INDEX (?:IF NOT EXISTS )?\S+ ON {}".format(_NAME.format("table")), re.IGNORECASE
)
_UNIQUE_CONSTRAINT = re.compile(
    r"^ALTER TABLE {} ADD CONSTRAINT .* UNIQUE".format(_NAME.format("table")), re.IGNORECASE
)
_DROP_TABLE = re.compile(r"^DROP TABLE (?:IF EXISTS )?{}".format(_NAME.format("table")), re.IGNORECASE)
_QUOTED_NAME = re.compile(r'^"(?P<name>\w+)"$')
_TABLE_CONSTRAINT = re.compile(r"^(CONSTRAINT|CHECK|UNIQUE|PRIMARY KEY|FOREIGN KEY)\b", re.IGNORECASE)
_HAS_DEFAULT = re.compile(r"\b(DEFAULT (?!NULL\b)|GENERATED\b)", re.IGNORECASE)
_NOT_NULL = re.compile(r"(?<!IS )\bNOT NULL\b", re.IGNORECASE)


def _split_top_level(text: str) -> list[str]:
    """Split a column list or a SELECT list at its commas, leaving those inside brackets or quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _required(definition: str) -> bool:
    """Whether a column definition is NOT NULL (a primary key is filled by the database)."""
    return bool(_NOT_NULL.search(definition)) and "PRIMARY KEY" not in definition.upper()


def _rebuilds(sql_statements: list[str]) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Each time SQLite rebuilds a table (new table, copy, drop, rename), in order: the table, its new
    columns' definitions and what the copy puts in each column ({column: value copied})."""
    found = []
    definitions: dict[str, dict[str, str]] = {}
    for sql in sql_statements:
        if match := _NEW_TABLE.match(sql):
            columns = {}
            for entry in _split_top_level(match["body"]):
                if not _TABLE_CONSTRAINT.match(entry):
                    name, _, definition = entry.partition(" ")
                    columns[name.strip('"')] = definition
            definitions[match["table"]] = columns
        elif (match := _COPY_INTO_NEW.match(sql)) and match["table"] in definitions:
            targets = [target.strip('"') for target in _split_top_level(match["targets"])]
            copied = dict(zip(targets, _split_top_level(match["values"]), strict=False))
            found.append((match["table"], definitions.pop(match["table"]), copied))
    return found


def _created_tables(sql_statements: list[str]) -> set[str]:
    """The tables a migration creates (not SQLite's new__ copies): the old code knows nothing of them."""
    return {
        match["table"]
        for sql in sql_statements
        if (match := _CREATE_TABLE.match(sql)) and not match["table"].startswith("new__")
    }


def not_null_without_default(sql_statements: list[str], **kwargs) -> bool:
    """True when the old code's writes would break on a NOT NULL column: one added without a database
    default (its INSERTs leave the column out), or one made NOT NULL (they may write NULL to it).

    Follows each column on its own: the PostgreSQL form (ADD COLUMN … NOT NULL, a later DROP DEFAULT,
    SET NOT NULL) and each of SQLite's table rebuilds (a new NOT NULL column neither copied nor with a
    default, or a column copied through coalesce(), which is how Django makes a nullable column
    required). A table the same migration creates is the new code's alone and is not looked at."""
    created = _created_tables(sql_statements)
    added: dict[tuple[str, str], bool] = {}  # (table, column) added NOT NULL -> has a database default
    for sql in sql_statements:
        match = _ALTER_TABLE.match(sql)
        if not match or match["table"] in created:
            continue
        table = match["table"]
        if (match := _ADD_COLUMN.match(sql)) and _required(match["definition"]):
            added[(table, match["column"])] = bool(_HAS_DEFAULT.search(match["definition"]))
        for change in _ALTER_COLUMN.finditer(sql):
            action, key = change["action"].upper(), (table, change["column"])
            if action == "SET NOT NULL":
                return True
            if key in added:
                added[key] = action == "SET DEFAULT"
    if not all(added.values()):
        return True
    for table, definitions, copied in _rebuilds(sql_statements):
        if table in created:
            continue
        for column, definition in definitions.items():
            if not _required(definition):
                continue
            value = copied.get(column, "")
            if value.lower().startswith("coalesce("):
                return True
            if not _QUOTED_NAME.match(value) and not _HAS_DEFAULT.search(definition):
                return True
    return False


def column_renamed(sql_statements: list[str], **kwargs) -> bool:
    """True when a column is renamed: ALTER TABLE … RENAME COLUMN, or SQLite's rebuild copying a column
    from one of another name."""
    if any(re.search(r"ALTER TABLE .* (RENAME COLUMN|CHANGE)", sql) for sql in sql_statements):
        return True
    for _table, _definitions, copied in _rebuilds(sql_statements):
        for column, value in copied.items():
            if (match := _QUOTED_NAME.match(value)) and match["name"] != column:
                return True
    return False


def table_dropped(sql_statements: list[str], **kwargs) -> bool:
    """True when a table is dropped, other than the old copy of a table SQLite rebuilds."""
    rebuilt = {table for table, _definitions, _copied in _rebuilds(sql_statements)}
    return any((match := _DROP_TABLE.match(sql)) and match["table"] not in rebuilt for sql in sql_statements)


def unique_added(sql_statements: list[str], **kwargs) -> bool:
    """True when a unique index or constraint is added to a table the old code writes to. On SQLite a
    rebuilt table gets all its unique indexes made again, old and new alike: those are not counted (the
    PostgreSQL run sees a new one)."""
    skipped = _created_tables(sql_statements) | {table for table, _columns, _copied in _rebuilds(sql_statements)}
    for sql in sql_statements:
        match = _UNIQUE_INDEX.match(sql) or _UNIQUE_CONSTRAINT.match(sql)
        if match and match["table"] not in skipped:
            return True
    return False


_NOT_NULL_CHECK = Check(
    code="NOT_NULL",
    fn=not_null_without_default,
    message="NOT NULL constraint on columns (a new column needs a database default, db_default; "
    "a column made required breaks the old code's writes)",
    mode=CheckMode.TRANSACTION,
    type=CheckType.ERROR,
)


class StageSlotSqliteAnalyser(SqliteAnalyser):
    """The linter's SQLite checks, with NOT NULL, renamed columns, dropped tables and unique indexes read
    per column and per table through SQLite's table rebuilds."""

    migration_checks = update_migration_checks(
        SqliteAnalyser.migration_checks,
        [
            _NOT_NULL_CHECK,
            Check(
                code="RENAME_COLUMN",
                fn=column_renamed,
                message="RENAMING columns",
                mode=CheckMode.TRANSACTION,
                type=CheckType.ERROR,
            ),
            Check(
                code="DROP_TABLE",
                fn=table_dropped,
                message="DROPPING table",
                mode=CheckMode.TRANSACTION,
                type=CheckType.ERROR,
            ),
            Check(
                code="ADD_UNIQUE",
                fn=unique_added,
                message="ADDING unique constraint",
                mode=CheckMode.TRANSACTION,
                type=CheckType.ERROR,
            ),
        ],
    )


class StageSlotPostgresqlAnalyser(PostgresqlAnalyser):
    """The linter's PostgreSQL checks, with NOT NULL read per column."""

    migration_checks = update_migration_checks(PostgresqlAnalyser.migration_checks, [_NOT_NULL_CHECK])


ANALYSERS = {SqliteAnalyser: StageSlotSqliteAnalyser, PostgresqlAnalyser: StageSlotPostgresqlAnalyser}


def known_checks() -> set[str]:
    """Every check a migration can name in migration_linter_allow, on any database."""
    codes = set(DATA_MIGRATION_CHECKS)
    for analyser in (BaseAnalyser, StageSlotSqliteAnalyser, StageSlotPostgresqlAnalyser, MySqlAnalyser):
        codes |= {check.code for check in analyser.base_migration_checks + analyser.migration_checks}
    return codes


def read_baseline(path: Path = BASELINE) -> set[tuple[str, str]]:
    """The (app label, migration name) pairs listed in a baseline file, one "app name" a line."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            app_label, name = line.split()
            found.add((app_label, name))
    return found


def project_app_labels() -> list[str]:
    """The labels of StageSlot's own apps (those inside the repository, not installed packages)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and not path.is_relative_to(base / ".venv"):
            labels.append(config.label)
    return labels


def allowed_checks(migration: Migration) -> tuple[dict[str, str], list[str]]:
    """The checks a migration is let through on purpose, with their reasons, and what is wrong with how it
    names them (no reason, a check the linter does not have)."""
    allowed = getattr(migration, ALLOW_ATTRIBUTE, None) or {}
    if not isinstance(allowed, dict):
        return {}, [f"{ALLOW_ATTRIBUTE} must be a dict of check name to reason, not {type(allowed).__name__}"]
    problems = []
    known = known_checks()
    for code, reason in allowed.items():
        if code not in known:
            problems.append(f"{ALLOW_ATTRIBUTE} names {code!r}, which is no check of the linter: {sorted(known)}")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{ALLOW_ATTRIBUTE} lets {code!r} through without a reason: say why it is safe")
    return allowed, problems


class RollingDeployLinter(MigrationLinter):
    """django-migration-linter over StageSlot's own apps, leaving out the baseline, honouring each
    migration's migration_linter_allow, with the per-column checks above."""

    def __init__(self, *, app_labels: Iterable[str], baseline: set[tuple[str, str]], **options) -> None:
        super().__init__(**options)
        self.app_labels = set(app_labels)
        self.baseline = baseline
        self.nb_baseline = 0
        self.sql_analyser_class = ANALYSERS.get(self.sql_analyser_class, self.sql_analyser_class)

    def lint_migration(self, migration: Migration) -> None:
        if migration.app_label not in self.app_labels:
            return
        if (migration.app_label, migration.name) in self.baseline:
            self.nb_baseline += 1
            return
        allowed, problems = allowed_checks(migration)
        if problems:
            self.nb_total += 1
            self.nb_erroneous += 1
            self.print_linting_msg(migration.app_label, migration.name, "ERR", MessageType.ERROR)
            for problem in problems:
                print(f"\t{problem}")
            return
        everywhere = self.exclude_migration_tests
        self.exclude_migration_tests = [*everywhere, *allowed]
        try:
            super().lint_migration(migration)
        except (ValueError, DatabaseError) as error:
            # Django writes some SQL only by asking the database (e.g. the name of a constraint to drop).
            self.nb_erroneous += 1
            self.print_linting_msg(migration.app_label, migration.name, "ERR", MessageType.ERROR)
            print(
                f"\tDjango could not write this migration's SQL without reading the database ({error}): run "
                "the check with DATABASE_URL naming a database migrated up to the migration before it"
            )
        finally:
            self.exclude_migration_tests = everywhere
        for code, reason in allowed.items():
            print(f"\tlet through on purpose: {code} – {reason}")

    def print_summary(self) -> None:
        super().print_summary()
        print(f"SQL read as {connections[self.database].vendor} writes it")
        print(f"Left out as older than the check (the baseline): {self.nb_baseline}")
        if self.has_errors:
            print(ADVICE)
