"""Compile the translation catalogues (locale/<language>/LC_MESSAGES/*.po) into the .mo files Django
reads, with polib: no GNU gettext needed on the machine. Only catalogues whose .po is newer than
their .mo are written; a fuzzy or empty translation is left out, so its English shows.

    python -m stageslot.catalogues        # `make messages-compile`; `make run` and `make test` call it
"""

import os
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def compile_catalogues(locale: Path = LOCALE) -> list[Path]:
    """Write each stale .mo next to its .po; the paths written."""
    written = []
    for po_path in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Written beside it and renamed into place: a test process starting at the same time reads the old
        # catalogue or the new one, never half of one.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        partial.replace(mo_path)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"Compiled {path.relative_to(LOCALE.parent)}")
