"""A band's or a venue's place in words, as its pages and its share page show it."""

from django.db import models


def place_of(thing: models.Model) -> str:
    """ "Leeds, West Yorkshire, United Kingdom": the parts that are set, a region equal to the city only once."""
    region = thing.region if thing.region != thing.city else ""
    return ", ".join(part for part in (thing.city, region, thing.country.name if thing.country else "") if part)
