"""The demo tour: The Night Owls can plan ten days from Hamburg to Munich with one day off."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from bands.models import Band
from bookings.selectors.tours import tour_plan
from places.tests.factories import CityFactory
from stageslot.demo_tours import ROUTE
from stageslot.tests.test_seed_demo import seed_without_photos
from venues.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="each test seeds the whole demo world (about 10 s)")]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_the_night_owls_get_a_ten_day_route_with_one_day_off(settings, monkeypatch):
    hamburg, munich = CityFactory(name="Hamburg"), CityFactory(name="Munich")
    seed_without_photos(settings, monkeypatch)
    route_venues = [slug for slug, _fee in ROUTE]
    first = Slot.objects.filter(venue__slug=route_venues[0]).get().starts_at.astimezone(BERLIN).date()
    band = Band.objects.get(slug="the-night-owls")
    plan = tour_plan(
        band=band, start=hamburg, end=munich, first_day=first, last_day=first + dt.timedelta(days=9),
        drive_km=400, now=timezone.now(),
    )  # fmt: skip
    best = plan.routes[0]
    assert best.nights == 9
    venues = [plan.slots[leg.stop.id].venue.slug for leg in best.legs]
    assert venues[0] == "elbkeller" and venues[-1] == "isarhalle"
    assert len(plan.routes) == 3
