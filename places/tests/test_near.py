"""Which city a search's "Near" stands for, and how a distance reads."""

import pytest

from places.near import PlaceNotFound, city_from_input, distance_text, radius_from_input, radius_text
from places.tests.factories import CityFactory


@pytest.mark.parametrize(
    ("km", "text"),
    [(0.2, "under 1 km"), (12.4, "12 km"), (31.6, "32 km"), (148.7, "150 km"), (562, "560 km"), (1243, "1,240 km")],
)
def test_a_distance_reads_rounded_as_people_say_it(km, text):
    assert distance_text(km) == text


def test_a_radius_reads_as_typed():
    assert radius_text(50) == "50 km"
    assert radius_text(2.5) == "2.5 km"
    assert radius_text(1000.0) == "1,000 km"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "more than 0 km"),
        ("-5", "more than 0 km"),
        ("20001", "at most 20,000 km"),
        ("abc", "as a number"),
        ("nan", "more than 0 km"),
    ],
)
def test_a_bad_radius_says_what_is_wrong(value, message):
    with pytest.raises(ValueError, match=message):
        radius_from_input(value)


@pytest.mark.django_db
class TestCityFromInput:
    def test_by_id_by_name_in_any_case_and_accents(self, empty_gazetteer):
        leipzig = CityFactory(name="Leipzig")
        munich = CityFactory(name="Munich", other_names="|munchen|")
        assert city_from_input(str(leipzig.pk)) == leipzig
        assert city_from_input(leipzig.pk) == leipzig
        assert city_from_input("  LEIPZIG ") == leipzig
        assert city_from_input("München") == munich

    def test_the_start_of_one_city_s_name_is_enough(self, empty_gazetteer):
        leipzig = CityFactory(name="Leipzig")
        assert city_from_input("Leipz") == leipzig

    def test_an_unknown_city_or_id_gets_a_clear_message(self, empty_gazetteer):
        CityFactory(name="Leipzig")
        with pytest.raises(PlaceNotFound, match="We do not know a city called “Atlantis”"):
            city_from_input("Atlantis")
        with pytest.raises(PlaceNotFound, match="We do not know that place"):
            city_from_input("999999999")
        with pytest.raises(PlaceNotFound, match="at least two letters"):
            city_from_input("L")

    def test_several_cities_of_one_name_are_listed_not_guessed(self, empty_gazetteer):
        saxony = CityFactory(name="Halle", region="Saxony-Anhalt")
        westphalia = CityFactory(
            name="Halle (Westfalen)",
            geoname_id=2911520,
            search_name="halle",
            region="North Rhine-Westphalia",
            population=60_000,
        )
        with pytest.raises(PlaceNotFound) as problem:
            city_from_input("Halle")
        assert "Several places match “Halle”" in str(problem.value)
        assert "Halle, Saxony-Anhalt, Germany" in str(problem.value)
        assert set(problem.value.candidates) == {saxony, westphalia}
        # The label the list shows picks one.
        assert city_from_input("Halle, Saxony-Anhalt, Germany") == saxony
