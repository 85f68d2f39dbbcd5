"""The shows already public and booked when the fans app arrives are marked seen, so its first alert round
announces only shows newly public after it (not every show on the site)."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def mark_seen(apps, schema_editor):
    Slot = apps.get_model("venues", "Slot")
    ShowSeen = apps.get_model("fans", "ShowSeen")
    listed = Slot.objects.filter(
        Q(venue__status="approved") | Q(host_band__status="approved"),
        visibility="public",
        headliner_booked=1,
        cancelled_at__isnull=True,
        ends_at__gt=timezone.now(),
    ).values_list("pk", "starts_at")
    batch = []
    for pk, starts_at in listed.iterator(chunk_size=2000):
        batch.append(ShowSeen(slot_id=pk, starts_at=starts_at))
        if len(batch) == 2000:
            ShowSeen.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ShowSeen.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("fans", "0001_fans_follow"), ("venues", "0013_venuestaff_group_id")]

    operations = [migrations.RunPython(mark_seen, migrations.RunPython.noop, elidable=True)]
