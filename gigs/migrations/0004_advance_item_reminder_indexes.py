"""The indexes of the hourly advancing reminders' reads since their last run: the checklists changed, and the
open items whose own due date fell due (docs/decisions/0092)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gigs", "0003_advancing_owners_comments_guest_lists"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="advanceitem",
            index=models.Index(fields=["updated_at"], name="gigs_advance_item_updated"),
        ),
        migrations.AddIndex(
            model_name="advanceitem",
            index=models.Index(
                condition=models.Q(("advanced_at__isnull", True), ("due_on__isnull", False)),
                fields=["due_on"],
                name="gigs_advance_item_own_due",
            ),
        ),
    ]
