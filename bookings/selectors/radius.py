"""The reads of the radius rule (bookings.services.radius): the clause that bars a gig, and its SQL twin
for the finder and the tour planner."""

import datetime as dt

from django.db.models import Q
from django.db.models.lookups import LessThanOrEqual

from places.geo import bounding_box, box_q, distance_km_expression, great_circle_km

from ..models import Booking, RadiusClause, RadiusWaiver

Point = tuple[float, float]


def _live(band_id: int):
    return RadiusClause.objects.filter(band_id=band_id, booking__status__in=Booking.ON)


def radius_clash(
    *, band_id: int, starts_at: dt.datetime, point: Point | None, exclude_booking_id: int | None = None
) -> tuple[RadiusClause, float] | None:
    """The band's standing clause that bars a gig at `point` starting at `starts_at` (with its distance in
    km), or None. One query for the clauses, one for their waivers when any is near."""
    if point is None:
        return None
    clauses = _live(band_id).filter(bars_from__lte=starts_at, bars_until__gt=starts_at).select_related("booking")
    if exclude_booking_id is not None:
        clauses = clauses.exclude(booking_id=exclude_booking_id)
    near = []
    for clause in clauses:
        km = great_circle_km(clause.latitude, clause.longitude, point[0], point[1])
        if km <= clause.km:
            near.append((clause, km))
    if not near:
        return None
    waived = set(RadiusWaiver.objects.filter(clause__in=[c for c, _km in near]).values_list("clause_id", "day"))
    for clause, km in near:
        day = starts_at.astimezone(clause.booking.zone).date()
        if (clause.pk, day) not in waived:
            return clause, km
    return None


def radius_barred_q(*, band_id: int, start: dt.datetime | None = None) -> Q:
    """The SQL twin of radius_clash for slots (`latitude`, `longitude`, `starts_at`): the ones a standing
    clause of the band bars, waivers aside (a waiver is asked for one gig, not searched for). An empty Q
    matches nothing (`Q(pk__in=[])`) when the band has no standing clause."""
    clauses = _live(band_id)
    if start is not None:
        clauses = clauses.filter(bars_until__gt=start)
    barred = Q(pk__in=[])
    for clause in clauses.only("latitude", "longitude", "km", "bars_from", "bars_until"):
        box = bounding_box(clause.latitude, clause.longitude, clause.km)
        near = LessThanOrEqual(
            distance_km_expression("latitude", "longitude", clause.latitude, clause.longitude), clause.km
        )
        barred |= (
            Q(starts_at__gte=clause.bars_from, starts_at__lt=clause.bars_until)
            & box_q(box, "latitude", "longitude")
            & Q(near)
        )
    return barred
