"""The map beside the venue search: its markers are the listed venues that have a point, swapped
with the list when a filter changes (docs/decisions/0023-maps.md)."""

import json
import re

import pytest
from django.urls import reverse

from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("venues:search")
DATA = re.compile(r'<script id="results-map-data" type="application/json">(.*?)</script>', re.S)


def map_data(response) -> dict:
    found = DATA.findall(response.content.decode())
    assert len(found) == 1, "one marker block per page or partial"
    return json.loads(found[0])


def listed(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html)


@pytest.fixture
def venues():
    berlin, leipzig = CityFactory(name="Berlin"), CityFactory(name="Leipzig")
    return {
        "kellerbar": VenueFactory(name="Kellerbar", city="Berlin", place=berlin, capacity=120),
        "hall": VenueFactory(
            name="Hall",
            city="Leipzig",
            place=leipzig,
            capacity=900,
            latitude=51.3301,
            longitude=12.3801,
            exact_point=True,
        ),
        "loft": VenueFactory(name="Loft", city="Leipzig", place=leipzig, capacity=80),
        "nowhere": VenueFactory(name="Nowhere Club", city="Atlantis", country="", place=None, capacity=60),
    }


def test_the_markers_are_the_listed_venues_with_a_point(client, venues):
    response = client.get(URL)
    data = map_data(response)
    assert sorted(listed(response)) == ["Hall", "Kellerbar", "Loft", "Nowhere Club"]
    by_title = {marker["title"]: marker for marker in data["markers"]}
    assert sorted(by_title) == ["Hall", "Kellerbar", "Loft"]
    # In the list's order, each linking to its venue's page.
    assert [m["title"] for m in data["markers"]] == [name for name in listed(response) if name != "Nowhere Club"]
    assert by_title["Kellerbar"] == {
        "lat": 52.52437,
        "lon": 13.41053,
        "title": "Kellerbar",
        "url": "/venues/" + venues["kellerbar"].slug + "/",
        "kind": "venue",
        "line": "Berlin, Germany",
    }
    # A venue with its exact point stands there; one without stands at its city.
    assert (by_title["Hall"]["lat"], by_title["Hall"]["lon"]) == (51.3301, 12.3801)
    assert (by_title["Loft"]["lat"], by_title["Loft"]["lon"]) == (51.33962, 12.37129)
    assert data["missing"] == 1
    assert data["note"] == "1 venue on this page has no place on the map."
    # The panel is outside the swapped results, hidden until map.js draws it; Leaflet loads here.
    html = response.content.decode()
    assert html.index('id="results"') < html.index("data-map-panel") < html.index("</main>")
    assert re.search(r'<section class="map-panel" aria-label="Map of these venues; the list has the same venues"', html)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def test_a_filter_change_swaps_the_markers_with_the_list(client, venues):
    response = client.get(f"{URL}?city=Leipzig&capacity_max=500", headers={"HX-Request": "true"})
    assert listed(response) == ["Loft"]
    data = map_data(response)
    assert [m["title"] for m in data["markers"]] == ["Loft"]
    assert data["missing"] == 0 and data["note"] == ""
    html = response.content.decode()
    # The partial carries its markers inside the results; the map itself stays on the page.
    assert html.index('id="results"') < html.index('id="results-map-data"')
    assert "data-map-panel" not in html and "leaflet.js" not in html

    response = client.get(f"{URL}?city=Atlantis", headers={"HX-Request": "true"})
    assert listed(response) == ["Nowhere Club"]
    assert map_data(response) == {
        "markers": [],
        "missing": 1,
        "note": "1 venue on this page has no place on the map.",
    }


def test_a_filter_that_cannot_be_read_keeps_list_and_markers_in_step(client, venues):
    response = client.get(f"{URL}?capacity_min=lots&city=Berlin")
    assert response.status_code == 200
    assert "We left out filters we could not read" in response.content.decode()
    assert listed(response) == ["Kellerbar"]
    assert [m["title"] for m in map_data(response)["markers"]] == ["Kellerbar"]


def test_the_map_shows_the_page_the_list_shows(client, django_assert_max_num_queries):
    berlin = CityFactory(name="Berlin")
    for i in range(30):
        VenueFactory(name=f"Venue {i:02}", place=berlin)
    with django_assert_max_num_queries(6):
        first = client.get(f"{URL}?sort=name")
    with django_assert_max_num_queries(5):
        second = client.get(f"{URL}?sort=name&page=2", headers={"HX-Request": "true"})
    assert [m["title"] for m in map_data(first)["markers"]] == listed(first) == [f"Venue {i:02}" for i in range(24)]
    assert (
        [m["title"] for m in map_data(second)["markers"]] == listed(second) == [f"Venue {i:02}" for i in range(24, 30)]
    )
    assert map_data(second)["note"] == "The map shows this page’s venues."
