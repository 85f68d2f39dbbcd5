"""A hosted show's city: picked from the gazetteer, it names the show's city and puts the show on
the map; a name that is no city gets a message and hosts nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bands.models import ApprovalStatus, Membership
from bands.tests.factories import BandFactory, MembershipFactory
from places.tests.factories import CityFactory
from venues.models import Slot

pytestmark = pytest.mark.django_db


def show_data(band, **overrides) -> dict:
    day = timezone.localdate() + dt.timedelta(days=30)
    data = {
        "band": band.pk,
        "title": "Release show",
        "date": day.isoformat(),
        "start": "20:00",
        "end": "23:00",
        "time_zone": "Europe/Berlin",
        "place_name": "Garage Ost",
        "place_address": "Hofweg 3",
        "place": "",
        "place_id": "",
        "support_places": "1",
        "currency": "EUR",
    }
    data.update(overrides)
    return data


@pytest.fixture
def leader_band(client):
    band = BandFactory(status=ApprovalStatus.APPROVED, time_zone="Europe/Berlin")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    client.force_login(leader)
    return band


def test_a_show_in_a_picked_city_stands_at_its_point(client, leader_band):
    leipzig = CityFactory(name="Leipzig")
    data = show_data(leader_band, place="Leipzig, Germany", place_id=str(leipzig.pk))
    response = client.post(reverse("bookings:show_new"), data)
    assert response.status_code == 302, response.content.decode()
    slot = Slot.objects.get(host_band=leader_band)
    assert (slot.place, slot.place_city, slot.latitude, slot.longitude) == (
        leipzig,
        "Leipzig",
        leipzig.latitude,
        leipzig.longitude,
    )


def test_a_show_in_an_unknown_city_is_not_hosted(client, leader_band, empty_gazetteer):
    response = client.post(reverse("bookings:show_new"), show_data(leader_band, place="Atlantis"))
    assert response.status_code == 400
    assert "We know no city called “Atlantis”" in response.content.decode()
    assert not Slot.objects.filter(host_band=leader_band).exists()


def test_the_form_offers_the_city_picker(client, leader_band):
    html = client.get(reverse("bookings:show_new")).content.decode()
    assert 'role="combobox"' in html and 'name="place_id"' in html
