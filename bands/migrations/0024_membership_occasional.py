"""Whether a member plays only now and then: a minimum line-up filled only with such players is amber.

Added with plain ALTER TABLE … ADD COLUMN on both databases, as bands.0018 does: SQLite would otherwise
rebuild the membership table, and a rebuild drops the triggers that copy busy time per band."""

from django.db import migrations, models

ADD = {
    "postgresql": 'ALTER TABLE "bands_membership" ADD COLUMN "occasional" boolean DEFAULT false NOT NULL',
    "sqlite": 'ALTER TABLE "bands_membership" ADD COLUMN "occasional" bool DEFAULT 0 NOT NULL',
}


def add_column(apps, schema_editor):
    schema_editor.execute(ADD[schema_editor.connection.vendor])


def drop_column(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bands_membership" DROP COLUMN "occasional"')


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0023_lineup"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="membership",
                    name="occasional",
                    field=models.BooleanField(
                        db_default=False,
                        default=False,
                        help_text="Plays now and then: a minimum line-up filled only with occasional players is a "
                        "maybe (amber).",
                        verbose_name="occasional",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
    ]
