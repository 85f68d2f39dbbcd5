"""The erasure ledger (docs/decisions/0084): a backup restored after someone was erased would bring them
back. Each erasure appends one line, `{"user": <id>, "erased_at": <UTC time>}`, to a file outside the
database (STAGESLOT_ERASURE_LEDGER), so restoring the database does not roll it back; bin/restore.py then
runs `manage.py erasures_reapply`, which erases again every account of the ledger that the restored
database still holds. No name, email or other personal data is written: an id and a time."""

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LedgerLine:
    user_id: int
    erased_at: dt.datetime


def ledger_path() -> Path | None:
    """Where the ledger is kept; None when the settings keep none (the test settings)."""
    return Path(settings.STAGESLOT_ERASURE_LEDGER) if settings.STAGESLOT_ERASURE_LEDGER else None


def ledger_append(*, user_id: int, erased_at: dt.datetime, path: Path | None = None) -> None:
    """Add one erasure, written through to the disk. A ledger that cannot be written is logged as an error
    (the erasure stands; only a later restore would miss it)."""
    path = path or ledger_path()
    if path is None:
        return
    line = json.dumps({"user": user_id, "erased_at": erased_at.astimezone(dt.UTC).isoformat()}) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as ledger:
            ledger.write(line)
            ledger.flush()
            os.fsync(ledger.fileno())
    except OSError:
        logger.exception("The erasure of account %s could not be written to the erasure ledger %s", user_id, path)


def ledger_read(path: Path) -> list[LedgerLine]:
    """Every erasure the ledger names (a line that cannot be read, say half-written by a crash, is skipped)."""
    found = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            entry = json.loads(text)
            found.append(LedgerLine(int(entry["user"]), dt.datetime.fromisoformat(entry["erased_at"])))
        except (ValueError, KeyError, TypeError):
            if text.strip():
                logger.warning("Erasure ledger %s: line %s cannot be read and is skipped", path, number)
    return found
