"""What the five-minute bookings jobs read when nothing is due (docs/decisions/0092): the index of
`bookings_start` and `bookings_expire`, a live (pending or booked) booking's start on an expression, NULL
for every other, so that its statistics show the planner the live starts, nearly all ahead; the losers
sweep's mark (JobMark) and its index of the live bookings by when they changed. On PostgreSQL the table is
analysed at once: until then the planner has no statistics of the new expression and reads the live bookings
by another index."""

from django.db import migrations, models


def analyse(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE bookings_booking")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0024_pending_created_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                models.Case(models.When(status__in=["pending", "booked"], then=models.F("starts_at"))),
                name="bookings_live_starts_at",
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "booked"])),
                fields=["updated_at"],
                name="bookings_live_updated",
            ),
        ),
        migrations.CreateModel(
            name="JobMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("job", models.CharField(max_length=60, unique=True, verbose_name="job")),
                ("through", models.DateTimeField(verbose_name="read through")),
            ],
            options={
                "verbose_name": "job mark",
                "verbose_name_plural": "job marks",
            },
        ),
    ]
