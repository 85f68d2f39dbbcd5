"""The plain-English line shown for each of a musician's rules."""

import re
from datetime import date, datetime

import pytest
from django.utils import translation

from availability.describe import describe
from availability.engine import Recurrence
from stageslot.tests.pseudo import CLOSE, OPEN, pseudo_locale

BERLIN = "Europe/Berlin"


def local(*args: int) -> datetime:
    return datetime(*args)  # noqa: DTZ001 - a wall-clock time, as the rules store it


@pytest.mark.parametrize(
    ("rec", "text"),
    [
        (
            Recurrence(
                local(2026, 9, 7, 9), local(2026, 9, 7, 17), BERLIN, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331"
            ),
            "Every Monday to Friday, 09:00–17:00, until 31 Mar 2027",
        ),
        (
            Recurrence(local(2026, 9, 8, 19), local(2026, 9, 8, 22), BERLIN, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
            "Every 2 weeks on Tuesday, 19:00–22:00",
        ),
        (
            Recurrence(local(2026, 9, 15, 18), local(2026, 9, 15, 23), BERLIN, "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6"),
            "Monthly on day 15, 18:00–23:00, 6 times",
        ),
        (
            Recurrence(local(2026, 9, 25, 20), local(2026, 9, 25, 23, 30), BERLIN, "FREQ=MONTHLY;BYDAY=-1FR"),
            "Monthly on the last Friday, 20:00–23:30",
        ),
        (
            Recurrence(local(2026, 9, 5), local(2026, 9, 6), BERLIN, "FREQ=WEEKLY;BYDAY=SA,SU", all_day=True),
            "Every Saturday and Sunday, all day",
        ),
        (Recurrence(local(2027, 3, 1), local(2027, 3, 15), BERLIN, all_day=True), "1 Mar 2027 – 14 Mar 2027, all day"),
        (Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN), "Fri 5 Mar 2027, 19:00–23:00"),
        (
            Recurrence(local(2027, 3, 5, 22), local(2027, 3, 6, 2), BERLIN, "FREQ=DAILY"),
            "Every day, 22:00–02:00 (next day)",
        ),
    ],
)
def test_describes_the_rules_musicians_write(rec, text):
    assert describe(rec) == text


@pytest.mark.parametrize(
    ("rrule", "text"),
    [
        ("FREQ=WEEKLY", "Every Friday"),  # the weekday of the first date
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "Every Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "Every day"),
        ("FREQ=DAILY;INTERVAL=3", "Every 3 days"),
        ("FREQ=DAILY;BYDAY=SA,SU", "Every Saturday and Sunday"),
        ("FREQ=MONTHLY", "Monthly on day 5"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1,15", "Every 3 months on days 1 and 15"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "Monthly on the last day"),
        ("FREQ=MONTHLY;BYDAY=1TU,3TU", "Monthly on the first and third Tuesday"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Monthly on the last weekday"),
        ("FREQ=YEARLY", "Every year on 5 March"),
        ("FREQ=YEARLY;BYMONTH=12;BYDAY=-1SU", "Every year on the last Sunday of December"),
        ("FREQ=YEARLY;BYWEEKNO=20", "Repeats yearly by a custom rule (FREQ=YEARLY;BYWEEKNO=20)"),
    ],
)
def test_describes_repeat_patterns(rrule, text):
    rec = Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, rrule)

    assert describe(rec) == f"{text}, 19:00–23:00"


def test_one_off_blocks_over_midnight_and_over_several_days():
    assert describe(Recurrence(local(2027, 3, 5, 22), local(2027, 3, 6, 1), BERLIN)) == (
        "Fri 5 Mar 2027, 22:00–01:00 (next day)"
    )
    assert describe(Recurrence(local(2027, 3, 5, 19), local(2027, 3, 7, 12), BERLIN)) == (
        "Fri 5 Mar 2027 19:00 – Sun 7 Mar 2027 12:00"
    )
    assert describe(Recurrence(local(2027, 3, 1), local(2027, 3, 2), BERLIN, all_day=True)) == "Mon 1 Mar 2027, all day"


def test_endings_and_exceptions():
    weekly = "FREQ=WEEKLY;BYDAY=TH"
    once = Recurrence(local(2027, 3, 4, 19), local(2027, 3, 4, 22), BERLIN, "FREQ=WEEKLY;BYDAY=TH;COUNT=1")
    # 23:30 UTC on 31 March is already 1 April in Berlin.
    utc_until = Recurrence(local(2027, 3, 4, 19), local(2027, 3, 4, 22), BERLIN, "FREQ=DAILY;UNTIL=20270331T233000Z")
    skipping = Recurrence(
        local(2027, 3, 4, 19),
        local(2027, 3, 4, 22),
        BERLIN,
        weekly,
        exdates=frozenset({date(2027, 4, 1), date(2027, 3, 25)}),
    )
    many = Recurrence(
        local(2027, 3, 4, 19),
        local(2027, 3, 4, 22),
        BERLIN,
        weekly,
        exdates=frozenset(date(2027, 4, d) for d in (1, 8, 15, 22)),
    )

    assert describe(once) == "Every Thursday, 19:00–22:00, once"
    assert describe(utc_until) == "Every day, 19:00–22:00, until 1 Apr 2027"
    assert describe(skipping) == "Every Thursday, 19:00–22:00, except 25 Mar 2027 and 1 Apr 2027"
    assert describe(many) == "Every Thursday, 19:00–22:00, except on 4 dates"


def test_whole_days_repeating_for_several_days():
    rec = Recurrence(local(2027, 3, 5), local(2027, 3, 8), BERLIN, "FREQ=MONTHLY;BYDAY=1FR", all_day=True)

    assert describe(rec) == "Monthly on the first Friday, all day for 3 days"


def test_zone_is_shown_only_when_asked_and_free_windows_say_so():
    rec = Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=WEEKLY;COUNT=4")

    assert describe(rec, show_zone=True) == "Every Friday, 19:00–23:00 (Europe/Berlin), 4 times"
    assert describe(rec, kind_busy=False) == "Only available: Every Friday, 19:00–23:00, 4 times"


def test_an_evening_until_midnight_reads_24_00():
    rec = Recurrence(
        start=local(2027, 3, 5, 18, 0),
        end=local(2027, 3, 6, 0, 0),
        time_zone="Europe/Berlin",
        rrule="FREQ=WEEKLY;BYDAY=FR,SA,SU",
    )
    assert describe(rec) == "Every Friday to Sunday, 18:00–24:00"


def outermost_pieces(text: str) -> list[str]:
    """The top-level ⟦…⟧ pieces of `text` and anything outside them."""
    pieces, depth, current = [], 0, ""
    for char in text:
        if depth == 0 and char != OPEN:
            pieces.append(char)  # something outside every bracket
            continue
        current += char
        depth += {OPEN: 1, CLOSE: -1}.get(char, 0)
        if depth == 0:
            pieces.append(current)
            current = ""
    return pieces


SENTENCES = [
    Recurrence(local(2026, 9, 7, 9), local(2026, 9, 7, 17), BERLIN, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4"),
    Recurrence(local(2026, 9, 8, 19), local(2026, 9, 8, 22), BERLIN, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1,15"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=MONTHLY;BYDAY=1TU,3TU;COUNT=1"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=YEARLY;BYMONTH=12;BYDAY=-1SU"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=YEARLY"),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN, "FREQ=YEARLY;BYWEEKNO=20"),
    Recurrence(local(2027, 3, 5, 22), local(2027, 3, 6, 2), BERLIN, "FREQ=DAILY"),
    Recurrence(local(2027, 3, 5, 18), local(2027, 3, 6, 0), BERLIN, "FREQ=WEEKLY;BYDAY=FR,SA,SU"),
    Recurrence(local(2027, 3, 5), local(2027, 3, 8), BERLIN, "FREQ=MONTHLY;BYDAY=1FR", all_day=True),
    Recurrence(
        local(2027, 3, 4, 19),
        local(2027, 3, 4, 22),
        BERLIN,
        "FREQ=WEEKLY;BYDAY=TH",
        exdates=frozenset({date(2027, 4, 1), date(2027, 3, 25)}),
    ),
    Recurrence(
        local(2027, 3, 4, 19),
        local(2027, 3, 4, 22),
        BERLIN,
        "FREQ=WEEKLY;BYDAY=TH",
        exdates=frozenset(date(2027, 4, d) for d in (1, 8, 15, 22)),
    ),
    Recurrence(local(2027, 3, 1), local(2027, 3, 15), BERLIN, all_day=True),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 5, 23), BERLIN),
    Recurrence(local(2027, 3, 5, 19), local(2027, 3, 7, 12), BERLIN),
]


@pytest.mark.parametrize("rec", SENTENCES)
@pytest.mark.parametrize(("kind_busy", "show_zone"), [(True, False), (False, True)])
def test_each_line_is_one_translatable_sentence(rec, kind_busy, show_zone):
    """A translation gets the whole line as one message, with the day, times and names inside it."""
    with pseudo_locale():
        text = describe(rec, kind_busy=kind_busy, show_zone=show_zone)

    assert outermost_pieces(text) == [text], text
    assert text.count(OPEN) == text.count(CLOSE)
    # Weekday and month names are translated too: no English name stands bare between the brackets.
    assert not re.search(r"(?<!⟦)\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Mar|Apr|Dec)[a-z]*\b(?!⟧)", text), text


def test_lists_of_weekdays_follow_the_language():
    with pseudo_locale():
        text = describe(SENTENCES[1])

    assert "⟦⟦⟦Monday⟧, ⟦Wednesday⟧⟧ and ⟦Friday⟧⟧" in text


def test_english_lines_are_the_same_for_american_and_british_english():
    rec = SENTENCES[0]

    with translation.override("en"):
        american = describe(rec)
    with translation.override("en-gb"):
        british = describe(rec)

    assert american == british == "Every Monday to Friday, 09:00–17:00, until 31 Mar 2027"
