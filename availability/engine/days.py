"""The day sweep: a band's days green, amber, partial or red in the viewer's zone (day_statuses, walking pieces
or arrays by the size of the busy time), the candidate windows for a gig (find_windows), local hours and the
days a gig belongs to (gig_days)."""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import chain, repeat

import numpy as np

from ..lineup import Lineup, amber, fill, mask_bounds, mask_check
from .arrays import _NOBODY, Sweep, Walk, _intervals, _keys_in, _walk_arrays
from .intervals import (
    _DAY,
    _ONE_US,
    Interval,
    _check_aware,
    _merged_in,
    _pieces,
    _startable,
    clip,
    complement,
    local_to_utc,
    union,
    zone,
)


@dataclass(frozen=True)
class DayStatus:
    """How one local day looks for a band."""

    day: date  # local date in the viewing time zone
    status: str  # "green" | "amber" (a line-up filled only with soft members) | "partial" | "red"
    free_count: int  # most required members free together for >= min_length, starting that day
    required_count: int
    busy: frozenset  # required keys missing from that best window
    windows: tuple[Interval, ...]  # green windows (all required free, >= min_length) clipped to the day's hours
    short: tuple = ()  # with a line-up, on a day that is not green: lineup.Shortfall of its best window


@dataclass(frozen=True)
class Candidate:
    """A possible gig window: all required members free, ranked by how many optional ones are too."""

    start: datetime
    end: datetime
    free: frozenset  # everyone (required + optional) free during it
    missing_optional: frozenset


def day_statuses(
    busy_by_person: Mapping[Hashable, Iterable[Interval] | np.ndarray],
    required: Collection[Hashable],
    first_day: date,
    last_day: date,
    time_zone: str,
    *,
    min_length: timedelta,
    day_start: time | None = None,
    day_end: time | None = None,
    lineup: Lineup | None = None,
    members: Collection[Hashable] = (),
    keep_windows: bool = True,
) -> list[DayStatus]:
    """One status per local day in `time_zone` (DST-correct bounds) from first_day to last_day inclusive.

    Only local times of day in [day_start, day_end) count, as in find_windows (no day_end, or midnight,
    means until midnight; day_end before day_start crosses midnight, e.g. 20:00–02:00): time outside
    them is busy for everyone. A day's hours are its range: the whole local day when none are given,
    else the range that opens on that day (00:30 after a Friday 20:00–02:00 is Friday night).
    A window counts for the day whose range it starts in and is measured over its whole length, into
    the next day's range too where the two touch (whole days: past midnight).
    green: all required members free together for min_length starting that day. partial: the best k
    (largest set of required members free together for min_length starting that day, earliest first)
    and who is missing. red: no required member free for min_length. One sweep over the whole range.
    A person's busy time is intervals of aware datetimes or, as the database can give it, an int64 array
    of [start, end) microseconds since 1970 (busy_micros): the same days either way.

    With a `lineup` (availability.lineup) that needs sections or a total, `members` are all the band's
    keys and a moment is green when those free then fill the line-up (lineup.fills); partial and red
    then count all members, and a day that is not green says which sections its best moment is short.
    With `keep_windows` off, a day's scan stops at its first green moment: its status is the same, but it
    carries no windows and its free_count counts only up to that moment (views that show neither, the
    month and every reader but the week, need no more; a big band's year then costs little more than a
    small one's). A day that is not green is amber when, at some moment, the free members fill the line-up only with
    some of its soft members (lineup.soft, occasional players); it then says which sections the firm
    members alone are short of and which soft members could fill them (lineup.amber).
    """
    if min_length <= timedelta(0):
        raise ValueError("min_length must be positive.")
    tz = zone(time_zone)
    by_lineup = lineup is not None and not lineup.counts_everyone
    required_keys = list(dict.fromkeys([*required, *members] if by_lineup else required))
    count = len(required_keys)
    full = (1 << count) - 1
    line_up = mask_bounds(lineup, required_keys) if by_lineup else None
    is_green = mask_check(lineup, required_keys, line_up) if by_lineup else full.__eq__
    # Soft members fill a line-up only as a maybe: green counts the firm ones, amber everyone.
    soft = sum(1 << i for i, key in enumerate(required_keys) if key in lineup.soft) if by_lineup else 0
    firm = full & ~soft

    days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
    if not days:
        return []
    ranges = _day_ranges(tz, days[0], days[-1], day_start, day_end)
    if not count and not by_lineup:
        return [
            DayStatus(day, "green", 0, 0, frozenset(), (ranges[k],) if ranges[k][0] < ranges[k][1] else ())
            for k, day in enumerate(days)
        ]
    low, high = ranges[0][0], max(ranges[-1][1], ranges[-1][0]) + min_length
    # Outside the hours everyone is busy; ranges run on past the last day so a late window is measured whole.
    later = _day_ranges(tz, days[-1] + _DAY, high.astimezone(tz).date() + _DAY, day_start, day_end)
    closed = complement([*ranges, *later], low, high)
    people = [
        intervals if isinstance(intervals, list | np.ndarray) else list(intervals)
        for intervals in map(busy_by_person.get, required_keys, repeat(()))
    ]
    # Each day as (green, the most free together, who they were, the first moment the soft members make
    # it, the green windows), from the pieces one by one or, for much busy time, from arrays. Busy time given
    # in microseconds costs the arrays nothing to read and the pieces a conversion: they pay from less.
    stretches = sum(map(len, people))
    in_micros = sum(len(intervals) for intervals in people if isinstance(intervals, np.ndarray))
    if 2 * in_micros > stretches:
        arrays_from = _MICROS_ARRAYS_WITH_WINDOWS_FROM if keep_windows else _MICROS_ARRAYS_FROM
    else:
        arrays_from = _ARRAYS_WITH_WINDOWS_FROM if keep_windows else _ARRAYS_FROM
    walk = _walk_pieces if stretches < arrays_from else _walk_arrays
    days_seen = walk(
        Sweep(people, closed, ranges, low, high, min_length, keep_windows, is_green, firm, soft, full, line_up)
    )
    statuses = []
    for day, (green, best, best_mask, amber_mask, windows) in zip(days, days_seen, strict=True):
        status = "green" if green else "amber" if amber_mask is not None else "partial" if best else "red"
        if green:
            # Nobody is missing on a green day and nothing is short: no set to build. Without a line-up the
            # first green moment has everyone, and so the most free together.
            statuses.append(DayStatus(day, status, best, count, _NOBODY, tuple(windows), ()))
            continue
        if status == "amber":
            # The first moment the soft members make it: who is short without them, and who could fill it.
            maybe = amber(_keys_in(amber_mask, required_keys), lineup)
            missing, short = maybe.missing, maybe.short
        elif by_lineup:
            # Who is missing by name; the sections short say the rest.
            free_then = _keys_in(best_mask, required_keys)
            missing = frozenset(lineup.required - free_then)
            short = fill(free_then, lineup, required_keys).short
        else:
            missing = _keys_in(full & ~best_mask, required_keys)
            short = ()
        statuses.append(DayStatus(day, status, best, count, missing, tuple(windows), short))
    return statuses


# From this much busy time (stretches of all the people together) the days are swept in arrays; below it the
# arrays' fixed cost (about 0.15 ms) is more than they save, and the pieces are walked one by one. With
# windows every day reads its pieces either way, so the arrays pay off later (benchmarks/lineup_green_zone.py
# --crossover measures both ways).
_ARRAYS_FROM = 1100
_ARRAYS_WITH_WINDOWS_FROM = 2000
# The same for busy time given as microseconds (busy_micros, as the calendar reads it for the days alone): the
# arrays read it as it is and the pieces must convert it, so the arrays pay from much less.
_MICROS_ARRAYS_FROM = 200
_MICROS_ARRAYS_WITH_WINDOWS_FROM = 600


def _walk_pieces(sweep: Sweep) -> Walk:
    """day_statuses' days from the pieces one by one: per person, the moments from which they are free
    for min_length (_startable); the masks then say who can start when (_pieces)."""
    people, closed, ranges, low, high, min_length = sweep[:6]
    keep_windows, is_green, firm, soft = sweep.keep_windows, sweep.is_green, sweep.firm, sweep.soft
    lists = [_startable([*_intervals(intervals), *closed], low, high, min_length) for intervals in people]
    times, masks = _pieces(lists, low, high, 0)
    ends = [*times[1:], high]
    n_pieces = len(times)
    piece = 0
    for range_start, range_end in ranges:
        # The piece the range starts in: the first that ends after its start.
        piece = bisect_right(ends, range_start, piece)
        best_mask, best = 0, 0
        green = False
        amber_mask = None
        windows = []
        # A range can be empty only when its hours fall into a spring-forward gap.
        j = piece if range_start < range_end else n_pieces
        while j < n_pieces and times[j] < range_end:
            mask = masks[j]
            size = mask.bit_count()
            if size > best:
                best_mask, best = mask, size
            if is_green(mask & firm):
                green = True
                if not keep_windows:
                    break
                # The moments [a, b) where all can start come from the green period [a, b - 1 µs + min_length).
                windows.append((max(times[j], range_start), min(ends[j] - _ONE_US + min_length, range_end)))
            elif soft and amber_mask is None and mask & soft and is_green(mask):
                amber_mask = mask
            j += 1
        yield green, best, best_mask, amber_mask, windows


def _day_ranges(
    tz: tzinfo,
    first: date,
    last: date,
    day_start: time | None,
    day_end: time | None,
    weekdays: Collection[int] | None = None,
) -> list[Interval]:
    """The hours of each local day from first to last (on `weekdays`) as UTC intervals, one per day."""
    opens = day_start or time(0)
    crosses = day_end is None or day_end == time(0) or day_end <= opens
    closes = day_end or time(0)
    if weekdays is None and closes == opens:
        # Back-to-back 24-hour ranges: each close is the next open, converted once.
        moments = [
            local_to_utc(datetime.combine(first + timedelta(days=k), opens), tz) for k in range((last - first).days + 2)
        ]
        return list(itertools.pairwise(moments))
    ranges = []
    day = first
    while day <= last:
        if weekdays is None or day.weekday() in weekdays:
            close = datetime.combine(day + _DAY if crosses else day, closes)
            ranges.append((local_to_utc(datetime.combine(day, opens), tz), local_to_utc(close, tz)))
        day += _DAY
    return ranges


def _time_ranges(
    tz: tzinfo,
    first: date,
    last: date,
    day_start: time | None,
    day_end: time | None,
    weekdays: Collection[int] | None,
) -> list[Interval]:
    return union(_day_ranges(tz, first, last, day_start, day_end, weekdays))


def local_hours(
    first: date, last: date, time_zone: str, *, day_start: time | None = None, day_end: time | None = None
) -> list[Interval]:
    """The hours [day_start, day_end) of each local day from first to last in `time_zone`, merged, as UTC
    intervals: the times day_statuses and find_windows count (None, None is the whole of every day)."""
    return _time_ranges(zone(time_zone), first, last, day_start, day_end, None)


def _maximal_windows(
    window_start: datetime, window_end: datetime, pieces: list[tuple[datetime, int]], length: timedelta
) -> list[tuple[datetime, datetime, int]]:
    """Every maximal sub-window (at least `length`) of pieces with the set of bits free all through it."""
    ends = [moment for moment, _ in pieces[1:]] + [window_end]
    out = []
    for i, (start, acc) in enumerate(pieces):
        before = pieces[i - 1][1] if i else None
        j = i
        while True:
            while j + 1 < len(pieces) and pieces[j + 1][1] & acc == acc:
                j += 1
            if before is not None and before & acc == acc:
                break  # the same people are free a little earlier too: not maximal
            if ends[j] - start >= length:
                out.append((start, ends[j], acc))
            if j + 1 >= len(pieces):
                break
            j += 1
            acc &= pieces[j][1]
    return out


def find_windows(
    busy_by_person: Mapping[Hashable, Iterable[Interval]],
    required: Collection[Hashable],
    optional: Collection[Hashable],
    window_start: datetime,
    window_end: datetime,
    time_zone: str,
    *,
    min_length: timedelta,
    day_start: time | None = None,
    day_end: time | None = None,
    weekdays: Collection[int] | None = None,
    limit: int = 50,
) -> list[Candidate]:
    """Candidate gig windows: all required free for at least min_length, best first, at most `limit`.

    Only local times of day in [day_start, day_end) count (no day_end, or midnight, means until
    midnight; day_end before day_start crosses midnight, e.g. 20:00–02:00), on the local weekdays given
    (0 = Monday; the weekday of the evening a range opens on). Each candidate is maximal for the set of
    optional members free all through it, so "all five from 19:00" and "four from 18:00" both appear.
    Ranked by most optional members free, then longest, then earliest.
    """
    _check_aware(window_start, window_end)
    if window_end <= window_start or limit <= 0:
        return []
    if min_length <= timedelta(0):
        raise ValueError("min_length must be positive.")
    tz = zone(time_zone)
    required_keys = list(dict.fromkeys(required))
    optional_keys = [key for key in dict.fromkeys(optional) if key not in set(required_keys)]
    keys = required_keys + optional_keys
    shift = len(required_keys)
    all_required = (1 << shift) - 1
    first = window_start.astimezone(tz).date() - _DAY
    last = window_end.astimezone(tz).date()
    ranges = clip(_time_ranges(tz, first, last, day_start, day_end, weekdays), window_start, window_end)
    lists = [
        list(chain.from_iterable(_merged_in(busy_by_person.get(key, ()), window_start, window_end))) for key in keys
    ]
    times, masks = _pieces(lists, window_start, window_end, (1 << len(keys)) - 1)
    ends = [*times[1:], window_end]
    found: list[tuple[datetime, datetime, int]] = []
    piece = 0
    for range_start, range_end in ranges:
        # The piece the range starts in: the first that ends after its start.
        piece = bisect_right(ends, range_start, piece)
        run: list[tuple[datetime, int]] = []
        j = piece
        while True:
            inside = j < len(times) and times[j] < range_end
            if inside and masks[j] & all_required == all_required:
                run.append((max(times[j], range_start), masks[j] >> shift))
                j += 1
                continue
            if run:
                run_end = min(ends[j - 1], range_end)
                if run_end - run[0][0] >= min_length:
                    found.extend(_maximal_windows(run[0][0], run_end, run, min_length))
                run = []
            if not inside:
                break
            j += 1
    found.sort(key=lambda c: (-c[2].bit_count(), c[0] - c[1], c[0]))
    optional_set = frozenset(optional_keys)
    out = []
    for start, end, acc in found[:limit]:
        free = frozenset(required_keys) | {key for bit, key in enumerate(optional_keys) if acc >> bit & 1}
        out.append(Candidate(start, end, free, optional_set - free))
    return out


def gig_days(
    gigs: Iterable[Interval],
    first: date,
    last: date,
    time_zone: str,
    *,
    day_start: time | None = None,
    day_end: time | None = None,
) -> dict[date, list[Interval]]:
    """The local days from first to last in `time_zone` that hold a gig, each with its gigs in order.

    A gig belongs to the first day whose hours [day_start, day_end) it overlaps, as day_statuses counts
    hours (None, None: the whole day; an end before the start runs past midnight): a gig 23:00–01:00
    is the evening it starts in, not the next day too, and with hours 18:00–02:00 a gig at 00:30 is the
    night before. A gig that touches no day's hours belongs to no day. Days without a gig are left out.
    """
    tz = zone(time_zone)
    # From the day before `first`: a gig that belongs to it must not count for `first`.
    opening = first - _DAY
    ranges = _day_ranges(tz, opening, last, day_start, day_end)
    out: dict[date, list[Interval]] = {}
    for start, end in sorted(gigs):
        if start >= end:
            continue
        for k, (range_start, range_end) in enumerate(ranges):
            if range_start >= end:
                break
            if range_start < range_end and range_start < end and range_end > start:
                day = opening + timedelta(days=k)
                if day >= first:
                    out.setdefault(day, []).append((start, end))
                break
    return out
