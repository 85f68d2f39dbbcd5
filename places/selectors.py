"""Finding cities: by what a person types, and the one city a stored place name stands for."""

from django.db.models import Q, QuerySet

from .models import City
from .names import fold

SUGGESTIONS = 8


def city_search(query: str, *, limit: int = SUGGESTIONS, country: str = "") -> list[City]:
    """Cities whose name, or another name of theirs, starts with what was typed; biggest first.

    Names starting with the query come before other names that do (one indexed prefix query, then
    a scan of other names only when the first gives too few).
    """
    folded = fold(query)
    if len(folded) < 2:
        return []
    qs = City.objects.all()
    if country:
        qs = qs.filter(country=country.upper())
    found = list(qs.filter(search_name__startswith=folded).order_by("-population", "name")[:limit])
    if len(found) < limit:
        more = (
            qs.filter(other_names__contains=f"|{folded}")
            .exclude(pk__in=[c.pk for c in found])
            .order_by("-population", "name")[: limit - len(found)]
        )
        found += list(more)
    return found


def city_matches(name: str, country: str = "", *, city_model=City) -> QuerySet:
    """The cities a stored place name can stand for: by name, else by another name, in the country."""
    folded = fold(name)
    if not folded:
        return city_model.objects.none()
    qs = city_model.objects.all()
    if country:
        qs = qs.filter(country=str(country).upper())
    by_name = qs.filter(search_name=folded)
    if by_name.exists():
        return by_name
    return qs.filter(Q(other_names__contains=f"|{folded}|"))


def city_match(name: str, country: str = "", *, city_model=City) -> City | None:
    """The one city `name` (in `country`, when given) stands for, or None when there is none or
    several could be meant: a place is never guessed."""
    found = list(city_matches(name, country, city_model=city_model)[:2])
    return found[0] if len(found) == 1 else None


def _country_code(text: str) -> str:
    """ "Germany" or "DE" → "DE"; "" when the text names no country."""
    from django_countries import countries

    text = text.strip()
    if len(text) == 2 and text.upper() in dict(countries):
        return text.upper()
    return countries.by_name(text) or ""


def city_pick(text: str, *, limit: int = SUGGESTIONS) -> tuple[City | None, list[City]]:
    """What a person typed into a city field without picking from the list: (the city, []) when the
    text names exactly one, (None, the candidates biggest first) when it names several, (None, [])
    when none. "Leipzig", "Leipzig, Germany", "Springfield, Illinois, United States" and "Halle, DE"
    are understood; a place is never guessed."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts:
        return None, []
    # The whole text first: some names hold a comma.
    found = list(city_matches(", ".join(parts))[: limit + 1])
    if not found and len(parts) > 1:
        country = _country_code(parts[-1])
        qs = city_matches(parts[0], country)
        # "Springfield, Illinois[, United States]": the second part names the region (or the country).
        region = parts[1] if len(parts) > 2 or not country else ""
        if region:
            qs = qs.filter(region__iexact=region)
        elif not country:
            qs = qs.none()
        found = list(qs[: limit + 1])
    if len(found) == 1:
        return found[0], []
    return None, found[:limit]


def city_names(city: City | None) -> dict[str, str]:
    """The text fields that repeat a city's names on a band or venue row (city, region, country);
    all blank without a city."""
    if city is None:
        return {"city": "", "region": "", "country": ""}
    return {"city": city.name[:80], "region": city.region[:80], "country": str(city.country)}


def city_text_names(city: City, text: str) -> bool:
    """Whether `text` (as shown in a city field: "Leipzig, Germany", or a name of the city's) stands for `city`."""
    first = fold((text or "").split(",")[0])
    return bool(first) and (
        first == city.search_name or f"|{first}|" in city.other_names or fold(text) == fold(city.label)
    )
