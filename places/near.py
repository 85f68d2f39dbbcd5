"""Searching "near a city": which city a search box means, the filter and sort by distance that band,
venue and slot searches share, and how a distance reads on a result card (docs/decisions/0022).

A search near a city keeps only rows whose point is known (a band or venue with a place, a slot at
one). With a radius it first keeps the rows in the latitude/longitude box around the city (range
conditions on the row's own indexed columns), then the exact great-circle distance; without one every
row with a point is measured, for "nearest first".
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .geo import MAX_RADIUS_KM, distance_km_expression, radius_problem, within_km
from .models import City
from .names import fold
from .selectors import city_matches, city_search

# What a "Within" list offers (km); any other number from 1 to MAX_RADIUS_KM is taken too.
RADIUS_CHOICES = (10, 25, 50, 100, 250, 500, 1000)
# At most this many cities are named when a place is ambiguous.
CANDIDATES = 6


@dataclass(frozen=True, slots=True)
class Near:
    """Where to search around: a city, and how far from it in km (None: any distance, nearest first)."""

    city: City
    km: float | None = None

    @property
    def label(self) -> str:
        where = self.city.name
        if self.km:
            return _("Within %(distance)s of %(place)s") % {"distance": radius_text(self.km), "place": where}
        return _("Near %(place)s") % {"place": where}


class PlaceNotFound(ValueError):
    """What was typed names no city, or several (`candidates`, biggest first): the message says which."""

    def __init__(self, message: str, candidates: list[City] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


# A city this many times bigger than every other of its name is the one meant ("Paris" is Paris,
# France, not Paris, Texas); the others are still offered.
CLEARLY_BIGGER = 10


def city_from_input(value: str | int) -> City:
    """The city a search's `near` stands for (see city_and_others_from_input)."""
    return city_and_others_from_input(value)[0]


def city_and_others_from_input(value: str | int) -> tuple[City, list[City]]:
    """The city a search's `near` stands for, and other cities of that name to offer: by city id, by a
    name ("Leipzig", "münchen"), or by a label as the city list shows it ("Halle, Saxony-Anhalt,
    Germany"). Of several cities of one name, one at least CLEARLY_BIGGER times bigger than the rest
    is taken; otherwise they are listed. Raises PlaceNotFound with a message to show beside the field."""
    text = str(value).strip()
    if text.isdigit():
        city = City.objects.filter(pk=int(text)).first() if len(text) <= 12 else None
        if city is None:
            raise PlaceNotFound(_("We do not know that place; type the city’s name."))
        return city, []
    name, _comma, rest = text.partition(",")
    folded = fold(name)
    if len(folded) < 2:
        raise PlaceNotFound(_("Type at least two letters of a city’s name."))
    found: list[City] = list(city_matches(name).order_by("-population", "name")[:20])
    if rest.strip() and found:
        # "Halle, Saxony-Anhalt, Germany": the label picks one of the cities of that name.
        wanted = fold(text)
        labelled = [c for c in found if fold(c.label) == wanted or fold(c.label).startswith(wanted)]
        if labelled:
            found = labelled
    if not found:
        # A name people are still typing ("Leipz") may start exactly one city's name.
        found = city_search(name, limit=CANDIDATES)
    if not found:
        raise PlaceNotFound(
            _(
                "We do not know a city called “%(name)s”. Check the spelling, or pick a nearby town "
                "(we list towns of 15,000 people and more)."
            )
            % {"name": name.strip()}
        )
    if len(found) == 1:
        return found[0], []
    biggest, *others = found[:CANDIDATES]
    if biggest.population >= CLEARLY_BIGGER * max(other.population for other in others):
        return biggest, others
    raise PlaceNotFound(_pick_one(name, found[:CANDIDATES]), found[:CANDIDATES])


def _pick_one(name: str, cities: list[City]) -> str:
    return f"Several places match “{name.strip()}”; pick one: " + "; ".join(c.label for c in cities) + "."


def radius_from_input(value) -> float:
    """A radius in km from what a search got, or ValueError with the message to show."""
    problem = radius_problem(value)
    if problem:
        raise ValueError(problem)
    return float(value)


def near_filter(
    qs: QuerySet,
    near: Near | None,
    *,
    lat_field: str = "latitude",
    lon_field: str = "longitude",
    annotate: str = "distance_km",
) -> QuerySet:
    """`qs` narrowed to rows within `near.km` of `near.city` (every row with a point when no radius is
    given), each annotated with its distance in km. Unchanged when `near` is None."""
    if near is None:
        return qs
    lat, lon = near.city.latitude, near.city.longitude
    if near.km:
        return within_km(qs, lat_field, lon_field, lat, lon, near.km, annotate=annotate)
    return qs.filter(**{f"{lat_field}__isnull": False, f"{lon_field}__isnull": False}).annotate(
        **{annotate: distance_km_expression(lat_field, lon_field, lat, lon)}
    )


def radius_text(km: float | None) -> str:
    """ "50 km", "2.5 km", "1,000 km"."""
    if km is None:
        return ""
    number = number_format(km, decimal_pos=0 if float(km).is_integer() else 1, force_grouping=True)
    return _("%(km)s km") % {"km": number}


def distance_text(km: float | None) -> str:
    """How far a result is, rounded as people say it: "under 1 km", "32 km", "150 km", "1,240 km"."""
    if km is None:
        return ""
    if km < 1:
        return _("under 1 km")
    step = 1 if km < 100 else 5 if km < 1000 else 10
    return _("%(km)s km") % {"km": number_format(step * round(km / step), force_grouping=True)}


__all__ = [
    "CANDIDATES",
    "MAX_RADIUS_KM",
    "RADIUS_CHOICES",
    "Near",
    "PlaceNotFound",
    "city_and_others_from_input",
    "city_from_input",
    "distance_text",
    "near_filter",
    "radius_from_input",
    "radius_text",
]
