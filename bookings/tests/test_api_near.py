"""The JSON API's searches near a city: near (a city id), within_km, sort=distance and distance_km."""

import pytest

from bands.tests.factories import BandFactory
from bookings.tests.api_helpers import ApiClient
from bookings.tests.factories import SlotFactory, in_days, venue_with_owner
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities():
    return {name: CityFactory(name=name) for name in ("Leipzig", "Halle", "Dresden", "Berlin")}


@pytest.fixture
def world(cities):
    for name, travel in (("Leipzig", None), ("Halle", 50), ("Dresden", 80), ("Berlin", 500)):
        BandFactory(name=f"{name} Band", place=cities[name], travel_km=travel)
        venue = venue_with_owner(name=f"{name} Club", place=cities[name])[0]
        SlotFactory(venue=venue, title=f"{name} night", starts_at=in_days(20 - len(name)))
    BandFactory(name="Unplaced Band")


@pytest.mark.parametrize("path", ["/api/v1/bands", "/api/v1/venues", "/api/v1/slots"])
def test_within_km_nearest_first_each_item_with_its_distance(cities, world, path):
    body = ApiClient().get(path, {"near": cities["Leipzig"].pk, "within_km": 120, "sort": "distance"}).json()
    assert [round(item["distance_km"]) for item in body["items"]] == [0, 31, 100]


def test_distance_pages_follow_next_links_without_repeats(cities, world):
    api = ApiClient()
    seen, url = [], f"/api/v1/bands?near={cities['Dresden'].pk}&sort=distance&limit=2"
    while url:
        body = api.get(url).json()
        seen += [b["name"] for b in body["items"]]
        url = body["next"]
    assert seen == ["Dresden Band", "Leipzig Band", "Halle Band", "Berlin Band"]


def test_bands_that_would_travel_there(cities, world):
    body = ApiClient().get("/api/v1/bands", {"near": cities["Leipzig"].pk, "travels_here": "true"}).json()
    assert [(b["name"], b["travel_km"]) for b in body["items"]] == [("Berlin Band", 500), ("Halle Band", 50)]


def test_without_near_there_is_no_distance(world):
    body = ApiClient().get("/api/v1/bands").json()
    assert {b["distance_km"] for b in body["items"]} == {None}


@pytest.mark.parametrize("path", ["/api/v1/bands", "/api/v1/venues", "/api/v1/slots"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"near": 999_999_999}, "near"),
        ({"near": "Leipzig"}, "near"),
        ({"within_km": 0}, "within_km"),
        ({"within_km": -5}, "within_km"),
        ({"within_km": 20001}, "within_km"),
        ({"within_km": "abc"}, "within_km"),
        ({"within_km": "nan"}, "within_km"),
        ({"sort": "distance"}, "sort"),
    ],
)
def test_bad_place_or_distance_is_a_422_problem_naming_the_field(cities, path, query, field):
    if "near" not in query and field != "sort":
        query = {"near": cities["Leipzig"].pk, **query}
    response = ApiClient().get(path, query)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    if body.get("errors"):
        assert field in body["errors"] or any(field in key for key in body["errors"]), body


def test_within_km_needs_near(world):
    response = ApiClient().get("/api/v1/bands", {"within_km": 50})
    assert response.status_code == 422
    assert "within_km" in response.json()["errors"]
