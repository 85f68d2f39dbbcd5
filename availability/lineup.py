"""Can the free members field the band? Pure: the line-up comes in as data, nothing is read.

A line-up is who must be there by name, how many players each section needs at least, which sections
each member can play (a doubler plays more than one) and, optionally, a total. The free members fill
it when the named ones are free, there are enough of them in all, and the section seats can be filled
by distinct members: a doubler counts once, in the section where they are needed. The seats are filled
by augmenting paths over the bipartite graph members → seats (a maximum flow with unit capacities).
"""

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lineup:
    """The band's minimum line-up. `needs`: section → fewest players; `plays`: member → sections they can
    fill; `required`: members who must be there by name; `total`: fewest members free in all (0: none);
    `soft`: members who may fill it only as a maybe (occasional players): a moment they are needed for
    is amber, not green."""

    needs: Mapping[Hashable, int] = field(default_factory=dict)
    plays: Mapping[Hashable, Collection[Hashable]] = field(default_factory=dict)
    required: frozenset = frozenset()
    total: int = 0
    soft: frozenset = frozenset()

    @property
    def counts_everyone(self) -> bool:
        """Only the named members matter (the rule before line-ups): no section needs and no total."""
        return not any(self.needs.values()) and not self.total


@dataclass(frozen=True)
class Shortfall:
    section: Hashable
    have: int
    need: int
    could: frozenset  # members who play it but are not free


@dataclass(frozen=True)
class Fill:
    ok: bool
    missing: frozenset  # named members who are not free
    short: tuple[Shortfall, ...]  # sections that cannot be filled, in the order of `needs`
    total_short: int  # how many more members the total needs
    assignment: Mapping[Hashable, Hashable]  # member → section they fill


def _match(free: Iterable[Hashable], lineup: Lineup) -> dict[Hashable, Hashable]:
    """A maximum assignment of free members to the seats of the sections (member → section), each member in
    one seat at most and no section given more than it needs.

    Members who play one needed section take its seats first, in the order given (some maximum assignment
    always seats as many of them as their section needs, or all of them); the doublers then go through
    augmenting paths over the sections, whose seats are all alike."""
    room = {section: need for section, need in lineup.needs.items() if need > 0}
    placed: dict[Hashable, Hashable] = {}
    holders: dict[Hashable, list] = {section: [] for section in room}
    doubles: dict[Hashable, list] = {}
    for member in free:
        useful = [section for section in lineup.plays.get(member, ()) if section in room]
        if len(useful) == 1:
            section = useful[0]
            if room[section]:
                room[section] -= 1
                placed[member] = section
        elif useful:
            doubles[member] = useful
    left = sum(room.values())

    def augment(member: Hashable, seen: set) -> bool:
        for section in doubles[member]:
            if section in seen:
                continue
            seen.add(section)
            if room[section]:
                room[section] -= 1
            else:
                # Full: a doubler seated there moves on, if one can.
                moved = next((other for other in holders[section] if augment(other, seen)), None)
                if moved is None:
                    continue
                holders[section].remove(moved)
            holders[section].append(member)
            placed[member] = section
            return True
        return False

    for member in doubles:
        if not left:
            break
        if augment(member, set()):
            left -= 1
    return placed


def fill(free: Collection[Hashable], lineup: Lineup, members: Collection[Hashable] | None = None) -> Fill:
    """Whether the members in `free` fill `lineup`; if not, what is short and who could fill it.
    `members`: everyone in the band (for who could fill a short section); defaults to lineup.plays."""
    free = frozenset(free)
    missing = frozenset(lineup.required - free)
    placed = _match(sorted(free, key=repr), lineup)
    filled: dict[Hashable, int] = {}
    for section in placed.values():
        filled[section] = filled.get(section, 0) + 1
    everyone = lineup.plays.keys() if members is None else members
    short = tuple(
        Shortfall(
            section=section,
            have=filled.get(section, 0),
            need=need,
            could=frozenset(m for m in everyone if m not in free and section in lineup.plays.get(m, ())),
        )
        for section, need in lineup.needs.items()
        if filled.get(section, 0) < need
    )
    total_short = max(lineup.total - len(free), 0)
    return Fill(
        ok=not missing and not short and not total_short,
        missing=missing,
        short=short,
        total_short=total_short,
        assignment=placed,
    )


def fills(free: Collection[Hashable], lineup: Lineup) -> bool:
    """fill(...).ok without the reasons."""
    free = frozenset(free)
    if not lineup.required <= free or len(free) < lineup.total:
        return False
    seats = sum(max(n, 0) for n in lineup.needs.values())
    return len(_match(sorted(free, key=repr), lineup)) == seats


def amber(free: Collection[Hashable], lineup: Lineup) -> Fill | None:
    """When the free members fill `lineup` only with some of its soft ones: what the firm ones alone
    are short of, each short section's `could` being the soft free members who play it (and `missing`
    the named ones who are free only as a maybe). None when the firm ones fill it, or all do not."""
    free = frozenset(free)
    firm = free - lineup.soft
    if fills(firm, lineup) or not fills(free, lineup):
        return None
    return fill(firm, lineup, members=free & lineup.soft)


@dataclass(frozen=True)
class MaskBounds:
    """The counts mask_check refuses or accepts a mask by before any matching, over bit masks of `keys`:
    a mask fills the line-up only if it holds `required` and `total` members and, for each section,
    `need` of its `players`; it surely does when, besides, each section's `singles` (members who play
    only that section) reach `need` alone. The engine applies them to all moments at once."""

    required: int
    total: int
    sections: tuple[tuple[int, int, int], ...]  # (need, players, singles) per section that needs players
    doublers: int  # members who play more than one such section
    refused: bool  # a named member is not among the keys: no mask fills it


def mask_bounds(lineup: Lineup, keys: list) -> MaskBounds:
    bit = {key: 1 << i for i, key in enumerate(keys)}
    required = sum(bit.get(k, 0) for k in lineup.required)
    needs = {s: n for s, n in lineup.needs.items() if n > 0}
    players = dict.fromkeys(needs, 0)
    singles = dict.fromkeys(needs, 0)
    doublers = 0
    for key, sections in lineup.plays.items():
        if key not in bit:
            continue
        useful = [s for s in sections if s in needs]
        for s in useful:
            players[s] |= bit[key]
        if len(useful) == 1:
            singles[useful[0]] |= bit[key]
        elif len(useful) > 1:
            doublers |= bit[key]
    return MaskBounds(
        required=required,
        total=lineup.total,
        sections=tuple((need, players[s], singles[s]) for s, need in needs.items()),
        doublers=doublers,
        refused=any(k not in bit for k in lineup.required),
    )


def mask_check(lineup: Lineup, keys: list, bounds: MaskBounds | None = None) -> Callable[[int], bool]:
    """fills() over bit masks of `keys` (bit i: keys[i] free), for the engine's sweep. Cheap counts
    refuse most masks; members who play one section take its seats first (always part of some best
    assignment); only the doublers left go through the matching. `bounds`: mask_bounds(lineup, keys)
    when already worked out."""
    bounds = bounds or mask_bounds(lineup, keys)
    if bounds.refused:
        return lambda mask: False
    bit = {key: 1 << i for i, key in enumerate(keys)}
    required, total, doublers = bounds.required, bounds.total, bounds.doublers
    needs = [s for s, n in lineup.needs.items() if n > 0]
    items = tuple((need, players, single, s) for (need, players, single), s in zip(bounds.sections, needs, strict=True))
    cache: dict[tuple, bool] = {}
    seen: dict[int, bool] = {}

    def check(mask: int) -> bool:
        ok = seen.get(mask)
        if ok is None:
            ok = seen[mask] = decide(mask)
        return ok

    def decide(mask: int) -> bool:
        if mask & required != required or mask.bit_count() < total:
            return False
        left = {}
        for need, playing, single, s in items:
            if (mask & playing).bit_count() < need:
                return False
            rest = need - (mask & single).bit_count()
            if rest > 0:
                left[s] = rest
        if not left:
            return True
        free = mask & doublers
        key = (free, *left.items())
        ok = cache.get(key)
        if ok is None:
            rest_lineup = Lineup(needs=left, plays=lineup.plays)
            chosen = [k for k in keys if free & bit[k]]
            ok = cache[key] = len(_match(chosen, rest_lineup)) == sum(left.values())
        return ok

    return check
