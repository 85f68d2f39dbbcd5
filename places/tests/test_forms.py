"""The city field: a picked id, typed text matched, several cities of one name, an unknown name."""

import pytest
from django import forms
from django.http import QueryDict

from places.forms import CityField, point_clean
from places.selectors import city_pick
from places.tests.factories import CityFactory
from places.zones import zone_at, zone_proposed

pytestmark = pytest.mark.django_db


class PlaceForm(forms.Form):
    place = CityField(required=False)


class RequiredPlaceForm(forms.Form):
    place = CityField()


def post(form_class=PlaceForm, **data):
    query = QueryDict(mutable=True)
    for key, value in data.items():
        for v in value if isinstance(value, list) else [value]:
            query.appendlist(key, v)
    return form_class(query)


def test_a_picked_city_is_taken_by_its_id(empty_gazetteer):
    leipzig = CityFactory(name="Leipzig")
    form = post(place="Leipzig, Germany", place_id=str(leipzig.pk))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == leipzig


def test_a_typed_name_without_a_pick_is_matched(empty_gazetteer):
    leipzig = CityFactory(name="Leipzig")
    CityFactory(name="Berlin")
    for text in ("Leipzig", "leipzig", "  LEIPZIG, Germany ", "Leipzig, DE"):
        form = post(place=text)
        assert form.is_valid(), (text, form.errors)
        assert form.cleaned_data["place"] == leipzig


def test_another_name_of_a_city_finds_it(empty_gazetteer):
    munich = CityFactory(name="Munich", other_names="|munchen|monaco di baviera|")
    form = post(place="München")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == munich


def test_an_old_id_beside_a_new_name_is_not_taken(empty_gazetteer):
    """Typing without JavaScript leaves the hidden id of the city picked before."""
    leipzig = CityFactory(name="Leipzig")
    dresden = CityFactory(name="Dresden")
    form = post(place="Dresden", place_id=str(leipzig.pk))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == dresden


def test_an_unknown_city_gets_a_clear_message(empty_gazetteer):
    CityFactory(name="Leipzig")
    form = post(place="Atlantis")
    assert not form.is_valid()
    assert form.errors["place"] == [
        "We know no city called “Atlantis”. Pick your city from the list as you type; "
        "if yours is a small town, pick the nearest city."
    ]
    # The typed text stays in the field.
    assert 'value="Atlantis"' in str(form["place"])


@pytest.mark.parametrize("bad_id", ["999999999", "abc", "-1"])
def test_a_forged_id_falls_back_to_the_text(empty_gazetteer, bad_id):
    form = post(place="Atlantis", place_id=bad_id)
    assert not form.is_valid()
    assert "We know no city called “Atlantis”" in form.errors["place"][0]


def test_several_cities_of_one_name_are_listed_to_pick_from(empty_gazetteer):
    saale = CityFactory(name="Halle", population=234_107)
    belgium = CityFactory(name="Halle", geoname_id=2797713, country="BE", population=39_000)
    form = post(place="Halle")
    assert not form.is_valid()
    assert form.errors["place"] == ["Several cities are called “Halle”. Pick yours: Halle, Germany; Halle, Belgium."]
    html = str(form["place"])
    assert "Which Halle do you mean?" in html
    assert f'type="radio" name="place_id" value="{saale.pk}"' in html
    assert f'value="{belgium.pk}"' in html
    # Picking one of them without JavaScript: the radio button sends its id after the empty hidden one.
    form = post(place="Halle", place_id=["", str(belgium.pk)])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == belgium
    # The country narrows it down too.
    assert city_pick("Halle, Belgium") == (belgium, [])


def test_empty_is_no_city_unless_one_is_required(empty_gazetteer):
    form = post(place="  ", place_id="")
    assert form.is_valid()
    assert form.cleaned_data["place"] is None
    form = post(RequiredPlaceForm, place="")
    assert not form.is_valid()
    assert form.errors["place"] == ["Pick your city from the list."]


def test_the_widget_is_a_labelled_combobox():
    html = str(PlaceForm()["place"])
    for attr in (
        'role="combobox"',
        'aria-autocomplete="list"',
        'aria-expanded="false"',
        'aria-controls="id_place-listbox"',
        'id="id_place-listbox" role="listbox"',
        'role="status" aria-live="polite"',
        'type="hidden" name="place_id"',
        'data-url="/places/cities/"',
    ):
        assert attr in html, attr


class PointForm(forms.Form):
    latitude = forms.CharField(required=False)
    longitude = forms.CharField(required=False)

    def __init__(self, *args, city=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.city = city

    def clean(self):
        data = super().clean()
        data["point"] = point_clean(self, data, city=self.city)
        return data


@pytest.mark.parametrize(
    ("latitude", "longitude", "field", "message"),
    [
        ("91", "12", "latitude", "The latitude must lie between -90 and 90."),
        ("51", "-181", "longitude", "The longitude must lie between -180 and 180."),
        ("abc", "12", "latitude", "Enter the latitude as a number, e.g. 51.34."),
        ("51", "east", "longitude", "Enter the longitude as a number, e.g. 12.37."),
        ("nan", "12", "latitude", "Enter the latitude and longitude as numbers, e.g. 51.34 and 12.37."),
        ("51.3", "", "longitude", "Enter the longitude too, or clear the latitude to use the city’s point."),
        ("", "12.3", "latitude", "Enter the latitude too, or clear the longitude to use the city’s point."),
    ],
)
def test_a_bad_point_gets_a_message_beside_its_field(latitude, longitude, field, message):
    form = PointForm({"latitude": latitude, "longitude": longitude})
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_a_point_far_from_its_city_is_refused(empty_gazetteer):
    leipzig = CityFactory(name="Leipzig")
    form = PointForm({"latitude": "12.37", "longitude": "51.34"}, city=leipzig)  # swapped
    assert not form.is_valid()
    assert "km from Leipzig" in form.errors["latitude"][0]
    form = PointForm({"latitude": "51,3447", "longitude": "12.3803"}, city=leipzig)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["point"] == (51.3447, 12.3803)
    assert PointForm({"latitude": "", "longitude": " "}, city=leipzig).is_valid()


def test_the_zone_of_a_point_and_of_a_city():
    assert zone_at(51.34, 12.37) == "Europe/Berlin"
    assert zone_at(40.71, -74.0) == "America/New_York"
    assert zone_at(0.0, -30.0) == ""  # the open Atlantic: no zone a person would pick
    paris = CityFactory.build(name="Paris")
    assert zone_proposed(city=paris) == "Europe/Paris"
    # A point of its own wins over the city's zone (a venue just across a border).
    assert zone_proposed(city=paris, latitude=51.34, longitude=12.37) == "Europe/Berlin"
    assert zone_proposed(city=paris, latitude=0.0, longitude=-30.0) == "Europe/Paris"
    assert zone_proposed() == ""
