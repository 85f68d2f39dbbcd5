"""What the payer has paid through StageSlot, kept on the booking by the payments app.

Added with plain ALTER TABLE … ADD COLUMN on both databases: a field with a database default would
make SQLite rebuild the table, which drops the feed-mark triggers of 0012."""

from django.db import migrations, models

ADD = {
    "postgresql": 'ALTER TABLE "bookings_booking" ADD COLUMN "paid_minor" bigint DEFAULT 0 NOT NULL '
    'CHECK ("paid_minor" >= 0)',
    "sqlite": 'ALTER TABLE "bookings_booking" ADD COLUMN "paid_minor" bigint unsigned DEFAULT 0 NOT NULL '
    'CHECK ("paid_minor" >= 0)',
}


def add_column(apps, schema_editor):
    schema_editor.execute(ADD[schema_editor.connection.vendor])


def drop_column(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bookings_booking" DROP COLUMN "paid_minor"')


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0014_quotes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="booking",
                    name="paid_minor",
                    field=models.PositiveBigIntegerField(
                        db_default=0, default=0, verbose_name="paid through StageSlot (minor units)"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
    ]
