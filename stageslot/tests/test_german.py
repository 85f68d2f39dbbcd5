"""Every word a person reads has its German: the German catalogue holds each marked word of the
English one (`make messages` keeps them in step), translated, not fuzzy, with the same placeholders;
and German pages, dates and numbers read as German."""

import datetime as dt
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.formats import date_format, number_format

from stageslot.formats.en import formats as english

LOCALE = Path(__file__).resolve().parents[2] / "locale"
DOMAINS = ["django", "djangojs"]
# %(name)s, %s, %d, %%, {name}, {0}: what formatting fills in, so a translation must keep each one.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|\{[A-Za-z_][\w.]*\}|\{\d+\}")


def _catalogue(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_german_catalogue_holds_every_english_word(domain):
    english_keys = {_key(entry) for entry in _catalogue("en", domain) if not entry.obsolete}
    german_keys = {_key(entry) for entry in _catalogue("de", domain) if not entry.obsolete}
    assert sorted(english_keys - german_keys, key=str) == [], "run `make messages` and translate the new words"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_word_has_its_german(domain):
    missing = [
        entry.msgid
        for entry in _catalogue("de", domain)
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert missing == [], f"{len(missing)} words have no German (locale/de/LC_MESSAGES/{domain}.po)"


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_their_placeholders(domain):
    """A placeholder lost shows the reader less than the English; one made up fails when formatted.
    A plural's "one" form may leave out the number ("eine Band" for "%(count)s band")."""
    wrong = []
    for entry in _catalogue("de", domain):
        if entry.obsolete or not entry.translated():
            continue
        if entry.msgid_plural:
            plural, singular = entry.msgstr_plural[1], entry.msgstr_plural[0]
            allowed = set(_placeholders(entry.msgid_plural)) | set(_placeholders(entry.msgid))
            if set(_placeholders(plural)) != set(_placeholders(entry.msgid_plural)) or not (
                set(_placeholders(singular)) <= allowed
            ):
                wrong.append((entry.msgid, plural))
        elif set(_placeholders(entry.msgid)) != set(_placeholders(entry.msgstr)):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


def test_the_german_catalogue_is_what_django_reads():
    with translation.override("de"):
        assert translation.gettext("Log out") == "Abmelden"
        assert translation.gettext("Bands") == "Bands"  # the same word in German: translated all the same


MOMENT = dt.datetime(2027, 3, 5, 19, 4, 9)  # noqa: DTZ001 - a wall-clock time


def test_german_dates_put_the_day_first_with_a_full_stop():
    with translation.override("de"):
        assert date_format(MOMENT, "DAY_FORMAT") == "5. Mär 2027"
        assert date_format(MOMENT, "WEEKDAY_LONG_FORMAT") == "Freitag, 5. März 2027"
        assert date_format(MOMENT, "WEEKDAY_MOMENT_FORMAT") == "Fr, 5. Mär 2027, 19:04"


def test_german_names_every_format_english_names():
    from stageslot.formats.de import formats as german

    names = {name for name in vars(english) if name.endswith("_FORMAT")}
    assert names == {name for name in vars(german) if name.endswith("_FORMAT")}


def test_german_numbers_use_a_decimal_comma():
    with translation.override("de"):
        assert number_format(1234.5, 2, force_grouping=True) == "1.234,50"
