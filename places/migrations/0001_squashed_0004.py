"""The places migrations 0001–0004 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Keeps the city load (0002; a fresh database needs the gazetteer) and the trigram index (0003).
"""

import django_countries.fields
from django.db import migrations, models

# From 0002_load_cities: the gazetteer's cities, so that every database has them from its first migrate
# (the loader is the app's own, as `manage.py cities_load` uses it). Not elidable: a fresh database needs them.


def load_cities(apps, schema_editor):
    from places.services import cities_load

    cities_load(city_model=apps.get_model("places", "City"))


# From 0003_search_prefix: a word inside a city's other names, a GIN trigram index (PostgreSQL only).

TRIGRAM = "CREATE INDEX IF NOT EXISTS places_city_other_names_trgm ON places_city USING gin (other_names gin_trgm_ops)"


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRIGRAM)


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS places_city_other_names_trgm")


class Migration(migrations.Migration):
    replaces = [
        ("places", "0001_initial"),
        ("places", "0002_load_cities"),
        ("places", "0003_search_prefix"),
        ("places", "0004_verbose_names"),
    ]

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="City",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("geoname_id", models.PositiveIntegerField(unique=True, verbose_name="GeoNames id")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("search_name", models.CharField(max_length=200, verbose_name="search name")),
                ("other_names", models.TextField(blank=True, verbose_name="other names")),
                ("region", models.CharField(blank=True, max_length=100, verbose_name="region")),
                ("country", django_countries.fields.CountryField(max_length=2, verbose_name="country")),
                ("latitude", models.FloatField(verbose_name="latitude")),
                ("longitude", models.FloatField(verbose_name="longitude")),
                ("time_zone", models.CharField(max_length=64, verbose_name="time zone")),
                ("population", models.PositiveIntegerField(default=0, verbose_name="population")),
            ],
            options={
                "verbose_name_plural": "cities",
                "ordering": ["-population", "name"],
                "indexes": [
                    models.Index(fields=["latitude", "longitude"], name="places_city_point"),
                    models.Index(fields=["search_name"], name="places_city_search_name"),
                    models.Index(fields=["country", "search_name"], name="places_city_country_name"),
                    models.Index(
                        fields=["search_name"], name="places_city_search_prefix", opclasses=["varchar_pattern_ops"]
                    ),
                ],
                "verbose_name": "city",
            },
        ),
        migrations.RunPython(load_cities, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
