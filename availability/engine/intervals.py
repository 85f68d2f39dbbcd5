"""Interval algebra: time zones and wall-clock moments, union, clip, intersect, subtract and complement of
half-open [start, end) intervals of aware UTC datetimes, and the sweep that cuts busy time into segments of the
same free people."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain, repeat
from operator import itemgetter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .words import RuleError, _

Interval = tuple[datetime, datetime]
_ONE_US = timedelta(microseconds=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Segment:
    """A stretch of time during which the same people are free."""

    start: datetime
    end: datetime
    free: frozenset  # keys free during the whole segment


# ---- Time zones ------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; RuleError if it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise RuleError(_("“%(name)s” is not a time zone we know.") % {"name": name}) from exc


def local_to_utc(wall: datetime, tz: tzinfo) -> datetime:
    """A naive wall-clock time in `tz` as UTC. Ambiguous times take the first; times in a gap use the
    offset before the gap (RFC 5545 3.3.5), which moves them forward by the gap."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def existing_to_utc(wall: datetime, tz: tzinfo) -> datetime | None:
    """A naive wall-clock time in `tz` as UTC, or None if a spring-forward change skips it."""
    moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return moment if moment.astimezone(tz).replace(tzinfo=None) == wall else None


def local_exists(wall: datetime, tz: tzinfo) -> bool:
    """False for a wall-clock time skipped by a spring-forward change."""
    return existing_to_utc(wall, tz) is not None


def day_bounds(day: date, tz: tzinfo) -> Interval:
    """The local day `day` in `tz` as a UTC interval (23 or 25 hours on DST days)."""
    return (
        local_to_utc(datetime.combine(day, time(0)), tz),
        local_to_utc(datetime.combine(day + _DAY, time(0)), tz),
    )


def _check_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("Window bounds must be aware datetimes.")


# ---- Interval algebra -------------------------------------------------------------------------


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged intervals; touching ones merge and empty ones vanish."""
    out: list[Interval] = []
    for start, end in sorted(intervals, key=itemgetter(0)):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def clip(intervals: Iterable[Interval], window_start: datetime, window_end: datetime) -> list[Interval]:
    """Each interval cut to the window, in the given order; those outside it vanish."""
    out = []
    for start, end in intervals:
        start, end = max(start, window_start), min(end, window_end)
        if start < end:
            out.append((start, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Times in both `a` and `b` (sorted, merged)."""
    a, b = union(a), union(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Times in `a` but not in `b` (sorted, merged)."""
    b = union(b)
    out: list[Interval] = []
    j = 0
    for start, end in union(a):
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > start:
                out.append((start, b[k][0]))
            start = max(start, b[k][1])
            k += 1
        if start < end:
            out.append((start, end))
    return out


def complement(busy: Iterable[Interval], window_start: datetime, window_end: datetime) -> list[Interval]:
    """Free time inside [window_start, window_end) given busy intervals (any order, may overlap)."""
    if window_start >= window_end:
        return []
    return subtract([(window_start, window_end)], busy)


# ---- Sweep ----------------------------------------------------------------------------------------


def _merged_in(intervals: Iterable[Interval], low: datetime, high: datetime) -> list[Interval]:
    """union() of the intervals cut to [low, high)."""
    out: list[Interval] = []
    for start, end in sorted(intervals, key=itemgetter(0)):
        if end <= low or start >= high or start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    # Merged and sorted: only the first can start before `low` and only the last can end after `high`.
    if out and out[0][0] < low:
        out[0] = (low, out[0][1])
    if out and out[-1][1] > high:
        out[-1] = (out[-1][0], high)
    return out


def _pieces(
    toggles: Sequence[Sequence[datetime]], low: datetime, high: datetime, initial: int
) -> tuple[list[datetime], list[int]]:
    """Cut [low, high) where any list's intervals begin or end.

    Each list is flat, [start, end, start, end, ...]: bit i of the mask flips at each moment of list i,
    starting from `initial`. Each list must be sorted, inside the window and without touching intervals,
    so every moment flips a bit and neighbours differ. Piece k is [times[k], times[k+1]) (the last ends at
    `high`).
    """
    events: list[tuple[datetime, int]] = []
    for bit, moments in enumerate(toggles):
        events += zip(moments, repeat(1 << bit))
    events.sort(key=itemgetter(0))
    times, masks = [low], [initial]
    mask, last = initial, low
    for moment, flag in events:
        mask ^= flag
        if moment == last:
            masks[-1] = mask
        else:
            times.append(moment)
            masks.append(mask)
            last = moment
    if times[-1] >= high:
        times.pop()
        masks.pop()
    return times, masks


def sweep(
    busy_by_person: Mapping[Hashable, Iterable[Interval]], window_start: datetime, window_end: datetime
) -> list[Segment]:
    """The window cut into maximal consecutive segments, each with the set of people free throughout.

    Busy intervals may come in any order and overlap. O(n log n) in the number of intervals.
    """
    _check_aware(window_start, window_end)
    if window_end <= window_start:
        return []
    keys = list(busy_by_person)
    lists = [list(chain.from_iterable(_merged_in(busy_by_person[key], window_start, window_end))) for key in keys]
    times, masks = _pieces(lists, window_start, window_end, (1 << len(keys)) - 1)
    sets: dict[int, frozenset] = {}
    segments = []
    ends = [*times[1:], window_end]
    for start, end, mask in zip(times, ends, masks, strict=True):
        free = sets.get(mask)
        if free is None:
            free = sets[mask] = frozenset(key for bit, key in enumerate(keys) if mask >> bit & 1)
        segments.append(Segment(start, end, free))
    return segments


def green_zone(
    busy_by_person: Mapping[Hashable, Iterable[Interval]],
    required: Collection[Hashable],
    window_start: datetime,
    window_end: datetime,
    *,
    min_length: timedelta,
) -> list[Interval]:
    """Merged windows inside the window where every required key is free, each at least `min_length` long.

    People not in `required` do not matter; a required key without intervals is always free, and an
    empty `required` means the whole window is free.
    """
    _check_aware(window_start, window_end)
    busy: list[Interval] = []
    for key in required:
        busy.extend(busy_by_person.get(key, ()))
    free = complement(clip(busy, window_start, window_end), window_start, window_end)
    return [(s, e) for s, e in free if e - s >= min_length]


# ---- Days and candidate windows --------------------------------------------------------------------


def _startable(busy: Iterable[Interval], low: datetime, high: datetime, length: timedelta) -> list[datetime]:
    """Moments t in [low, high) with [t, t + length) free of `busy` (any order, may overlap), as a flat
    list of half-open intervals [start, end, start, end, ...] (closed end + 1 µs), for _pieces. One pass:
    the busy time is merged as it is read (as _merged_in does) and each gap long enough kept."""
    out: list[datetime] = []
    # t may start a gap [previous, start) when t + length <= start, i.e. t < start - length + 1 µs.
    back = length - _ONE_US
    previous = low
    gap_end = block_end = None
    for start, end in sorted(busy, key=itemgetter(0)):
        if end <= low or start >= high or start >= end:
            continue
        if block_end is not None:
            if start <= block_end:
                if end > block_end:
                    block_end = end
                continue
            cut = gap_end - back
            if cut > previous:
                out += (previous, cut)
            previous = block_end
        gap_end, block_end = start, end
    if block_end is not None:
        cut = gap_end - back
        if cut > previous:
            out += (previous, cut)
        previous = min(block_end, high)
    cut = high - back
    if cut > previous:
        out += (previous, cut)
    return out
