"""German pages, dates and numbers read as German. That the German catalogue is whole (every word,
translated, not fuzzy, the same placeholders, one voice) test_languages.py checks for every language."""

import datetime as dt
import re
from pathlib import Path

import polib
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
