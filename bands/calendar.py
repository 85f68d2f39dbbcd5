"""Reads for the band calendar: the green zone by day and by hour, and candidate gig dates.

Members' busy time comes from availability's materialised intervals in one query, whatever the
number of members; the interval maths is availability.engine. Only start and end of busy time are
read, never titles: members see that someone is busy, not why.
"""

import datetime as dt
import threading
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, ngettext, pgettext

from accounts.models import User
from availability import engine
from availability.describe import join_words
from availability.engine import WEEKDAY_CODES
from availability.lineup import Lineup, fills
from availability.selectors import busy_by_user, busy_micros_by_user
from availability.weekdays import WEEKDAY_SHORT_NAMES
from core.db.prepared import CompiledSQL

from .gig_hours import GigHours, band_gig_hours
from .lineup import band_lineup, band_section_names
from .members import band_member_list, band_members
from .models import Band, BandBlock, Membership
from .travel import add_journeys, band_point, journey_busy, located_gigs

DAY = dt.timedelta(days=1)
# Look past the shown days so that a window running over midnight is measured whole.
MARGIN = DAY
# Stands for the band's booked days among the members whose busy time find_windows intersects.
BOOKED_DAYS = "booked-days"


# ---- Members ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarMember:
    """A member as the calendar names them: a short name that is unique within the band."""

    user_id: int
    name: str
    full_name: str
    required: bool
    membership: Membership


def _band_by_slug(*, slug: str) -> QuerySet[Band]:
    return Band.objects.filter(slug=slug).order_by()[:1]


# Read by every band calendar and public month (the fragment every band page loads and polls): the band's fifty
# columns compiled once, not on each request (about a millisecond).
_BAND_BY_SLUG = CompiledSQL(_band_by_slug, text=("slug",))


def band_calendar_access(*, slug: str, user: User) -> tuple[Band, list[CalendarMember], CalendarMember | None]:
    """The band at `slug` (404 if none), its members in two queries, and `user` among them (None if not)."""
    found = _BAND_BY_SLUG.instances(slug=slug)
    if not found:
        raise Http404("No such band.")
    band = found[0]
    members, me = calendar_members(band=band, user=user)
    return band, members, me


def calendar_members(*, band: Band, user: User) -> tuple[list[CalendarMember], CalendarMember | None]:
    """The band's members as its calendar names them (one query), and `user` among them (None if not)."""
    memberships = band_member_list(band=band)
    firsts = [m.user.name.split()[0] if m.user.name.split() else m.user.name for m in memberships]
    members = [
        CalendarMember(
            user_id=m.user_id,
            # "Sam" reads best; two Sams keep their full names.
            name=first if firsts.count(first) == 1 else m.user.name,
            full_name=m.user.name,
            required=m.required,
            membership=m,
        )
        for m, first in zip(memberships, firsts, strict=True)
    ]
    me = next((m for m in members if user.is_authenticated and m.user_id == user.pk), None)
    return members, me


def _names(members: Sequence[CalendarMember], keys: Collection[int]) -> tuple[str, ...]:
    return tuple(m.name for m in members if m.user_id in keys)


def _busy(
    members: Sequence[CalendarMember],
    start: dt.datetime,
    end: dt.datetime,
    band: Band | None = None,
    *,
    micros: bool = False,
) -> dict[int, list[engine.Interval]]:
    """The members' busy time; with `band`, their gigs elsewhere widened by the journey from and to
    the band's home (bands.travel): the days shown are days the band could play near home. With `micros`,
    as arrays of microseconds (busy_micros_by_user), which only the engine's day_statuses reads."""
    user_ids = [m.user_id for m in members]
    read = busy_micros_by_user if micros else busy_by_user
    busy = read(user_ids=user_ids, start=start, end=end)
    if band is None:
        return busy
    return add_journeys(
        busy, user_ids=user_ids, start=start, end=end, point=band_point(band), speed_kmh=band.travel_speed_kmh
    )


def _clock(moment: dt.datetime, tz: dt.tzinfo, day: dt.date) -> str:
    """Local HH:MM; the midnight that ends `day` reads 24:00."""
    local = moment.astimezone(tz)
    if local.date() > day and local.time() == dt.time(0):
        # Translators: the midnight that ends a day, as the end of a time ("18:00–24:00").
        return pgettext("end of the day", "24:00")
    return time_format(local, "CLOCK_FORMAT")


def length_label(length: dt.timedelta) -> str:
    """2 h, 2 h 30, 45 min."""
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)s min") % {"minutes": rest}
    if rest:
        return gettext("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}
    return gettext("%(hours)s h") % {"hours": hours}


# ---- Days and windows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeWindow:
    """A stretch of one local day when every needed member is free (the part inside that day)."""

    start: dt.datetime
    end: dt.datetime
    start_label: str
    end_label: str
    length: dt.timedelta  # of the part inside the day
    gig_length: bool  # its part in gig hours, past midnight too, is at least the minimum gig length
    in_hours: bool  # some of it is in gig hours (otherwise it does not count for a green day)
    counts: bool  # it holds a gig window that makes this day green (not only the evening before)
    continues: bool  # goes on past the end of the day
    continued: bool  # began the day before
    free_names: tuple[str, ...]  # free all through it (needed and optional)
    part_names: tuple[str, ...]  # optional members free for part of it
    busy_names: tuple[str, ...]  # optional members busy all through it

    @property
    def length_label(self) -> str:
        return length_label(self.length)


@dataclass(frozen=True)
class BarPiece:
    """A piece of a day's 24-hour bar: how many needed members are free then."""

    level: str  # "all" | "some" | "none" | "off" (outside gig hours)
    style: str  # CSS position in the bar
    label: str


@dataclass(frozen=True)
class HeldMark:
    """A venue has pencilled the band in for this day (a hold, from the holds app): shown on the day,
    never busy time – the day's status does not change."""

    level: str  # "2nd", in the viewer's language
    venue: str
    stage: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def label(self) -> str:
        # Translators: a venue holds the date for the band at this level, e.g. "Held 2nd".
        return gettext("Held %(level)s") % {"level": self.level}


@dataclass(frozen=True)
class ShortSection:
    """A section the free members cannot fill on a day: how many of how many, and who could fill it."""

    name: str
    have: int
    need: int
    could: tuple[str, ...]

    @property
    def label(self) -> str:
        # Translators: a section short of players on a day, e.g. "Trumpets 1 of 2".
        return gettext("%(section)s %(have)s of %(need)s") % {
            "section": self.name,
            "have": self.have,
            "need": self.need,
        }


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    # "green" | "amber" (filled only with occasional players) | "partial" | "red" | "booked" (a gig of the
    # band in the day's gig hours)
    status: str
    free_count: int
    required_count: int
    busy_names: tuple[str, ...]  # needed members missing from the day's best window
    in_month: bool
    is_today: bool
    is_past: bool
    windows: tuple[FreeWindow, ...] = ()
    bar: tuple[BarPiece, ...] = ()
    off_hours: tuple[BarPiece, ...] = ()  # the parts of the bar outside gig hours
    gigs: tuple[str, ...] = ()  # the band's booked gigs that day: "21:00–23:00"
    held: tuple[HeldMark, ...] = ()  # where the band is held that day (band_calendar_held)
    short: tuple[ShortSection, ...] = ()  # with a line-up: the sections its best window is short of

    @property
    def summary(self) -> str:
        """“4 of 5 free – Sam busy”, “All 5 free”, “No one free”, “Booked: gig 21:00–23:00”."""
        if self.status == "booked":
            return gettext("Booked: gig %(times)s") % {"times": ", ".join(self.gigs)}
        if self.status == "green":
            if self.required_count > 1:
                return gettext("All %(count)s free") % {"count": self.required_count}
            return gettext("Free")
        if self.status == "amber":
            could = [name for s in self.short for name in s.could]
            # Translators: a day the line-up is filled only with occasional players, e.g. "Maybe, with Ana, Ben".
            return gettext("Maybe, with %(names)s") % {"names": ", ".join(dict.fromkeys([*self.busy_names, *could]))}
        if self.short:
            sections = ", ".join(s.label for s in self.short)
            could = list(dict.fromkeys(name for s in self.short for name in s.could))
            if could:
                # Translators: the sections a day is short of, and who plays them but is busy, e.g.
                # "Short: Low brass 3 of 4 – Ana, Ben busy".
                return gettext("Short: %(sections)s – %(names)s busy") % {
                    "sections": sections,
                    "names": ", ".join(could),
                }
            return gettext("Short: %(sections)s") % {"sections": sections}
        if self.status == "red":
            return gettext("No one free")
        return gettext("%(free)s of %(needed)s free – %(names)s busy") % {
            "free": self.free_count,
            "needed": self.required_count,
            "names": ", ".join(self.busy_names),
        }

    @property
    def gig_windows(self) -> tuple[FreeWindow, ...]:
        return tuple(w for w in self.windows if w.gig_length)


@dataclass(frozen=True)
class GreenZone:
    """The band's calendar over some local days, in one viewer's time zone."""

    days: list[CalendarDay]
    time_zone: str
    min_length: dt.timedelta
    members: list[CalendarMember]
    counts: dict[str, int] = field(default_factory=dict)  # statuses of the days from today on
    day_start: dt.time | None = None  # the gig hours a day counts in; None, None is the whole day
    day_end: dt.time | None = None

    @property
    def weeks(self) -> list[list[CalendarDay]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    @property
    def required(self) -> list[CalendarMember]:
        return [m for m in self.members if m.required]

    @property
    def optional(self) -> list[CalendarMember]:
        return [m for m in self.members if not m.required]


def _band_gig_rows(*, band_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return BandBlock.objects.filter(
        band_id=band_id, kind=BandBlock.Kind.GIG, gig_starts_at__lt=end, gig_ends_at__gt=start
    ).values_list("gig_starts_at", "gig_ends_at", "lineup")


# Asked by every band calendar and public month: compiled once.
_BAND_GIG_ROWS = CompiledSQL(_band_gig_rows)


def band_gigs_between(
    *, band: Band, start: dt.datetime, end: dt.datetime, lineups: dict | None = None
) -> list[engine.Interval]:
    """The band's booked gigs overlapping [start, end), each as its own times (not its load-in or
    pack-down), from its gig blocks: one query. `lineups`, if given, is filled with each gig's line-up
    summary by its times (who is in, for the band's members)."""
    gigs = []
    for s, e, lineup in _BAND_GIG_ROWS.instances(band_id=band.pk, start=start, end=end):
        gig = (s.astimezone(dt.UTC), e.astimezone(dt.UTC))
        gigs.append(gig)
        if lineups is not None and lineup and lineup.get("of"):
            lineups[gig] = lineup
    return gigs


def _gig_labels(
    gigs: Sequence[engine.Interval], tz: dt.tzinfo, day: dt.date, lineups: dict | None = None
) -> tuple[str, ...]:
    labels = []
    for s, e in gigs:
        label = pgettext("time range", "%(start)s–%(end)s") % {"start": _clock(s, tz, day), "end": _clock(e, tz, day)}
        lineup = (lineups or {}).get((s, e))
        if lineup:
            # Translators: a gig's times and who is in, e.g. "21:00–23:00 (4 of 5 confirmed)".
            who = gettext("%(in)s of %(of)s confirmed") % {"in": lineup.get("in", 0), "of": lineup["of"]}
            if lineup.get("at_risk"):
                who = gettext("%(who)s, at risk") % {"who": who}
            label = f"{label} ({who})"
        labels.append(label)
    return tuple(labels)


def _windows(
    segments: Sequence[engine.Segment],
    required: frozenset[int],
    optional: frozenset[int],
    lineup: Lineup | None = None,
) -> list[tuple[dt.datetime, dt.datetime, frozenset[int], frozenset[int]]]:
    """Maximal stretches when all of `required` are free (with a `lineup`: when the free fill it), as
    (start, end, optional members free all through it, optional members free for some of it)."""
    out: list[tuple[dt.datetime, dt.datetime, frozenset[int], frozenset[int]]] = []
    for seg in segments:
        if not (fills(seg.free, lineup) if lineup is not None else required <= seg.free):
            continue
        here = seg.free & optional
        if out and out[-1][1] == seg.start:
            start, _, always, ever = out[-1]
            out[-1] = (start, seg.end, always & here, ever | here)
        else:
            out.append((seg.start, seg.end, here, here))
    return out


def _day_windows(
    stretches: Sequence[tuple[dt.datetime, dt.datetime, frozenset[int], frozenset[int]]],
    day: dt.date,
    bounds: engine.Interval,
    tz: dt.tzinfo,
    members: Sequence[CalendarMember],
    min_length: dt.timedelta,
    hours: Sequence[engine.Interval],
    green: Sequence[engine.Interval],
) -> tuple[FreeWindow, ...]:
    day_start, day_end = bounds
    required = frozenset(m.user_id for m in members if m.required)
    optional = frozenset(m.user_id for m in members if not m.required)
    out = []
    for start, end, always, ever in stretches:
        if end <= day_start or start >= day_end:
            continue
        s, e = max(start, day_start), min(end, day_end)
        # The stretch's parts in gig hours that touch this day, each measured whole.
        inside = [(a, b) for a, b in engine.intersect([(start, end)], hours) if a < e and b > s]
        out.append(
            FreeWindow(
                start=s,
                end=e,
                start_label=_clock(s, tz, day),
                end_label=_clock(e, tz, day),
                length=e - s,
                gig_length=any(b - a >= min_length for a, b in inside),
                in_hours=bool(inside),
                counts=any(a < e and b > s for a, b in green),
                continues=end > day_end,
                continued=start < day_start,
                free_names=_names(members, required | always),
                part_names=_names(members, ever - always),
                busy_names=_names(members, optional - ever),
            )
        )
    return tuple(out)


def _bar(
    segments: Sequence[engine.Segment], bounds: engine.Interval, required: frozenset[int], tz: dt.tzinfo, day: dt.date
) -> tuple[BarPiece, ...]:
    day_start, day_end = bounds
    total = (day_end - day_start).total_seconds()
    pieces: list[list] = []
    for seg in segments:
        if seg.end <= day_start or seg.start >= day_end:
            continue
        free = len(required & seg.free)
        level = "all" if free == len(required) else "some" if free else "none"
        s, e = max(seg.start, day_start), min(seg.end, day_end)
        if pieces and pieces[-1][0] == level:
            pieces[-1][2] = e
        else:
            pieces.append([level, s, e])
    words = {
        "all": gettext("everyone needed free"),
        "some": gettext("some needed members free"),
        "none": gettext("no needed member free"),
    }
    out = []
    for level, s, e in pieces:
        left = (s - day_start).total_seconds() / total * 100
        width = (e - s).total_seconds() / total * 100
        out.append(
            BarPiece(
                level=level,
                style=f"left:{left:.3f}%;width:{width:.3f}%",
                label=gettext("%(start)s–%(end)s: %(who)s")
                % {"start": _clock(s, tz, day), "end": _clock(e, tz, day), "who": words[level]},
            )
        )
    return tuple(out)


def _off_hours(
    bounds: engine.Interval, hours: Sequence[engine.Interval], tz: dt.tzinfo, day: dt.date
) -> tuple[BarPiece, ...]:
    day_start, day_end = bounds
    total = (day_end - day_start).total_seconds()
    out = []
    for s, e in engine.subtract([bounds], hours):
        left = (s - day_start).total_seconds() / total * 100
        width = (e - s).total_seconds() / total * 100
        out.append(
            BarPiece(
                level="off",
                style=f"left:{left:.3f}%;width:{width:.3f}%",
                label=gettext("%(start)s–%(end)s: outside gig hours")
                % {"start": _clock(s, tz, day), "end": _clock(e, tz, day)},
            )
        )
    return tuple(out)


def band_green_zone(
    *,
    members: Sequence[CalendarMember],
    first_day: dt.date,
    last_day: dt.date,
    time_zone: str,
    min_length: dt.timedelta,
    today: dt.date,
    day_start: dt.time | None = None,
    day_end: dt.time | None = None,
    month: int | None = None,
    detail: bool = False,
    band: Band | None = None,
    lineups: bool = False,
    read: tuple[dict[int, list[engine.Interval]], list[engine.Interval]] | None = None,
) -> GreenZone:
    """The band's days from `first_day` to `last_day` in `time_zone`: green when every needed member
    is free together for `min_length` starting in that day's gig hours, partial (with who is missing)
    or red.

    Gig hours are local times [day_start, day_end) as in availability.engine.day_statuses (None, None:
    the whole day; an end before the start runs past midnight and belongs to the evening it opens on).
    With `detail`, each day also carries its free windows and a 24-hour bar that marks the time outside
    gig hours (the week view). One query for all members' busy time; optional members never make a day
    partial or red. `read`: the members' busy time and the band's gigs, already read for several bands
    at once (bands_availability).

    Views read a band's availability through band_availability, which gives this the band's own hours.
    """
    tz = zoneinfo.ZoneInfo(time_zone)
    range_start = engine.day_bounds(first_day, tz)[0]
    range_end = engine.day_bounds(last_day, tz)[1]
    if read is not None:
        busy = read[0]
    else:
        # Without the detail only the days are worked out: the busy time comes as the engine's arrays read it.
        busy = _busy(members, range_start - MARGIN, range_end + MARGIN, band, micros=not detail)
    required = [m.user_id for m in members if m.required]
    lineup = band_lineup(band=band, members=members) if band is not None else None
    statuses = engine.day_statuses(
        busy,
        required,
        first_day,
        last_day,
        time_zone,
        min_length=min_length,
        day_start=day_start,
        day_end=day_end,
        lineup=lineup,
        members=[m.user_id for m in members],
        keep_windows=detail,
    )
    section_names = band_section_names(band=band) if lineup is not None else {}
    stretches: list = []
    segments: list[engine.Segment] = []
    hours: list[engine.Interval] = []
    if detail:
        segments = engine.sweep(busy, range_start - MARGIN, range_end + MARGIN)
        optional = frozenset(m.user_id for m in members if not m.required)
        stretches = _windows(segments, frozenset(required), optional, lineup)
        hours = engine.local_hours(
            first_day - 2 * DAY, last_day + 2 * DAY, time_zone, day_start=day_start, day_end=day_end
        )
    gig_days: dict[dt.date, list[engine.Interval]] = {}
    gig_lineups: dict = {}
    if band is not None:
        if read is not None:
            gigs = read[1]
        else:
            gigs = band_gigs_between(
                band=band, start=range_start - MARGIN, end=range_end + MARGIN, lineups=gig_lineups if lineups else None
            )
        gig_days = engine.gig_days(gigs, first_day, last_day, time_zone, day_start=day_start, day_end=day_end)
    days = []
    counts = {"green": 0, "amber": 0, "partial": 0, "red": 0, "booked": 0}
    for status in statuses:
        bounds = engine.day_bounds(status.day, tz)
        in_month = month is None or status.day.month == month
        gigs_that_day = gig_days.get(status.day, ())
        day_status = "booked" if gigs_that_day and not band.two_gigs_a_day else status.status
        if in_month and status.day >= today:
            counts[day_status] += 1
        days.append(
            CalendarDay(
                day=status.day,
                status=day_status,
                gigs=_gig_labels(gigs_that_day, tz, status.day, gig_lineups),
                free_count=status.free_count,
                required_count=status.required_count,
                busy_names=_names(members, status.busy),
                in_month=in_month,
                is_today=status.day == today,
                is_past=status.day < today,
                windows=_day_windows(stretches, status.day, bounds, tz, members, min_length, hours, status.windows)
                if detail
                else (),
                bar=_bar(segments, bounds, frozenset(required), tz, status.day) if detail else (),
                off_hours=_off_hours(bounds, hours, tz, status.day) if detail else (),
                short=tuple(
                    ShortSection(
                        name=section_names.get(s.section, ""),
                        have=s.have,
                        need=s.need,
                        could=_names(members, s.could),
                    )
                    for s in status.short
                ),
            )
        )
    return GreenZone(
        days=days,
        time_zone=time_zone,
        min_length=min_length,
        members=list(members),
        counts=counts,
        day_start=day_start,
        day_end=day_end,
    )


def band_availability(
    *,
    band: Band,
    members: Sequence[CalendarMember],
    first_day: dt.date,
    last_day: dt.date,
    today: dt.date,
    time_zone: str | None = None,
    hours: GigHours | None = None,
    min_length: dt.timedelta | None = None,
    month: int | None = None,
    detail: bool = False,
    lineups: bool = False,
    read: tuple[dict[int, list[engine.Interval]], list[engine.Interval]] | None = None,
) -> GreenZone:
    """A band's availability by day, the one reading behind every view of it (the band calendar, its
    agency, the widget, share links, the public calendar, the finder, the API and the feeds).

    A day is green when every needed member is free together for the band's shortest gig starting in
    its gig hours (band_gig_hours), in its own time zone, counting the members' journeys from gigs
    elsewhere; a day with one of its gigs in those hours is booked. Only the band calendar passes
    `time_zone`, `hours` or `min_length`: its members may look in their own zone, in other hours or for
    another length, and its defaults are the band's. Three queries (members given): busy time, gigs
    elsewhere, the band's gigs.
    """
    hours = hours or band_gig_hours(band)
    return band_green_zone(
        members=members,
        first_day=first_day,
        last_day=last_day,
        time_zone=time_zone or band.time_zone,
        min_length=min_length or dt.timedelta(minutes=band.min_gig_minutes),
        today=today,
        day_start=hours.start,
        day_end=hours.end,
        month=month,
        detail=detail,
        band=band,
        lineups=lineups,
        read=read,
    )


# The green days of a band's span, kept per process under the very inputs that made them (see band_green_days).
GREEN_KEPT = 256
_green_kept: OrderedDict[tuple, frozenset[dt.date]] = OrderedDict()
_green_lock = threading.Lock()


def band_green_days(
    *, band: Band, members: Sequence[CalendarMember], first_day: dt.date, last_day: dt.date, today: dt.date
) -> frozenset[dt.date]:
    """The green days from `first_day` to `last_day` as band_availability reads them (the band's own
    zone, gig hours and shortest gig). Three queries (members given), as band_availability.

    The rows are always read; only the working out is kept, under a key made of everything it reads: the
    band's fields that count (zone, shortest gig, gig hours, two gigs a day, line-up, home and speed are
    in the journeys read), the members and who is needed, the busy time read (blocks, rules, imported
    calendars, gigs elsewhere and their journeys), the band's gigs, the days and today. So any change to
    what makes a day busy, by whatever path, is a different key: a busy evening is never answered free
    from a kept copy. The dict compares whole keys, so no two inputs can share an answer.
    """
    hours = band_gig_hours(band)
    tz = zoneinfo.ZoneInfo(band.time_zone)
    start = engine.day_bounds(first_day, tz)[0] - MARGIN
    end = engine.day_bounds(last_day, tz)[1] + MARGIN
    busy = _busy(members, start, end, band, micros=True)
    gigs = band_gigs_between(band=band, start=start, end=end)
    key = (
        band.pk,
        band.time_zone,
        band.min_gig_minutes,
        band.two_gigs_a_day,
        repr(band.lineup),
        hours.start,
        hours.end,
        first_day,
        last_day,
        today,
        tuple((m.user_id, m.required) for m in members),
        # Each member's busy time as microseconds, rows in the order read (start order, then journeys).
        tuple((user_id, intervals.tobytes()) for user_id, intervals in sorted(busy.items())),
        tuple(gigs),
    )
    with _green_lock:
        green = _green_kept.get(key)
        if green is not None:
            _green_kept.move_to_end(key)
            return green
    zone = band_availability(
        band=band, members=members, first_day=first_day, last_day=last_day, today=today, read=(busy, gigs)
    )
    green = frozenset(d.day for d in zone.days if d.status == "green")
    with _green_lock:
        _green_kept[key] = green
        while len(_green_kept) > GREEN_KEPT:
            _green_kept.popitem(last=False)
    return green


def band_available_members(*, band: Band) -> list[CalendarMember]:
    """The band's members as its availability needs them, without their names (one query)."""
    return [
        CalendarMember(user_id=m.user_id, name="", full_name="", required=m.required, membership=m)
        for m in band_members(band=band)
    ]


def bands_availability(
    *,
    bands: Sequence[Band],
    first_day: dt.date,
    last_day: dt.date,
    today: dt.date,
    hours: GigHours | None = None,
    month: int | None = None,
) -> dict[int, GreenZone]:
    """band_availability for many bands at once, each on its own clock and in its own gig hours (or in
    other `hours` when given, the finder's part of the day): the band's GreenZone by its pk, without names
    of members (an agency's roster, the finder). Four queries whatever the number of bands and days:
    members, their busy time, their gigs elsewhere, the bands' gigs."""
    if not bands:
        return {}
    by_band: dict[int, list[CalendarMember]] = {band.pk: [] for band in bands}
    for m in Membership.objects.filter(band__in=[band.pk for band in bands]).order_by("band_id", "pk"):
        member = CalendarMember(user_id=m.user_id, name="", full_name="", required=m.required, membership=m)
        by_band[m.band_id].append(member)
    user_ids = sorted({m.user_id for members in by_band.values() for m in members})
    # Every band's day lies within a day of the same date in UTC; the margin covers a window running on.
    start = dt.datetime.combine(first_day - 2 * DAY, dt.time(0), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_day + 3 * DAY, dt.time(0), tzinfo=dt.UTC)
    busy = busy_by_user(user_ids=user_ids, start=start, end=end) if user_ids else {}
    elsewhere = located_gigs(user_ids=user_ids, start=start, end=end)
    gigs: dict[int, list[engine.Interval]] = {band.pk: [] for band in bands}
    rows = BandBlock.objects.filter(
        band__in=[band.pk for band in bands], kind=BandBlock.Kind.GIG, gig_starts_at__lt=end, gig_ends_at__gt=start
    ).values_list("band_id", "gig_starts_at", "gig_ends_at")
    for band_id, s, e in rows:
        gigs[band_id].append((s.astimezone(dt.UTC), e.astimezone(dt.UTC)))
    zones = {}
    for band in bands:
        members = by_band[band.pk]
        ids = {m.user_id for m in members}
        band_busy = {user_id: list(busy.get(user_id, ())) for user_id in ids}
        mine = [gig for gig in elsewhere if gig.user_id in ids]
        for user_id, low, high in journey_busy(mine, point=band_point(band), speed_kmh=band.travel_speed_kmh):
            band_busy[user_id].append((low, high))
        for intervals in band_busy.values():
            intervals.sort()
        chosen = hours or band_gig_hours(band)
        zones[band.pk] = band_green_zone(
            members=members,
            first_day=first_day,
            last_day=last_day,
            time_zone=band.time_zone,
            min_length=dt.timedelta(minutes=band.min_gig_minutes),
            today=today,
            day_start=chosen.start,
            day_end=chosen.end,
            month=month,
            band=band,
            read=(band_busy, gigs[band.pk]),
        )
    return zones


def bands_fielded_between(
    *, bands: Sequence[Band], start: dt.datetime, end: dt.datetime, spans: dict[int, list] | None = None
) -> set[int]:
    """The pks of those `bands` whose members free all through [start, end) – counting journeys from gigs
    elsewhere – fill the band's line-up without occasional players (bands.lineup; without one: every
    required member free), as a green moment reads it. `spans`: other stretches by band pk, each
    (key, start, end) within [start, end); the keys of those fielded are added to `out` as
    (band pk, key). Three queries whatever the number of bands and spans."""
    if not bands:
        return set()
    by_band: dict[int, list[CalendarMember]] = {band.pk: [] for band in bands}
    for m in Membership.objects.filter(band__in=[band.pk for band in bands]).order_by("band_id", "pk"):
        by_band[m.band_id].append(
            CalendarMember(user_id=m.user_id, name="", full_name="", required=m.required, membership=m)
        )
    user_ids = sorted({m.user_id for members in by_band.values() for m in members})
    busy = busy_by_user(user_ids=user_ids, start=start, end=end) if user_ids else {}
    elsewhere = located_gigs(user_ids=user_ids, start=start - DAY, end=end + DAY)
    out: set = set()
    for band in bands:
        members = by_band[band.pk]
        ids = {m.user_id for m in members}
        band_busy = {user_id: list(busy.get(user_id, ())) for user_id in ids}
        mine = [gig for gig in elsewhere if gig.user_id in ids]
        for user_id, low, high in journey_busy(mine, point=band_point(band), speed_kmh=band.travel_speed_kmh):
            band_busy[user_id].append((low, high))
        lineup = band_lineup(band=band, members=members)
        needed = {m.user_id for m in members if m.required}
        wanted = [(None, start, end)] if spans is None else spans.get(band.pk, [])
        for key, low, high in wanted:
            free = {u for u, intervals in band_busy.items() if not any(s < high and e > low for s, e in intervals)}
            if (needed <= free) if lineup is None else fills(free - lineup.soft, lineup):
                out.add(band.pk if spans is None else (band.pk, key))
    return out


def bands_available_on(
    *, bands: Sequence[Band], day: dt.date, today: dt.date, hours: GigHours | None = None
) -> set[int]:
    """The pks of those `bands` whose `day` (on each band's own clock) is green as band_availability
    reads it, in other `hours` when given (the finder's part of the day). A band without needed members
    is free. Four queries whatever the number of bands (bands_availability)."""
    zones = bands_availability(bands=bands, first_day=day, last_day=day, today=today, hours=hours)
    return {pk for pk, zone in zones.items() if zone.days and zone.days[0].status == "green"}


# Where the band is held by day: holds (above bands) hands its reader in from its AppConfig.ready.
HeldDays = Callable[..., dict[dt.date, list[HeldMark]]]
_held_days: HeldDays | None = None


def held_days_source_set(source: HeldDays | None) -> None:
    """Set the reader of held days: source(band_id=, first_day=, last_day=, time_zone=, now=) -> by day."""
    # Set once at start-up by the app that owns holds.
    global _held_days
    _held_days = source


def band_calendar_held(*, zone: GreenZone, band: Band, now: dt.datetime) -> GreenZone:
    """`zone` with each day's holds on it (CalendarDay.held): pencil marks beside the green zone, which
    they leave as it is. One query, however many days and holds."""
    if _held_days is None or not zone.days:
        return zone
    held = _held_days(
        band_id=band.pk, first_day=zone.days[0].day, last_day=zone.days[-1].day, time_zone=zone.time_zone, now=now
    )
    if not held:
        return zone
    return replace(zone, days=[replace(d, held=tuple(held.get(d.day, ()))) for d in zone.days])


def month_grid(month_start: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the Monday-to-Sunday weeks that cover the month of `month_start`."""
    first = month_start.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    grid_start = first - dt.timedelta(days=first.weekday())
    last = following - DAY
    grid_end = last + dt.timedelta(days=6 - last.weekday())
    return grid_start, grid_end


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


# ---- Finding dates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateCandidate:
    """A window when every needed member is free, with which optional members are too."""

    start: dt.datetime
    end: dt.datetime
    day: dt.date
    start_label: str
    end_label: str
    next_day: bool
    length: dt.timedelta
    free_names: tuple[str, ...]
    missing_names: tuple[str, ...]
    everyone: bool

    @property
    def length_label(self) -> str:
        return length_label(self.length)


def band_find_dates(
    *,
    members: Sequence[CalendarMember],
    first_day: dt.date,
    last_day: dt.date,
    time_zone: str,
    min_length: dt.timedelta,
    day_start: dt.time | None = None,
    day_end: dt.time | None = None,
    weekdays: Collection[int] | None = None,
    now: dt.datetime,
    limit: int = 50,
    band: Band | None = None,
) -> list[DateCandidate]:
    """Gig windows from `first_day` to `last_day` (local days in `time_zone`, not before `now`) when
    every needed member is free at least `min_length` within the local times of day and weekdays
    given, best first: most optional members free, then longest, then earliest. One busy query.
    With a band whose minimum line-up needs sections or a total (bands.lineup), a window counts only
    when the members free all through it fill the line-up without occasional players, as a green day
    reads it.

    With `band`, a day that already holds one of its booked gigs in those times of day
    (engine.gig_days) is skipped, unless the band takes two gigs a day; one more query.
    """
    tz = zoneinfo.ZoneInfo(time_zone)
    # A window belongs to the day its gig hours open on, as in the month view (engine.day_statuses):
    # with 18:00–02:00, 00:30 on the 14th is the night of the 13th, and the tail of the 12th's night
    # (00:00–02:00 on the 13th) is not a date of the 13th.
    opens = day_start or dt.time(0)
    crosses = day_end is not None and day_end != dt.time(0) and day_end <= opens
    window_start = max(engine.local_to_utc(dt.datetime.combine(first_day, opens), tz), now)
    # A window that opens on the last day may run past its midnight (an evening until 02:00).
    window_end = engine.day_bounds(last_day, tz)[1] + DAY
    if window_end <= window_start:
        return []
    busy = _busy(members, window_start, window_end, band)
    required: list = [m.user_id for m in members if m.required]
    optional = [m.user_id for m in members if not m.required]
    booked: Collection[dt.date] = ()
    if band is not None and not band.two_gigs_a_day:
        gigs = band_gigs_between(band=band, start=window_start - MARGIN, end=window_end)
        booked = engine.gig_days(gigs, first_day, last_day, time_zone, day_start=day_start, day_end=day_end)
        # The hours of a booked day count as taken, so its windows never crowd out other days' ones.
        taken = [h for d in booked for h in engine.local_hours(d, d, time_zone, day_start=day_start, day_end=day_end)]
        busy = {**busy, BOOKED_DAYS: taken}
        required.append(BOOKED_DAYS)
    lineup = band_lineup(band=band, members=members) if band is not None else None
    found = engine.find_windows(
        busy,
        required,
        optional,
        window_start,
        window_end,
        time_zone,
        min_length=min_length,
        day_start=day_start,
        day_end=day_end,
        weekdays=None if not weekdays else set(weekdays),
        # With a line-up every window is weighed: the first ones may be too thin a band.
        limit=limit * 2 if lineup is None else 10_000,
    )
    if lineup is not None:
        found = [c for c in found if fills(c.free - lineup.soft, lineup)]
    pieces = [(c.start, c.end, c.free, c.missing_optional) for c in found]
    if day_start is None and day_end is None:
        # "Any time" joins whole free days into one long stretch; people pick a date, so cut it by day.
        pieces = _by_day(pieces, tz, min_length)
        pieces.sort(key=lambda p: (len(p[3]), p[0] - p[1], p[0]))
    out = []
    for start, end, free, missing in pieces:
        local_start = start.astimezone(tz)
        day = local_start.date()
        if crosses and local_start.time() < opens:
            day -= DAY  # after midnight: the night that opened the day before
        if day > last_day or day < first_day or day in booked:
            continue
        local_end = end.astimezone(tz)
        out.append(
            DateCandidate(
                start=start,
                end=end,
                day=day,
                start_label=time_format(local_start, "CLOCK_FORMAT"),
                end_label=_clock(end, tz, day),
                next_day=local_end.date() > day and local_end.time() != dt.time(0),
                length=end - start,
                free_names=_names(members, free),
                missing_names=_names(members, missing),
                everyone=not missing,
            )
        )
    return out[:limit]


def _by_day(pieces: list, tz: dt.tzinfo, min_length: dt.timedelta) -> list:
    """Cut windows at local midnights into parts of at least `min_length`; a short tail past
    midnight stays with the evening before it (22:00–02:00 is one gig, not two)."""
    out = []
    for start, end, free, missing in pieces:
        parts: list[list[dt.datetime]] = []
        day = start.astimezone(tz).date()
        while True:
            day_start, day_end = engine.day_bounds(day, tz)
            if day_start >= end:
                break
            parts.append([max(start, day_start), min(end, day_end)])
            day += DAY
        if len(parts) > 1 and parts[-1][1] - parts[-1][0] < min_length:
            tail = parts.pop()
            parts[-1][1] = tail[1]
        out.extend((s, e, free, missing) for s, e in parts if e - s >= min_length)
    return out


# ---- Band blocks ------------------------------------------------------------------------------------


def band_blocks_upcoming(*, band: Band, today: dt.date, limit: int = 50) -> QuerySet[BandBlock]:
    """The band's rehearsals and holds that still matter: repeating ones and those not over yet."""
    return (
        BandBlock.objects.filter(band=band)
        .exclude(kind=BandBlock.Kind.GIG)
        .filter(Q(rrule__gt="") | Q(end_date__gte=today))
        .order_by("start_date", "start_time", "pk")[:limit]
    )


def block_description(block: BandBlock) -> str:
    """“Every Mon and Thu, 19:00–22:00, until 30 Jun 2025” or “Fri 13 Jun 2025, all day”, in the block's zone."""
    if block.all_day:
        if block.end_date == block.start_date:
            hours = gettext("all day")
        else:
            hours = gettext("all day until %(day)s") % {"day": date_format(block.end_date, "WEEKDAY_MONTH_FORMAT")}
    else:
        start, end = time_format(block.start_time, "CLOCK_FORMAT"), time_format(block.end_time, "CLOCK_FORMAT")
        if block.end_date == block.start_date:
            hours = pgettext("time range", "%(start)s–%(end)s") % {"start": start, "end": end}
        elif (block.end_date - block.start_date).days == 1:
            hours = gettext("%(start)s–%(end)s (next day)") % {"start": start, "end": end}
        else:
            hours = gettext("%(start)s–%(end)s on %(day)s") % {
                "start": start,
                "end": end,
                "day": date_format(block.end_date, "WEEKDAY_MONTH_FORMAT"),
            }
    if not block.rrule:
        # Translators: a day and the hours on it, e.g. "Fri 13 Jun 2025, 19:00–22:00".
        return gettext("%(day)s, %(hours)s") % {"day": date_format(block.start_date, "WEEKDAY_FORMAT"), "hours": hours}
    parts = engine.rrule_parts(block.rrule)
    if parts.get("FREQ") != "WEEKLY" or set(parts) - {"FREQ", "BYDAY", "UNTIL", "INTERVAL"}:
        return gettext("Repeats from %(day)s, %(hours)s") % {
            "day": date_format(block.start_date, "WEEKDAY_FORMAT"),
            "hours": hours,
        }
    days = parts.get("BYDAY", WEEKDAY_CODES[block.start_date.weekday()]).split(",")
    names = [str(WEEKDAY_SHORT_NAMES[WEEKDAY_CODES.index(d)]) for d in days if d in WEEKDAY_CODES]
    names = join_words(names)
    interval = int(parts.get("INTERVAL", "1"))
    fields = {"days": names, "hours": hours, "first": date_format(block.start_date, "DAY_FORMAT")}
    if "UNTIL" in parts:
        until = dt.date(int(parts["UNTIL"][:4]), int(parts["UNTIL"][4:6]), int(parts["UNTIL"][6:8]))
        fields["until"] = date_format(until, "DAY_FORMAT")
        if interval == 1:
            return gettext("Every %(days)s, %(hours)s, from %(first)s until %(until)s") % fields
        return ngettext(
            "Every %(n)s week on %(days)s, %(hours)s, from %(first)s until %(until)s",
            "Every %(n)s weeks on %(days)s, %(hours)s, from %(first)s until %(until)s",
            interval,
        ) % {**fields, "n": interval}
    if interval == 1:
        return gettext("Every %(days)s, %(hours)s, from %(first)s") % fields
    return ngettext(
        "Every %(n)s week on %(days)s, %(hours)s, from %(first)s",
        "Every %(n)s weeks on %(days)s, %(hours)s, from %(first)s",
        interval,
    ) % {**fields, "n": interval}


MOST_OVERLAY_BANDS = 4


@dataclass(frozen=True)
class OverlayStripe:
    """One band's free stretch on one day of a member's own week grid, as a share of the day."""

    band: str
    lane: int
    top: float  # per cent of the day
    height: float
    label: str  # "18:00–23:30"


def member_green_zone_week(
    *, user: User, first_day: dt.date, last_day: dt.date, time_zone: str, today: dt.date
) -> tuple[list[Band], dict[dt.date, list[OverlayStripe]]]:
    """The green zone of each band `user` plays in (at most four, by name) over their own week: for each
    day, the stretches when every needed member is free long enough for the band's shortest gig (any time
    of day). One query for the bands, then two or three a band."""
    bands = [m.band for m in Membership.objects.filter(user=user).select_related("band").order_by("band__name")][
        :MOST_OVERLAY_BANDS
    ]
    tz = zoneinfo.ZoneInfo(time_zone)
    stripes: dict[dt.date, list[OverlayStripe]] = {}
    for lane, band in enumerate(bands):
        members, _me = calendar_members(band=band, user=user)
        zone = band_green_zone(
            members=members,
            first_day=first_day,
            last_day=last_day,
            time_zone=time_zone,
            min_length=dt.timedelta(minutes=band.min_gig_minutes),
            today=today,
            detail=True,
            band=band,
        )
        for day in zone.days:
            midnight, next_midnight = engine.day_bounds(day.day, tz)
            span = (next_midnight - midnight).total_seconds()
            for window in day.windows:
                if not window.gig_length:
                    continue
                top = (window.start - midnight).total_seconds() / span * 100
                height = (window.end - window.start).total_seconds() / span * 100
                stripes.setdefault(day.day, []).append(
                    OverlayStripe(
                        band=band.name,
                        lane=lane,
                        top=top,
                        height=height,
                        label=f"{window.start_label}–{window.end_label}",
                    )
                )
    return bands, stripes
