"""Saved finder searches keep their area (near a city, within N km) and alert only slots inside it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bookings.models import SavedSearch
from bookings.services import alerts
from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def test_a_saved_search_keeps_its_area_and_alerts_only_slots_inside_it(client):
    leipzig, halle, berlin = (CityFactory(name=name) for name in ("Leipzig", "Halle", "Berlin"))
    band, leader = band_with_leader(name="Seekers", place=berlin)
    client.force_login(leader)
    query = f"near={leipzig.pk}&within=50"
    response = client.post(reverse("bookings:saved_searches"), {"band": band.slug, "query": query})
    assert response.status_code == 302
    search = SavedSearch.objects.get(band=band)
    assert search.filters == {"near": {"city": leipzig.pk, "km": 50.0}}
    assert search.label == "Within 50 km of Leipzig"
    SavedSearch.objects.filter(pk=search.pk).update(checked_at=timezone.now() - dt.timedelta(minutes=1))
    near = SlotFactory(venue=venue_with_owner(place=halle)[0], title="Halle night")
    SlotFactory(venue=venue_with_owner(place=berlin)[0], title="Berlin night")
    assert alerts.saved_search_alerts_send() == 1
    (note,) = Notification.objects.filter(kind="show_alert")
    assert note.link == f"/slots/{near.pk}/"


def test_a_saved_area_whose_city_is_gone_alerts_nothing():
    band, leader = band_with_leader()
    past = timezone.now() - dt.timedelta(minutes=1)
    search = alerts.saved_search_create(band=band, by=leader, filters={}, label="x", now=past)
    SavedSearch.objects.filter(pk=search.pk).update(filters={"near": {"city": 999_999_999, "km": 50}})
    SlotFactory()
    assert alerts.saved_search_alerts_send() == 0
