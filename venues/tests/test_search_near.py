"""Venue search near a city: within N km, nearest first, the distance on each card."""

import re

import pytest
from django.urls import reverse

from places.near import Near
from places.tests.factories import CityFactory
from venues.selectors import venue_search
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("venues:search")


def result_names(response) -> list[str]:
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', response.content.decode())


@pytest.fixture
def venues():
    leipzig, halle, berlin = (CityFactory(name=name) for name in ("Leipzig", "Halle", "Berlin"))
    return {
        "Leipzig": VenueFactory(name="Moritzbastei", place=leipzig, city="Leipzig"),
        "Halle": VenueFactory(name="Objekt 5", place=halle, city="Halle"),
        "Berlin": VenueFactory(name="SO36", place=berlin, city="Berlin"),
        "Nowhere": VenueFactory(name="Unplaced", city=""),
    }


def test_venues_within_a_radius_nearest_first(venues):
    leipzig = venues["Leipzig"].place
    found = list(venue_search(near=Near(city=leipzig, km=50), sort="distance"))
    assert [v.name for v in found] == ["Moritzbastei", "Objekt 5"]
    assert round(found[1].distance_km) == 31


def test_an_exact_point_counts_not_the_city(venues):
    # A venue 60 km out of Leipzig, though in its city's row.
    outside = venues["Leipzig"]
    outside.exact_point, outside.latitude, outside.longitude = True, 51.88, 12.37
    outside.save()
    found = [v.name for v in venue_search(near=Near(city=outside.place, km=50), sort="distance")]
    assert found == ["Objekt 5"]


def test_page_near_a_city_shows_each_distance_and_sorts_by_capacity_when_asked(client, venues):
    venues["Berlin"].capacity = 800
    venues["Berlin"].save()
    response = client.get(URL, {"near": venues["Halle"].place.pk, "within": "250", "sort": "capacity"})
    assert response.status_code == 200
    assert result_names(response) == ["SO36", "Moritzbastei", "Objekt 5"]
    html = response.content.decode()
    assert ">150 km away<" in html and ">31 km away<" in html and ">under 1 km away<" in html


@pytest.mark.parametrize("within", ["0", "-5", "20001", "abc"])
def test_a_bad_radius_gets_a_message_and_a_page(client, venues, within):
    response = client.get(URL, {"near": "Leipzig", "within": within}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "We left out filters we could not read" in response.content.decode()
    assert result_names(response)[0] == "Moritzbastei"


def test_a_search_near_a_city_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, venues):
    for _ in range(30):
        VenueFactory(place=venues["Halle"].place)
    client.get(URL)
    # the city, count, the page of venues, their genres, covers
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"near": venues["Leipzig"].place.pk, "within": "50"})
    assert len(result_names(response)) == 24
