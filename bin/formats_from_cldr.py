"""Write stageslot/formats/<language>/formats.py from CLDR (through Babel): how each language writes the
dates, times and money StageSlot names (DAY_FORMAT, CLOCK_FORMAT, MONEY_PATTERN…; the names are those of
stageslot/formats/en/formats.py). No table is made by hand: each format is CLDR's pattern for the same
fields (its "skeleton"), in Django's format characters (docs/decisions/0132-six-languages.md).

    python bin/formats_from_cldr.py            # writes the modules of every language it makes
    python bin/formats_from_cldr.py --check    # exits 1 when a written module differs from CLDR's

English (American and British) and German are kept as they were written (their tests name each format);
stageslot/tests/test_languages.py checks the made modules against this script.
"""

import re
import sys
from pathlib import Path

from babel import Locale
from babel.dates import match_skeleton

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ROOT / "stageslot" / "formats"
MADE = ("fr", "es", "it", "nl")

# Each format StageSlot names: CLDR's skeleton of its fields (a date part and a time part).
DATES = {
    "DAY_NUMBER_FORMAT": "d",
    "DAY_FORMAT": "yMMMd",
    "DAY_MONTH_FORMAT": "MMMd",
    "DAY_MONTH_LONG_FORMAT": "MMMMd",
    "WEEKDAY_FORMAT": "yMMMEd",
    "WEEKDAY_MONTH_FORMAT": "MMMEd",
    "WEEKDAY_LONG_FORMAT": "yMMMMEEEEd",
    "WEEKDAY_MONTH_LONG_FORMAT": "MMMMEEEEd",
}
TIMES = {"CLOCK_FORMAT": "Hm", "CLOCK_SECONDS_FORMAT": "Hms"}
MOMENTS = {
    "MOMENT_FORMAT": ("yMMMd", "Hm"),
    "MOMENT_SECONDS_FORMAT": ("yMMMd", "Hms"),
    "MOMENT_MONTH_FORMAT": ("MMMd", "Hm"),
    "MOMENT_LONG_FORMAT": ("yMMMMd", "Hm"),
    "WEEKDAY_MOMENT_FORMAT": ("yMMMEd", "Hm"),
    "WEEKDAY_MONTH_MOMENT_FORMAT": ("MMMEd", "Hm"),
    "WEEKDAY_MONTH_TIME_FORMAT": ("MMMEd", "Hm"),
}
# CLDR's fields (a letter repeated) in Django's format characters.
FIELDS = {
    "y": "Y",
    "yyyy": "Y",
    "yy": "y",
    "MMMM": "F",
    "MMM": "M",
    "MM": "m",
    "M": "n",
    "LLLL": "F",
    "LLL": "M",
    "L": "n",
    "d": "j",
    "dd": "d",
    "EEEE": "l",
    "EEE": "D",
    "EE": "D",
    "E": "D",
    "cccc": "l",
    "ccc": "D",
    "H": "G",
    "HH": "H",
    "h": "g",
    "hh": "h",
    "mm": "i",
    "m": "i",
    "ss": "s",
    "s": "s",
    "a": "A",
}
TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")


def django_format(pattern: str) -> str:
    out = []
    for match in TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            literal = token[1:-1].replace("''", "'") or "'"
            out.append("".join(f"\\{c}" if c.isalpha() else c for c in literal))
        elif token[0].isalpha():
            if token not in FIELDS:
                raise ValueError(f"no Django character for CLDR's {token!r} in {pattern}")
            out.append(FIELDS[token])
        else:
            out.append(token)
    return "".join(out)


def _widened(pattern: str, skeleton: str) -> str:
    """CLDR's own step when the nearest skeleton has narrower fields: widen the month and weekday."""
    want_month = max((m for m in re.findall(r"M+", skeleton)), key=len, default="")
    want_day = max((e for e in re.findall(r"E+", skeleton)), key=len, default="")

    def widen(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token
        if token[0] in "ML" and len(token) >= 3 and len(want_month) > len(token):
            return token[0] * len(want_month)
        if token[0] in "Ec" and len(want_day) > len(token):
            return token[0] * len(want_day)
        return token

    return TOKEN.sub(widen, pattern)


def cldr_pattern(locale: Locale, skeleton: str) -> str:
    skeletons = locale.datetime_skeletons
    if skeleton in skeletons:
        return skeletons[skeleton].pattern
    nearest = match_skeleton(skeleton, skeletons)
    return _widened(skeletons[nearest].pattern, skeleton)


def moment(locale: Locale, date_skeleton: str, time_skeleton: str) -> str:
    glue = locale.datetime_formats["medium"]
    glue = glue if isinstance(glue, str) else glue.pattern
    return glue.replace("{1}", cldr_pattern(locale, date_skeleton)).replace("{0}", cldr_pattern(locale, time_skeleton))


def money(locale: Locale) -> str:
    """Where the currency stands and the space between (StageSlot writes its code: "1.250 EUR", "EUR 1.250")."""
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    before = pattern.strip().startswith("¤")
    spaced = bool(re.search(r"¤\s|\s¤", pattern))
    space = "\u00a0" if spaced else ""
    return f"%(currency)s{space}%(amount)s" if before else f"%(amount)s{space}%(currency)s"


def _literal(text: str) -> str:
    """A Python string literal as the project writes them (double quotes, as ruff formats)."""
    inner = repr(text)[1:-1].replace("\\'", "'")
    return f'"{inner}"' if '"' not in text else repr(text)


def module(language: str) -> str:
    locale = Locale.parse(language)
    lines = [
        f'"""How StageSlot writes dates, times and money in {locale.english_name}: made from CLDR by',
        "bin/formats_from_cldr.py (do not edit by hand; run it again). The names are those of",
        "stageslot/formats/en/formats.py; Django's own formats for the language (numbers, the week's",
        'first day, DATE_INPUT_FORMATS…) apply beside them."""',
        "",
    ]
    for name, skeleton in DATES.items():
        lines.append(f"{name} = {_literal(django_format(cldr_pattern(locale, skeleton)))}")
    for name, skeleton in TIMES.items():
        lines.append(f"{name} = {_literal(django_format(cldr_pattern(locale, skeleton)))}")
    for name, (date_part, time_part) in MOMENTS.items():
        lines.append(f"{name} = {_literal(django_format(moment(locale, date_part, time_part)))}")
    lines.append(f"MONEY_PATTERN = {_literal(money(locale))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    check = "--check" in sys.argv
    differ = []
    for language in MADE:
        target = FORMATS / language / "formats.py"
        text = module(language)
        if check:
            if not target.exists() or target.read_text() != text:
                differ.append(str(target.relative_to(ROOT)))
            continue
        target.parent.mkdir(exist_ok=True)
        (target.parent / "__init__.py").touch()
        target.write_text(text)
        print(f"wrote {target.relative_to(ROOT)}")
    if differ:
        print("not as CLDR makes them:", *differ)
        sys.exit(1)


if __name__ == "__main__":
    main()
