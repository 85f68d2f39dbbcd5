"""The availability strip clients book from: the band's next weeks as days (free, partly free, booked,
not free) and the start times of one day at which a gig of a given length fits in its green zone.

A start fits when every required member (with a minimum line-up: enough members to fill it, as the
green zone reads it, bands.lineup) is free from the load-in before it to the pack-down after
the gig (the band's usual minutes, as gig_busy_window pads a booked gig), it lies ahead of now by
LEAD, and – for a band that takes one gig a day – no gig of the band starts that day. The same rule
decides an instant booking (start_fits), so the strip never offers what booking then refuses.
Three queries for any number of days and members: the required members, their busy time, the band's gigs.

For an instant booking (instant=True) the band's own limits apply as well: its minimum notice
(Band.instant_notice_hours) instead of LEAD when longer, and no start on a day or in a week (Monday
to Sunday, in the band's zone) that already holds the band's most gigs (instant_max_per_day / _week).
instant_limit_problem says which limit refuses a start; the instant booking service asks it under
the band's lock, so a burst cannot pass a limit.
"""

import bisect
import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy, ngettext

from availability import engine
from availability.lineup import Lineup, fills
from availability.selectors import busy_by_user
from bands.calendar import length_label
from bands.lineup import band_lineup
from bands.models import Band, Membership
from bands.travel import add_journeys, band_point
from core.fields.scheduling import scheduling_last_day

from ..models import Booking

STEP = dt.timedelta(minutes=30)
FIRST_START = dt.time(10, 0)
LAST_START = dt.time(23, 0)
LEAD = dt.timedelta(hours=2)
DEFAULT_WEEKS = 8
# A day of the strip, as its label says it.
DAY_WORDS = {
    "free": gettext_lazy("Free"),
    "partly": gettext_lazy("Partly free"),
    "booked": gettext_lazy("Booked"),
    "busy": gettext_lazy("Not free"),
    "past": gettext_lazy("Past"),
}


@dataclass(frozen=True)
class StartTime:
    """One start a gig fits at: its moment, and its clock in the band's and the viewer's zones."""

    at: dt.datetime
    band_label: str  # "20:00"
    viewer_label: str  # "19:00" (in the viewer's zone), "" when the zones read the same
    value: str  # "20:00": what a form posts

    @property
    def iso(self) -> str:
        return self.at.isoformat()


@dataclass(frozen=True)
class StripDay:
    day: dt.date
    status: str  # "free" | "partly" | "booked" | "busy" | "past"
    starts: tuple[StartTime, ...]

    @property
    def label(self) -> str:
        return str(DAY_WORDS[self.status])

    @property
    def free_count(self) -> int:
        return len(self.starts)


@dataclass(frozen=True)
class Strip:
    band_zone: str
    viewer_zone: str
    length: dt.timedelta
    days: list[StripDay]

    @property
    def length_label(self) -> str:
        return length_label(self.length)

    @property
    def weeks(self) -> list[list[StripDay]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    def next_starts(self, after: dt.datetime, count: int = 3) -> list[tuple[dt.date, StartTime]]:
        """The first `count` free starts after `after`, with their days: what a client whose time was
        just taken is offered instead."""
        found = [(d.day, s) for d in self.days for s in d.starts if s.at > after]
        return found[:count]

    def day(self, day: dt.date) -> StripDay | None:
        return next((d for d in self.days if d.day == day), None)


def _lead(band: Band, instant: bool) -> dt.timedelta:
    return max(LEAD, dt.timedelta(hours=band.instant_notice_hours)) if instant else LEAD


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _full_days(band: Band, gig_rows: list[engine.Interval], tz: zoneinfo.ZoneInfo) -> tuple[set, set]:
    """The days and the weeks (their Mondays) on which the band has its most gigs for instant booking."""
    per_day: dict[dt.date, int] = {}
    for s, _ in gig_rows:
        day = timezone.localtime(s, tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    per_week: dict[dt.date, int] = {}
    for day, count in per_day.items():
        per_week[_week_start(day)] = per_week.get(_week_start(day), 0) + count
    days = {d for d, n in per_day.items() if band.instant_max_per_day and n >= band.instant_max_per_day}
    weeks = {w for w, n in per_week.items() if band.instant_max_per_week and n >= band.instant_max_per_week}
    return days, weeks


def instant_limit_problem(*, band: Band, starts_at: dt.datetime, now: dt.datetime) -> str:
    """Why the band's instant-booking limits refuse a gig at `starts_at` ("" when they do not): too
    short a notice, or the day or week has the band's most gigs. One query (none for the notice)."""
    tz = zoneinfo.ZoneInfo(band.time_zone)
    if starts_at < now + dt.timedelta(hours=band.instant_notice_hours):
        return ngettext(
            "%(band)s takes instant bookings at least %(hours)s hour ahead. "
            "Choose a later time, or send a request instead.",
            "%(band)s takes instant bookings at least %(hours)s hours ahead. "
            "Choose a later time, or send a request instead.",
            band.instant_notice_hours,
        ) % {"band": band.name, "hours": band.instant_notice_hours}
    if not (band.instant_max_per_day or band.instant_max_per_week):
        return ""
    day = timezone.localtime(starts_at, tz).date()
    monday = _week_start(day)
    low = engine.day_bounds(monday, tz)[0]
    high = engine.day_bounds(monday + dt.timedelta(days=6), tz)[1]
    full_days, full_weeks = _full_days(band, _gig_starts(band, low, high, starts_only=True), tz)
    if day in full_days:
        return ngettext(
            "%(band)s takes at most %(count)s gig a day by instant booking, and that day is full. "
            "Choose another day, or send a request instead.",
            "%(band)s takes at most %(count)s gigs a day by instant booking, and that day is full. "
            "Choose another day, or send a request instead.",
            band.instant_max_per_day,
        ) % {"band": band.name, "count": band.instant_max_per_day}
    if monday in full_weeks:
        return ngettext(
            "%(band)s takes at most %(count)s gig a week by instant booking, and that week is full. "
            "Choose another week, or send a request instead.",
            "%(band)s takes at most %(count)s gigs a week by instant booking, and that week is full. "
            "Choose another week, or send a request instead.",
            band.instant_max_per_week,
        ) % {"band": band.name, "count": band.instant_max_per_week}
    return ""


def _padding(band: Band) -> tuple[dt.timedelta, dt.timedelta]:
    return dt.timedelta(minutes=band.load_in_minutes), dt.timedelta(minutes=band.pack_down_minutes)


def _candidates(day: dt.date, tz: zoneinfo.ZoneInfo) -> list[dt.datetime]:
    out, wall = [], dt.datetime.combine(day, FIRST_START)
    last = dt.datetime.combine(day, LAST_START)
    while wall <= last:
        at = engine.existing_to_utc(wall, tz)
        if at is not None:
            out.append(at)
        wall += STEP
    return out


@dataclass(frozen=True)
class _Member:
    user_id: int
    required: bool


def _merged_busy(
    band: Band, start: dt.datetime, end: dt.datetime, moving: Booking | None = None
) -> "_Busy | _LineupBusy":
    """When the band cannot play: its required members' busy time, or with a minimum line-up
    (bands.lineup) the times its free members cannot fill it, as the green zone reads it. Gigs
    elsewhere are widened by the journey from and to the band's home (bands.travel; a client's own
    place has no point, so the band's home stands for it). The gig `moving` (being rescheduled) keeps
    nobody busy: its own block is left out."""
    members = [_Member(u, r) for u, r in Membership.objects.filter(band_id=band.pk).values_list("user_id", "required")]
    lineup = band_lineup(band=band, members=members)
    user_ids = [m.user_id for m in members] if lineup is not None else [m.user_id for m in members if m.required]
    block_id = moving.block_id if moving is not None else None
    busy = add_journeys(
        busy_by_user(user_ids=user_ids, start=start, end=end, exclude_block_id=block_id),
        user_ids=user_ids,
        start=start,
        end=end,
        point=band_point(band),
        speed_kmh=band.travel_speed_kmh,
        exclude_block_id=block_id,
    )
    if lineup is not None:
        return _LineupBusy(busy, lineup)
    return _Busy([i for intervals in busy.values() for i in intervals])


def _gig_starts(
    band: Band, start: dt.datetime, end: dt.datetime, *, starts_only: bool = False, moving: Booking | None = None
) -> list[engine.Interval]:
    """The band's gigs meeting [start, end); starts_only: those starting in it; never the gig `moving`."""
    span = {"starts_at__gte": start} if starts_only else {"ends_at__gt": start}
    rows = Booking.objects.filter(
        band_id=band.pk,
        status__in=(*Booking.ON, Booking.Status.COMPLETED, Booking.Status.DISPUTED),
        starts_at__lt=end,
        **span,
    )
    if moving is not None:
        rows = rows.exclude(pk=moving.pk)
    rows = rows.values_list("starts_at", "ends_at")
    return [(s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for s, e in rows]


class _Busy:
    """Merged busy intervals with their ends in order: does [low, high) meet any? One bisection."""

    def __init__(self, intervals: list[engine.Interval]) -> None:
        self.intervals = engine.union(intervals)
        self.ends = [e for _, e in self.intervals]

    def meets(self, low: dt.datetime, high: dt.datetime) -> bool:
        index = bisect.bisect_right(self.ends, low)
        return index < len(self.intervals) and self.intervals[index][0] < high


class _LineupBusy:
    """A band with a minimum line-up: [low, high) is taken when the members free all through it cannot
    fill it without occasional players (availability.lineup, as a green day reads it)."""

    def __init__(self, busy: dict, lineup: Lineup) -> None:
        self.by_member = {user_id: _Busy(intervals) for user_id, intervals in busy.items()}
        self.lineup = lineup

    def meets(self, low: dt.datetime, high: dt.datetime) -> bool:
        free = {u for u, busy in self.by_member.items() if not busy.meets(low, high)}
        return not fills(free - self.lineup.soft, self.lineup)


def _fits(at: dt.datetime, length: dt.timedelta, busy: "_Busy | _LineupBusy", pad: tuple) -> bool:
    return not busy.meets(at - pad[0], at + length + pad[1])


def band_strip(
    *,
    band: Band,
    length: dt.timedelta,
    viewer_zone: str,
    first_day: dt.date | None = None,
    weeks: int = DEFAULT_WEEKS,
    now: dt.datetime | None = None,
    instant: bool = False,
    moving: Booking | None = None,
) -> Strip:
    """The band's days from `first_day` (today in the band's zone) for `weeks` weeks, each with the
    starts at which a gig of `length` fits (instant: within the band's instant-booking limits; `moving`:
    a booked gig being rescheduled, whose own time and block stand aside). Three queries."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(band.time_zone)
    vz = zoneinfo.ZoneInfo(viewer_zone)
    today = timezone.localtime(now, tz).date()
    first_day = max(first_day or today, today)
    last_day = min(first_day + dt.timedelta(days=7 * weeks - 1), scheduling_last_day(today))
    pad = _padding(band)
    range_start = engine.day_bounds(first_day, tz)[0] - pad[0] - length
    range_end = engine.day_bounds(last_day, tz)[1] + length + pad[1] + dt.timedelta(hours=1)
    if instant:  # the whole weeks, to count their gigs
        range_start = min(range_start, engine.day_bounds(_week_start(first_day), tz)[0])
        range_end = max(range_end, engine.day_bounds(_week_start(last_day) + dt.timedelta(days=6), tz)[1])
    lead = _lead(band, instant)
    busy = _merged_busy(band, range_start, range_end, moving)
    gig_rows = _gig_starts(band, range_start, range_end, moving=moving)
    gigs = _Busy(gig_rows)
    no_pad = (dt.timedelta(0), dt.timedelta(0))
    gig_days = {timezone.localtime(s, tz).date() for s, _ in gig_rows}
    full_days, full_weeks = _full_days(band, gig_rows, tz) if instant else (set(), set())
    days = []
    day = first_day
    while day <= last_day:
        candidates = _candidates(day, tz)
        if (day in gig_days and not band.two_gigs_a_day) or day in full_days or _week_start(day) in full_weeks:
            days.append(StripDay(day=day, status="booked", starts=()))
            day += dt.timedelta(days=1)
            continue
        ahead = [at for at in candidates if at >= now + lead]
        fitting = [at for at in ahead if _fits(at, length, busy, pad) and _fits(at, length, gigs, no_pad)]
        if not ahead:
            status = "past"
        elif len(fitting) == len(ahead):
            status = "free"
        elif fitting:
            status = "partly"
        else:
            status = "booked" if day in gig_days else "busy"
        starts = tuple(
            StartTime(
                at=at,
                band_label=time_format(timezone.localtime(at, tz), "CLOCK_FORMAT"),
                viewer_label="" if vz.key == tz.key else time_format(timezone.localtime(at, vz), "CLOCK_FORMAT"),
                value=f"{timezone.localtime(at, tz):%H:%M}",
            )
            for at in fitting
        )
        days.append(StripDay(day=day, status=status, starts=starts))
        day += dt.timedelta(days=1)
    return Strip(band_zone=tz.key, viewer_zone=vz.key, length=length, days=days)


def start_fits(
    *, band: Band, starts_at: dt.datetime, length: dt.timedelta, now: dt.datetime, instant: bool = False
) -> bool:
    """Whether a gig of `length` at `starts_at` lies in the band's green zone as the strip reads it
    (members free with load-in and pack-down, not too soon, no other gig that day for a one-gig band;
    instant: the band's instant-booking limits too). Call under the band's lock to decide; two queries
    (three with the limits of an instant booking)."""
    if starts_at < now + _lead(band, instant):
        return False
    if instant and instant_limit_problem(band=band, starts_at=starts_at, now=now):
        return False
    tz = zoneinfo.ZoneInfo(band.time_zone)
    pad = _padding(band)
    low, high = starts_at - pad[0], starts_at + length + pad[1]
    if not _fits(starts_at, length, _merged_busy(band, low, high), pad):
        return False
    day = timezone.localtime(starts_at, tz).date()
    day_start, day_end = engine.day_bounds(day, tz)
    gigs = _gig_starts(band, min(day_start, starts_at), max(day_end, starts_at + length))
    if any(s < starts_at + length and e > starts_at for s, e in gigs):
        return False
    # A band that takes one gig a day has none left on a day with a gig.
    return band.two_gigs_a_day or not any(timezone.localtime(s, tz).date() == day for s, _ in gigs)
