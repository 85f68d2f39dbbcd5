"""The dates and times StageSlot names (stageslot/formats/): English reads as it always has."""

import datetime as dt

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, get_format, time_format

from stageslot.formats.en import formats as english
from stageslot.tests.pseudo import pseudo_locale

MOMENT = dt.datetime(2027, 3, 5, 19, 4, 9)  # noqa: DTZ001 - a wall-clock time

ENGLISH = {
    "DAY_NUMBER_FORMAT": "5",
    "DAY_FORMAT": "5 Mar 2027",
    "DAY_MONTH_FORMAT": "5 Mar",
    "DAY_MONTH_LONG_FORMAT": "5 March",
    "WEEKDAY_FORMAT": "Fri 5 Mar 2027",
    "WEEKDAY_MONTH_FORMAT": "Fri 5 Mar",
    "WEEKDAY_LONG_FORMAT": "Friday 5 March 2027",
    "WEEKDAY_MONTH_LONG_FORMAT": "Friday 5 March",
    "CLOCK_FORMAT": "19:04",
    "CLOCK_SECONDS_FORMAT": "19:04:09",
    "MOMENT_FORMAT": "5 Mar 2027, 19:04",
    "MOMENT_SECONDS_FORMAT": "5 Mar 2027, 19:04:09",
    "MOMENT_MONTH_FORMAT": "5 Mar, 19:04",
    "MOMENT_LONG_FORMAT": "5 March 2027, 19:04",
    "WEEKDAY_MOMENT_FORMAT": "Fri 5 Mar 2027, 19:04",
    "WEEKDAY_MONTH_MOMENT_FORMAT": "Fri 5 Mar, 19:04",
    "WEEKDAY_MONTH_TIME_FORMAT": "Fri 5 Mar 19:04",
}


def test_every_named_format_is_checked():
    assert set(ENGLISH) == {name for name in vars(english) if name.endswith("_FORMAT")}


@pytest.mark.parametrize("language", ["en", "en-gb"])
@pytest.mark.parametrize(("name", "text"), ENGLISH.items())
def test_american_and_british_english_read_the_same(language, name, text):
    with translation.override(language):
        assert date_format(MOMENT, name) == text


@pytest.mark.parametrize("language", ["en", "en-gb"])
def test_templates_and_times_name_the_formats_too(language):
    template = Template('{{ at|date:"WEEKDAY_MOMENT_FORMAT" }} · {{ at|time:"CLOCK_FORMAT" }}')

    with translation.override(language):
        assert template.render(Context({"at": MOMENT})) == "Fri 5 Mar 2027, 19:04 · 19:04"
        assert time_format(MOMENT.time(), "CLOCK_FORMAT") == "19:04"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_language_offered_has_every_format(language):
    """A language without them would print the format's name ("DAY_FORMAT") in place of the date."""
    missing = [name for name in ENGLISH if get_format(name, lang=language) == name]

    assert missing == []


def test_weekday_and_month_names_come_from_the_language():
    with pseudo_locale():
        text = date_format(MOMENT, "WEEKDAY_LONG_FORMAT")

    assert text == "⟦Friday⟧ 5 ⟦March⟧ 2027"
