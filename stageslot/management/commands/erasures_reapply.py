"""Erase again the accounts the erasure ledger names that a restored backup brought back (bin/restore.py runs
it after a restore)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stageslot.privacy.erasure import erasures_reapply
from stageslot.privacy.ledger import ledger_path


class Command(BaseCommand):
    help = "Erase again every account the erasure ledger names that this database holds unerased."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ledger", type=Path, help="the ledger file (default: STAGESLOT_ERASURE_LEDGER)")

    def handle(self, *args, ledger: Path | None = None, **options) -> None:
        path = ledger or ledger_path()
        if path is None or not path.exists():
            self.stdout.write(f"No erasure ledger at {path or '(none set)'}: nothing to erase again.")
            return
        try:
            counts = erasures_reapply(path=path)
        except OSError as exc:
            raise CommandError(f"The erasure ledger {path} cannot be read: {exc}") from exc
        self.stdout.write(
            f"Erasure ledger {path}: {counts['erased']} erased again, {counts['already']} already erased, "
            f"{counts['absent']} not in this database."
        )
