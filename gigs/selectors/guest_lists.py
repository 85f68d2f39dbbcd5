"""Reads of a show's guest list: its entries, each side's cap and places taken, and the page's picture."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from bookings.models import Booking

from ..models import DaySheet, GuestEntry, Side
from .day_sheets import is_editable, runs_the_day, sides_of

# A gig without a day sheet row (or before anyone set the caps): the band brings ten, the venue no limit.
GUEST_CAP_DEFAULTS: dict[str, int | None] = {
    Side.BAND: DaySheet._meta.get_field("guest_cap_band").default,
    Side.VENUE: None,
}


def guest_caps_of(sheet: DaySheet | None) -> dict[str, int | None]:
    """Each side's cap (None: no cap), from the day sheet when there is one."""
    if sheet is None:
        return dict(GUEST_CAP_DEFAULTS)
    return {Side.BAND: sheet.guest_cap_band, Side.VENUE: sheet.guest_cap_venue}


def guest_places_taken(*, booking_id: int, side: str) -> int:
    """How many people a side has on the list: each entry and its plus-ones. One query."""
    return sum(
        1 + n for n in GuestEntry.objects.filter(booking_id=booking_id, side=side).values_list("plus_ones", flat=True)
    )


def guest_entries_of(booking: Booking) -> list[GuestEntry]:
    """The whole list, sorted by name as the door reads it, with who added each. One query."""
    entries = GuestEntry.objects.filter(booking_id=booking.pk).select_related("added_by")
    return sorted(entries, key=lambda e: (e.name.casefold(), e.pk))


@dataclass
class SideTotal:
    side: str
    label: str
    cap: int | None
    entries: int = 0
    places: int = 0
    checked_in: int = 0

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.places)


@dataclass
class GuestListPage:
    booking: Booking
    entries: list[GuestEntry]
    totals: dict[str, SideTotal]
    sides: frozenset[str]
    runs_the_day: bool
    editable: bool
    sheet: DaySheet | None = None
    mine: set[str] = field(default_factory=set)

    @property
    def places(self) -> int:
        return sum(total.places for total in self.totals.values())

    @property
    def checked_in(self) -> int:
        return sum(total.checked_in for total in self.totals.values())

    @property
    def can_add(self) -> bool:
        return self.editable and bool(self.sides)

    @property
    def can_check_in(self) -> bool:
        return self.editable and self.runs_the_day

    @property
    def rows(self) -> list[tuple[GuestEntry, bool]]:
        """Each entry and whether the viewer may take it off (their side's own)."""
        return [(entry, self.editable and entry.side in self.sides) for entry in self.entries]


def guest_list_page(*, booking: Booking, user: User, now: dt.datetime | None = None) -> GuestListPage:
    """The guest list page for `booking` (read with its viewer's standing): two queries (the sheet's caps,
    the entries), whatever the number of guests."""
    now = now or timezone.now()
    sheet = DaySheet.objects.filter(booking_id=booking.pk).first()
    caps = guest_caps_of(sheet)
    totals = {side.value: SideTotal(side=side.value, label=str(side.label), cap=caps[side.value]) for side in Side}
    entries = guest_entries_of(booking)
    for entry in entries:
        total = totals[entry.side]
        total.entries += 1
        total.places += entry.places
        total.checked_in += entry.places if entry.checked_in_at else 0
    return GuestListPage(
        booking=booking,
        entries=entries,
        totals=totals,
        sides=sides_of(booking, user),
        runs_the_day=runs_the_day(booking, user),
        editable=is_editable(booking, now=now),
        sheet=sheet,
    )
