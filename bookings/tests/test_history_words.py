"""A booking's history reads in the reader's language: lines the services store as English keys ("Settlement
changed", "Stand-in planned", "Rescheduled") are translated when the page is drawn, and so are the lines
stored as English sentences before they were keys."""

import pytest
from django.utils import translation

from bookings.models import Booking, BookingEvent
from bookings.selectors.detail import booking_event_rows

BOOKED = Booking.Status.BOOKED


def rows(*notes: str, from_status: str = BOOKED, to_status: str = BOOKED) -> list[tuple[str, str]]:
    events = [BookingEvent(note=note, from_status=from_status, to_status=to_status) for note in notes]
    with translation.override("de"):
        return [(row.what, row.note) for row in booking_event_rows(events)]


@pytest.mark.parametrize(
    ("note", "what", "rest"),
    [
        ("Settlement changed: Security added; 200 tickets", "Abrechnung geändert", "Security added; 200 tickets"),
        ("Stand-in planned", "Bei Bedarf ist eine Aushilfe eingeplant", ""),
        ("Stand-in planned: Mara ist beschäftigt", "Bei Bedarf ist eine Aushilfe eingeplant", "Mara ist beschäftigt"),
        # As stored before the key: the band's name in an English sentence.
        (
            "The Owls will find a stand-in if needed: Nobody is busy right now.",
            "Bei Bedarf ist eine Aushilfe eingeplant",
            "",
        ),
        (
            "The Owls will find a stand-in if needed: Mara is busy.",
            "Bei Bedarf ist eine Aushilfe eingeplant",
            "Mara is busy",
        ),
        ("Rescheduled: Fr, 5. Mär 19:00 → Sa, 6. Mär 19:00", "Verschoben", "Fr, 5. Mär 19:00 → Sa, 6. Mär 19:00"),
        ("Rescheduled from Fri 5 Mar 19:00 to Sat 6 Mar 19:00", "Verschoben", "Fri 5 Mar 19:00 → Sat 6 Mar 19:00"),
        ("New times declined: Too late", "Neue Zeiten abgelehnt", "Too late"),
        ("New times withdrawn; the gig stays on its times.", "Neue Zeiten zurückgezogen", ""),
    ],
)
def test_the_history_reads_in_german(note, what, rest):
    assert rows(note) == [(what, rest)]


def test_a_lapsed_deposit_says_why_in_german():
    [(what, note)] = rows("The deposit was not paid in time", to_status=Booking.Status.CANCELLED)
    assert (what, note) == ("Storniert", "Die Anzahlung wurde nicht rechtzeitig bezahlt")
