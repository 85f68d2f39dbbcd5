"""Trigram indexes behind the venue search; PostgreSQL only, nothing happens on SQLite.

Same idea as bands.0002_search_indexes: each index is on exactly the expression that
Django's `icontains` / `istartswith` compile to, UPPER((<expression>)::text), for the
search text of venues.selectors (name, city and description joined by spaces), the
city, the region and the name. The pg_trgm extension comes from bands.0002.
"""

from django.db import migrations

# (index name, table, expression) – each a GIN trigram index on UPPER((expression)::text).
SEARCH_INDEXES = [
    ("venues_venue_search_trgm", "venues_venue", """"name" || ' ' || "city" || ' ' || "description\""""),
    ("venues_venue_name_trgm", "venues_venue", '"name"'),
    ("venues_venue_city_trgm", "venues_venue", '"city"'),
    ("venues_venue_region_trgm", "venues_venue", '"region"'),
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
        ("venues", "0001_initial"),
        # Creates the pg_trgm extension these indexes need.
        ("bands", "0002_search_indexes"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
