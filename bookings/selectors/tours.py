"""Reads of the tour planner: the stops a band could play on a tour, and its best routes over them.

What a band can apply to is the gig finder's answer (finder_slots with the band: public, upcoming,
not cancelled, a place open, every required member free for the whole slot, no other gig that day
unless the band takes two, within the band's reach from home (bands.travel.reach_q), no live booking
of the band on it); the tour adds the corridor, the days
and the route search (bookings.tours, docs/decisions/0024-tour-routing.md).
"""

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q, QuerySet

from bands.calendar import band_availability
from bands.demand import Demand, city_demand_for, demand_near
from bands.models import Band
from places.geo import bounding_box, box_q
from places.models import City
from places.names import fold
from places.selectors import city_search
from venues.models import Slot

from ..models import SavedTour
from ..tours import TOWN_KM, Ask, Route, Stop, tour_routes
from .bookings import slots_public
from .finder import ROLE_HEADLINER, ROLE_SUPPORT, finder_slots
from .share import share_band_members

KINDS = (ROLE_HEADLINER, ROLE_SUPPORT)


def road_factor() -> float:
    return float(getattr(settings, "TOUR_ROAD_FACTOR", 1.25))


@dataclass
class TourPlan:
    """What the planner shows: the ask, the routes best first, and each stop's slot with its venue."""

    band: Band
    start: City
    end: City
    first_day: dt.date
    last_day: dt.date
    drive_km: int
    routes: list[Route] = field(default_factory=list)
    slots: dict[int, Slot] = field(default_factory=dict)
    candidates: int = 0
    # Where fans asked the band to come (counts by city, bands.demand), and the route stops in such a city.
    demand: list[Demand] = field(default_factory=list)
    stop_demand: dict[int, Demand] = field(default_factory=dict)


# A stop in a city with demand outweighs any fee when the planner prefers those cities (bookings.tours.Stop).
DEMAND_BONUS = 10**12


def city_for_text(text: str) -> City | None:
    """The city a person typed: "Hanover", or "Hanover, US" to pick the country. The biggest city called
    exactly that, by its name or another name of it (Hanover is Hannover, DE, before Hanover, US),
    else the biggest whose name starts so (places.selectors.city_search); None when there is none."""
    name, _, country = text.partition(",")
    country = country.strip().upper() if len(country.strip()) == 2 else ""
    folded = fold(name)
    if not folded:
        return None
    cities = City.objects.filter(country=country) if country else City.objects.all()
    exact = cities.filter(Q(search_name=folded) | Q(other_names__contains=f"|{folded}|"))
    found = exact.order_by("-population", "pk").first()
    return found or next(iter(city_search(name, limit=1, country=country)), None)


def _day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def tour_stops(
    *,
    band: Band,
    start: City,
    end: City,
    first_day: dt.date,
    last_day: dt.date,
    drive_km: float,
    kinds: Collection[str] = KINDS,
    now: dt.datetime,
) -> list[Stop]:
    """The slots and support places `band` could apply to on a tour from `start` (on `first_day`) to
    `end` (by `last_day`), days in the band's zone, as route stops: the finder's playable slots for
    the band in those days, inside the box the band can reach driving `drive_km` a day, and none it
    has applied to or is booked on. One stop per slot: as headliner where that place is open and
    wanted, else as support. A fee counts only in the band's currency (else it is unknown). Four
    queries, whatever the number of slots (the members, the band's gig days, the slots)."""
    if not kinds:
        return []
    zone = zoneinfo.ZoneInfo(band.time_zone)
    days = (last_day - first_day).days + 1
    role = "" if set(kinds) >= set(KINDS) else next(iter(kinds))
    # Any point of the tour is within the whole tour's drive of both ends.
    reach = drive_km * days / road_factor() + TOWN_KM
    corridor = box_q(bounding_box(start.latitude, start.longitude, reach), "latitude", "longitude") & box_q(
        bounding_box(end.latitude, end.longitude, reach), "latitude", "longitude"
    )
    slots = (
        finder_slots(
            now=now,
            starts_from=_day_start(first_day, zone),
            starts_before=_day_start(last_day + dt.timedelta(days=1), zone),
            role=role,
            band_id=band.pk,
            playable=True,
        )
        .prefetch_related(None)
        .filter(corridor, my_status__isnull=True)
        .exclude(host_band_id=band.pk)
        .order_by()
        .values_list("pk", "starts_at", "latitude", "longitude", "fee", "currency", "headliner_booked")
    )
    stops = []
    for pk, starts_at, latitude, longitude, fee, currency, headliner_booked in slots:
        kind = ROLE_HEADLINER if ROLE_HEADLINER in kinds and not headliner_booked else ROLE_SUPPORT
        stops.append(
            Stop(
                id=pk,
                night=starts_at.astimezone(zone).date(),
                latitude=latitude,
                longitude=longitude,
                fee=fee if currency == band.currency else None,
                kind=kind,
            )
        )
    return stops


def tour_plan(
    *,
    band: Band,
    start: City,
    end: City,
    first_day: dt.date,
    last_day: dt.date,
    drive_km: int,
    kinds: Collection[str] = KINDS,
    now: dt.datetime,
    prefer_demand: bool = False,
) -> TourPlan:
    """The best routes for the band's tour (bookings.tours.tour_routes over tour_stops) and the slots
    of their stops, with venue, stage and place, in one more query; with `prefer_demand`, routes through
    open slots in cities where fans asked the band to come rank first among those filling as many nights
    (one more query: the band's demand, which marks the stops either way)."""
    stops = tour_stops(
        band=band,
        start=start,
        end=end,
        first_day=first_day,
        last_day=last_day,
        drive_km=drive_km,
        kinds=kinds,
        now=now,
    )
    demand = city_demand_for(band_id=band.pk)
    # The bonus is for cities where fans asked ("Prefer cities where fans asked us to come"), not those
    # where followers only live.
    asked = [row for row in demand if row.asks > 0]
    if prefer_demand and asked:
        stops = [
            replace(stop, bonus=DEMAND_BONUS) if demand_near(asked, stop.latitude, stop.longitude) else stop
            for stop in stops
        ]
    ask = Ask(
        start=(start.latitude, start.longitude),
        first_day=first_day,
        end=(end.latitude, end.longitude),
        last_day=last_day,
        drive_km=drive_km,
        road_factor=road_factor(),
    )
    routes = tour_routes(ask, stops)
    ids = {leg.stop.id for route in routes for leg in route.legs}
    slots = (
        {s.pk: s for s in Slot.objects.select_related("venue", "place_venue", "place", "host_band").filter(pk__in=ids)}
        if ids
        else {}
    )
    return TourPlan(
        band=band,
        start=start,
        end=end,
        first_day=first_day,
        last_day=last_day,
        drive_km=drive_km,
        routes=routes,
        slots=slots,
        candidates=len(stops),
        demand=demand,
        stop_demand={
            pk: found
            for pk, slot in slots.items()
            if (found := demand_near(demand, slot.latitude, slot.longitude)) is not None
        },
    )


def tour_slots_to_apply(*, ids: Collection[int]) -> dict[int, Slot]:
    """The picked slots anyone may see (slots_public), by id, each with what booking_apply reads; the
    others are left out."""
    # An id no database column can hold is no slot (SQLite refuses to compare it at all).
    ids = [pk for pk in ids if 0 < pk < 2**63]
    found = slots_public().select_related("venue", "place_venue", "host_band").filter(pk__in=ids)
    return {slot.pk: slot for slot in found}


@dataclass(frozen=True)
class Stretch:
    """Days in a row of which `free` evenings find everyone the band needs free (and no gig booked)."""

    first_day: dt.date
    last_day: dt.date
    free: int

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def tour_stretches(
    *, band: Band, today: dt.date, length: int = 10, lead_days: int = 7, horizon_days: int = 120, limit: int = 3
) -> list[Stretch]:
    """The band's best `length`-day stretches for a tour in the coming `horizon_days` (from `lead_days`
    on): most free evenings first, then soonest; never overlapping. A free evening is a green day of
    the band's public calendar (bands.calendar.band_availability: everyone needed free for its shortest
    gig in its gig hours and zone, no gig booked). Two queries (members, their busy time) and the band's
    gigs, and gigs elsewhere when the band has a home."""
    members = share_band_members(band=band)
    if not any(m.required for m in members) or length < 1:
        return []
    first = today + dt.timedelta(days=lead_days)
    last = first + dt.timedelta(days=horizon_days + length - 1)
    zone = band_availability(band=band, members=members, first_day=first, last_day=last, today=today)
    free = [day.status == "green" for day in zone.days]
    # Free evenings in each window, by a running sum.
    sums, running = [], sum(free[:length])
    for start in range(len(free) - length + 1):
        if start:
            running += free[start + length - 1] - free[start - 1]
        sums.append(running)
    picked: list[int] = []
    for start in sorted(range(len(sums)), key=lambda s: (-sums[s], s)):
        if sums[start] == 0 or len(picked) == limit:
            break
        if all(abs(start - other) >= length for other in picked):
            picked.append(start)
    return [
        Stretch(
            first_day=first + dt.timedelta(days=s), last_day=first + dt.timedelta(days=s + length - 1), free=sums[s]
        )
        for s in sorted(picked, key=lambda s: (-sums[s], s))
    ]


def saved_tours_of(*, band: Band) -> QuerySet[SavedTour]:
    """The tours `band` keeps, with their start and end cities, soonest first. One query."""
    return SavedTour.objects.filter(band=band).select_related("start", "end").order_by("first_day", "pk")


def saved_tour_of(*, band: Band, pk: int) -> SavedTour | None:
    """One tour `band` keeps (with its cities), or None. One query."""
    return saved_tours_of(band=band).filter(pk=pk).first()
