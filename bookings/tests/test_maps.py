"""The maps of the gig finder (open slots and support calls) and of a show's page: the markers are
the listed rows with a point, built from the rows the page already has (docs/decisions/0023-maps.md)."""

import json
import re

import pytest
from django.urls import reverse

from bands.tests.factories import MembershipFactory
from bookings.services import shows
from bookings.tests.factories import SlotFactory, band_with_leader, in_days
from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

FINDER = reverse("bookings:gig_finder")


def map_data(response, block: str = "results-map-data") -> dict:
    found = re.findall(rf'<script id="{block}" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert len(found) == 1
    return json.loads(found[0])


def listed(response) -> list[str]:
    return re.findall(r'class="slot-card__title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def world():
    berlin, munich = CityFactory(name="Berlin"), CityFactory(name="Munich")
    kellerbar = VenueFactory(name="Kellerbar", city="Berlin", place=berlin, stages=["Main"])
    backstage = VenueFactory(
        name="Backstage",
        city="Munich",
        place=munich,
        latitude=48.1459,
        longitude=11.5230,
        exact_point=True,
        stages=["Halle"],
    )
    nowhere = VenueFactory(name="Somewhere", city="Atlantis", country="", place=None, stages=["Floor"])
    return {
        "late": SlotFactory(venue=kellerbar, title="Late Show", starts_at=in_days(5)),
        "support": SlotFactory(
            venue=kellerbar,
            title="Support wanted",
            starts_at=in_days(6),
            headliner_booked=1,
            support_places=2,
            support_picker="headliner",
        ),
        "munich": SlotFactory(venue=backstage, title="Munich Night", starts_at=in_days(7), fee=800),
        "lost": SlotFactory(venue=nowhere, title="Lost Night", starts_at=in_days(8)),
    }


def test_the_finders_markers_are_its_listed_slots_with_a_point(client, world):
    response = client.get(FINDER)
    assert listed(response) == ["Late Show", "Support wanted", "Munich Night", "Lost Night"]
    data = map_data(response)
    assert [m["title"] for m in data["markers"]] == ["Late Show", "Support wanted", "Munich Night"]
    late, support, munich = data["markers"]
    assert late["url"] == reverse("bookings:slot_detail", args=[world["late"].pk])
    assert (late["lat"], late["lon"], late["kind"]) == (52.52437, 13.41053, "slot")
    assert support["kind"] == "support_call"
    assert (munich["lat"], munich["lon"]) == (48.1459, 11.523)
    # The line is what the card says: when (in the venue's zone, named, for a visitor) and where.
    assert munich["line"].endswith("(Europe/Berlin) · Backstage, Munich")
    assert data["missing"] == 1 and data["note"] == "1 slot on this page has no place on the map."
    html = response.content.decode()
    assert html.index('id="results"') < html.index("data-map-panel")
    assert 'aria-label="Map of these slots; the list has the same slots"' in html


def test_filters_change_the_finders_markers_and_support_calls_have_theirs(client, world):
    response = client.get(FINDER, {"fee_min": "500"}, headers={"HX-Request": "true"})
    assert listed(response) == ["Munich Night"]
    assert [m["title"] for m in map_data(response)["markers"]] == ["Munich Night"]
    assert "data-map-panel" not in response.content.decode()

    response = client.get(FINDER, {"role": "support_call"}, headers={"HX-Request": "true"})
    assert listed(response) == ["Support wanted"]
    assert [(m["title"], m["kind"]) for m in map_data(response)["markers"]] == [("Support wanted", "support_call")]

    response = client.get(FINDER, {"date_from": "not a date"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [m["title"] for m in map_data(response)["markers"]] == listed(response)[:3]


@pytest.mark.parametrize("count", [1, 30])
def test_the_finders_map_costs_no_query(client, django_assert_max_num_queries, count):
    berlin = CityFactory(name="Berlin")
    venue = VenueFactory(place=berlin, stages=["Main"])
    for n in range(count):
        SlotFactory(venue=venue, title=f"Slot {n:02}", starts_at=in_days(3 + n))
    band, leader = band_with_leader()
    MembershipFactory(band=band, required=True)
    with django_assert_max_num_queries(5):
        response = client.get(FINDER)
    assert len(map_data(response)["markers"]) == min(count, 24)
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        response = client.get(FINDER, {"page": "2" if count > 24 else "1"}, headers={"HX-Request": "true"})
    assert [m["title"] for m in map_data(response)["markers"]] == listed(response)


def test_a_shows_page_has_one_pin_where_it_is(client, django_assert_max_num_queries):
    band, leader = band_with_leader(name="The Hosts")
    munich = CityFactory(name="Munich")
    backstage = VenueFactory(
        name="Backstage", city="Munich", place=munich, latitude=48.1459, longitude=11.5230, exact_point=True
    )
    start = in_days(12, 20)
    show = shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start.replace(hour=23),
        time_zone="Europe/Berlin",
        title="Release show",
        place_venue=backstage,
    )
    url = reverse("bookings:show_detail", args=[show.pk])
    with django_assert_max_num_queries(4):
        response = client.get(url)
    data = map_data(response, "show-map-data")
    assert data["markers"] == [
        {
            "lat": 48.1459,
            "lon": 11.523,
            "title": "Release show",
            "url": url,
            "kind": "show",
            "line": data["markers"][0]["line"],
        }
    ]
    assert data["markers"][0]["line"].endswith("(Europe/Berlin) · Backstage, Munich")
    assert data["zoom"] == 16 and data["note"] == ""
    html = response.content.decode()
    assert 'aria-label="Map of where the show is"' in html and "data-map-toggle" not in html
    assert "/static/js/map.js" in html


def test_a_show_at_its_citys_point_says_so_and_one_without_a_point_has_no_map(client):
    band, leader = band_with_leader(name="The Hosts")
    start = in_days(12, 20)
    show = shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start.replace(hour=23),
        time_zone="Europe/Berlin",
        title="Garden party",
        place_name="Anna’s garden",
        place_city="Atlantis",
    )
    url = reverse("bookings:show_detail", args=[show.pk])
    html = client.get(url).content.decode()
    assert "show-map-data" not in html and "data-map-panel" not in html and "leaflet.js" not in html

    show.place = CityFactory(name="Leipzig")
    show.place_city = "Leipzig"
    show.save()
    data = map_data(client.get(url), "show-map-data")
    assert [(m["lat"], m["lon"]) for m in data["markers"]] == [(51.33962, 12.37129)]
    assert data["zoom"] == 11
    assert data["note"] == "The pin marks Leipzig, not the address."
