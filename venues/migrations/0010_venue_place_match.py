"""Venues whose typed city names one city of the gazetteer get it and its point, their slots the
point too; the others are listed for staff. Hosted shows take their named venue's point or their
typed city's."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def match(apps, schema_editor):
    from places.matching import rows_match
    from places.selectors import city_match

    Venue = apps.get_model("venues", "Venue")
    Slot = apps.get_model("venues", "Slot")
    City = apps.get_model("places", "City")
    rows = Venue.objects.filter(place__isnull=True).exclude(city="").only("city", "country")
    matched, _ = rows_match(rows, city_model=City)
    Venue.objects.bulk_update(matched, ["place", "latitude", "longitude"], batch_size=500)
    point = Venue.objects.filter(pk=OuterRef("venue_id"))
    Slot.objects.filter(venue__latitude__isnull=False).update(
        latitude=Subquery(point.values("latitude")[:1]), longitude=Subquery(point.values("longitude")[:1])
    )
    named = Venue.objects.filter(pk=OuterRef("place_venue_id"))
    Slot.objects.filter(venue__isnull=True, place_venue__latitude__isnull=False).update(
        latitude=Subquery(named.values("latitude")[:1]), longitude=Subquery(named.values("longitude")[:1])
    )
    shows = Slot.objects.filter(venue__isnull=True, place_venue__isnull=True, place__isnull=True).exclude(place_city="")
    for show in shows.select_related("host_band").only("place_city", "host_band__country"):
        country = str(show.host_band.country or "") if show.host_band_id else ""
        city = city_match(show.place_city, country, city_model=City)
        if city is not None:
            Slot.objects.filter(pk=show.pk).update(place=city, latitude=city.latitude, longitude=city.longitude)


class Migration(migrations.Migration):
    dependencies = [("venues", "0009_places"), ("places", "0002_load_cities"), ("bands", "0012_band_place_match")]

    operations = [migrations.RunPython(match, migrations.RunPython.noop, elidable=True)]
