"""Booked gigs keep their point on their block, so the members' journeys between gigs count as busy
time (bands.travel): the slot's point (its venue's, or a hosted show's place), else the venue's."""

from django.db import migrations


def gig_points(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    BandBlock = apps.get_model("bands", "BandBlock")
    rows = Booking.objects.filter(block__isnull=False).values_list(
        "block_id", "slot__latitude", "slot__longitude", "venue__latitude", "venue__longitude"
    )
    for block_id, slot_lat, slot_lon, venue_lat, venue_lon in rows.iterator():
        lat, lon = (slot_lat, slot_lon) if slot_lat is not None else (venue_lat, venue_lon)
        if lat is not None and lon is not None:
            BandBlock.objects.filter(pk=block_id).update(latitude=lat, longitude=lon)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_calendarfeed_inputs_hash"),
        ("bands", "0014_travel"),
        ("venues", "0010_venue_place_match"),
    ]

    operations = [migrations.RunPython(gig_points, migrations.RunPython.noop)]
