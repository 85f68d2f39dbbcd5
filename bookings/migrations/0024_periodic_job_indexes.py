"""Indexes of the periodic jobs that read only the rows they act on (docs/decisions/0092): `bookings_start` and
`bookings_expire` by the live bookings' start, `waiting_reminders_send` by the pending bookings' age."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0023_radius_clauses"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "booked"])),
                fields=["status", "starts_at"],
                name="bookings_live_starts",
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["created_at"], name="bookings_pending_created"
            ),
        ),
    ]
