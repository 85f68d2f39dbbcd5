"""Travel between gigs: a member who plays one gig is busy for the journey to or from another gig
somewhere else (docs/decisions/0028-travel-and-buffers.md).

A booked gig's block keeps its point (BandBlock.latitude/longitude). How long the journey between two
points takes is their great-circle distance at the band's average speed (Band.travel_speed_kmh, 70
km/h by default). The journey depends on where the *new* gig is, so it is not stored as busy time:
every reader that weighs a gig at a place asks this module for the members' other gigs around it
and widens each by the journey from or to that place. A gig without a point, or a new gig without
one, counts no travel rather than guessing one.

- The accept checks weigh the booking's own place; the finder and the tour planner each slot's place;
- the band calendar (green zone, find dates) and the date strip weigh the band's home: the days shown
  are the days the band could play near home;
- so does the client's free-date search (bands.selectors._on_the_road), in SQL: `JourneyMinutes` is
  `journey` for the database, over the gigs' points that their busy time and its copies per band carry.

How far a band goes for a gig at all is its reach: `Band.travel_km` from its home, as the crow flies
(`reaches` in Python, `reach_q` in SQL, one rule). Band search's "would travel here", the gig finder's
"only slots we can play" and so the tour planner's stops all ask it.
"""

import datetime as dt
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import F, FloatField, Func, OuterRef, Q, Subquery, Value
from django.db.models.lookups import LessThanOrEqual

from availability.engine import busy_micros
from availability.models import BusyInterval
from core.db.prepared import CompiledSQL
from places.geo import GreatCircleKm, bounding_box, box_q, great_circle_km

from .models import Band, BandBlock

# A gig further than this from the time weighed is never closer than its journey: 48 h at 70 km/h is
# 3,360 km. Longer journeys are capped at this, so one query with a bounded window finds every gig
# whose journey matters.
LOOK_AROUND = dt.timedelta(hours=48)
# Two points this close are one place (the same venue, the same town): no journey.
SAME_PLACE_KM = 1.0

Point = tuple[float, float]


@dataclass(frozen=True)
class LocatedGig:
    """A member's busy time for a booked gig, with the gig's point."""

    user_id: int
    block_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    point: Point


def journey(a: Point | None, b: Point | None, speed_kmh: int) -> dt.timedelta:
    """How long the trip from `a` to `b` takes at `speed_kmh`, to the next minute (zero without one of
    the points, or for points within SAME_PLACE_KM); never more than LOOK_AROUND."""
    if a is None or b is None or speed_kmh <= 0:
        return dt.timedelta(0)
    km = great_circle_km(a[0], a[1], b[0], b[1])
    if km < SAME_PLACE_KM:
        return dt.timedelta(0)
    return min(dt.timedelta(minutes=math.ceil(km / speed_kmh * 60)), LOOK_AROUND)


class JourneyMinutes(Func):
    """`journey` in SQL, in whole minutes, for the free-date search: from (lat1, lon1) to (lat2, lon2)
    at `speed_kmh`, each a number or an expression (a column, an outer query's column). 0 without one
    of the points, for points within SAME_PLACE_KM, or without a speed; at most LOOK_AROUND."""

    output_field = FloatField()

    def __init__(self, lat1, lon1, lat2, lon2, speed_kmh) -> None:
        points = [v if hasattr(v, "resolve_expression") else Value(float(v)) for v in (lat1, lon1, lat2, lon2)]
        speed = speed_kmh if hasattr(speed_kmh, "resolve_expression") else Value(int(speed_kmh))
        super().__init__(GreatCircleKm(*points), *points, speed)

    def as_sql(self, compiler, connection, **extra_context):
        (km, pk), *coordinates, (speed, ps) = (compiler.compile(arg) for arg in self.get_source_expressions())
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"
        # Both points said outright: PostgreSQL's LEAST skips a NULL (GreatCircleKm).
        known = " AND ".join(f"{sql} IS NOT NULL" for sql, _ in coordinates)
        sql = (
            f"(CASE WHEN {known} AND {speed} > 0 AND {km} >= %s"
            f" THEN {least}(CEILING({km} / {speed} * 60.0), %s) ELSE 0.0 END)"
        )
        params = [*(p for _, params in coordinates for p in params), *ps, *pk, SAME_PLACE_KM]
        return sql, [*params, *pk, *ps, LOOK_AROUND / dt.timedelta(minutes=1)]


def band_point(band: Band) -> Point | None:
    """Where the band is at home, if it said."""
    if band.latitude is None or band.longitude is None:
        return None
    return (band.latitude, band.longitude)


def reaches(*, home: Point | None, travel_km: int | None, point: Point | None) -> bool | None:
    """Whether a band at `home` that travels up to `travel_km` goes as far as `point` (great-circle km,
    the radius included); None when that is not known: the band gives no home or no distance, or the
    place has no point. The rule `reach_q` puts into SQL."""
    if home is None or travel_km is None or point is None:
        return None
    return great_circle_km(home[0], home[1], point[0], point[1]) <= travel_km


def band_reaches(band: Band, point: Point | None) -> bool | None:
    """`reaches` for `band` (its home and its Band.travel_km)."""
    return reaches(home=band_point(band), travel_km=band.travel_km, point=point)


def reach_q(*, home_lat, home_lon, travel_km, lat, lon) -> Q:
    """Rows for which `reaches` is True, in SQL: the band's home (home_lat, home_lon), its `travel_km`
    and the place's point (lat, lon) all known, and the place within travel_km of home. Each value a
    number or an expression: a band search passes the band's own columns and a city's point, the
    finder one band's numbers and the slot's columns. With numbers for the home and the distance the
    rows' point is first held to the box around home, which the rows' point index answers."""
    values = (home_lat, home_lon, travel_km, lat, lon)
    if any(v is None for v in values):
        return Q(pk__in=[])
    known = Q()
    for value in values:
        if isinstance(value, F):
            known &= Q(**{f"{value.name}__isnull": False})
    if not any(hasattr(v, "resolve_expression") for v in (home_lat, home_lon, travel_km)) and isinstance(lat, F):
        known &= box_q(bounding_box(float(home_lat), float(home_lon), float(travel_km)), lat.name, lon.name)
    km = travel_km if hasattr(travel_km, "resolve_expression") else Value(float(travel_km), output_field=FloatField())
    return known & Q(LessThanOrEqual(GreatCircleKm(home_lat, home_lon, lat, lon), km))


def _located_gig_rows(*, user_ids: list[int], after: dt.datetime, before: dt.datetime, exclude_block_id: int | None):
    blocks = BandBlock.objects.filter(pk=OuterRef("source_id"))
    rows = (
        BusyInterval.objects.filter(
            source=BusyInterval.Source.GIG, user_id__in=user_ids, starts_at__lt=before, ends_at__gt=after
        )
        .annotate(lat=Subquery(blocks.values("latitude")[:1]), lon=Subquery(blocks.values("longitude")[:1]))
        .values_list("user_id", "source_id", "starts_at", "ends_at", "lat", "lon")
    )
    if exclude_block_id is not None:
        rows = rows.exclude(source_id=exclude_block_id)
    return rows


# Asked by every band calendar and public month (the fragment every band page loads): compiled once per shape.
_LOCATED_GIG_ROWS = CompiledSQL(_located_gig_rows)


def located_gigs(
    *, user_ids: Collection[int], start: dt.datetime, end: dt.datetime, exclude_block_id: int | None = None
) -> list[LocatedGig]:
    """The gigs (with a point) that keep any of `user_ids` busy from LOOK_AROUND before `start` to
    LOOK_AROUND after `end`, each once per member. One query."""
    if not user_ids:
        return []
    rows = _LOCATED_GIG_ROWS.instances(
        user_ids=list(user_ids), after=start - LOOK_AROUND, before=end + LOOK_AROUND, exclude_block_id=exclude_block_id
    )
    return [
        LocatedGig(user_id=u, block_id=b, starts_at=s, ends_at=e, point=(lat, lon))
        for u, b, s, e, lat, lon in rows
        if lat is not None and lon is not None
    ]


def journey_busy(
    gigs: Iterable[LocatedGig], *, point: Point | None, speed_kmh: int
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Each gig widened by the journey between it and `point`: (member, start, end) of the time the
    member cannot be at `point`, for the gigs somewhere else."""
    out = []
    if point is None:
        return out
    for gig in gigs:
        trip = journey(gig.point, point, speed_kmh)
        if trip:
            out.append((gig.user_id, gig.starts_at - trip, gig.ends_at + trip))
    return out


def travel_clash(
    gigs: Iterable[LocatedGig], *, point: Point | None, speed_kmh: int, start: dt.datetime, end: dt.datetime
) -> LocatedGig | None:
    """The first gig (in time) whose journey to or from `point` meets [start, end), if any."""
    clashes = [
        gig
        for gig in gigs
        if (trip := journey(gig.point, point, speed_kmh)) and gig.starts_at - trip < end and gig.ends_at + trip > start
    ]
    return min(clashes, key=lambda gig: gig.starts_at) if clashes else None


def add_journeys(
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]],
    *,
    user_ids: Collection[int],
    start: dt.datetime,
    end: dt.datetime,
    point: Point | None,
    speed_kmh: int,
    exclude_block_id: int | None = None,
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """`busy` (member → intervals, as availability.selectors.busy_by_user gives) with each member's gigs
    elsewhere widened by the journey to `point` (leaving out block `exclude_block_id`: a gig being moved).
    One query when there is a point, none otherwise."""
    if point is None:
        return busy
    gigs = located_gigs(user_ids=user_ids, start=start, end=end, exclude_block_id=exclude_block_id)
    journeys: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for user_id, low, high in journey_busy(gigs, point=point, speed_kmh=speed_kmh):
        journeys.setdefault(user_id, []).append((low, high))
    for user_id, added in journeys.items():
        intervals = busy.get(user_id)
        if isinstance(intervals, np.ndarray):
            # Microseconds, as availability.selectors.busy_micros_by_user reads them: a new array.
            joined = np.concatenate((intervals, busy_micros(added)))
            joined.flags.writeable = False
            busy[user_id] = joined
        else:
            busy.setdefault(user_id, []).extend(added)
    for intervals in busy.values():
        if isinstance(intervals, list):
            intervals.sort()
    return busy
