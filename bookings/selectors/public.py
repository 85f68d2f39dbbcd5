"""Reads for the public live calendars: a band's month of availability and a venue's next slots.

Nothing private leaves here: no member names, no reasons, no client or request details. A booked
gig names its venue only when the slot is public at a listed venue; anything else reads "Booked".
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import date_format, get_format, time_format
from django.utils.translation import gettext_lazy, pgettext

from availability import engine
from bands.calendar import CalendarMember, band_green_days, month_grid
from bands.models import ApprovalStatus, Band
from core.db.prepared import CompiledSQL
from core.fields.dates import Bound, read_month
from venues.models import Slot, Venue

from ..models import Booking

UPCOMING_SLOTS = 20
# Months further away than this are not calendars anyone books from; the page shows this month instead.
MONTHS_AHEAD = 36
MONTHS_BACK = 24

STATES = {
    "booked": (gettext_lazy("Booked"), "♪"),
    "pending": (gettext_lazy("Pending"), "?"),
    "available": (gettext_lazy("Available"), "✓"),
    "": (gettext_lazy("Not available"), "–"),
}


def parse_month(value: str | None, *, today: dt.date) -> dt.date:
    """The first day of the month "YYYY-MM" in `value`; this month when it is missing, no month or out of the
    browsing bound (core/fields/dates.py), or further away than a public calendar shows."""
    this_month = today.replace(day=1)
    month, problem = read_month(value or "", name="month", bound=Bound.BROWSE, today=today)
    if month is None or problem:
        return this_month
    offset = (month.year - this_month.year) * 12 + (month.month - this_month.month)
    return month if -MONTHS_BACK <= offset <= MONTHS_AHEAD else this_month


def shift_month(month_start: dt.date, months: int) -> dt.date:
    index = month_start.year * 12 + month_start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_in_range(month_start: dt.date, *, today: dt.date) -> bool:
    this_month = today.replace(day=1)
    offset = (month_start.year - this_month.year) * 12 + (month_start.month - this_month.month)
    return -MONTHS_BACK <= offset <= MONTHS_AHEAD


# ---- The band's month -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicGig:
    """A booked gig as the public may see it: where and when, or nothing more than that it is booked."""

    venue_name: str
    venue_slug: str
    start_label: str
    venue_url: str = ""


@dataclass(frozen=True)
class PublicDay:
    day: dt.date
    state: str  # "booked" | "pending" | "available" | "" (not available)
    in_month: bool
    is_today: bool
    is_past: bool
    gigs: tuple[PublicGig, ...] = ()

    @property
    def label(self) -> str:
        return STATES[self.state][0]

    @property
    def mark(self) -> str:
        return STATES[self.state][1]


@dataclass(frozen=True)
class PublicMonth:
    month: dt.date
    days: list[PublicDay]
    time_zone: str
    min_length: dt.timedelta
    counts: dict[str, int]  # states of the month's days from today on

    @property
    def weeks(self) -> list[list[PublicDay]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]


def _band_booking_rows(*, band_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return (
        Booking.objects.filter(
            band_id=band_id,
            status__in=(Booking.Status.PENDING, *Booking.PLAYED),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("starts_at", "pk")
        .values("status", "kind", "starts_at", "venue__name", "venue__slug", "venue__status", "slot__visibility")
    )


# Asked by every public month (the fragment every band page loads and polls): compiled once.
_BAND_BOOKING_ROWS = CompiledSQL(_band_booking_rows)


def band_bookings_between(*, band: Band, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The band's pending, booked and played gigs starting in [start, end), with only what the public
    calendar may show (one query)."""
    return _BAND_BOOKING_ROWS.instances(band_id=band.pk, start=start, end=end)


class _GigWords:
    """What every gig of one month shares: the clock's format in the active language, read once, each start
    time worded once (a month's gigs start at a few times of day: 20:00, 21:30) and each venue's address,
    reversed once per venue (a busy month has dozens of gigs at a handful of venues)."""

    def __init__(self) -> None:
        self.clock = get_format("CLOCK_FORMAT")
        self.urls: dict[str, str] = {}
        self.starts: dict[tuple, str] = {}

    def venue_url(self, slug: str) -> str:
        if slug not in self.urls:
            self.urls[slug] = reverse("venues:detail", args=[slug])
        return self.urls[slug]

    def start_label(self, local: dt.datetime) -> str:
        """The clock time of `local` (an aware time in the band's zone). Kept by time of day and offset from UTC: a
        clock format words nothing else (the zone's name goes with its offset)."""
        key = (local.time(), local.utcoffset())
        if key not in self.starts:
            self.starts[key] = dateformat.time_format(local, self.clock)
        return self.starts[key]


def _public_gig(row: dict, tz: dt.tzinfo, words: _GigWords | None = None) -> PublicGig:
    shown = (
        row["kind"] != Booking.Kind.REQUEST
        and row["slot__visibility"] == Slot.Visibility.PUBLIC
        and row["venue__status"] == ApprovalStatus.APPROVED
    )
    if not shown:
        return PublicGig(venue_name="", venue_slug="", start_label="")
    words = words or _GigWords()
    return PublicGig(
        venue_name=row["venue__name"],
        venue_slug=row["venue__slug"],
        start_label=words.start_label(row["starts_at"].astimezone(tz)),
        venue_url=words.venue_url(row["venue__slug"]),
    )


def band_public_days(
    *,
    band: Band,
    members: Sequence[CalendarMember],
    first_day: dt.date,
    last_day: dt.date,
    today: dt.date,
    month: dt.date | None = None,
) -> list[PublicDay]:
    """The band's days from `first_day` to `last_day` in its own time zone, each Booked, Pending,
    Available or nothing (a month's grid, or the weeks a band's website shows: embeds).

    Booked: a booked (or played) gig starts that day. Pending: a booking waiting for an answer starts
    that day (from today on). Available: green as bands.calendar.band_availability reads it (the band's
    gig hours and shortest gig, from today on), as on every other view of the band. `month`: the month
    the days belong to (in_month); None, all of them. At most five queries whatever the number of
    bookings: members are given, then busy time, gigs elsewhere and the band's gigs (skipped for days
    wholly past) and the bookings.
    """
    tz = zoneinfo.ZoneInfo(band.time_zone)
    first, last = first_day, last_day
    green: set[dt.date] = set()
    # No needed member means no one has said when they are free: no day is claimed as available.
    if last >= today and any(m.required for m in members):
        green = band_green_days(band=band, members=members, first_day=max(first, today), last_day=last, today=today)
    start, end = engine.day_bounds(first, tz)[0], engine.day_bounds(last, tz)[1]
    booked: dict[dt.date, list[PublicGig]] = defaultdict(list)
    pending: set[dt.date] = set()
    words = _GigWords()
    for row in band_bookings_between(band=band, start=start, end=end):
        day = row["starts_at"].astimezone(tz).date()
        if row["status"] == Booking.Status.PENDING:
            pending.add(day)
        else:
            booked[day].append(_public_gig(row, tz, words))
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        past = day < today
        if day in booked:
            state = "booked"
        elif day in pending and not past:
            state = "pending"
        elif day in green and not past:
            state = "available"
        else:
            state = ""
        days.append(
            PublicDay(
                day=day,
                state=state,
                in_month=month is None or day.month == month.month,
                is_today=day == today,
                is_past=past,
                gigs=tuple(booked.get(day, ())),
            )
        )
    return days


def band_public_month(
    *, band: Band, members: Sequence[CalendarMember], month_start: dt.date, today: dt.date
) -> PublicMonth:
    """The band's month in its own time zone (band_public_days over the month's Monday-to-Sunday
    weeks), with the count of each state among the month's days from today on. Four or five queries."""
    first, last = month_grid(month_start)
    days = band_public_days(band=band, members=members, first_day=first, last_day=last, today=today, month=month_start)
    counts = {"booked": 0, "pending": 0, "available": 0}
    for day in days:
        if day.in_month and not day.is_past and day.state:
            counts[day.state] += 1
    min_length = dt.timedelta(minutes=band.min_gig_minutes)
    return PublicMonth(month=month_start, days=days, time_zone=band.time_zone, min_length=min_length, counts=counts)


# ---- The venue's slots ------------------------------------------------------------------------------


def venue_slots_upcoming(*, venue: Venue, now: dt.datetime, limit: int = UPCOMING_SLOTS) -> list[Slot]:
    """The venue's next public slots not over yet, cancelled ones included until they would have
    ended, each with its stage and its booked lineup (headliner first). Two queries."""
    lineup = (
        Booking.objects.filter(status=Booking.Status.BOOKED)
        .select_related("band")
        .only("pk", "slot_id", "role", "band__name", "band__slug", "band__status")
        .order_by("role", "pk")  # "headliner" sorts before "support"
    )
    return list(
        Slot.objects.filter(venue=venue, visibility=Slot.Visibility.PUBLIC, ends_at__gt=now)
        .select_related("stage")
        .prefetch_related(Prefetch("bookings", queryset=lineup, to_attr="lineup"))
        .order_by("starts_at", "pk")[:limit]
    )


def venue_visible_to(*, venue: Venue, user) -> bool:
    """Anyone sees a listed venue; one in review or suspended only its staff and StageSlot staff."""
    if venue.is_public or getattr(user, "is_staff", False):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return venue.staff_roles.filter(user_id=user.pk).exists()


SLOT_MARKS = {
    Slot.Status.OPEN: "+",
    Slot.Status.NEED_SUPPORT: "½",
    Slot.Status.BOOKED: "♪",
    Slot.Status.CANCELLED: "✕",
}


@dataclass(frozen=True)
class SlotRow:
    """A slot as the venue's public list shows it, its times in the viewer's zone."""

    slot: Slot
    day_label: str  # "Fri 5 Dec 2026"
    time_label: str  # "20:00–23:00", "22:00–02:00 next day"
    status: str
    status_label: str
    mark: str
    lineup: tuple[Booking, ...]


def slot_rows(slots: Sequence[Slot], *, tz: dt.tzinfo) -> list[SlotRow]:
    rows = []
    for slot in slots:
        start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        times = {
            "start": time_format(start, "CLOCK_FORMAT"),
            "end": time_format(end, "CLOCK_FORMAT"),
            "day": date_format(end, "WEEKDAY_MONTH_FORMAT"),
        }
        if end.date() == start.date():
            time_label = pgettext("time range", "%(start)s–%(end)s") % times
        elif end.date() == start.date() + dt.timedelta(days=1):
            time_label = pgettext("time range", "%(start)s–%(end)s next day") % times
        else:
            # Translators: %(day)s is the day the time ends on, e.g. "Sat 6 Mar".
            time_label = pgettext("time range", "%(start)s–%(end)s on %(day)s") % times
        status = slot.status
        rows.append(
            SlotRow(
                slot=slot,
                day_label=date_format(start, "WEEKDAY_FORMAT"),
                time_label=time_label,
                status=status,
                status_label=slot.get_status_display(),
                mark=SLOT_MARKS[status],
                # A cancelled slot has no lineup left; its bookings were cancelled with it.
                lineup=() if slot.is_cancelled else tuple(getattr(slot, "lineup", ())),
            )
        )
    return rows
