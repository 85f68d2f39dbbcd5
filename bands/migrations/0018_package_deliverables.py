"""What a package promises to hand over after the gig (a recording, photos, the set list as played).

Added with plain ALTER TABLE … ADD COLUMN on both databases, as bookings.0015 does: a NOT NULL field
with a default would make SQLite rebuild the table, and a rebuild drops any trigger on it."""

from django.db import migrations, models

ADD = {
    "postgresql": "ALTER TABLE \"bands_package\" ADD COLUMN \"deliverables\" jsonb DEFAULT '[]'::jsonb NOT NULL",
    "sqlite": "ALTER TABLE \"bands_package\" ADD COLUMN \"deliverables\" text DEFAULT '[]' NOT NULL "
    "CHECK ((JSON_VALID(\"deliverables\") OR \"deliverables\" IS NULL))",
}


def add_column(apps, schema_editor):
    schema_editor.execute(ADD[schema_editor.connection.vendor])


def drop_column(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bands_package" DROP COLUMN "deliverables"')


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0017_names_for_translation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="package",
                    name="deliverables",
                    field=models.JSONField(blank=True, default=list, verbose_name="delivered after the gig"),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
    ]
