"""Bands, venues and slots carry the point of where they are, and it follows when the place changes."""

from datetime import timedelta

import pytest

from bands.tests.factories import BandFactory
from bookings.tests.factories import SlotFactory, in_days, venue_with_owner
from places.tests.factories import CityFactory
from venues.models import Slot
from venues.services import slot_create

pytestmark = pytest.mark.django_db


def test_a_band_stands_at_its_city():
    leipzig, dresden = CityFactory(name="Leipzig"), CityFactory(name="Dresden")
    band = BandFactory(place=leipzig)
    assert (band.latitude, band.longitude) == (leipzig.latitude, leipzig.longitude)
    band.place = dresden
    band.save(update_fields=["place"])
    band.refresh_from_db()
    assert (band.latitude, band.longitude) == (dresden.latitude, dresden.longitude)
    band.place = None
    band.save()
    band.refresh_from_db()
    assert (band.latitude, band.longitude) == (None, None)


def test_a_venue_stands_at_its_city_until_it_sets_its_own_point_and_its_slots_follow():
    leipzig = CityFactory(name="Leipzig")
    venue, owner = venue_with_owner(place=leipzig)
    slot = SlotFactory(venue=venue)
    assert (venue.latitude, venue.longitude, venue.exact_point) == (leipzig.latitude, leipzig.longitude, False)
    assert (slot.latitude, slot.longitude) == (leipzig.latitude, leipzig.longitude)

    venue.latitude, venue.longitude, venue.exact_point = 51.3185, 12.3747, True  # Connewitz
    venue.save()
    slot.refresh_from_db()
    assert (slot.latitude, slot.longitude) == (51.3185, 12.3747)

    posted = slot_create(
        venue=venue, by=owner, stage=venue.stages.get(), starts_at=in_days(30), ends_at=in_days(30) + timedelta(hours=3)
    )
    assert Slot.objects.filter(pk=posted.pk, latitude=51.3185, longitude=12.3747).exists()

    venue.exact_point = False  # back to the city's point
    venue.save()
    assert set(Slot.objects.filter(venue=venue).values_list("latitude", "longitude")) == {
        (leipzig.latitude, leipzig.longitude)
    }


def test_a_show_a_band_hosts_stands_at_its_named_venue_or_its_city():
    halle = CityFactory(name="Halle")
    band = BandFactory()
    typed = SlotFactory(
        venue=None, stage=None, host_band=band, support_picker="headliner", place=halle, place_name="Anna's living room"
    )
    assert (typed.latitude, typed.longitude) == (halle.latitude, halle.longitude)
    venue, _owner = venue_with_owner(place=CityFactory(name="Leipzig"))
    named = SlotFactory(venue=None, stage=None, host_band=band, support_picker="headliner", place_venue=venue)
    assert (named.latitude, named.longitude) == (venue.latitude, venue.longitude)
    nowhere = SlotFactory(venue=None, stage=None, host_band=band, support_picker="headliner", place_name="Somewhere")
    assert (nowhere.latitude, nowhere.longitude) == (None, None)
