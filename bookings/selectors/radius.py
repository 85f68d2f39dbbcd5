"""The reads of the radius rule (bookings.services.radius): the clause that bars a gig, and its SQL twin
for the finder and the tour planner."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.lookups import LessThanOrEqual

from places.geo import bounding_box, box_q, distance_km_expression, great_circle_km
from places.models import City
from places.names import fold
from places.selectors import city_match, city_text_names

from ..models import Booking, RadiusClause, RadiusWaiver

Point = tuple[float, float]


def _live(band_id: int):
    return RadiusClause.objects.filter(band_id=band_id, booking__status__in=Booking.ON)


@dataclass(frozen=True)
class Clash:
    """A standing clause that bars a gig: `km` from the clause's point when the gig has one; without it,
    `city` (the clause's town) when the gig's place names it or a town within the radius, or `unknown`
    when the gig's place names no town StageSlot can place (the booker is asked)."""

    clause: RadiusClause
    km: float | None = None
    city: str = ""
    unknown: bool = False


def clause_city(clause: RadiusClause) -> tuple[str, City | None]:
    """The town of the clause's gig, as named on its venue or show, and its gazetteer city when known."""
    booking = clause.booking
    slot = booking.slot if booking.slot_id else None
    for where in (
        booking.venue if booking.venue_id else None,
        slot.place_venue if slot and slot.place_venue_id else None,
    ):
        if where is not None:
            return (where.place.name if where.place_id else where.city), (where.place if where.place_id else None)
    if slot is not None:
        return (slot.place.name if slot.place_id else slot.place_city), (slot.place if slot.place_id else None)
    return "", None


def booking_place_text(booking: Booking) -> str:
    """What a gig without a point says of where it is: a show's typed place and town, a venue's town, a
    private event's location."""
    slot = booking.slot if booking.slot_id else None
    parts = []
    if slot is not None:
        parts += [slot.place_name, slot.place_address, slot.place_city]
    if booking.venue_id:
        parts.append(booking.venue.city)
    parts.append(booking.location)
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _names_town(text: str, name: str, city: City | None) -> bool:
    """Whether the place text names the clause's town (any of its comma-separated parts, or a word run)."""
    folded, town = fold(text), fold(name)
    if not town or not folded:
        return False
    if city is not None and any(city_text_names(city, part) for part in text.split(",")):
        return True
    return f" {town} " in f" {folded} "


def _without_point(clause: RadiusClause, place_text: str) -> Clash | None:
    """A gig with no point: barred when its place names the clause's town, or a town within the radius;
    free when it names a town beyond it; else the booker is asked (a Clash that is `unknown`)."""
    name, city = clause_city(clause)
    if _names_town(place_text, name, city):
        return Clash(clause, city=name)
    for part in (p.strip() for p in place_text.split(",")):
        found = city_match(part) if part else None
        if found is not None:
            km = great_circle_km(clause.latitude, clause.longitude, found.latitude, found.longitude)
            return Clash(clause, km=km) if km <= clause.km else None
    return Clash(clause, city=name, unknown=True)


def _days(clause: RadiusClause, starts_at: dt.datetime, ends_at: dt.datetime) -> set[dt.date]:
    """The clause's local days that the gig's span touches."""
    zone = clause.booking.zone
    first = max(starts_at, clause.bars_from).astimezone(zone).date()
    last = (min(ends_at, clause.bars_until) - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


def radius_clash(
    *,
    band_id: int,
    starts_at: dt.datetime,
    point: Point | None,
    ends_at: dt.datetime | None = None,
    place_text: str = "",
    exclude_booking_id: int | None = None,
) -> Clash | None:
    """The band's standing clause that bars a gig from `starts_at` to `ends_at` (its whole span: any moment
    of it in the clause's barred days) at `point` – or, without a point, at the place `place_text` names
    (_without_point) – or None. A clause is lifted only when the holder waived every barred day the gig
    touches. One query for the clauses, one for their waivers when any bars the gig."""
    ends_at = ends_at if ends_at is not None and ends_at > starts_at else starts_at + dt.timedelta(microseconds=1)
    clauses = _live(band_id).filter(bars_from__lt=ends_at, bars_until__gt=starts_at)
    clauses = clauses.select_related(
        "band", "booking__venue__place", "booking__slot__place", "booking__slot__place_venue__place"
    )
    if exclude_booking_id is not None:
        clauses = clauses.exclude(booking_id=exclude_booking_id)
    near = []
    for clause in clauses:
        if point is None:
            found = _without_point(clause, place_text)
            if found is not None:
                near.append(found)
            continue
        km = great_circle_km(clause.latitude, clause.longitude, point[0], point[1])
        if km <= clause.km:
            near.append(Clash(clause, km=km))
    if not near:
        return None
    waived = set(RadiusWaiver.objects.filter(clause__in=[c.clause for c in near]).values_list("clause_id", "day"))
    for found in near:
        days = _days(found.clause, starts_at, ends_at)
        if not all((found.clause.pk, day) in waived for day in days):
            return found
    return None


def radius_barred_q(*, band_id: int, start: dt.datetime | None = None) -> Q:
    """The SQL twin of radius_clash for slots (`latitude`, `longitude`, `starts_at`, `ends_at`,
    `place_city`): the ones a standing clause of the band bars – any moment of the slot in its barred days,
    at a point within its km, or without a point in its town – waivers aside (a waiver is asked for one
    gig, not searched for). A slot without a point in another town is left to radius_check, which asks the
    booker. An empty Q matches nothing (`Q(pk__in=[])`) when the band has no standing clause."""
    clauses = _live(band_id)
    if start is not None:
        clauses = clauses.filter(bars_until__gt=start)
    barred = Q(pk__in=[])
    clauses = clauses.select_related(
        "booking__venue__place", "booking__slot__place", "booking__slot__place_venue__place"
    )
    for clause in clauses:
        box = bounding_box(clause.latitude, clause.longitude, clause.km)
        near = LessThanOrEqual(
            distance_km_expression("latitude", "longitude", clause.latitude, clause.longitude), clause.km
        )
        town, _city = clause_city(clause)
        where = box_q(box, "latitude", "longitude") & Q(near)
        if town:
            where |= Q(latitude__isnull=True, place_city__iexact=town)
        barred |= Q(starts_at__lt=clause.bars_until, ends_at__gt=clause.bars_from) & where
    return barred
