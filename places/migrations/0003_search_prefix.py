"""Indexes for the city autocomplete (docs/decisions/0022): a prefix of the name, and a word inside
a city's other names (a GIN trigram index on PostgreSQL, where pg_trgm is at hand; SQLite scans)."""

from django.db import migrations, models

TRIGRAM = "CREATE INDEX IF NOT EXISTS places_city_other_names_trgm ON places_city USING gin (other_names gin_trgm_ops)"


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRIGRAM)


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS places_city_other_names_trgm")


class Migration(migrations.Migration):
    dependencies = [("places", "0002_load_cities")]

    operations = [
        migrations.AddIndex(
            model_name="city",
            index=models.Index(
                fields=["search_name"], name="places_city_search_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
