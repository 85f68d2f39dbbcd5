"""A band's or a venue's place in words, as its pages, its share page and the search results show it."""

from functools import lru_cache

from django.db import models
from django.utils import translation
from django_countries import countries


@lru_cache(maxsize=4096)
def _country_name(code: str, language: str | None) -> str:
    return countries.name(code)


def country_name(code: str) -> str:
    """The name of the country with ISO code `code` in the active language ("" for none or an unknown code).

    django-countries translates the name again on every lookup (tens of microseconds); a search page
    asks for forty of them, so each is looked up once per language.
    """
    return _country_name(str(code), translation.get_language()) if code else ""


def place_of(thing: models.Model) -> str:
    """ "Leeds, West Yorkshire, United Kingdom": the parts that are set, a region equal to the city only once."""
    region = thing.region if thing.region != thing.city else ""
    return ", ".join(part for part in (thing.city, region, country_name(thing.country.code)) if part)


def city_and_country(thing: models.Model) -> str:
    """ "Leeds, United Kingdom", "Leeds" or "United Kingdom": what a search result shows."""
    return ", ".join(part for part in (thing.city, country_name(thing.country.code)) if part)
