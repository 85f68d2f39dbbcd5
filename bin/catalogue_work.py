"""Translate a language's catalogue in pieces a translator can hold: the untranslated (or fuzzy) entries of
locale/<lang>/ out as numbered JSON files, each entry with its English, its German (the reference
translation, for the sense) and its translator's comment; the filled files back in, each translation
checked before it is written (the same placeholders as the English, plural forms complete, no empty string).

    python bin/catalogue_work.py export fr --out /tmp/fr --size 200   # /tmp/fr/chunk_000.json, …
    python bin/catalogue_work.py import fr /tmp/fr/done_*.json        # writes locale/fr, prints what it refused
    python bin/catalogue_work.py import fr --dry-run /tmp/fr/done_000.json  # checks only
    python bin/catalogue_work.py status                               # entries, untranslated, fuzzy per catalogue

A filled file is a JSON object: the entry's key (as exported) to its translation, a string, or a list of
strings for a plural (as many as the language's Plural-Forms says). docs/languages.md tells the whole way
of adding a language.
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"
DOMAINS = ("django", "djangojs")
REFERENCE = "de"
# %(name)s, %s, %d, %%, {name}, {0}: what formatting fills in, so a translation keeps each one
# (stageslot/tests/test_languages.py checks the same).
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|\{[A-Za-z_][\w.]*\}|\{\d+\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def catalogue(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"), wrapwidth=79)


def key(domain: str, entry: polib.POEntry) -> str:
    digest = hashlib.sha1(f"{entry.msgctxt or ''}\x04{entry.msgid}".encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{domain[0]}{digest}"


def plural_count(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def wanting(entry: polib.POEntry) -> bool:
    return not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)


def export(language: str, out: Path, size: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for domain in DOMAINS:
        reference = {(e.msgctxt, e.msgid): e for e in catalogue(REFERENCE, domain)}
        for entry in catalogue(language, domain):
            if not wanting(entry):
                continue
            german = reference.get((entry.msgctxt, entry.msgid))
            row = {"key": key(domain, entry), "en": entry.msgid}
            if entry.msgid_plural:
                row["en_plural"] = entry.msgid_plural
            if entry.msgctxt:
                row["context"] = entry.msgctxt
            if entry.comment:
                row["note"] = entry.comment
            if german is not None and german.translated():
                row["de"] = (
                    [german.msgstr_plural[i] for i in sorted(german.msgstr_plural)]
                    if german.msgid_plural
                    else german.msgstr
                )
            rows.append(row)
    for number, start in enumerate(range(0, len(rows), size)):
        (out / f"chunk_{number:03d}.json").write_text(
            json.dumps(rows[start : start + size], ensure_ascii=False, indent=1)
        )
    print(f"{len(rows)} entries to translate in {(len(rows) + size - 1) // size} files under {out}")


def problems(entry: polib.POEntry, text, forms: int) -> str | None:
    if entry.msgid_plural:
        if not isinstance(text, list) or len(text) != forms or not all(isinstance(t, str) and t.strip() for t in text):
            return f"a plural needs a list of {forms} non-empty strings"
        allowed = set(PLACEHOLDER.findall(entry.msgid_plural)) | set(PLACEHOLDER.findall(entry.msgid))
        if set(PLACEHOLDER.findall(text[-1])) != set(PLACEHOLDER.findall(entry.msgid_plural)):
            return "the plural's last form must keep the English plural's placeholders"
        if any(not set(PLACEHOLDER.findall(t)) <= allowed for t in text):
            return "a placeholder the English does not have"
        return None
    if not isinstance(text, str) or not text.strip():
        return "a non-empty string is needed"
    if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid)):
        return f"placeholders differ: {sorted(PLACEHOLDER.findall(entry.msgid))} vs {sorted(PLACEHOLDER.findall(text))}"
    if sorted(TAG.findall(entry.msgid)) and len(TAG.findall(text)) != len(TAG.findall(entry.msgid)):
        return "the markup's tags differ in number"
    if entry.msgid.endswith("\n") != text.endswith("\n"):
        return "a trailing line break must match the English"
    return None


def load(language: str, files: list[Path], dry_run: bool = False) -> None:
    given = {}
    for path in files:
        given.update(json.loads(path.read_text()))
    written, refused = 0, []
    for domain in DOMAINS:
        po = catalogue(language, domain)
        forms = plural_count(po)
        changed = False
        for entry in po:
            if entry.obsolete:
                continue
            text = given.get(key(domain, entry))
            if text is None:
                continue
            wrong = problems(entry, text, forms)
            if wrong:
                refused.append((key(domain, entry), entry.msgid[:60], wrong))
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(text))
            else:
                entry.msgstr = text
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            written += 1
            changed = True
        if changed and not dry_run:
            po.save()
    print(f"{written} translations {'checked (nothing written)' if dry_run else 'written to locale/' + language}")
    for row in refused:
        print("refused", *row, sep="\t")
    if refused:
        sys.exit(1)


def status() -> None:
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(path))
        live = [e for e in po if not e.obsolete]
        untranslated = sum(1 for e in live if not e.translated() and "fuzzy" not in e.flags)
        fuzzy = sum(1 for e in live if "fuzzy" in e.flags)
        print(f"{path.relative_to(LOCALE)}: {len(live)} entries, {untranslated} untranslated, {fuzzy} fuzzy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("export")
    out.add_argument("language")
    out.add_argument("--out", type=Path, required=True)
    out.add_argument("--size", type=int, default=200)
    back = commands.add_parser("import")
    back.add_argument("language")
    back.add_argument("files", type=Path, nargs="+")
    back.add_argument("--dry-run", action="store_true", help="check the translations, write nothing")
    commands.add_parser("status")
    args = parser.parse_args()
    if args.command == "export":
        export(args.language, args.out, args.size)
    elif args.command == "import":
        load(args.language, args.files, args.dry_run)
    else:
        status()


if __name__ == "__main__":
    main()
