"""Distances and boxes against figures worked out independently, and the database's answer against
Python's."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from places.geo import bounding_box, great_circle_km, point_problem, radius_problem, within_km
from places.models import City
from places.names import fold
from places.selectors import city_match, city_search
from places.tests.factories import CityFactory


def test_known_distances():
    # Berlin–Munich is about 504 km, London–Paris about 344 km as the crow flies.
    assert great_circle_km(52.52437, 13.41053, 48.13743, 11.57549) == pytest.approx(504.4, abs=1.5)
    assert great_circle_km(51.50853, -0.12574, 48.85341, 2.3488) == pytest.approx(343.6, abs=1.5)
    assert great_circle_km(10, 20, 10, 20) == 0
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088)


latitudes = st.floats(min_value=-89.9, max_value=89.9)
longitudes = st.floats(min_value=-180, max_value=180)


@settings(max_examples=300, deadline=None)
@given(latitudes, longitudes, st.floats(min_value=1, max_value=3000), st.floats(0, 1), st.floats(0, 360))
def test_every_point_within_the_radius_lies_in_the_box(lat, lon, km, fraction, bearing):
    """A point at distance ≤ km in any direction from the centre is inside the box."""
    d = km * fraction / 6371.0088
    b = math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    lat2, lon2 = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
    box = bounding_box(lat, lon, km * 1.000001 + 0.001)
    assert box.min_lat <= lat2 <= box.max_lat
    if box.lon_wraps:
        assert lon2 >= box.min_lon or lon2 <= box.max_lon
    else:
        assert box.min_lon - 1e-9 <= lon2 <= box.max_lon + 1e-9


def test_boxes_wrap_at_the_date_line_and_open_at_the_poles():
    box = bounding_box(-18.14, 178.44, 500)  # Suva
    assert box.lon_wraps and box.min_lon > 170 and box.max_lon < -170
    polar = bounding_box(89.5, 0, 200)
    assert (polar.min_lon, polar.max_lon, polar.max_lat) == (-180.0, 180.0, 90.0)


def test_the_database_finds_what_python_finds_across_the_date_line(empty_gazetteer):
    suva, apia, leipzig = CityFactory(name="Suva"), CityFactory(name="Apia"), CityFactory(name="Leipzig")
    near = within_km(City.objects.all(), "latitude", "longitude", suva.latitude, suva.longitude, 1200)
    found = {c.name: c.distance_km for c in near}
    assert set(found) == {"Suva", "Apia"}
    assert found["Apia"] == pytest.approx(
        great_circle_km(suva.latitude, suva.longitude, apia.latitude, apia.longitude), rel=1e-6
    )
    assert leipzig.name not in found


def test_a_radius_keeps_exactly_the_cities_inside_it(empty_gazetteer):
    for name in ("Leipzig", "Halle", "Dresden", "Berlin", "Munich"):
        CityFactory(name=name)
    leipzig = City.objects.get(name="Leipzig")
    near = within_km(City.objects.all(), "latitude", "longitude", leipzig.latitude, leipzig.longitude, 120)
    assert sorted(c.name for c in near) == ["Dresden", "Halle", "Leipzig"]  # Dresden ≈ 100 km, Berlin ≈ 150 km


def test_names_fold_to_lower_case_ascii():
    assert fold("München") == "munchen"
    assert fold("  Saint-Étienne ") == "saint etienne"
    assert fold("Kraków") == "krakow"
    assert fold("Gießen") == "giessen"


def test_search_and_match(empty_gazetteer):
    CityFactory(name="Munich", other_names="|munchen|monaco di baviera|")
    CityFactory(name="Frankfurt am Main", other_names="|frankfurt|", population=750_000)
    CityFactory(name="Frankfurt (Oder)", search_name="frankfurt oder", other_names="|frankfurt|", population=57_000)
    assert [c.name for c in city_search("Münch")] == ["Munich"]
    assert [c.name for c in city_search("frankf")][:2] == ["Frankfurt am Main", "Frankfurt (Oder)"]
    assert city_search("m") == []
    assert city_match("münchen", "DE").name == "Munich"
    assert city_match("Frankfurt", "DE") is None  # two cities: never guessed
    assert city_match("Atlantis", "DE") is None


@pytest.mark.parametrize(
    ("lat", "lon", "problem"),
    [
        ("91", "0", "latitude"),
        ("0", "-181", "longitude"),
        ("x", "1", "numbers"),
        ("nan", "1", "numbers"),
        ("", "", "numbers"),
    ],
)
def test_bad_points_and_radii_are_named(lat, lon, problem):
    assert problem in point_problem(lat, lon)
    assert point_problem("51.3", "12.4") == ""


@pytest.mark.parametrize("km", ["0", "-5", "20001", "inf", "many"])
def test_bad_radii_are_named(km):
    assert radius_problem(km)
    assert radius_problem("50") == ""
