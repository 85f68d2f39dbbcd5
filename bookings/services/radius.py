"""Radius clauses, the one place of their rule: a standing clause of the band (its gig still on) bars any
gig of the band within the clause's km of the clause's gig, from `days_before` to `days_after` it in the
holder's zone, unless the holder waived that day in writing (RadiusWaiver). A gig is barred when any moment
of its span falls in the barred days (a gig from the evening before that runs into them is barred too).

`radius_check` is called by checks.bookable (every door to BOOKED) and by the doors that move a booked
gig (reschedule, a festival placement's move); `radius_barred_q` is its SQL twin for the finder and the
tour planner, which leave out the slots a clause bars. A gig without a point (a client's own place, a show
at a typed-in place) is judged by the town its place names: the clause's town, or a town within the radius,
is barred; a town beyond it is not; a place that names no town StageSlot knows is refused with a message
asking the booker to name it (decision 0094). A clause is written on a gig with a point only, and only when
no gig of the band booked already breaks it."""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from places.geo import great_circle_km

from ..errors import BookingConflict
from ..models import Booking, RadiusClause, RadiusWaiver
from ..selectors.bookings import booking_point
from ..selectors.radius import Clash, booking_place_text, radius_barred_q, radius_clash  # noqa: F401  (the rule's reads)


def _clause_values(clause: RadiusClause) -> dict:
    zone = clause.booking.zone
    first = clause.bars_from.astimezone(zone).date()
    last = (clause.bars_until.astimezone(zone) - dt.timedelta(seconds=1)).date()
    return {
        "band": clause.band.name,
        "holder": clause.holder,
        "radius": clause.km,
        "first": date_format(first, "SHORT_DATE_FORMAT"),
        "last": date_format(last, "SHORT_DATE_FORMAT"),
    }


def clause_text(clause: RadiusClause, km: float) -> str:
    return _(
        "%(band)s's deal with %(holder)s bars it from playing within %(radius)d km from %(first)s to %(last)s; "
        "this gig is %(km)d km away. Nothing was booked: ask %(holder)s for a written waiver."
    ) % {**_clause_values(clause), "km": round(km)}


def clash_text(found: Clash, place_text: str) -> str:
    """Why a clause bars the gig, in the words a booker reads the clause in."""
    if found.km is not None:
        return clause_text(found.clause, found.km)
    values = {**_clause_values(found.clause), "city": found.city, "place": place_text}
    if not found.unknown:
        return (
            _(
                "%(band)s's deal with %(holder)s bars it from playing within %(radius)d km of %(city)s from %(first)s "
                "to %(last)s; this gig is in %(city)s. Nothing was booked: ask %(holder)s for a written waiver."
            )
            % values
        )
    if not place_text:
        return (
            _(
                "%(band)s's deal with %(holder)s bars it from playing within %(radius)d km of %(city)s from %(first)s "
                "to %(last)s, and this gig's place is not on the map, so StageSlot cannot tell whether the deal allows "
                "it. Nothing was booked: give the gig's town in its place, or ask %(holder)s for a written waiver."
            )
            % values
        )
    return (
        _(
            "%(band)s's deal with %(holder)s bars it from playing within %(radius)d km of %(city)s from %(first)s "
            "to %(last)s, and this gig's place (“%(place)s”) is not on the map and names no town StageSlot knows, so "
            "it cannot tell whether the deal allows it. Nothing was booked: give the gig's town in its place, or ask "
            "%(holder)s for a written waiver."
        )
        % values
    )


def radius_check(*, booking: Booking, exclude_booking_id: int | None = None) -> None:
    """Refuse `booking` (its band, its whole span, its point or, without one, its place's town) when a
    standing clause bars it, naming the clause and why (radius_clash)."""
    place_text = booking_place_text(booking)
    found = radius_clash(
        band_id=booking.band_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        point=booking_point(booking),
        place_text=place_text,
        exclude_booking_id=exclude_booking_id if exclude_booking_id is not None else booking.pk,
    )
    if found is not None:
        raise BookingConflict(clash_text(found, place_text))


def radius_clause_write(
    *, booking: Booking, km: int, days_before: int, days_after: int, holder: str, by: User | None
) -> RadiusClause:
    """Write the clause a deal's terms carry on its booked gig (inside the booking's locks): refused when the
    gig has no point, the numbers are out of range, or a gig of the band booked already breaks it."""
    point = booking_point(booking)
    if point is None:
        raise ValidationError({"km": [_("A radius clause needs a gig with a place on the map.")]})
    if not 1 <= km <= 1000 or not 0 <= days_before <= 365 or not 0 <= days_after <= 365:
        raise ValidationError({"km": [_("A radius of 1 to 1000 km, for at most 365 days each side.")]})
    zone: zoneinfo.ZoneInfo = booking.zone
    day = booking.starts_at.astimezone(zone).date()
    bars_from = dt.datetime.combine(day - dt.timedelta(days=days_before), dt.time(0), tzinfo=zone)
    bars_until = dt.datetime.combine(day + dt.timedelta(days=days_after + 1), dt.time(0), tzinfo=zone)
    clause = RadiusClause(
        booking=booking,
        band_id=booking.band_id,
        latitude=point[0],
        longitude=point[1],
        km=km,
        days_before=days_before,
        days_after=days_after,
        bars_from=bars_from.astimezone(dt.UTC),
        bars_until=bars_until.astimezone(dt.UTC),
        holder=holder[:120],
        created_by=by,
    )
    others = Booking.objects.filter(
        band_id=booking.band_id,
        status__in=Booking.ON,
        starts_at__gte=clause.bars_from,
        starts_at__lt=clause.bars_until,
    ).exclude(pk=booking.pk)
    for other in others.select_related("slot", "venue"):
        where = booking_point(other)
        if where is not None and great_circle_km(point[0], point[1], where[0], where[1]) <= km:
            raise BookingConflict(
                _("%(band)s already plays within %(km)d km in those days, so this radius clause cannot stand.")
                % {"band": booking.band.name, "km": km}
            )
    clause.save()
    return clause


def radius_waiver_add(*, clause: RadiusClause, day: dt.date, text: str, by: User) -> RadiusWaiver:
    """The holder's written waiver for one local day. The caller checks that `by` speaks for the holder."""
    if not text.strip():
        raise ValidationError({"text": [_("Write the waiver: it is kept with the clause.")]})
    waiver, _created = RadiusWaiver.objects.get_or_create(
        clause=clause, day=day, defaults={"text": text.strip()[:500], "created_by": by}
    )
    return waiver
