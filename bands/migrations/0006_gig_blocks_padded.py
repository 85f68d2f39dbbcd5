"""Existing gig blocks get the band's load-in and pack-down (the new defaults, 2 h and 1 h).

A gig block used to cover exactly its booking's times. Its times become the gig's own
(gig_starts_at/gig_ends_at), and the block and its members' busy time widen to the padded
window, as bands.services.gig_busy_window computes it for new gigs.
"""

import datetime as dt
import zoneinfo

from django.db import migrations


def _aware(day, time, zone):
    return dt.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def _store(block, start, end):
    block.start_date, block.start_time = start.date(), start.time().replace(tzinfo=None)
    block.end_date, block.end_time = end.date(), end.time().replace(tzinfo=None)
    block.time_zone = "UTC"


def pad(apps, schema_editor):
    BandBlock = apps.get_model("bands", "BandBlock")
    BusyInterval = apps.get_model("availability", "BusyInterval")
    gigs = BandBlock.objects.filter(kind="gig", gig_starts_at__isnull=True, all_day=False, rrule="")
    for block in gigs.select_related("band").iterator(chunk_size=500):
        gig_start = _aware(block.start_date, block.start_time, block.time_zone)
        gig_end = _aware(block.end_date, block.end_time, block.time_zone)
        start = gig_start - dt.timedelta(minutes=block.band.load_in_minutes)
        end = gig_end + dt.timedelta(minutes=block.band.pack_down_minutes)
        block.gig_starts_at, block.gig_ends_at = gig_start, gig_end
        _store(block, start, end)
        block.save()
        BusyInterval.objects.filter(source="gig", source_id=block.pk).update(starts_at=start, ends_at=end)


def unpad(apps, schema_editor):
    BandBlock = apps.get_model("bands", "BandBlock")
    BusyInterval = apps.get_model("availability", "BusyInterval")
    for block in BandBlock.objects.filter(kind="gig", gig_starts_at__isnull=False).iterator(chunk_size=500):
        start, end = block.gig_starts_at, block.gig_ends_at
        _store(block, start.astimezone(dt.UTC), end.astimezone(dt.UTC))
        block.gig_starts_at = block.gig_ends_at = None
        block.save()
        BusyInterval.objects.filter(source="gig", source_id=block.pk).update(starts_at=start, ends_at=end)


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0003_busy_user_single_index"),
        ("bands", "0005_gig_padding"),
    ]

    operations = [migrations.RunPython(pad, unpad)]
