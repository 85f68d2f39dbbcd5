"""Bands whose typed city names one city of the gazetteer get it; the others are listed for staff."""

from django.db import migrations


def match(apps, schema_editor):
    from places.matching import rows_match

    Band = apps.get_model("bands", "Band")
    City = apps.get_model("places", "City")
    rows = Band.objects.filter(place__isnull=True).exclude(city="").only("city", "country")
    matched, _ = rows_match(rows, city_model=City)
    Band.objects.bulk_update(matched, ["place", "latitude", "longitude"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("bands", "0011_band_place"), ("places", "0002_load_cities")]

    operations = [migrations.RunPython(match, migrations.RunPython.noop, elidable=True)]
