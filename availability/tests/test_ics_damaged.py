"""Imported calendars lose no busy time silently: shared or missing UIDs, repeat rules with small slips,
both DTEND and DURATION, damaged files and files with too many events (small fixture files)."""

import time
from datetime import UTC, datetime

import pytest

from availability import ics_import
from availability.ics_import import FeedError, parse_busy_report

MARCH, MAY = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{body}END:VCALENDAR\r\n".encode()


def titles(data: bytes) -> list[str]:
    return [event.title for event in parse_busy_report(data, MARCH, MAY).events]


def test_two_different_events_sharing_a_uid_are_both_kept():
    data = calendar(
        "UID:same@outlook\r\nSUMMARY:Dentist\r\nDTSTART:20260310T080000Z\r\nDTEND:20260310T090000Z",
        "UID:same@outlook\r\nSUMMARY:Rehearsal\r\nDTSTART:20260312T180000Z\r\nDTEND:20260312T210000Z",
    )
    assert titles(data) == ["Dentist", "Rehearsal"]


def test_a_changed_occurrence_still_replaces_its_date_in_the_series():
    data = calendar(
        "UID:s\r\nSUMMARY:Class\r\nDTSTART:20260302T170000Z\r\nDTEND:20260302T180000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3",
        "UID:s\r\nRECURRENCE-ID:20260309T170000Z\r\nSUMMARY:Class moved\r\n"
        "DTSTART:20260310T170000Z\r\nDTEND:20260310T180000Z",
    )
    assert titles(data) == ["Class", "Class moved", "Class"]


def test_events_without_a_uid_are_each_kept():
    data = calendar(
        "SUMMARY:One\r\nDTSTART:20260310T080000Z\r\nDTEND:20260310T090000Z",
        "SUMMARY:Two\r\nDTSTART:20260311T080000Z\r\nDTEND:20260311T090000Z",
        "SUMMARY:Three\r\nDTSTART:20260312T080000Z\r\nDTEND:20260312T090000Z",
    )
    assert titles(data) == ["One", "Two", "Three"]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;UNTL=20260415T000000Z;BYDAY=MO,TU",  # misspelt UNTIL
        "FREQ=WEEKLY;UNTIL=20260415T000000Z;BYDAY=MO, TU",  # a space after the comma (Outlook)
        "FREQ=WEEKLY;UNTL=20260415T000000Z;BYDAY=MO, TU",
        "freq=weekly;until=20260415T000000Z;byday=mo,tu",
    ],
)
def test_a_repeat_rule_with_a_small_slip_is_repaired_and_keeps_all_its_dates(rule):
    data = calendar(f"UID:r\r\nSUMMARY:Stand-up\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T093000Z\r\nRRULE:{rule}")
    report = parse_busy_report(data, MARCH, MAY)
    # Mondays and Tuesdays from 2 March to 14 April: 14 dates.
    assert len(report.events) == 14
    assert report.problems == []


def test_a_rule_beyond_repair_keeps_the_first_date_and_says_so():
    data = calendar(
        "UID:r\r\nSUMMARY:Night shift\r\nDTSTART:20260302T220000Z\r\nDTEND:20260303T060000Z\r\n"
        "RRULE:BYDAY=MO;WHEN=OFTEN",
        "UID:f\r\nSUMMARY:Fine\r\nDTSTART:20260312T100000Z\r\nDTEND:20260312T110000Z",
    )
    report = parse_busy_report(data, MARCH, MAY)
    assert [event.title for event in report.events] == ["Night shift", "Fine"]
    assert report.events[0].start == datetime(2026, 3, 2, 22, tzinfo=UTC)
    assert report.problems == ["“Night shift”: its repeat rule could not be read, so only its first date is kept"]


def test_an_event_with_both_an_end_and_a_length_keeps_its_end():
    data = calendar(
        "UID:b\r\nSUMMARY:Both\r\nDTSTART:20260310T180000Z\r\nDTEND:20260310T230000Z\r\nDURATION:PT1H",
        "UID:w\r\nSUMMARY:Weekly both\r\nDTSTART:20260302T180000Z\r\nDTEND:20260302T200000Z\r\nDURATION:PT1H\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=2",
    )
    report = parse_busy_report(data, MARCH, MAY)
    spans = [(event.title, event.end - event.start) for event in report.events]
    assert [(title, length.total_seconds() / 3600) for title, length in spans] == [
        ("Weekly both", 2),
        ("Weekly both", 2),
        ("Both", 5),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T090000Z\r\nDTEND:2026031",
        b"BEGIN:VCALENDAR\r\n\x00\xff\xfe garbage ::: \r\nEND:VCALENDAR\r\n",
    ],
)
def test_a_damaged_calendar_is_called_damaged_not_a_web_page(data):
    with pytest.raises(FeedError) as caught:
        parse_busy_report(data, MARCH, MAY)
    assert str(caught.value) == ics_import.MSG_DAMAGED_ICS
    assert "web page" not in str(caught.value)


def test_a_huge_file_of_one_off_events_gets_one_clear_message_quickly():
    event = (
        "BEGIN:VEVENT\r\nUID:event-{n}@example.com\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:2020{m:02d}{d:02d}T090000Z\r\n"
        "DTEND:2020{m:02d}{d:02d}T100000Z\r\nSUMMARY:Meeting number {n} about the quarterly planning of things\r\n"
        "DESCRIPTION:{pad}\r\nEND:VEVENT\r\n"
    )
    body = "".join(event.format(n=n, m=n % 12 + 1, d=n % 28 + 1, pad="x" * 40) for n in range(39_000))
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{body}END:VCALENDAR\r\n".encode()
    assert len(data) > 5_000_000
    started = time.monotonic()
    messages = set()
    for _ in range(2):
        with pytest.raises(FeedError) as caught:
            parse_busy_report(data, MARCH, MAY)
        messages.add(str(caught.value))
    assert time.monotonic() - started < 3
    assert messages == {
        "Your calendar file has 39,000 events; we import calendars of up to 20,000 events. "
        "Share a calendar without years of past events (many apps can share only recent ones)."
    }
