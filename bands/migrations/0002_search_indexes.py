"""Trigram indexes behind the band search; PostgreSQL only, nothing happens on SQLite.

Django compiles `icontains` / `istartswith` on PostgreSQL to `UPPER(<expression>::text)
LIKE UPPER(%s)`, so each index is on exactly that expression: the search text of
bands.selectors.SearchText (name, tagline and bio joined by spaces), the city and the
region, and the name alone for the staff admin's search. One index over the joined text
lets the planner see a single, well-estimated condition; three OR-ed column indexes
made it fall back to a sequential scan.

The indexes live only here (not in Meta.indexes), which keeps them out of the
autodetector's sight and `makemigrations --check` clean on both databases.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index name, table, expression) – each a GIN trigram index on UPPER((expression)::text).
SEARCH_INDEXES = [
    ("bands_band_search_trgm", "bands_band", """"name" || ' ' || "tagline" || ' ' || "bio\""""),
    ("bands_band_name_trgm", "bands_band", '"name"'),
    ("bands_band_city_trgm", "bands_band", '"city"'),
    ("bands_band_region_trgm", "bands_band", '"region"'),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in SEARCH_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER(({expression})::text)) gin_trgm_ops)'
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0001_initial"),
    ]

    operations = [
        # A no-op on SQLite: CreateExtension checks the database vendor itself.
        TrigramExtension(),
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
