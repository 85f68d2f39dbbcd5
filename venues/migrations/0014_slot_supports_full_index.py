"""The index of the bookings losers sweep's read of the slots whose support places, all taken, changed since
its last run (docs/decisions/0092)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0013_venuestaff_group_id"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slot",
            index=models.Index(
                condition=models.Q(("support_places__gt", 0), ("supports_booked__gte", models.F("support_places"))),
                fields=["updated_at"],
                name="venues_slot_supports_full",
            ),
        ),
    ]
