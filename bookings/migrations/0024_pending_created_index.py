"""The index of the hourly `waiting_reminders_send`: the pending bookings by their age, so a run reads only
those asked more than three days ago (docs/decisions/0092)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0023_radius_clauses"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["created_at"], name="bookings_pending_created"
            ),
        ),
    ]
