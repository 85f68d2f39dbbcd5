"""Find the words of the libraries StageSlot shows (allauth, Django's forms, auth and admin) whose own
translation addresses the reader in another voice than StageSlot speaks in that language
(docs/languages.md: German "Sie", French "vous", Spanish "usted", Italian "tu", Dutch "je"), and write
them to core/library_words.py, so that `make messages` copies them into our catalogues, where our
translation (in our voice) wins over the library's: LOCALE_PATHS come before the apps' own catalogues.

    python bin/library_words.py          # writes core/library_words.py; then `make messages`, translate
    python bin/library_words.py --seed   # also fills our catalogues with the library's translation where it
                                         # already speaks our voice (a start; each is then ours to keep)

stageslot/tests/test_languages.py reads the libraries the same way (stageslot.voice) and fails when one
of their words in another voice is not overridden, so a library upgrade that brings a new one is noticed.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polib  # noqa: E402

from stageslot.voice import LANGUAGES_VOICED, library_catalogues, off_voice  # noqa: E402

TARGET = ROOT / "core" / "library_words.py"
HEAD = '''# ruff: noqa: E501 - each word as the library writes it, on one line
"""Words of the libraries StageSlot shows (allauth, Django's forms, auth and admin) whose own translation
speaks to the reader in another voice than StageSlot does in that language: listed here so that
`make messages` puts them in our catalogues and our translation, in our voice, is the one read
(docs/languages.md). Written by `python bin/library_words.py`; stageslot/tests/test_languages.py fails
when a library brings a new one. Nothing imports this module: it only marks the words."""

{imports}

WORDS = (
'''


def _literal(text: str) -> str:
    return repr(text)


def entries() -> list[polib.POEntry]:
    found: dict[tuple[str | None, str], polib.POEntry] = {}
    for language in LANGUAGES_VOICED:
        for po in library_catalogues(language):
            for entry in po:
                if entry.obsolete or not entry.translated() or "fuzzy" in entry.flags:
                    continue
                texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
                if any(off_voice(language, text) for text in texts):
                    found.setdefault((entry.msgctxt, entry.msgid), entry)
    return sorted(found.values(), key=lambda e: (e.msgctxt or "", e.msgid))


def _marker(entry: polib.POEntry) -> str:
    return "ngettext_lazy" if entry.msgid_plural else "pgettext_lazy" if entry.msgctxt else "gettext_noop"


def write(found: list[polib.POEntry]) -> None:
    used = sorted({_marker(entry) for entry in found})
    lines = [HEAD.format(imports=f"from django.utils.translation import {', '.join(used)}")]
    for entry in found:
        if entry.msgid_plural:
            lines.append(f"    ngettext_lazy({_literal(entry.msgid)}, {_literal(entry.msgid_plural)}, 1),\n")
        elif entry.msgctxt:
            lines.append(f"    pgettext_lazy({_literal(entry.msgctxt)}, {_literal(entry.msgid)}),\n")
        else:
            lines.append(f"    gettext_noop({_literal(entry.msgid)}),\n")
    lines.append(")\n")
    TARGET.write_text("".join(lines))
    print(f"{len(found)} library words in another voice written to {TARGET.relative_to(ROOT)}")


def seed() -> None:
    """Our catalogue's empty entries for these words take the library's translation where that one
    already speaks our voice."""
    from stageslot.voice import LOCALE

    wanted = {(e.msgctxt, e.msgid) for e in entries()}
    for language in LANGUAGES_VOICED:
        theirs = {}
        for po in library_catalogues(language):
            for entry in po:
                if (entry.msgctxt, entry.msgid) in wanted and entry.translated() and "fuzzy" not in entry.flags:
                    texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
                    if not any(off_voice(language, text) for text in texts):
                        theirs.setdefault((entry.msgctxt, entry.msgid), entry)
        path = LOCALE / language / "LC_MESSAGES" / "django.po"
        ours = polib.pofile(str(path), wrapwidth=79)
        filled = 0
        for entry in ours:
            source = theirs.get((entry.msgctxt, entry.msgid))
            if source is None or (entry.translated() and "fuzzy" not in entry.flags):
                continue
            if entry.msgid_plural:
                forms = len(entry.msgstr_plural) or 2
                values = [
                    source.msgstr_plural.get(i, source.msgstr_plural[max(source.msgstr_plural)]) for i in range(forms)
                ]
                entry.msgstr_plural = dict(enumerate(values))
            else:
                entry.msgstr = source.msgstr
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            filled += 1
        ours.save()
        print(f"{language}: {filled} filled from the libraries' own translation")


if __name__ == "__main__":
    write(entries())
    if "--seed" in sys.argv:
        seed()
