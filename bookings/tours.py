"""Tour routes: plain Python, no database (docs/decisions/0024-tour-routing.md).

A band starts in one city on the first day and must be in another by the end of the last day. Each
night it may play at most one stop (an open slot or a support place); between two places it drives
at most `drive_km` a day, so a night without a gig (a rest day) lets it drive further to the next.
The best routes fill the most nights, then earn the most (fees known in one currency; an unknown fee
counts 0), then drive the fewest km.

The search is a dynamic programme over the nights: for every stop, the K best chains that end there.
A chain's value adds up stop by stop – (1 night, the stop's fee, minus the km of the hop to it) –
and tuples of sums compare in the same order whatever is added to both, so the K best chains ending
at a stop extend the K best chains ending at its predecessors. To find those without trying every
earlier stop, the chains of each finished night are kept sorted best first; a chain's own value is
an upper bound of what it becomes after one more hop (the hop only adds km), so each earlier night's
list is read only as far as a chain on it could still beat the K-th best found so far.
"""

import datetime as dt
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from places.geo import EARTH_RADIUS_KM

ROUTES = 3
# A hop this short always fits, even with no day to drive it: the stop is in the town the band is in.
TOWN_KM = 25.0
MAX_DAYS = 60


@dataclass(frozen=True)
class Stop:
    """A place the band could play: `night` is the local date of the gig, `fee` a number comparable with
    the other stops' (or None when unknown or in another currency), `kind` whatever the caller needs."""

    id: int
    night: dt.date
    latitude: float
    longitude: float
    fee: int | None = None
    kind: str = ""
    # Weighs with the fee when routes are ranked, never in the route's fee: a stop the band prefers (a city
    # where fans asked it to come) gets a bonus larger than any fee, so routes through more of them come
    # first among routes that fill as many nights.
    bonus: int = 0


@dataclass(frozen=True)
class Leg:
    """One stop of a route and the km driven to it from where the band was."""

    stop: Stop
    km: float


@dataclass(frozen=True)
class Route:
    legs: tuple[Leg, ...]
    end_km: float  # from the last stop to the end city

    @property
    def nights(self) -> int:
        return len(self.legs)

    @property
    def fee(self) -> int:
        return sum(leg.stop.fee or 0 for leg in self.legs)

    @property
    def km(self) -> float:
        return sum(leg.km for leg in self.legs) + self.end_km

    @property
    def key(self) -> tuple[int, int, float]:
        """Bigger is better: nights filled, then fee, then the fewest km."""
        return (self.nights, self.fee, -self.km)


@dataclass(frozen=True)
class Ask:
    """What the band leader asks for. `road_factor` turns the great-circle km into road km (about)."""

    start: tuple[float, float]
    first_day: dt.date
    end: tuple[float, float]
    last_day: dt.date
    drive_km: float
    road_factor: float = 1.0
    routes: int = ROUTES

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class _Point:
    """A stop's point in radians, with the cosine the haversine needs, worked out once."""

    __slots__ = ("cos", "lat", "lon")

    def __init__(self, latitude: float, longitude: float) -> None:
        self.lat, self.lon = math.radians(latitude), math.radians(longitude)
        self.cos = math.cos(self.lat)


def _km(a: _Point, b: _Point) -> float:
    """places.geo.great_circle_km on points worked out once (the inner loop's only cost)."""
    h = math.sin((b.lat - a.lat) / 2) ** 2 + a.cos * b.cos * math.sin((b.lon - a.lon) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def tour_routes(ask: Ask, stops: Iterable[Stop]) -> list[Route]:
    """The best `ask.routes` distinct routes from the start to the end over the stops, best first.

    A route has at least one stop; each hop fits the days the band has to drive it (the start leg
    may use the first day, the last leg every day after the last gig up to the last day); at most one
    stop a night. Stops outside the days are ignored. O(n log n + n · m) for n stops, where m is how
    many earlier chains are looked at before the best K are certain (a few, unless many tie).
    """
    days, drive, road, want = ask.days, float(ask.drive_km), float(ask.road_factor), ask.routes
    if days < 1 or drive <= 0 or want < 1:
        return []

    def fits(km: float, drive_days: int) -> bool:
        return km <= TOWN_KM or km <= drive * drive_days + 1e-9

    start, end = _Point(*ask.start), _Point(*ask.end)
    # Stops the band can reach from the start and still get to the end from, by night.
    by_night: list[list[tuple[Stop, _Point, float, float]]] = [[] for _ in range(days)]
    seen: set[int] = set()
    for stop in stops:
        night = (stop.night - ask.first_day).days
        if not 0 <= night < days or stop.id in seen:
            continue
        seen.add(stop.id)
        point = _Point(stop.latitude, stop.longitude)
        from_start, to_end = _km(start, point) * road, _km(point, end) * road
        if fits(from_start, night + 1) and fits(to_end, days - 1 - night):
            by_night[night].append((stop, point, from_start, to_end))

    # chains[i] = the K best chains ending at stop i: (key, previous stop index or -1, its chain's index).
    nodes: list[tuple[Stop, _Point, int]] = []
    chains: list[list[tuple[tuple[int, int, float], int, int]]] = []
    # Per finished night: every chain ending on it, best first, as (negated key, stop index, chain
    # index) – negated, since Python's heap is a min-heap.
    ranked: list[list[tuple[tuple[int, int, float], int, int]]] = []
    finals: list[tuple[tuple[int, int, float], int, int, float]] = []
    # A hop is at least the difference in latitude (km per radian of a meridian): most hops too long
    # for the days between are turned down on that alone, before the haversine.
    per_radian = EARTH_RADIUS_KM * road
    sin, asin, sqrt, push = math.sin, math.asin, math.sqrt, heapq.heappush

    for night, candidates in enumerate(by_night):
        first = len(nodes)
        # The km the band may drive to tonight's stop from each earlier night; the nights with the best
        # chains first (any order finds the same chains, this one finds them with the fewest looks).
        limits = [max(TOWN_KM, drive * (night - n)) + 1e-9 for n in range(night)]
        order = sorted((n for n, lst in enumerate(ranked) if lst), key=lambda n: ranked[n][0][0])
        for stop, point, from_start, to_end in candidates:
            fee = (stop.fee or 0) + stop.bonus
            best: list[tuple[tuple[int, int, float], int, int]] = []  # a min-heap of the K best so far
            if fits(from_start, night + 1):
                best.append(((1, fee, -from_start), -1, -1))
            lat, lon, cos = point.lat, point.lon, point.cos
            worst = best[0][0] if len(best) == want else None
            for n in order:
                limit = limits[n]
                for neg, prev, chain in ranked[n]:
                    # A night's chains come best first and a hop only adds km: once one cannot beat the
                    # K-th best found, none after it on that night can (the K-th best only gets better).
                    if worst is not None and (1 - neg[0], fee - neg[1], -neg[2]) <= worst:
                        break
                    there = nodes[prev][1]
                    dlat = lat - there.lat
                    if abs(dlat) * per_radian > limit:
                        continue
                    h = sin(dlat / 2) ** 2 + cos * there.cos * sin((lon - there.lon) / 2) ** 2
                    hop = 2 * per_radian * asin(min(1.0, sqrt(h)))
                    if hop > limit:
                        continue
                    total = (1 - neg[0], fee - neg[1], -neg[2] - hop)
                    if worst is None:
                        push(best, (total, prev, chain))
                        if len(best) == want:
                            worst = best[0][0]
                    elif total > worst:
                        heapq.heapreplace(best, (total, prev, chain))
                        worst = best[0][0]
            index = len(nodes)
            nodes.append((stop, point, night))
            chains.append(sorted(best, reverse=True))
            # Every stop left can reach the end (filtered above): each chain is a route.
            for c, (total, _prev, _chain) in enumerate(chains[index]):
                finals.append(((total[0], total[1], total[2] - to_end), index, c, to_end))
        # The night is done: its chains join the lists later nights merge.
        done = ((_negated(chains[i][c][0]), i, c) for i in range(first, len(nodes)) for c in range(len(chains[i])))
        ranked.append(sorted(done))
    return [_route(nodes, chains, index, c, to_end) for _key, index, c, to_end in heapq.nlargest(want, finals)]


def _negated(key: tuple[int, int, float]) -> tuple[int, int, float]:
    return (-key[0], -key[1], -key[2])


def _route(nodes, chains, index: int, chain: int, end_km: float) -> Route:
    """Walk a chain back to the start and turn it into a Route."""
    legs: list[Leg] = []
    while index != -1:
        key, prev, prev_chain = chains[index][chain]
        stop = nodes[index][0]
        before = chains[prev][prev_chain][0][2] if prev != -1 else 0.0
        legs.append(Leg(stop=stop, km=before - key[2]))
        index, chain = prev, prev_chain
    return Route(legs=tuple(reversed(legs)), end_km=end_km)


def route_problem(*, first_day: dt.date, last_day: dt.date, drive_km: float) -> dict[str, str]:
    """Why these days and this daily drive make no tour, by field; empty when they do."""
    problems = {}
    if last_day < first_day:
        problems["last_day"] = "The last day cannot be before the first."
    elif (last_day - first_day).days + 1 > MAX_DAYS:
        problems["last_day"] = f"A tour can be at most {MAX_DAYS} days long."
    if not drive_km or drive_km <= 0:
        problems["drive_km"] = "The band must drive more than 0 km a day."
    return problems


def rest_days(route: Route, first_day: dt.date, last_day: dt.date) -> Sequence[dt.date]:
    """The days of the tour without a stop."""
    played = {leg.stop.night for leg in route.legs}
    days = (first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1))
    return [day for day in days if day not in played]
