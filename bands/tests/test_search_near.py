"""Band search near a city: within N km, nearest first, the distance on each card, "would travel here"."""

import re

import pytest
from django.urls import reverse

from bands.selectors import band_search
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from places.near import Near
from places.tests.conftest import empty_gazetteer  # noqa: F401  (a fixture)
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db

URL = reverse("bands:search")


def names(qs) -> list[str]:
    return [band.name for band in qs]


def result_names(response) -> list[str]:
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', response.content.decode())


def distances(response) -> list[str]:
    return re.findall(
        r'<span class="distance"><span class="visually-hidden">, </span>([^<]+)</span>', response.content.decode()
    )


@pytest.fixture
def cities():
    return {name: CityFactory(name=name) for name in ("Leipzig", "Halle", "Dresden", "Berlin", "Munich")}


@pytest.fixture
def bands(cities):
    """A band at home in each city (Halle ≈ 31 km from Leipzig, Dresden ≈ 100, Berlin ≈ 150, Munich ≈ 360),
    and one without a place."""
    made = {
        name: BandFactory(name=f"{name} Band", place=city, city=name, travel_km=travel)
        for (name, city), travel in zip(cities.items(), (None, 20, 150, 100, 500), strict=True)
    }
    made["Nowhere"] = BandFactory(name="Nowhere Band", city="")
    return made


def test_within_a_radius_finds_the_bands_inside_it_with_their_distance(cities, bands):
    found = list(band_search(near=Near(city=cities["Leipzig"], km=120), sort="distance"))
    assert names(found) == ["Leipzig Band", "Halle Band", "Dresden Band"]
    assert [round(b.distance_km) for b in found] == [0, 31, 101]


def test_without_a_radius_every_band_with_a_place_is_sorted_nearest_first(cities, bands):
    found = names(band_search(near=Near(city=cities["Leipzig"]), sort="distance"))
    assert found == ["Leipzig Band", "Halle Band", "Dresden Band", "Berlin Band", "Munich Band"]


def test_other_sorts_and_filters_still_apply_near_a_place(cities, bands):
    rock = GenreFactory(name="Rock", slug="rock")
    bands["Berlin"].genres.add(rock)
    bands["Halle"].genres.add(rock)
    assert names(band_search(near=Near(city=cities["Leipzig"], km=200), genres=["rock"], sort="name")) == [
        "Berlin Band",
        "Halle Band",
    ]


def test_would_travel_here_keeps_the_bands_whose_travel_distance_covers_the_way(cities, bands):
    # Halle travels 20 km (31 away): no. Dresden 150 (101 away): yes. Berlin 100 (150 away): no.
    # Munich 500 (360 away): yes. Leipzig says nothing: no.
    found = names(band_search(near=Near(city=cities["Leipzig"]), travels_here=True, sort="distance"))
    assert found == ["Dresden Band", "Munich Band"]


def test_distance_sort_without_a_place_sorts_by_name(bands):
    assert names(band_search(sort="distance"))[:2] == ["Berlin Band", "Dresden Band"]


# ---- The page -----------------------------------------------------------------------------------


def test_page_near_a_city_by_name_sorts_nearest_first_and_shows_each_distance(client, cities, bands):
    response = client.get(URL, {"near": "leipzig", "within": "250"})
    assert response.status_code == 200
    assert result_names(response) == ["Leipzig Band", "Halle Band", "Dresden Band", "Berlin Band"]
    assert distances(response) == ["under 1 km away", "31 km away", "100 km away", "150 km away"]
    html = response.content.decode()
    assert "Within 250 km of Leipzig" in html  # the active filter's chip
    # Nearest first is the first sort offered, so the one a browser shows as chosen.
    assert re.search(r'<select [^>]*name="sort"[^>]*><option value="distance">Nearest first</option>', html)


def test_page_offers_nearest_first_only_with_a_place(client, bands):
    html = client.get(URL).content.decode()
    assert "Nearest first" not in html
    assert distances(client.get(URL)) == []


def test_page_by_city_id_as_a_city_picker_sends_it(client, cities, bands):
    response = client.get(URL, {"near": cities["Berlin"].pk, "within": "50"})
    assert result_names(response) == ["Berlin Band"]


def test_page_would_travel_here(client, cities, bands):
    response = client.get(URL, {"near": "Leipzig", "travels_here": "on"})
    assert result_names(response) == ["Dresden Band", "Munich Band"]
    assert "Would travel to Leipzig" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"near": "Leipzig", "within": "0"}, "The distance must be more than 0 km."),
        ({"near": "Leipzig", "within": "-5"}, "The distance must be more than 0 km."),
        ({"near": "Leipzig", "within": "20001"}, "The distance can be at most 20,000 km."),
        ({"near": "Leipzig", "within": "abc"}, "Enter the distance in km as a number"),
        ({"within": "50"}, "Pick a place under “Near” to search within a distance of it."),
        ({"travels_here": "on"}, "Pick a place under “Near” to find the bands that would travel there."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_place_or_distance_gets_a_clear_message_and_the_rest_of_the_search(
    client, cities, bands, query, message, htmx
):
    response = client.get(URL, query, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert message in html
    # The filter that could not be read is left out; a bad radius still searches near the place.
    found = result_names(response)
    if "near" in query:
        assert found[0] == "Leipzig Band" and len(found) == 5
    else:
        assert len(found) == 6


def test_an_unknown_city_gets_a_clear_message_and_every_band(client, empty_gazetteer):  # noqa: F811
    BandFactory(name="Somewhere Band", place=CityFactory(name="Leipzig"))
    BandFactory(name="Nowhere Band")
    response = client.get(URL, {"near": "Atlantis", "within": "50"})
    assert response.status_code == 200
    assert "We do not know a city called “Atlantis”" in response.content.decode()
    assert result_names(response) == ["Nowhere Band", "Somewhere Band"]


def test_an_ambiguous_place_lists_the_cities_it_could_be_as_links(client, empty_gazetteer):  # noqa: F811
    saxony = CityFactory(name="Halle", region="Saxony-Anhalt")
    CityFactory(
        name="Halle (Westfalen)",
        geoname_id=2911520,
        search_name="halle",
        region="North Rhine-Westphalia",
        population=60_000,
    )
    BandFactory(name="Halle Band", place=saxony)
    response = client.get(URL, {"near": "halle", "within": "50"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which place do you mean?" in html
    assert f'href="{URL}?within=50&amp;near={saxony.pk}"' in html
    assert result_names(client.get(URL, {"near": saxony.pk, "within": "50"})) == ["Halle Band"]


@pytest.mark.parametrize("count", [3, 30])
def test_a_search_near_a_city_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, cities, count):
    rock = GenreFactory(name="Rock", slug="rock")
    for n in range(count):
        band = BandFactory(place=cities["Halle" if n % 2 else "Dresden"], genres=[rock])
        MembershipFactory(band=band)
    client.get(URL)  # the filter lists, cached from here on
    # the city, count, the page of bands, their genres, covers
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"near": cities["Leipzig"].pk, "within": "120", "genre": "rock"})
    assert len(result_names(response)) == min(count, 24)
    assert len(distances(response)) == min(count, 24)
    # by name: one more, to find the city
    with django_assert_max_num_queries(6):
        client.get(URL, {"near": "Leipzig", "within": "120", "genre": "rock"}, headers={"HX-Request": "true"})


def test_of_several_cities_of_one_name_a_far_bigger_one_is_taken_and_the_others_offered(client, empty_gazetteer):  # noqa: F811
    paris = CityFactory(name="Paris")
    texas = CityFactory(name="Paris", geoname_id=4717560, country="US", region="Texas", population=24_000)
    BandFactory(name="Paris Band", place=paris)
    response = client.get(URL, {"near": "Paris", "within": "25"})
    html = response.content.decode()
    assert result_names(response) == ["Paris Band"]
    assert "Near Paris, France. Did you mean another place?" in html
    assert f"near={texas.pk}" in html
