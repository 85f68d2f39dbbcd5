"""How place names are compared: folded to lower-case ASCII, so "München", "MUNCHEN" and "munchen"
are one name."""

import functools
import re
import unicodedata

_SPACES = re.compile(r"[\s\-‐-―_'’.]+")
_ASCII_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
# Letters that do not decompose into a base letter and a mark.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(name: str) -> str:
    """ "Frankfurt am Main" → "frankfurt am main", "Kraków" → "krakow", "Saint-Étienne" → "saint etienne"."""
    text = (name or "").strip().casefold().translate(_SPECIAL)
    if text.isascii():  # most names: nothing to decompose, only control characters to blank
        return _SPACES.sub(" ", _ASCII_CONTROLS.sub(" ", text)).strip()
    text = unicodedata.normalize("NFKD", text)
    # Marks go, and so do control characters (PostgreSQL cannot even compare a NUL).
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text if not unicodedata.combining(c))
    return _SPACES.sub(" ", text).strip()


def is_latin(name: str) -> bool:
    """Whether every letter of the name is a Latin one (what our visitors type)."""
    if name.isascii():  # every ASCII letter is a Latin one
        return True
    return all(_latin_letter(c) for c in name if c.isalpha())


@functools.cache
def _latin_letter(letter: str) -> bool:
    """One letter's answer, kept: the gazetteer's 350,000 other names use a few thousand distinct letters."""
    return unicodedata.name(letter, "").startswith("LATIN")
