"""Every language StageSlot speaks (settings.LANGUAGES: found there, not listed here) is whole: its
catalogues hold every marked English word, translated, none fuzzy, with the same placeholders; it speaks
to the reader in one voice, the libraries' words included; its dates, times, numbers and money are as
CLDR writes them; its spreadsheets open in the programs people use there (docs/languages.md)."""

import csv
import datetime as dt
import importlib
import importlib.util
import io
import re
from pathlib import Path

import polib
import pytest
from babel import Locale
from babel.dates import format_date
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, get_format, number_format

from core.fields.amounts import money_words
from documents.exports import csv_lines
from stageslot.formats.en import formats as english
from stageslot.voice import LANGUAGES_VOICED, library_catalogues, off_voice

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
DOMAINS = ["django", "djangojs"]
# Every language but English, whose catalogue is the source.
SPOKEN = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
# %(name)s, %s, %d, %%, {name}, {0}: what formatting fills in, so a translation must keep each one.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|\{[A-Za-z_][\w.]*\}|\{\d+\}")
MOMENT = dt.datetime(2027, 3, 5, 19, 4, 9)  # noqa: DTZ001 - a wall-clock time


def _catalogue(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def test_we_speak_six_languages_and_each_has_its_voice():
    assert set(SPOKEN) == {"de", "fr", "es", "it", "nl"}
    assert set(SPOKEN) <= set(LANGUAGES_VOICED), "write the new language's voice in stageslot/voice.py"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SPOKEN)
def test_each_catalogue_holds_every_english_word(language, domain):
    english_keys = {_key(entry) for entry in _live(_catalogue("en", domain))}
    keys = {_key(entry) for entry in _live(_catalogue(language, domain))}
    assert sorted(english_keys - keys, key=str) == [], "run `make messages` and translate the new words"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SPOKEN)
def test_every_word_is_translated_and_none_is_fuzzy(language, domain):
    missing = [e.msgid for e in _live(_catalogue(language, domain)) if not e.translated() or "fuzzy" in e.flags]
    assert missing == [], f"{len(missing)} words untranslated or fuzzy in locale/{language}/LC_MESSAGES/{domain}.po"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SPOKEN)
def test_translations_keep_their_placeholders(language, domain):
    """A placeholder lost shows the reader less than the English; one made up fails when formatted. A
    plural's forms for small numbers may leave the number out ("une" for "%(count)s"); the last form
    (the general one) keeps every placeholder of the English plural."""
    wrong = []
    for entry in _live(_catalogue(language, domain)):
        if not entry.translated():
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
            allowed = _placeholders(entry.msgid_plural) | _placeholders(entry.msgid)
            if _placeholders(forms[-1]) != _placeholders(entry.msgid_plural) or any(
                not _placeholders(form) <= allowed for form in forms
            ):
                wrong.append((entry.msgid, forms))
        elif _placeholders(entry.msgid) != _placeholders(entry.msgstr):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


@pytest.mark.parametrize("language", SPOKEN)
def test_plural_forms_are_the_languages_own(language):
    """As many forms as the language has in CLDR's integer rules (Spanish: one, many, other)."""
    for domain in DOMAINS:
        po = _catalogue(language, domain)
        assert po.metadata["Language"] == language
        count = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
        for entry in _live(po):
            if entry.msgid_plural and entry.translated():
                assert len(entry.msgstr_plural) == count, entry.msgid


@pytest.mark.parametrize("language", SPOKEN)
def test_our_words_speak_in_the_languages_one_voice(language):
    other_voice = [
        entry.msgstr or entry.msgstr_plural
        for domain in DOMAINS
        for entry in _live(_catalogue(language, domain))
        if any(off_voice(language, text) for text in [entry.msgstr, *entry.msgstr_plural.values()])
    ]
    assert other_voice == []


@pytest.mark.parametrize("language", SPOKEN)
def test_every_library_word_in_another_voice_is_ours_to_say(language):
    """A word of allauth or Django whose own translation speaks in the other voice is in our catalogue
    (core/library_words.py, written by bin/library_words.py), so ours is read. A library upgrade that
    brings a new one fails here until it is listed and translated."""
    ours = {_key(entry): entry for entry in _live(_catalogue(language, "django")) if entry.translated()}
    missing = []
    for po in library_catalogues(language):
        for entry in po:
            if entry.obsolete or not entry.translated() or "fuzzy" in entry.flags:
                continue
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            if any(off_voice(language, text) for text in texts) and _key(entry) not in ours:
                missing.append(entry.msgid)
    assert missing == [], "run `python bin/library_words.py`, `make messages` and translate"


@pytest.mark.parametrize(
    ("language", "msgid"),
    [("de", "Please type your current password."), ("de", "You must type the same password each time.")],
)
def test_django_reads_our_voice_over_the_librarys(language, msgid):
    with translation.override(language):
        said = translation.gettext(msgid)
    assert said != msgid and not off_voice(language, said)


@pytest.mark.parametrize("language", SPOKEN)
def test_each_language_names_every_format_english_names(language):
    names = {name for name in vars(english) if name.endswith("_FORMAT")}
    module = importlib.import_module(f"stageslot.formats.{language}.formats")
    assert names <= {name for name in vars(module) if name.endswith("_FORMAT")}


def test_the_made_formats_are_cldrs():
    """bin/formats_from_cldr.py made them and would make them again the same (from Babel's CLDR)."""
    spec = importlib.util.spec_from_file_location("formats_from_cldr", ROOT / "bin" / "formats_from_cldr.py")
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    for language in made.MADE:
        written = (ROOT / "stageslot" / "formats" / language / "formats.py").read_text()
        assert written == made.module(language), f"run `python bin/formats_from_cldr.py` ({language})"


@pytest.mark.parametrize("language", SPOKEN)
def test_dates_name_the_day_and_month_as_cldr_does(language):
    with translation.override(language):
        long_day = date_format(MOMENT, "WEEKDAY_LONG_FORMAT")
        clock = date_format(MOMENT, "CLOCK_FORMAT")
    weekday = format_date(MOMENT, "EEEE", locale=language)
    month = format_date(MOMENT, "MMMM", locale=language)
    assert weekday.lower() in long_day.lower() and month.lower() in long_day.lower() and "2027" in long_day
    assert clock == "19:04"  # every language we speak reads the 24-hour clock


@pytest.mark.parametrize("language", SPOKEN)
def test_numbers_have_the_languages_decimal_mark_and_its_week_starts_on_monday(language):
    symbols = Locale.parse(language).number_symbols["latn"]
    with translation.override(language):
        written = number_format(1234.5, 2)
        first_day = get_format("FIRST_DAY_OF_WEEK")
    assert written.endswith(symbols["decimal"] + "50")
    assert first_day == Locale.parse(language).first_week_day + 1 == 1


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en-gb", "1,250 EUR"),
        ("de", "1.250 EUR"),
        ("fr", "1\u202f250\u00a0EUR"),
        ("it", "1.250\u00a0EUR"),
        ("nl", "EUR\u00a01.250"),
    ],
)
def test_money_stands_where_the_language_puts_its_currency(language, written):
    from bookings.selectors.quotes import money_text

    with translation.override(language):
        said = money_text(125000, "EUR")
        assert money_words(number_format(1250, force_grouping=True), "EUR") == said
    # Django's French thousands separator may be a plain or narrow no-break space: the place is the point.
    assert said.replace("\u00a0", " ").replace("\u202f", " ") == written.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("language", "separator", "amount"), [("en-gb", ",", "1250.00"), *((lang, ";", "1250,00") for lang in SPOKEN)]
)
def test_a_spreadsheet_opens_in_the_readers_language(language, separator, amount):
    """Where the decimal mark is a comma, Excel and LibreOffice there split cells at ";": the file is
    written so, its amounts with a comma, its times ISO 8601, the BOM first as always."""
    with translation.override(language):
        text = "".join(csv_lines(["Day", "Amount", "Note"], [["2027-03-05T19:00:00+01:00", "1250.00", "1.5 hours"]]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=separator))
    assert rows == [["Day", "Amount", "Note"], ["2027-03-05T19:00:00+01:00", amount, "1.5 hours"]]


def test_the_demo_has_a_reader_in_every_language_and_the_readme_names_them():
    from stageslot.management.commands.seed_demo import DEMO_LANGUAGES

    readme = (ROOT / "README.md").read_text()
    for language in SPOKEN:
        readers = sorted(part for part, spoken in DEMO_LANGUAGES.items() if spoken == language)
        assert readers, f"no demo person reads {language}"
        assert any(f"`{part}@demo.stageslot.test`" in readme for part in readers), language
