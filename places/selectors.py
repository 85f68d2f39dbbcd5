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
