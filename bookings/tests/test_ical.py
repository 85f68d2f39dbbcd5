"""The feeds' VEVENTs, written directly, are byte for byte what django-ical and icalendar make of the same
events (docs/decisions/0013): escaping, folding at 75 octets, CRLF, UTC times, the order of properties
and the properties left out when empty – once the one writer of calendar text (`ical_text`) has put each
name on one line and each description's line breaks in one form (decision 0123)."""

import datetime as dt
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bookings.ical import (
    FeedEvent,
    StageSlotICalFeed,
    _feed,
    _vevent,
    feed_render,
    feed_render_forget,
    ical_lines,
    ical_one_line,
)

MOMENT = dt.datetime(2030, 5, 1, 20, tzinfo=dt.UTC)


def icalendar_vevent_feed(name: str, events: list[FeedEvent]) -> StageSlotICalFeed:
    """The feed as it was built before: every event through django-ical's add_item."""
    feed = _feed(name)
    for event in sorted(map(cleaned, events), key=lambda e: (e.starts_at, e.uid)):
        modified = event.modified_at.astimezone(dt.UTC).replace(microsecond=0)
        feed.add_item(
            title=event.summary,
            link=event.url,
            description=event.description,
            unique_id=event.uid,
            start_datetime=event.starts_at.astimezone(dt.UTC).replace(microsecond=0),
            end_datetime=event.ends_at.astimezone(dt.UTC).replace(microsecond=0),
            timestamp=modified,
            sequence=event.sequence,
            status=event.status,
            location=event.location,
            transparency="TRANSPARENT" if event.transparent else "",
        )
    return feed


def icalendar_vevent(event: FeedEvent) -> bytes:
    """icalendar's VEVENT of the event as the one writer hands its texts on: names on one line, line breaks
    of a description in one form."""
    calendar = Calendar()
    icalendar_vevent_feed("", [event]).write_items(calendar)
    return calendar.subcomponents[0].to_ical()


ONE_LINE = ("summary", "location", "uid", "status")


def cleaned(event: FeedEvent) -> FeedEvent:
    one_line = {name: ical_one_line(getattr(event, name)) for name in ONE_LINE}
    return replace(event, **one_line, description=ical_lines(event.description))


def icalendar_reads_a_backslash_n_as_a_line_break(event: FeedEvent) -> bool:
    """icalendar writes a name's backslash before an N as a line break; the one writer keeps it a backslash."""
    return any("\\N" in getattr(cleaned(event), name) for name in ONE_LINE)


def event(**fields) -> FeedEvent:
    base = {
        "uid": "booking-0b8e@stageslot.example",
        "summary": "The Night Owls at Kellerbar",
        "starts_at": MOMENT,
        "ends_at": MOMENT + timedelta(hours=3),
        "status": "CONFIRMED",
        "sequence": 2,
        "modified_at": MOMENT - timedelta(days=3),
    }
    return FeedEvent(**{**base, **fields})


BERLIN = dt.timezone(dt.timedelta(hours=2))
LINEUP = "Lineup:\nThe Night Owls – Headliner\nStatic Bloom – Support\n"
CASES = {
    "plain": event(),
    "everything": event(
        description=LINEUP + "Doors 19:00, show 20:00; bring ID.",
        location="Kellerbar, Kastanienallee 12, 10435 Berlin",
        url="https://stageslot.example/bookings/0b8e/",
    ),
    "unicode": event(summary="Ünïcödé – Kraków’s Łódź 🎸 " * 4, location="Zürich, Straße 5 😀"),
    "escaping": event(summary=r"a,b;c\de" + "\r\nf\rg\nh", description=r"back\slash\N; semi, comma" + "\n" * 6),
    "controls": event(summary="a\x00b\x0bc\td \u2028 e\u202e", location="\r\n x \x1f", description="a\x0bb\x00c\u2029"),
    "tentative": event(status="TENTATIVE", sequence=0),
    "cancelled": event(status="CANCELLED", sequence=7, description="Cancelled: the venue flooded."),
    "available": event(summary="Available", status="CONFIRMED", transparent=True),
    "no summary": event(summary="", description="only a description"),
    "local times and microseconds": event(
        starts_at=dt.datetime(2030, 10, 27, 2, 30, 5, 999_999, tzinfo=BERLIN),
        ends_at=dt.datetime(2030, 10, 27, 4, 0, tzinfo=BERLIN),
        modified_at=dt.datetime(2030, 1, 1, 0, 0, 0, 1, tzinfo=BERLIN),
    ),
    "iri url": event(url="https://stageslot.example/bänds/straße?x=a b&y=1,2;3"),
    # A backslash or caret that would end a folded piece moves to the next one.
    **{f"fold at {n}": event(summary="x" * n + "\\,;^" * 30, description="é" * n + "^\\" * 50) for n in range(60, 70)},
    "four-octet characters at the fold": event(summary="😀" * 40, location="a" + "😀" * 40),
    "long uid": event(uid="u" * 120 + "@stageslot.example"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_vevent_is_icalendars_own_bytes(case):
    written = _vevent.__wrapped__(case)
    assert written == icalendar_vevent(case)
    assert all(len(line) <= 75 for line in written.split(b"\r\n"))


def test_a_whole_feed_is_the_bytes_django_ical_renders():
    feed_render_forget()
    events = [replace(case, uid=f"{i}-{case.uid}") for i, case in enumerate(CASES.values())]
    expected = icalendar_vevent_feed("Night Owls, Kellerbar; ünïcödé", events).calendar().to_ical()
    assert feed_render(name="Night Owls, Kellerbar; ünïcödé", events=events) == expected
    assert feed_render(name="Night Owls, Kellerbar; ünïcödé", events=events[::-1]) == expected


def test_a_line_break_in_a_url_is_percent_encoded_and_adds_no_property():
    broken = event(url="https://stageslot.example/\r\nX-EVIL:1")
    written = _vevent.__wrapped__(broken)
    assert written == icalendar_vevent(broken)
    assert b"URL:https://stageslot.example/%0D%0AX-EVIL:1\r\n" in written


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
tricky = st.text(st.sampled_from(list('ab é😀\\;,^\n\r:"N')), max_size=300)


@settings(max_examples=300, deadline=None)
@given(
    summary=st.one_of(texts, tricky),
    description=st.one_of(texts, tricky),
    location=st.one_of(texts, tricky),
    path=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=120),
    uid=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=100),
    status=st.sampled_from(["CONFIRMED", "TENTATIVE", "CANCELLED"]),
    sequence=st.integers(min_value=0, max_value=10_000),
    transparent=st.booleans(),
    start=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 (naive bounds; the values get UTC)
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
)
def test_any_event_is_icalendars_own_bytes(summary, description, location, path, uid, status, sequence, **rest):
    case = event(
        summary=summary,
        description=description,
        location=location,
        url=f"https://stageslot.example/{path}" if path else "",
        uid=uid,
        status=status,
        sequence=sequence,
        transparent=rest["transparent"],
        starts_at=rest["start"],
        ends_at=rest["start"] + timedelta(minutes=90),
        modified_at=rest["start"] - timedelta(days=1, microseconds=7),
    )
    written = _vevent.__wrapped__(case)
    if not icalendar_reads_a_backslash_n_as_a_line_break(case):
        assert written == icalendar_vevent(case)
    read = Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + written + b"END:VCALENDAR\r\n").walk("VEVENT")[0]
    for name in ("summary", "location"):
        value = ical_one_line(getattr(case, name))
        assert str(read.get(name, "")) == value and not any(c in value for c in "\r\n\x0b\x00")


@pytest.mark.parametrize(
    "name",
    [
        "Lake\nFest",
        "Lake\r\nFest",
        "Lake\rFest",
        "Lake\x0bFest",
        "Lake\x00Fest",
        "Lake \u2028 \tFest",
        "Lake\u202eFest",
    ],
)
def test_the_one_writer_puts_a_name_on_one_line(name):
    assert ical_one_line(name) in ("Lake Fest", "LakeFest")
    body = feed_render(name=name, events=[event(summary=name, location=name, description=f"{name}\n{name}")])
    read = Calendar.from_ical(body)
    assert str(read["X-WR-CALNAME"]) == ical_one_line(name)
    vevent = read.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == str(vevent["LOCATION"]) == ical_one_line(name)
    assert str(vevent["DESCRIPTION"]) == ical_lines(f"{name}\n{name}")  # its line breaks kept, escaped
    assert all(b"\r" not in line and b"\n" not in line for line in body.split(b"\r\n"))


def test_a_backslash_before_n_in_a_name_stays_a_backslash():
    body = feed_render(name="Back\\Nowhere", events=[event(summary="Back\\Nowhere; again, \\n")])
    assert str(Calendar.from_ical(body).walk("VEVENT")[0]["SUMMARY"]) == "Back\\Nowhere; again, \\n"


def test_kept_vevents_follow_changes():
    case = CASES["everything"]
    assert _vevent(case) == _vevent.__wrapped__(case)
    assert _vevent(replace(case, sequence=3)) != _vevent(case)
