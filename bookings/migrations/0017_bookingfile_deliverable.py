"""A booking's file may be one of the deliverables its package promised (a recording, photos…).

Added with plain ALTER TABLE … ADD COLUMN on both databases, as 0015 does: a NOT NULL field with a
default would make SQLite rebuild the table, and a rebuild drops any trigger on it."""

from django.db import migrations, models

ADD = {
    "postgresql": "ALTER TABLE \"bookings_bookingfile\" ADD COLUMN \"deliverable\" varchar(12) DEFAULT '' NOT NULL",
    "sqlite": "ALTER TABLE \"bookings_bookingfile\" ADD COLUMN \"deliverable\" varchar(12) DEFAULT '' NOT NULL",
}


def add_column(apps, schema_editor):
    schema_editor.execute(ADD[schema_editor.connection.vendor])


def drop_column(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bookings_bookingfile" DROP COLUMN "deliverable"')


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0016_request_groups"),
        ("bands", "0018_package_deliverables"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="bookingfile",
                    name="deliverable",
                    field=models.CharField(
                        blank=True,
                        choices=[("recording", "Recording"), ("photos", "Photos"), ("set_list", "Set list as played")],
                        db_default="",
                        default="",
                        max_length=12,
                        verbose_name="deliverable",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
    ]
