"""Shows in real cities for the fans' tests."""

import datetime as dt

from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, in_days
from places.tests.factories import CityFactory
from venues.models import Slot
from venues.tests.factories import VenueFactory

POTSDAM = {"name": "Potsdam", "geoname_id": 2852458, "latitude": 52.39886, "longitude": 13.06566, "population": 182112}


def city(name: str):
    return CityFactory(**POTSDAM) if name == "Potsdam" else CityFactory(name=name)


def venue_in(place, **kwargs):
    return VenueFactory(place=place, city=place.name, **kwargs)


def booked_show(band, *, venue=None, place=None, days: int = 10, support=None, **slot_kwargs) -> Slot:
    """A public slot at `venue` (a new one in `place` without) with `band` booked as its headliner."""
    venue = venue or venue_in(place)
    slot = SlotFactory(venue=venue, starts_at=in_days(days), **slot_kwargs)
    BookingFactory(band=band, slot=slot, status=Booking.Status.BOOKED)
    if support is not None:
        BookingFactory(band=support, slot=slot, status=Booking.Status.BOOKED, role=Booking.Role.SUPPORT)
    Slot.objects.filter(pk=slot.pk).update(headliner_booked=1, supports_booked=1 if support else 0)
    slot.refresh_from_db()
    return slot


def move(slot: Slot, *, hours: int) -> None:
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=slot.starts_at + dt.timedelta(hours=hours),
        ends_at=slot.ends_at + dt.timedelta(hours=hours),
        sequence=slot.sequence + 1,
    )
