"""Distance on the earth's surface, for both databases (docs/decisions/0022).

A search "within N km of a point" first keeps rows inside a latitude/longitude box around the
point (plain indexed range conditions), then computes the exact great-circle distance of what is
left (haversine, GreatCircleKm: SQL math functions both databases have, which SQLite gets from Django
where it was built without them).
"""

import math
from dataclasses import dataclass

from django.db.models import F, FloatField, Func, Q, QuerySet, Value
from django.utils.formats import number_format
from django.utils.translation import gettext as _

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 20_000


@dataclass(frozen=True)
class Box:
    """A latitude/longitude box; `lon_wraps` when it crosses the 180° meridian (min_lon > max_lon)."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    @property
    def lon_wraps(self) -> bool:
        return self.min_lon > self.max_lon


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The distance between two points in km (haversine on a sphere of the earth's mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, km: float) -> Box:
    """The smallest latitude/longitude box holding every point within `km` of (lat, lon).

    Near a pole the box spans every longitude; across the 180° meridian it wraps (see Box).
    """
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest point of a circle of that radius lies north or south of the centre, not on its
    # parallel: asin(sin(d) / cos(lat)) is the exact half-width in longitude.
    ratio = math.sin(km / EARTH_RADIUS_KM) / math.cos(math.radians(lat))
    if ratio >= 1:
        return Box(min_lat, max_lat, -180.0, 180.0)
    dlon = math.degrees(math.asin(ratio))
    min_lon, max_lon = lon - dlon, lon + dlon
    if min_lon < -180:
        min_lon += 360
    if max_lon > 180:
        max_lon -= 360
    return Box(min_lat, max_lat, min_lon, max_lon)


def box_q(box: Box, lat_field: str, lon_field: str) -> Q:
    """Rows whose point lies in the box: range conditions an index on the fields can answer."""
    q = Q(**{f"{lat_field}__gte": box.min_lat, f"{lat_field}__lte": box.max_lat})
    if box.min_lon == -180.0 and box.max_lon == 180.0:
        return q & Q(**{f"{lon_field}__isnull": False})
    if box.lon_wraps:
        return q & (Q(**{f"{lon_field}__gte": box.min_lon}) | Q(**{f"{lon_field}__lte": box.max_lon}))
    return q & Q(**{f"{lon_field}__gte": box.min_lon, f"{lon_field}__lte": box.max_lon})


def _sql_value(value):
    """A number as an SQL value; an expression (F("latitude"), OuterRef of another query) as it is."""
    return value if hasattr(value, "resolve_expression") else Value(float(value), output_field=FloatField())


class GreatCircleKm(Func):
    """The great-circle distance between two points (lat1, lon1, lat2, lon2) in km, in SQL: haversine,
    as great_circle_km. Each coordinate a number or an expression (a field of this row, OuterRef of
    another query). One node written out, not a tree of Django's math functions: the same SQL, a
    fraction of the time to build (a search that weighs journeys builds it per window).

    Keep rows without a point out first: PostgreSQL's LEAST skips a NULL, so there a missing point
    reads as 20,015 km (half the circumference), not NULL as on SQLite.
    """

    output_field = FloatField()
    arity = 4

    def __init__(self, lat1, lon1, lat2, lon2) -> None:
        super().__init__(*(_sql_value(v) for v in (lat1, lon1, lat2, lon2)))

    def as_sql(self, compiler, connection, **extra_context):
        (lat1, p1), (lon1, p2), (lat2, p3), (lon2, p4) = (
            compiler.compile(arg) for arg in self.get_source_expressions()
        )
        # SQLite's two-argument MIN is PostgreSQL's LEAST (Django's Least compiles the same way).
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"
        sql = (
            f"({2 * EARTH_RADIUS_KM!r} * ASIN({least}(SQRT("
            f"POWER(SIN((RADIANS({lat2}) - RADIANS({lat1})) / 2), 2)"
            f" + COS(RADIANS({lat1})) * COS(RADIANS({lat2})) * POWER(SIN((RADIANS({lon2}) - RADIANS({lon1})) / 2), 2)"
            f"), 1.0)))"
        )
        return sql, [*p3, *p1, *p1, *p3, *p4, *p2]


def distance_km_expression(lat_field: str, lon_field: str, lat: float, lon: float):
    """The great-circle distance from (lat, lon) to each row's point, in km, as an SQL expression."""
    return GreatCircleKm(lat, lon, F(lat_field), F(lon_field))


def within_km(
    qs: QuerySet, lat_field: str, lon_field: str, lat: float, lon: float, km: float, *, annotate: str = "distance_km"
) -> QuerySet:
    """Rows of `qs` whose point lies within `km` of (lat, lon), each annotated with its distance."""
    box = bounding_box(lat, lon, km)
    return (
        qs.filter(box_q(box, lat_field, lon_field))
        .annotate(**{annotate: distance_km_expression(lat_field, lon_field, lat, lon)})
        .filter(**{f"{annotate}__lte": km})
    )


def point_problem(latitude, longitude) -> str:
    """Why a point is not one on the earth, or "" when it is."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return _("Enter the latitude and longitude as numbers, e.g. 51.34 and 12.37.")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return _("Enter the latitude and longitude as numbers, e.g. 51.34 and 12.37.")
    if not -90 <= lat <= 90:
        return _("The latitude must lie between -90 and 90.")
    if not -180 <= lon <= 180:
        return _("The longitude must lie between -180 and 180.")
    return ""


def radius_problem(km) -> str:
    """Why a search radius cannot be used, or "" when it can."""
    try:
        value = float(km)
    except (TypeError, ValueError):
        return _("Enter the distance in km as a number, e.g. 50.")
    if not math.isfinite(value) or value <= 0:
        return _("The distance must be more than 0 km.")
    if value > MAX_RADIUS_KM:
        return _("The distance can be at most %(km)s km.") % {"km": number_format(MAX_RADIUS_KM, force_grouping=True)}
    return ""
