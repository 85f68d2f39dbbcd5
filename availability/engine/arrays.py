"""The day sweep's array walk: busy time as microseconds in NumPy arrays, a bit mask of who is free at each
moment, and the green bounds of a line-up read off the masks (decision 0119)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat
from operator import floordiv, sub, xor
from typing import NamedTuple

import numpy as np

from ..lineup import MaskBounds
from .intervals import _ONE_US, Interval

Walk = Iterator[tuple[bool, int, int, int | None, list[Interval]]]


class Sweep(NamedTuple):
    """What day_statuses hands the walk it picks: each required key's busy time, the closed hours, the day
    ranges and the bounds around them, and how a moment's mask is judged."""

    people: list[list[Interval] | np.ndarray]
    closed: list[Interval]
    ranges: list[Interval]
    low: datetime
    high: datetime
    min_length: timedelta
    keep_windows: bool
    is_green: Callable[[int], bool]
    firm: int
    soft: int
    full: int
    bounds: MaskBounds | None


def _walk_arrays(sweep: Sweep) -> Walk:
    """day_statuses' days from arrays (numpy): the pieces of everyone's busy time at once (_start_masks), each
    piece's test by counts (_green_bounds) and each day's first green piece found for all days together."""
    people, closed, ranges, low, high, min_length = sweep[:6]
    keep_windows, is_green, firm, soft, full, bounds = sweep[6:]
    length = min_length // _ONE_US
    # _day_ranges gives back-to-back ranges (whole days) as pairs of one list of moments: each close is the next
    # open, the same object.
    if len(ranges) < 2 or ranges[0][1] is ranges[1][0]:
        # Back to back (whole days): each close is the next open, converted once.
        moments = _micros([*(start for start, _end in ranges), ranges[-1][1], low, high])
        starts, stops = moments[:-3], moments[1:-2]
    else:
        moments = _micros([*chain.from_iterable(ranges), low, high])
        starts, stops = moments[:-2:2], moments[1:-2:2]
    low_us, high_us = int(moments[-2]), int(moments[-1])
    times, masks = _start_masks(people, closed, low_us, high_us, length)
    n_pieces = len(times)
    # Every piece's test, where counts decide it (up to 63 people): `maybe` a piece can be green (a necessary
    # count holds), `sure` it is (a sufficient one does). Only the pieces in between are asked.
    firm_maybe, firm_sure = _green_bounds(masks, firm, full, bounds)
    sizes = np.bitwise_count(masks) if masks.dtype == np.uint64 else np.array([m.bit_count() for m in masks])
    # next_maybe[j]: the first piece from j on that may be green (n_pieces: none).
    next_maybe = _next_true(firm_maybe)
    # The piece each range starts in, and the first piece at or after its end; none for an empty range (its
    # hours fall into a spring-forward gap).
    first_piece = np.searchsorted(times, starts, "right") - 1
    after_piece = np.searchsorted(times, stops, "left")
    empty = starts >= stops
    first_piece[empty] = after_piece[empty] = n_pieces
    # Without windows a day needs only its first green piece. Where the first piece that may be green surely
    # is, the day is green; where there is none before the day ends, it is not: both are found for every day
    # at once (with the exact counts, every day). The others ask their pieces in turn.
    candidate = next_maybe[first_piece]
    inside = candidate < after_piece
    surely = inside & np.append(firm_sure, False)[candidate]
    if keep_windows:
        known = [0] * len(ranges)
    else:
        known = np.where(surely, 1, np.where(inside, 0, -1)).tolist()
        # The largest set free, the first such piece: up to the green piece (the scan stops there), or all
        # day. One pass for all days: each piece's size before its place, so the largest is the earliest.
        upto = np.where(surely, candidate + 1, np.where(inside, first_piece, after_piece))
        place = n_pieces + 1
        ranked = np.append(sizes.astype(np.int64) * place + (place - 1 - np.arange(n_pieces)), 0)
        most = np.maximum.reduceat(ranked, np.stack((first_piece, upto), 1).ravel())[::2]
        most = np.where(upto > first_piece, most, 0)
        most_at = np.minimum(place - 1 - most % place, max(n_pieces - 1, 0))
        best_of = (most // place).tolist()
        best_mask_of = np.where(most > 0, masks[most_at] if n_pieces else 0, 0).tolist()
    first_piece = first_piece.tolist()
    after_piece = after_piece.tolist()
    pieces = None
    next_amber = None
    # The days known not to be green, when soft members could make them amber: the counts for everyone on
    # their pieces only, at once; then each day's first piece that the soft members fill.
    amber_of: dict[int, int] = {}
    not_green = [k for k, decided in enumerate(known) if decided < 0] if soft else []
    if not_green:
        at = np.fromiter(chain.from_iterable(range(first_piece[k], after_piece[k]) for k in not_green), np.int64)
        theirs = masks[at]
        any_maybe, _sure = _green_bounds(theirs, full, full, bounds)
        if theirs.dtype == np.uint64:
            any_maybe &= theirs & np.uint64(soft) != 0
        offset = 0
        for k in not_green:
            size = after_piece[k] - first_piece[k]
            for j in np.flatnonzero(any_maybe[offset : offset + size]).tolist():
                mask = int(theirs[offset + j])
                if mask & soft and is_green(mask):
                    amber_of[k] = mask
                    break
            offset += size

    def first_amber(lo: int, hi: int) -> int | None:
        """The first piece of [lo, hi) whose free members fill the line-up only with soft ones, if any."""
        nonlocal next_amber
        if next_amber is None:
            # Asked only on days that are not green: the counts for everyone, once, where a soft member is free.
            any_maybe, _sure = _green_bounds(masks, full, full, bounds)
            with_soft = masks & np.uint64(soft) != 0 if masks.dtype == np.uint64 else np.ones(n_pieces, bool)
            next_amber = _next_true(any_maybe & with_soft).tolist()
        j = next_amber[lo]
        while j < hi:
            mask = int(masks[j])
            if is_green(mask):
                return mask
            j = next_amber[j + 1]
        return None

    for k, decided in enumerate(known):
        if decided > 0:
            yield True, best_of[k], full, None, []
            continue
        if decided < 0:
            yield False, best_of[k], best_mask_of[k], amber_of.get(k), []
            continue
        if pieces is None:
            # The days left ask pieces one by one: with windows every day does, from Python lists made once;
            # without, the few left read the arrays.
            many = keep_windows
            pieces = masks.tolist() if many else masks
            sure_list = firm_sure.tolist() if many else firm_sure
            next_list = next_maybe.tolist() if many else next_maybe
            time_list = [*times.tolist(), high_us] if many else ()
            starts_us, stops_us = starts.tolist(), stops.tolist()
        range_start, range_end = ranges[k]
        lo = first_piece[k]
        hi = after_piece[k]
        green_at = []
        j = int(next_list[lo])
        while j < hi:
            if sure_list[j] or is_green(int(pieces[j]) & firm):
                green_at.append(j)
                if not keep_windows:
                    break
            j = int(next_list[j + 1])
        green = bool(green_at)
        # The largest set free, earliest first: up to the first green moment without windows, else all day.
        last = green_at[0] + 1 if green and not keep_windows else hi
        best_mask, best = 0, 0
        if lo < last:
            first_most = lo + int(sizes[lo:last].argmax())
            best = int(sizes[first_most])
            if best:
                best_mask = int(pieces[first_most])
        amber_mask = first_amber(lo, hi) if soft and not green else None
        windows = []
        for j in green_at if keep_windows else ():
            # The moments [a, b) where all can start come from the green period [a, b - 1 µs + min_length).
            start, end = time_list[j], time_list[j + 1] - 1 + length
            windows.append(
                (
                    range_start if start <= starts_us[k] else _moment(start),
                    range_end if end >= stops_us[k] else _moment(end),
                )
            )
        yield green, best, best_mask, amber_mask, windows


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Timestamps (doubles) give the microsecond back exactly up to 2**31 seconds after 1970 (2038).
_FLOAT_EXACT_BEFORE = 2**31
# Sort keys pack person, moment and kind into one int64 while they fit this many bits.
_KEY_BITS = 63
# Masks are numpy uint64 up to this many people (the hours' bit included); Python ints beyond.
_MASK_BITS = 64
_NOBODY: frozenset = frozenset()


def _micros(moments: Iterable[datetime], count: int | None = None) -> np.ndarray:
    """Aware moments as whole microseconds since 1970 (int64), exactly. `moments` is read once, or twice
    for moments after 2037: pass a list, or a way to make them again (a callable) with their count."""
    again = moments if callable(moments) else lambda: moments
    seconds = np.fromiter(map(datetime.timestamp, again()), np.float64, -1 if count is None else count)
    # A timestamp is the double nearest the exact seconds: before 2038 (2**31 s) its error is under 0.12 µs,
    # so rounding gives the microsecond back; further out, each moment is counted exactly.
    if not len(seconds) or np.abs(seconds).max() < _FLOAT_EXACT_BEFORE:
        return np.rint(seconds * 1e6).astype(np.int64)
    return np.fromiter(map(floordiv, map(sub, again(), repeat(_EPOCH)), repeat(_ONE_US)), np.int64, len(seconds))


def busy_micros(intervals: Iterable[Interval]) -> np.ndarray:
    """Busy intervals as day_statuses also takes them: an int64 array of [start, end) rows in whole
    microseconds since 1970 (UTC), read-only. What the database gives this way (availability.selectors.
    busy_micros_by_user) the green zone's arrays read with no conversion."""
    pairs = intervals if isinstance(intervals, list) else list(intervals)
    micros = _micros(lambda: chain.from_iterable(pairs), 2 * len(pairs)).reshape(-1, 2)
    micros.flags.writeable = False
    return micros


def _intervals(busy: Sequence[Interval] | np.ndarray) -> Sequence[Interval]:
    """Busy time as intervals of datetimes, from either form day_statuses takes."""
    if not isinstance(busy, np.ndarray):
        return busy
    return [(_moment(start), _moment(end)) for start, end in busy.tolist()]


def _all_micros(people: Sequence[Sequence[Interval] | np.ndarray]) -> np.ndarray:
    """Every person's moments in turn, [start, end, start, end, ...] in microseconds: arrays as they are,
    runs of lists of datetimes converted together."""
    parts: list[np.ndarray] = []
    run: list[Sequence[Interval]] = []

    def convert() -> None:
        if run:
            held = list(run)
            parts.append(_micros(lambda: chain.from_iterable(chain.from_iterable(held)), 2 * sum(map(len, held))))
            run.clear()

    for busy in people:
        if isinstance(busy, np.ndarray):
            convert()
            parts.append(busy.reshape(-1).astype(np.int64, copy=False))
        else:
            run.append(busy)
    convert()
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.empty(0, np.int64)


def _keys_in(mask: int, keys: Sequence[Hashable]) -> frozenset:
    """The keys whose bits are set in `mask`, found bit by bit."""
    found = []
    while mask:
        lowest = mask & -mask
        found.append(keys[lowest.bit_length() - 1])
        mask ^= lowest
    return frozenset(found)


def _moment(micros: int) -> datetime:
    return _EPOCH + _ONE_US * micros


def _next_true(flags: np.ndarray) -> np.ndarray:
    """For each index j (and one past the end), the first index >= j whose flag is set, or len(flags)."""
    n = len(flags)
    at = np.where(np.append(flags, True), np.arange(n + 1), n)
    return np.minimum.accumulate(at[::-1])[::-1]


def _start_masks(
    busy_lists: Sequence[Iterable[Interval]], closed: Sequence[Interval], low: int, high: int, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """[low, high) cut into pieces (microseconds): times[k] starts piece k, which runs to times[k+1] (the last
    to `high`); masks[k] has bit i set when person i can start `length` of free time at every moment of it,
    as _startable finds for each and _pieces combines, worked out for all the busy time at once in numpy.

    A busy [s, e) rules out starts in [s - length + 1 µs, e); the closed hours do so for everyone, and so
    does the end (no start after high - length). Per person, the ruled-out stretches are counted along
    time: a person's bit flips where their count leaves or returns to 0. The flips of everyone then sort
    into one timeline and their running XOR is the mask. Masks are uint64 up to 63 people (Python ints
    beyond), pieces where nobody can start may be split more finely than _pieces would.
    """
    n = len(busy_lists)
    people = [intervals if isinstance(intervals, list | np.ndarray) else list(intervals) for intervals in busy_lists]
    people.append(closed)
    sizes = list(map(len, people))
    moments = _all_micros(people)
    owner = np.repeat(np.arange(n + 1), sizes)
    # Bit n is "the hours are open": the closed time and the end rule out everyone's starts.
    starts, ends = moments[0::2], moments[1::2]
    used = (starts < ends) & (ends > low) & (starts < high)
    starts, ends, owner = np.append(starts[used], high), np.append(ends[used], high + 1), np.append(owner[used], n)
    starts = np.maximum(starts - (length - 1), low) - low
    ends = np.minimum(ends, high + 1) - low
    # One int64 key per step: the person, then the moment, then a start (0) before an end (1) at the same
    # moment, so touching stretches join; sorted, the keys say everything, in one pass.
    span = (2 * (high + 1 - low) + 1).bit_length()
    if span + (n + 1).bit_length() < _KEY_BITS:
        who = np.left_shift(owner, span)
        keys = np.empty(2 * len(starts), np.int64)
        keys[0::2] = who | (starts << 1)
        keys[1::2] = who | (ends << 1) | 1
        keys.sort(kind="stable")
        step = 1 - ((keys & 1) << 1)
        at = (keys >> 1) & ((1 << (span - 1)) - 1)
        who = keys >> span
    else:
        at = np.concatenate((starts, ends))
        step = np.concatenate((np.ones(len(starts), np.int64), np.full(len(ends), -1, np.int64)))
        who = np.concatenate((owner, owner))
        order = np.lexsort((-step, at, who))
        at, step, who = at[order], step[order], who[order]
    # Each person's steps add up to 0, so one running sum counts every person's stretches in turn.
    depth = np.cumsum(step)
    flips = ((step == 1) & (depth == 1)) | ((step == -1) & (depth == 0))
    at, who = at[flips], who[flips]
    # Into one timeline (the order of flips at one moment does not matter: only the mask after them counts).
    bits = (n + 1).bit_length()
    if span + bits < _KEY_BITS:
        keys = (at << bits) | who
        # Each person's flips are in order already: a stable (merging) sort is quick on such runs.
        keys.sort(kind="stable")
        at, who = (keys >> bits) + low, keys & ((1 << bits) - 1)
    else:
        order = np.argsort(at, kind="stable")
        at, who = at[order] + low, who[order]
    everyone = (1 << (n + 1)) - 1
    if n + 1 <= _MASK_BITS:
        masks = np.bitwise_xor.accumulate(np.left_shift(np.uint64(1), who.astype(np.uint64))) ^ np.uint64(everyone)
    else:
        masks = np.array([*itertools.accumulate(map((1).__lshift__, who.tolist()), xor, initial=everyone)][1:], object)
    # Flips at one moment make one piece, with the mask after all of them; the first piece starts at low.
    last = np.append(at[1:] != at[:-1], True)
    at, masks = at[last], masks[last]
    if not len(at) or at[0] > low:
        at = np.concatenate(([low], at))
        masks = np.concatenate((np.array([everyone], masks.dtype), masks))
    inside = at < high
    at, masks = at[inside], masks[inside]
    # Where the hours are closed nobody can start; elsewhere the people's bits are the mask.
    if masks.dtype == np.uint64:
        people_bits = np.uint64((1 << n) - 1)
        masks = np.where(masks >> np.uint64(n) & np.uint64(1) != 0, masks & people_bits, np.uint64(0))
    else:
        masks = np.array([m & ((1 << n) - 1) if m >> n & 1 else 0 for m in masks], object)
    return at, masks


# Sections doublers play, up to which a line-up is decided for every piece at once (2**6 - 1 subsets).
_HALL_SECTIONS = 6


def _green_bounds(masks: np.ndarray, firm: int, full: int, bounds: MaskBounds | None) -> tuple[np.ndarray, np.ndarray]:
    """For masks & firm: (may be green, is surely green) per piece, by counts, as lineup.mask_check decides.

    Usually the two are the same, the answer itself: the named members and the total are counted, each
    section's single-section players take its seats first, and the doublers free can fill what is left
    exactly when every set of those sections is short of no more than the doublers who play one of them
    (Hall's condition). With more than 63 keys (no uint64 masks) every piece may be and none surely is,
    and with doublers across more than six sections only the counts are applied: those pieces are asked."""
    n = len(masks)
    if masks.dtype != np.uint64:
        return np.ones(n, bool), np.zeros(n, bool)
    held = masks & np.uint64(firm)
    if bounds is None:
        sure = held == np.uint64(full)
        return sure, sure
    if bounds.refused:
        return np.zeros(n, bool), np.zeros(n, bool)
    required = np.uint64(bounds.required)
    maybe = (held & required) == required
    if bounds.total:
        maybe &= np.bitwise_count(held) >= bounds.total
    sure = maybe.copy()
    for need, players, singles in bounds.sections:
        maybe &= np.bitwise_count(held & np.uint64(players)) >= need
        sure &= np.bitwise_count(held & np.uint64(singles)) >= need
    doubled = [(need, singles, players & bounds.doublers) for need, players, singles in bounds.sections]
    doubled = [section for section in doubled if section[2]]
    if len(doubled) > _HALL_SECTIONS:
        return maybe, sure & maybe
    # Sections no doubler plays are filled by their own players or not at all.
    for need, players, singles in bounds.sections:
        if not players & bounds.doublers:
            maybe &= np.bitwise_count(held & np.uint64(singles)) >= need
    open_ = np.flatnonzero(maybe & ~sure)
    if len(open_):
        part = held[open_]
        # What each such section still lacks after its own players, and which doublers play it; then per set
        # of sections (built from the set without its lowest one) the doublers for it and what it lacks.
        lacks = [
            np.maximum(need - np.bitwise_count(part & np.uint64(singles)).astype(np.int64), 0)
            for need, singles, _ in doubled
        ]
        players = [0] * (1 << len(doubled))
        demand = [0] * (1 << len(doubled))
        fits = np.ones(len(open_), bool)
        for subset in range(1, 1 << len(doubled)):
            lowest = (subset & -subset).bit_length() - 1
            rest = subset & (subset - 1)
            players[subset] = players[rest] | doubled[lowest][2]
            demand[subset] = demand[rest] + lacks[lowest]
            fits &= np.bitwise_count(part & np.uint64(players[subset])) >= demand[subset]
        maybe[open_] = fits
    return maybe, maybe
