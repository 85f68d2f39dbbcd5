"""Reads of a gig's day sheet: who runs the day, the sheet and its checklist, and the page's whole picture
(the sheet's own details beside what the booking, its show's running order, its agreed terms and its
files already say)."""

import datetime as dt
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bands.selectors import band_managers, bands_managers
from bookings.models import Booking, BookingFile, live_starts_at
from bookings.selectors.bookings import can_manage_band, manages_band_of, standing_of, venue_team, venue_teams
from bookings.selectors.quotes import INCLUDED, balance_text, deal_text, included_labels, money_text
from bookings.selectors.shows import lineup_sorted

from ..models import AdvanceComment, AdvanceItem, DaySheet, Side

Item = AdvanceItem.Item
Status = Booking.Status

# A gig has a day sheet once it is booked, and keeps it as its record after the gig.
SHEET_STATUSES = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED, Status.DISPUTED)
# Its details and checklist change until the gig is over.
EDITABLE_STATUSES = (Status.BOOKED, Status.IN_PROGRESS)
# What the page reads with the booking (one query): its places, its show and its agreed terms.
SHEET_RELATED = ("band", "venue", "client", "slot__stage", "slot__place_venue", "slot__host_band", "agreed_quote")
# The checklist's order on the page and on paper.
ITEMS = tuple(Item)
# Whose each item is to confirm when nobody chose otherwise: the side that runs the day knows its room
# and its day; the band knows what it plays, in which order, and sends its rider and stage plot.
ITEM_OWNER: dict[str, str] = {item.value: Side.VENUE for item in ITEMS} | {
    Item.SET_TIMES: Side.BAND,
    Item.RUNNING_ORDER: Side.BAND,
    Item.FILES: Side.BAND,
}
# By when, in days before the gig's date (in its zone): what the other side plans around comes first.
ITEM_DUE_DAYS: dict[str, int] = {
    Item.ADDRESS: 14,
    Item.CONTACTS: 14,
    Item.PAYMENT_TERMS: 14,
    Item.ACCOMMODATION: 14,
    Item.FILES: 14,
    Item.BACKLINE: 7,
    Item.HOSPITALITY: 7,
    Item.SET_TIMES: 7,
    Item.RUNNING_ORDER: 7,
    Item.LOAD_IN: 3,
    Item.SOUNDCHECK: 3,
    Item.DOORS: 3,
    Item.PARKING: 3,
}
# An open item is "due soon" this many days before its due date (and the owner is reminded once then).
DUE_SOON_DAYS = 2


def is_editable(booking: Booking, *, now: dt.datetime) -> bool:
    """The sheet and its checklist change while the gig is booked or playing and not over."""
    return booking.status in EDITABLE_STATUSES and booking.ends_at > now


def runs_the_day(booking: Booking, user: User) -> bool:
    """Whether `user` is on the side that runs the gig's day and so writes its day sheet: the venue's
    staff, the client of a private event, the leaders and admins of the band hosting its own show.
    From the viewer's Standing when read with the booking (no query), else one query."""
    if not getattr(user, "is_authenticated", False):
        return False
    if booking.client_id:
        return booking.client_id == user.pk
    if booking.venue_id:
        standing = standing_of(booking, user)
        if standing is not None:
            return standing.venue_staff
        return booking.venue.staff_roles.filter(user_id=user.pk).exists()
    host_id = booking.slot.host_band_id if booking.slot_id else None
    if host_id is None:
        return False
    standing = standing_of(booking, user)
    if standing is not None and host_id == booking.band_id:
        return standing.manages_band
    if standing is not None and host_id == booking.picker_band_id:
        return standing.picks_support
    return can_manage_band(host_id, user)


def sides_of(booking: Booking, user: User) -> frozenset[str]:
    """The sides `user` speaks for in the gig's advancing and guest list: "venue" for the side that runs
    the day (its staff, group bookers among them; the client; the host), "band" for the band's leaders,
    admins and acting agency people. A plain member speaks for neither: they read."""
    sides = set()
    if runs_the_day(booking, user):
        sides.add(Side.VENUE.value)
    if getattr(user, "is_authenticated", False) and manages_band_of(booking, user):
        sides.add(Side.BAND.value)
    return frozenset(sides)


def side_people(booking: Booking, side: str) -> list[User]:
    """Who is told about a side's items and comments: for the band its leaders and admins; for the side
    that runs the day the venue's staff, the client, or the host band's leaders and admins."""
    if side == Side.BAND:
        return band_managers(booking.band_id)
    if booking.client_id:
        return [booking.client]
    if booking.venue_id:
        return venue_team(booking.venue_id)
    host_id = booking.slot.host_band_id if booking.slot_id else None
    return band_managers(host_id) if host_id else []


def contact_people(booking: Booking, side: str) -> list[User]:
    """Who a side's contact on the day may be picked from, by reference: for the band every member of it; for
    the side that runs the day its people (side_people). One query."""
    if side == Side.BAND:
        return list(User.objects.filter(memberships__band_id=booking.band_id, is_active=True).order_by("pk"))
    return [person for person in side_people(booking, side) if person.is_active]


def side_people_many(due: list[tuple[Booking, list]]) -> Callable[[Booking, str], list[User]]:
    """side_people for many bookings (each with its checklist rows, whose `owner` names the sides asked
    for): two queries for all of them (the bands' and hosts' leaders and admins, the venues' staff).
    Returns side_people's twin that asks the database nothing."""
    band_ids, venue_ids = set(), set()
    for booking, rows in due:
        for side in {row.owner for row in rows}:
            if side == Side.BAND:
                band_ids.add(booking.band_id)
            elif booking.client_id:
                continue
            elif booking.venue_id:
                venue_ids.add(booking.venue_id)
            elif booking.slot_id and booking.slot.host_band_id:
                band_ids.add(booking.slot.host_band_id)
    managers = bands_managers(band_ids) if band_ids else {}
    teams = venue_teams(venue_ids) if venue_ids else {}

    def people(booking: Booking, side: str) -> list[User]:
        if side == Side.BAND:
            return managers[booking.band_id]
        if booking.client_id:
            return [booking.client]
        if booking.venue_id:
            return teams[booking.venue_id]
        host_id = booking.slot.host_band_id if booking.slot_id else None
        return managers[host_id] if host_id else []

    return people


def gig_date(booking: Booking) -> dt.date:
    """The gig's date in its own zone."""
    return booking.starts_at.astimezone(zoneinfo.ZoneInfo(booking.time_zone or "UTC")).date()


def gig_today(booking: Booking, now: dt.datetime) -> dt.date:
    """Today's date where the gig is: due dates are days of the gig's zone."""
    return now.astimezone(zoneinfo.ZoneInfo(booking.time_zone or "UTC")).date()


def day_sheet_of(booking: Booking) -> DaySheet | None:
    """The booking's day sheet, or None while nobody has written one. One query."""
    return (
        DaySheet.objects.filter(booking_id=booking.pk)
        .select_related("updated_by", "venue_contact_person", "band_contact_person")
        .first()
    )


def advance_items_of(booking: Booking) -> dict[str, AdvanceItem]:
    """The booking's checklist rows by item key (advanced or reopened), with who advanced them. One query."""
    rows = AdvanceItem.objects.filter(booking_id=booking.pk).select_related("advanced_by")
    return {row.item: row for row in rows}


def open_count_of(booking: Booking) -> int:
    """How many of the checklist's items are still open. One query."""
    done = AdvanceItem.objects.filter(booking_id=booking.pk, advanced_at__isnull=False).count()
    return len(ITEMS) - done


def advance_comments_of(booking: Booking) -> dict[str, list[AdvanceComment]]:
    """The booking's comments by item key, oldest first, with their authors. One query."""
    found: dict[str, list[AdvanceComment]] = {}
    for comment in AdvanceComment.objects.filter(booking_id=booking.pk).select_related("author").order_by("pk"):
        found.setdefault(comment.item, []).append(comment)
    return found


# ---- The page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """A time of the day in the event's zone, and where it comes from ("" the sheet, else in words)."""

    at: dt.datetime
    source: str = ""


@dataclass(frozen=True)
class Act:
    name: str
    role: str
    set_starts_at: dt.datetime | None
    set_ends_at: dt.datetime | None
    load_in_at: dt.datetime | None
    this_band: bool


@dataclass(frozen=True)
class Place:
    name: str
    lines: list[str]
    map_url: str


@dataclass(frozen=True)
class Row:
    """One item of the checklist: its key, its label, its row when it was ever marked, whose it is to
    confirm and by when. `late_days` > 0: open and past its due date by that many days."""

    key: str
    label: str
    mark: AdvanceItem | None
    owner: str = Side.VENUE
    due_on: dt.date | None = None
    today: dt.date | None = None
    comments: tuple[AdvanceComment, ...] = ()

    @property
    def advanced(self) -> bool:
        return self.mark is not None and self.mark.is_advanced

    @property
    def owner_label(self) -> str:
        return str(Side(self.owner).label)

    @property
    def due_in_days(self) -> int:
        """Days from today to the due date (negative: past it)."""
        return (self.due_on - self.today).days

    @property
    def late_days(self) -> int:
        return 0 if self.advanced else max(0, -self.due_in_days)

    @property
    def late(self) -> bool:
        return self.late_days > 0

    @property
    def due_soon(self) -> bool:
        return not self.advanced and 0 <= self.due_in_days <= DUE_SOON_DAYS


def item_labels() -> dict[str, str]:
    """Each checklist item's label in the language active."""
    return {item.value: str(item.label) for item in ITEMS}


def advance_rows(
    *,
    booking: Booking,
    marks: dict[str, AdvanceItem],
    now: dt.datetime,
    comments: dict[str, list[AdvanceComment]] | None = None,
    labels: dict[str, str] | None = None,
) -> list[Row]:
    """The checklist as it stands at `now`: every item, marked or not, with its owner and due date (the
    row's, else the defaults) and whether it is late. The one reading of "late" that the day sheet, the
    paper card's badge and the reminders share. No query. `labels` (item_labels()) spares a reader of
    many gigs translating the same labels for each."""
    date, today = gig_date(booking), gig_today(booking, now)
    comments = comments or {}
    labels = labels or item_labels()
    rows = []
    for item in ITEMS:
        mark = marks.get(item.value)
        owner = (mark.owner if mark is not None else "") or ITEM_OWNER[item.value]
        due_on = (mark.due_on if mark is not None else None) or date - dt.timedelta(days=ITEM_DUE_DAYS[item.value])
        rows.append(
            Row(
                key=item.value,
                label=labels[item.value],
                mark=mark,
                owner=owner,
                due_on=due_on,
                today=today,
                comments=tuple(comments.get(item.value, ())),
            )
        )
    return rows


def late_rows(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.late]


def bookings_to_remind(*, now: dt.datetime) -> QuerySet[Booking]:
    """Booked gigs still to come that may have an open item due within DUE_SOON_DAYS or late: those within
    the longest default lead time, and those with an item whose own due date is that close. Their
    checklist rows come prefetched (`advance_items`) for advance_rows."""
    horizon = now + dt.timedelta(days=max(ITEM_DUE_DAYS.values()) + DUE_SOON_DAYS + 1)
    own_due = AdvanceItem.objects.filter(
        booking_id=OuterRef("pk"),
        advanced_at__isnull=True,
        due_on__lte=(now + dt.timedelta(days=DUE_SOON_DAYS + 1)).date(),
    )
    return (
        Booking.objects.filter(status=Status.BOOKED, starts_at__gt=now)
        .filter(Q(starts_at__lte=horizon) | Exists(own_due))
        .select_related("band", "venue", "client", "slot")
        .prefetch_related("advance_items")
        .order_by("starts_at", "pk")
    )


# The days before a gig's date on which an item with its default due date falls due soon (its lead time and
# DUE_SOON_DAYS) or late (the day after its due date): the only days, without a change, a reminder falls due.
FALLS_DUE_DAYS = frozenset(
    {days + DUE_SOON_DAYS for days in ITEM_DUE_DAYS.values()} | {days - 1 for days in ITEM_DUE_DAYS.values()}
)


@functools.cache
def _zones() -> tuple[zoneinfo.ZoneInfo, ...]:
    zones = []
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zones.append(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return tuple(zones)


def _midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def bookings_fallen_due(*, since: dt.datetime, changed_since: dt.datetime, now: dt.datetime) -> set[int]:
    """The booked gigs still to come whose reminder may have fallen due between `since` (the last run) and
    `now`, what bookings_to_remind would read them for: the gigs booked, moved or otherwise changed since
    `changed_since`, those whose checklist changed since then, and those where a day began since `since`
    (in the gig's zone) on which one of its items falls due soon or late, by its default due date
    (FALLS_DUE_DAYS before the gig's date) or its own. The rest were read by an earlier run, and nothing
    about them has changed. At most four queries, two when no day began anywhere."""
    gigs = Booking.objects.filter(status=Status.BOOKED, starts_at__gt=now).order_by()
    found = set(gigs.filter(updated_at__gte=changed_since).values_list("pk", flat=True))
    found.update(AdvanceItem.objects.filter(updated_at__gte=changed_since).values_list("booking_id", flat=True))
    # Where a new day began since `since`: for each span of gig dates that reached one of FALLS_DUE_DAYS, the
    # zones (by name) whose gigs start within it.
    spans: dict[tuple[dt.datetime, dt.datetime], set[str]] = defaultdict(set)
    first_day = last_day = None
    for zone in _zones():
        before, today = since.astimezone(zone).date(), now.astimezone(zone).date()
        if before == today:
            continue
        first_day = min(first_day or before, before)
        last_day = max(last_day or today, today)
        for days in FALLS_DUE_DAYS:
            # Gig dates in (before + days, today + days].
            span = (
                _midnight(before + dt.timedelta(days=days + 1), zone),
                _midnight(today + dt.timedelta(days=days + 1), zone),
            )
            spans[span].add(zone.key)
            if zone.key == "UTC":
                spans[span].add("")  # a gig without a zone is dated in UTC (gig_date)
    if not spans:
        return found
    # By the live bookings' start (bookings_live_starts_at): the gigs of each span, not every gig ahead.
    crossed = Q(pk__in=[])
    for (start, end), names in spans.items():
        crossed |= Q(time_zone__in=sorted(names), live_start__gte=start, live_start__lt=end)
    found.update(gigs.alias(live_start=live_starts_at()).filter(crossed).values_list("pk", flat=True))
    # An item's own due date: due soon from two days before it, late from the day after (advance_rows).
    own = AdvanceItem.objects.order_by().filter(
        advanced_at__isnull=True,
        due_on__isnull=False,
        due_on__gt=first_day - dt.timedelta(days=1),
        due_on__lte=last_day + dt.timedelta(days=DUE_SOON_DAYS),
    )
    found.update(own.values_list("booking_id", flat=True))
    return found


@dataclass
class DaySheetPage:
    booking: Booking
    sheet: DaySheet | None
    zone: zoneinfo.ZoneInfo
    place: Place
    rows: list[Row]
    sides: frozenset[str]
    load_in: Moment | None
    soundcheck: Moment | None
    doors: Moment | None
    curfew: Moment | None
    set_starts_at: dt.datetime
    set_ends_at: dt.datetime
    own_set: bool  # the running order gives the act a set of its own (else the whole booking)
    lineup: list[Act]
    included: list[str]
    provided: dict[str, bool]  # what the agreed terms say the day provides (sound, backline, hospitality…)
    stage_notes: str
    payment: dict[str, str]
    files: list[BookingFile]
    runs_the_day: bool
    editable: bool

    @property
    def open_count(self) -> int:
        return sum(1 for row in self.rows if not row.advanced)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done_count(self) -> int:
        return self.total - self.open_count

    @property
    def can_advance(self) -> bool:
        return self.runs_the_day and self.editable

    @property
    def can_comment(self) -> bool:
        return bool(self.sides) and self.editable

    @property
    def late_rows(self) -> list[Row]:
        return late_rows(self.rows)

    def can_mark(self, row: Row) -> bool:
        """The side that runs the day confirms every item; the band its own."""
        return self.editable and (self.runs_the_day or row.owner in self.sides)

    @property
    def rows_with_rights(self) -> list[tuple[Row, bool]]:
        return [(row, self.can_mark(row)) for row in self.rows]


def map_url(*, latitude: float | None, longitude: float | None, query: str) -> str:
    """An OpenStreetMap link: the point when there is one, else a search for the address."""
    if latitude is not None and longitude is not None:
        lat, lon = f"{latitude:.5f}", f"{longitude:.5f}"
        return f"https://www.openstreetmap.org/?{urlencode({'mlat': lat, 'mlon': lon})}#map=17/{lat}/{lon}"
    if not query:
        return ""
    return f"https://www.openstreetmap.org/search?{urlencode({'query': query})}"


def place_of(booking: Booking) -> Place:
    """Where the gig is: the venue, the place a hosted show names, or the client's location."""
    slot = booking.slot if booking.slot_id else None
    venue = booking.venue if booking.venue_id else (slot.place_venue if slot and slot.place_venue_id else None)
    if venue is not None:
        lines = [venue.address, " ".join(p for p in (venue.postcode, venue.city) if p)]
        point = (venue.latitude, venue.longitude) if venue.latitude is not None else (None, None)
        name = venue.name
    elif slot is not None:
        lines = [slot.place_address, slot.place_city]
        point = (slot.latitude, slot.longitude)
        name = slot.place_name
    else:
        lines, point, name = [booking.location], (None, None), booking.event_type
    lines = [line for line in lines if line]
    query = ", ".join(lines) if lines else name
    return Place(name=name, lines=lines, map_url=map_url(latitude=point[0], longitude=point[1], query=query))


def _files(booking: Booking) -> list[BookingFile]:
    """Each document's newest version, in the order they were first shared. One query."""
    newest: dict = {}
    for row in BookingFile.objects.filter(booking_id=booking.pk).order_by("pk"):
        kept = newest.get(row.document)
        if kept is None or row.version > kept.version:
            newest[row.document] = row
    return sorted(newest.values(), key=lambda r: r.pk)


def _lineup(booking: Booking) -> list[Act]:
    if not booking.slot_id:
        return []
    acts = Booking.objects.filter(slot_id=booking.slot_id, status__in=Booking.PLAYED).select_related("band")
    return [
        Act(
            name=act.band.name,
            role=act.get_role_display(),
            set_starts_at=act.set_starts_at,
            set_ends_at=act.set_ends_at,
            load_in_at=act.load_in_at,
            this_band=act.pk == booking.pk,
        )
        for act in lineup_sorted(acts)
    ]


def _payment(booking: Booking) -> dict[str, str]:
    quote = booking.agreed_quote if booking.agreed_quote_id else None
    if quote is None:
        fee = money_text(booking.fee * 100, booking.currency) if booking.fee else ""
        return {"deal": fee, "deposit": "", "balance": ""}
    deposit = ""
    if quote.deposit_percent:
        deposit = f"{quote.deposit_percent} %"
    return {"deal": deal_text(quote), "deposit": deposit, "balance": balance_text(quote) if deposit else ""}


def day_sheet_page(*, booking: Booking, user: User, now: dt.datetime | None = None) -> DaySheetPage:
    """Everything the day sheet shows, for `booking` read with SHEET_RELATED: five queries at most (the
    sheet, the checklist, its comments, the show's acts, the files), whatever their numbers."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(booking.time_zone or "UTC")
    sheet = day_sheet_of(booking)
    marks = advance_items_of(booking)
    comments = advance_comments_of(booking)
    slot = booking.slot if booking.slot_id else None

    def moment(own, *fallbacks) -> Moment | None:
        if own is not None:
            return Moment(own)
        for value, source in fallbacks:
            if value is not None:
                return Moment(value, source)
        return None

    quote = booking.agreed_quote if booking.agreed_quote_id else None
    return DaySheetPage(
        booking=booking,
        sheet=sheet,
        zone=zone,
        place=place_of(booking),
        rows=advance_rows(booking=booking, marks=marks, now=now, comments=comments),
        sides=sides_of(booking, user),
        load_in=moment(sheet and sheet.load_in_at, (booking.load_in_at, _("from the running order"))),
        soundcheck=moment(sheet and sheet.soundcheck_at),
        doors=moment(sheet and sheet.doors_at, (slot.doors_at if slot else None, _("from the show"))),
        curfew=moment(sheet and sheet.curfew_at, (slot.curfew_at if slot else None, _("from the show"))),
        set_starts_at=booking.set_starts_at or booking.starts_at,
        set_ends_at=booking.set_ends_at or booking.ends_at,
        own_set=booking.set_starts_at is not None,
        lineup=_lineup(booking),
        included=included_labels(quote) if quote is not None else [],
        provided={name: bool(quote is not None and getattr(quote, name)) for name, _label in INCLUDED},
        stage_notes=slot.stage.notes if slot is not None and slot.stage_id else "",
        payment=_payment(booking),
        files=_files(booking),
        runs_the_day=runs_the_day(booking, user),
        editable=is_editable(booking, now=now),
    )
