"""`manage.py lint_migrations [APP …] [--baseline FILE]`: the rolling-deploy check. Refuses a migration
newer than the baseline that would break the release still running while it is deployed (a dropped or
renamed column or table, a NOT NULL column without a database default, a column made required or changed
in type, a unique constraint added); see stageslot/migration_lint.py and
docs/decisions/0062-migrations-during-a-rolling-deploy.md. It reads the SQL Django writes for the database
DATABASE_URL names (`make migrations-check` uses an empty in-memory SQLite one when none is set); nothing
is written to it. Exits 1 when a migration is refused."""

import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS


class Command(BaseCommand):
    help = "Refuse a new migration that would break the release still running during a rolling deploy."

    def add_arguments(self, parser) -> None:
        parser.add_argument("app_labels", nargs="*", help="Check only these apps (all of StageSlot's by default).")
        parser.add_argument(
            "--baseline",
            default="",
            help="The file of migrations left out, one 'app name' a line (stageslot/migration_baseline.txt).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database whose SQL is read.")

    def handle(self, *args, **options) -> None:
        try:
            from stageslot import migration_lint
        except ModuleNotFoundError as exc:
            raise CommandError(
                f"The check needs django-migration-linter ({exc.name} is missing): pip install -r requirements-dev.txt"
            ) from exc
        for label in options["app_labels"]:
            try:
                apps.get_app_config(label)
            except LookupError as exc:
                raise CommandError(f"No installed app is labelled {label!r}.") from exc
        # The linter says each step it takes at INFO; -v 2 shows them.
        logging.getLogger("django_migration_linter").setLevel(
            logging.DEBUG if options["verbosity"] > 1 else logging.WARNING
        )
        baseline = Path(options["baseline"]) if options["baseline"] else migration_lint.BASELINE
        linter = migration_lint.RollingDeployLinter(
            app_labels=options["app_labels"] or migration_lint.project_app_labels(),
            baseline=migration_lint.read_baseline(baseline),
            path=str(settings.BASE_DIR),
            database=options["database"],
            # Only the migrations after the baseline are read, so a run takes seconds without a cache, and
            # nothing is written outside the repository.
            no_cache=True,
        )
        linter.lint_all_migrations()
        linter.print_summary()
        if linter.has_errors:
            raise CommandError(f"{linter.nb_erroneous} migration(s) would break the release still running.")
