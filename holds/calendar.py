"""Reads for the bookers' calendar: one venue's, or a venue group's, rooms by day – open slots, booked shows,
shows bands host there, holds with their levels and challenges, offers waiting for an answer and the days a
venue is closed – each with what it clashes with. Six queries for any window and any number of rooms.

A day is the venue's own (its time zone): a hold's `date`, and the local day an event starts on."""

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from bookings.models import Booking
from venues.models import Slot, Stage, Venue
from venues.selectors import first_slot_in_the_way, slot_clash_message

from .models import ClosedDay, Hold
from .selectors import holds_standing

DAY = dt.timedelta(days=1)
VIEWS = ("month", "week", "day")
# What the calendar draws, in the legend's order.
KINDS = ("show", "offer", "slot", "hosted", "hold", "closed")
SHOWN_BOOKINGS = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS, Booking.Status.COMPLETED, Booking.Status.DISPUTED)


@dataclass
class Entry:
    """One thing on a room's day. `kind` is one of KINDS; `clash` says what it runs into, or is empty."""

    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    hold: Hold | None = None
    booking: Booking | None = None
    slot: Slot | None = None
    clash: str = ""
    zone: str = "UTC"
    # Set by calendar_dress for drawing: where the entry leads, where a hold is moved, its local start.
    url: str = ""
    move_url: str = ""
    time: str = ""

    @property
    def level(self) -> int | None:
        return self.hold.level if self.hold is not None else None


@dataclass
class Room:
    """A row of the calendar: a stage, or (stage None) the shows bands host at the venue."""

    venue: Venue
    stage: Stage | None

    @property
    def key(self) -> tuple[int, int]:
        return (self.venue.pk, self.stage.pk if self.stage is not None else 0)

    @property
    def name(self) -> str:
        return self.stage.name if self.stage is not None else _("Bands' own shows")


@dataclass
class Cell:
    date: dt.date
    entries: list[Entry]
    closed: ClosedDay | None

    @property
    def clashes(self) -> int:
        return sum(1 for entry in self.entries if entry.clash)

    @property
    def holds(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == "hold"]


@dataclass
class RoomRow:
    room: Room
    cells: list[Cell]


@dataclass
class AgendaDay:
    """One day of the month or week read as a list (a phone's width): each room with something on it that day."""

    date: dt.date
    rooms: list[tuple[Room, Cell]]


@dataclass
class BookerCalendar:
    view: str
    on: dt.date
    days: list[dt.date]
    rows: list[RoomRow]
    venues: list[Venue]
    counts: dict[str, int] = field(default_factory=dict)
    closed_venues: set[int] = field(default_factory=set)

    @property
    def first(self) -> dt.date:
        return self.days[0]

    @property
    def last(self) -> dt.date:
        return self.days[-1]

    @property
    def clashes(self) -> int:
        return sum(cell.clashes for row in self.rows for cell in row.cells)

    @property
    def agenda(self) -> list[AgendaDay]:
        """The same cells by day instead of by room, keeping only the rooms with an entry or closed that day."""
        return [
            AgendaDay(
                day, [(row.room, row.cells[i]) for row in self.rows if row.cells[i].entries or row.cells[i].closed]
            )
            for i, day in enumerate(self.days)
        ]

    def stages(self) -> list[Stage]:
        return [row.room.stage for row in self.rows if row.room.stage is not None]


def calendar_days(view: str, on: dt.date) -> list[dt.date]:
    """The days a view shows around `on`: the month's, the Monday-to-Sunday week's, or the one day."""
    if view == "day":
        return [on]
    if view == "week":
        monday = on - dt.timedelta(days=on.weekday())
        return [monday + dt.timedelta(days=n) for n in range(7)]
    first = on.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return [first + dt.timedelta(days=n) for n in range((following - first).days)]


def calendar_step(view: str, on: dt.date, steps: int) -> dt.date:
    """The date `steps` views before or after `on` (a month keeps the 1st)."""
    if view == "day":
        return on + dt.timedelta(days=steps)
    if view == "week":
        return on + dt.timedelta(days=7 * steps)
    month = on.year * 12 + on.month - 1 + steps
    return dt.date(month // 12, month % 12 + 1, 1)


def _local_day(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def booker_calendar(*, venues: Sequence[Venue], view: str, on: dt.date, now: dt.datetime) -> BookerCalendar:
    """The calendar of `venues` (one venue, or a group's) for the view around `on`: a row per stage (and one per
    venue for the shows bands host there, when it has any), a cell per day. Clashes flagged on entries: a hold
    over a slot or a booked show on its stage, and a band held 1st twice at overlapping times."""
    venues = list(venues)
    days = calendar_days(view, on)
    by_venue = {venue.pk: venue for venue in venues}
    zones = {venue.pk: zoneinfo.ZoneInfo(venue.time_zone) for venue in venues}
    # A day wider on each side in UTC: each venue's days are its own.
    window_start = dt.datetime.combine(days[0] - DAY, dt.time(), tzinfo=dt.UTC)
    window_end = dt.datetime.combine(days[-1] + 2 * DAY, dt.time(), tzinfo=dt.UTC)

    stages = list(Stage.objects.filter(venue_id__in=by_venue).order_by("venue__name", "venue_id", "name", "pk"))
    slots = list(
        Slot.objects.filter(
            Q(venue_id__in=by_venue) | Q(place_venue_id__in=by_venue, host_band__isnull=False),
            cancelled_at__isnull=True,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
        .select_related("host_band")
        .order_by("starts_at", "pk")
    )
    bookings = list(
        Booking.objects.filter(
            Q(status__in=SHOWN_BOOKINGS) | Q(status=Booking.Status.PENDING, kind=Booking.Kind.OFFER),
            slot__venue_id__in=by_venue,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
        .select_related("band")
        .only("uid", "kind", "status", "role", "starts_at", "ends_at", "slot_id", "band__name", "band__slug")
        .order_by("starts_at", "pk")
    )
    holds = list(
        Hold.objects.filter(
            holds_standing(now),
            venue_id__in=by_venue,
            date__gte=days[0],
            date__lte=days[-1],
        )
        .select_related("band", "challenged_by__band")
        .order_by("date", "stage_id", "level", "pk")
    )
    closed = {
        (row.venue_id, row.date): row
        for row in ClosedDay.objects.filter(venue_id__in=by_venue, date__gte=days[0], date__lte=days[-1])
    }

    for stage in stages:
        stage.venue = by_venue[stage.venue_id]
    stage_by_id = {stage.pk: stage for stage in stages}
    slot_by_id = {slot.pk: slot for slot in slots}
    cells: dict[tuple[tuple[int, int], dt.date], list[Entry]] = {}

    def put(venue_id: int, stage_id: int, day: dt.date, entry: Entry) -> None:
        entry.zone = by_venue[venue_id].time_zone
        if days[0] <= day <= days[-1]:
            cells.setdefault(((venue_id, stage_id), day), []).append(entry)

    taken_slots: set[int] = set()
    shows_by_stage: dict[int, list[Booking]] = {}
    for booking in bookings:
        slot = slot_by_id.get(booking.slot_id)
        if slot is None or slot.stage_id is None:
            continue
        taken_slots.add(slot.pk)
        if booking.status != Booking.Status.PENDING:
            shows_by_stage.setdefault(slot.stage_id, []).append(booking)
        kind = "offer" if booking.status == Booking.Status.PENDING else "show"
        entry = Entry(kind, booking.starts_at, booking.ends_at, booking.band.name, booking=booking, slot=slot)
        put(slot.venue_id, slot.stage_id, _local_day(booking.starts_at, zones[slot.venue_id]), entry)

    open_by_stage: dict[int, list[Slot]] = {}
    hosted_rooms: set[int] = set()
    for slot in slots:
        slot.venue = by_venue.get(slot.venue_id)
        if slot.host_band_id is not None:
            venue_id = slot.place_venue_id
            hosted_rooms.add(venue_id)
            title = slot.title or slot.host_band.name
            put(
                venue_id,
                0,
                _local_day(slot.starts_at, zones[venue_id]),
                Entry("hosted", slot.starts_at, slot.ends_at, title, slot=slot),
            )
            continue
        open_by_stage.setdefault(slot.stage_id, []).append(slot)
        if slot.pk not in taken_slots:
            title = slot.title or _("Open slot")
            put(
                slot.venue_id,
                slot.stage_id,
                _local_day(slot.starts_at, zones[slot.venue_id]),
                Entry("slot", slot.starts_at, slot.ends_at, title, slot=slot),
            )

    firsts: dict[int, list[Hold]] = {}
    for hold in holds:
        hold.venue = by_venue[hold.venue_id]
        hold.stage = stage_by_id[hold.stage_id]
        if hold.level == 1:
            firsts.setdefault(hold.band_id, []).append(hold)
    for hold in holds:
        zone = zones[hold.venue_id]
        clash = ""
        in_way = first_slot_in_the_way(open_by_stage.get(hold.stage_id, []), hold.starts_at, hold.ends_at)
        show = next(
            (
                b
                for b in shows_by_stage.get(hold.stage_id, [])
                if b.starts_at < hold.ends_at and b.ends_at > hold.starts_at
            ),
            None,
        )
        if show is not None:
            clash = _("Over a booked show: %(band)s.") % {"band": show.band.name}
        elif in_way is not None:
            clash = slot_clash_message(stage=hold.stage, slot=in_way, zone=zone)
        elif hold.level == 1:
            other = next(
                (
                    h
                    for h in firsts[hold.band_id]
                    if h.pk != hold.pk and h.starts_at < hold.ends_at and h.ends_at > hold.starts_at
                ),
                None,
            )
            if other is not None:
                clash = _("%(band)s is held 1st at the same time at %(venue)s (%(stage)s).") % {
                    "band": hold.band.name,
                    "venue": other.venue.name,
                    "stage": other.stage.name,
                }
        put(
            hold.venue_id,
            hold.stage_id,
            hold.date,
            Entry("hold", hold.starts_at, hold.ends_at, hold.band.name, hold=hold, clash=clash),
        )

    rooms = [Room(by_venue[stage.venue_id], stage) for stage in stages]
    for venue in venues:
        if venue.pk in hosted_rooms:
            rooms.append(Room(venue, None))
    rooms.sort(key=lambda room: (room.venue.name.casefold(), room.venue.pk, room.stage is None))
    counts = dict.fromkeys(KINDS, 0)
    rows = []
    for room in rooms:
        row_cells = []
        for day in days:
            entries = sorted(
                cells.get((room.key, day), []), key=lambda e: (e.starts_at, KINDS.index(e.kind), e.level or 0)
            )
            for entry in entries:
                counts[entry.kind] += 1
            row_cells.append(Cell(day, entries, closed.get((room.venue.pk, day))))
        rows.append(RoomRow(room, row_cells))
    counts["closed"] = len(closed)
    closed_venues = {venue_id for venue_id, day in closed if day == on}
    return BookerCalendar(
        view=view, on=on, days=days, rows=rows, venues=venues, counts=counts, closed_venues=closed_venues
    )


def calendar_dress(calendar: BookerCalendar, *, acting: set[int]) -> None:
    """Give each entry what its drawing needs: the page it leads to (the booking, a band's show, the slot's page
    for its venue's staff, a hold's ladder), the address a hold is moved at where `acting` (the venues the viewer
    books for) holds its venue, and its start as the venue's clock reads it."""
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for row in calendar.rows:
        venue = row.room.venue
        for cell in row.cells:
            for entry in cell.entries:
                zone = zones.setdefault(entry.zone, zoneinfo.ZoneInfo(entry.zone))
                entry.time = time_format(entry.starts_at.astimezone(zone), "CLOCK_FORMAT")
                if entry.booking is not None:
                    entry.url = reverse("bookings:detail", args=[entry.booking.uid])
                elif entry.kind == "hosted":
                    entry.url = reverse("bookings:show_detail", args=[entry.slot.pk])
                elif entry.kind == "slot" and venue.pk in acting:
                    entry.url = reverse("bookings:slot_manage", args=[venue.slug, entry.slot.pk])
                elif entry.hold is not None:
                    entry.url = f"{reverse('holds:venue', args=[venue.slug])}?date={entry.hold.date.isoformat()}"
                if entry.hold is not None and venue.pk in acting:
                    entry.move_url = reverse("holds:move", args=[venue.slug, entry.hold.pk])
