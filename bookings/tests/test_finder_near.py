"""The gig finder and support calls near a city: within N km, nearest first, the distance on each card."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from bookings.selectors.finder import finder_slots
from bookings.services import shows
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from places.near import Near
from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("bookings:gig_finder")


def titles(response) -> list[str]:
    return re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', response.content.decode())


def distances(response) -> list[str]:
    return re.findall(
        r'<span class="distance"><span class="visually-hidden">, </span>([^<]+)</span>', response.content.decode()
    )


@pytest.fixture
def cities():
    return {name: CityFactory(name=name) for name in ("Leipzig", "Halle", "Dresden", "Berlin")}


@pytest.fixture
def slots(cities):
    """A slot at a venue in Leipzig, Halle and Berlin and one at a venue without a place; a support call
    of a show a band hosts in Dresden (≈ 100 km from Leipzig)."""
    made = {}
    for n, name in enumerate(("Leipzig", "Halle", "Berlin")):
        venue = venue_with_owner(name=f"{name} Club", place=cities[name], city=name)[0]
        made[name] = SlotFactory(venue=venue, title=f"{name} night", starts_at=in_days(10 - n))
    made["Nowhere"] = SlotFactory(venue=VenueFactory(city=""), title="Nowhere night", starts_at=in_days(3))
    band, leader = band_with_leader(name="Hosts")
    start = in_days(20)
    show = shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        time_zone="Europe/Berlin",
        title="Dresden garden show",
        place_name="Garden",
        place_city="Dresden",
        support_places=2,
    )
    show.place = cities["Dresden"]
    show.save()
    made["Dresden"] = show
    return made


def test_slots_within_a_radius_nearest_first_with_their_distance(cities, slots):
    found = list(finder_slots(now=in_days(0), near=Near(city=cities["Leipzig"], km=120), sort="distance"))
    assert [s.title for s in found] == ["Leipzig night", "Halle night", "Dresden garden show"]
    assert [round(s.distance_km) for s in found] == [0, 31, 101]


def test_near_a_place_without_a_radius_keeps_the_usual_sort(cities, slots):
    found = [s.title for s in finder_slots(now=in_days(0), near=Near(city=cities["Leipzig"]))]
    assert found == ["Berlin night", "Halle night", "Leipzig night", "Dresden garden show"]


def test_page_near_a_city_sorts_nearest_first_and_shows_each_distance(client, cities, slots):
    response = client.get(URL, {"near": cities["Leipzig"].pk, "within": "250"})
    assert response.status_code == 200
    assert titles(response) == ["Leipzig night", "Halle night", "Dresden garden show", "Berlin night"]
    assert distances(response) == ["under 1 km away", "31 km away", "100 km away", "150 km away"]
    assert "Within 250 km of Leipzig" in response.content.decode()


def test_support_calls_near_a_city(client, cities, slots):
    response = client.get(URL, {"near": cities["Halle"].pk, "within": "100", "role": "support_call"})
    assert titles(response) == []
    response = client.get(URL, {"near": cities["Halle"].pk, "within": "150", "role": "support_call"})
    assert titles(response) == ["Dresden garden show"]
    assert distances(response) == ["130 km away"]


def test_soonest_first_stays_on_request(client, cities, slots):
    response = client.get(URL, {"near": cities["Leipzig"].pk, "within": "250", "sort": "soonest"})
    assert titles(response) == ["Berlin night", "Halle night", "Leipzig night", "Dresden garden show"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"within": "0"}, "The distance must be more than 0 km."),
        ({"within": "-5"}, "The distance must be more than 0 km."),
        ({"within": "20001"}, "The distance can be at most 20,000 km."),
        ({"within": "abc"}, "Enter the distance in km as a number"),
    ],
)
def test_a_bad_radius_gets_a_clear_message_and_a_page(client, cities, slots, query, message):
    response = client.get(URL, {"near": cities["Leipzig"].pk, **query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert titles(response)[0] == "Leipzig night"


def test_an_unknown_place_gets_a_clear_message_and_every_slot(client, slots):
    response = client.get(URL, {"near": "999999999", "within": "50"})
    assert response.status_code == 200
    assert "We do not know that place" in response.content.decode()
    assert len(titles(response)) == 5


def test_a_band_member_is_offered_their_band_s_home_in_one_click(client, cities, slots):
    _band, leader = band_with_leader(name="Night Owls", place=cities["Berlin"], city="Berlin")
    client.force_login(leader)
    html = client.get(URL).content.decode()
    assert f'href="?near={cities["Berlin"].pk}">Near Night Owls’s home, Berlin</a>' in html
    assert "Near Night Owls" not in client.get(URL, {"near": cities["Leipzig"].pk}).content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_a_search_near_a_city_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, cities, count):
    venue = venue_with_owner(place=cities["Halle"])[0]
    for n in range(count):
        SlotFactory(venue=venue, title=f"Slot {n}")
    client.get(URL)  # the filter lists, cached from here on
    # the city, count, the page of slots, their genres
    with django_assert_max_num_queries(4):
        response = client.get(URL, {"near": cities["Leipzig"].pk, "within": "50"})
    assert len(titles(response)) == min(count, 24)
    assert len(distances(response)) == min(count, 24)
