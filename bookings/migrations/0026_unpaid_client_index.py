"""The index of the money round's unpaid client bookings, on an expression so that the planner has its statistics
(docs/decisions/0092); analysed at once on PostgreSQL, as bookings 0025."""

from django.db import migrations, models


def analyse(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE bookings_booking")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0025_quiet_jobs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                models.Case(
                    models.When(
                        client__isnull=False, paid_minor=0, status="booked", then=models.F("status_changed_at")
                    ),
                ),
                name="bookings_unpaid_client",
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop, elidable=True),
    ]
