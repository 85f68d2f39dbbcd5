"""The index behind "bands free between X and Y"; PostgreSQL only, nothing happens on SQLite.

bands.selectors.BusyOverlaps compiles on PostgreSQL to `tstzrange(starts_at, ends_at) &&
tstzrange(%s, %s)`; this GiST index is on exactly that expression, so the busy rows of a
window are found without a lower bound on how long an interval may be (a one-off block
may last a year). The INCLUDE columns make it covering: the planner allows an index-only
scan of an expression index only when every column the query names is in the index.
Figures and the alternatives measured: docs/decisions/0005-free-date-search.md.

The index lives only here (not in Meta.indexes), which keeps it out of the autodetector's
sight and `makemigrations --check` clean on both databases.
"""

from django.db import migrations

INDEX_NAME = "availability_busy_span_gist"
CREATE_SQL = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX_NAME}" ON "availability_busyinterval" '
    'USING gist ((tstzrange("starts_at", "ends_at"))) INCLUDE ("user_id", "starts_at", "ends_at")'
)


def create_span_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_SQL)


def drop_span_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX_NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_span_index, drop_span_index, elidable=False),
    ]
