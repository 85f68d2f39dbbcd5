"""The city autocomplete's endpoint and the time zone at a point: public, quick, never a 500."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:cities")


def test_anyone_gets_up_to_eight_suggestions_biggest_first(client, empty_gazetteer, django_assert_max_num_queries):
    CityFactory(name="Leipzig")
    for i in range(10):
        CityFactory(name=f"Leimen {i}", population=20_000 + i)
    with django_assert_max_num_queries(1):
        response = client.get(URL, {"q": "Lei"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('role="option"') == 8
    assert html.index("Leipzig, Germany") < html.index("Leimen 9, Germany")
    assert "504,971 people" in html
    assert 'data-time-zone="Europe/Berlin"' in html


def test_other_names_are_suggested_too(client, empty_gazetteer, django_assert_max_num_queries):
    CityFactory(name="Munich", other_names="|munchen|monaco di baviera|")
    with django_assert_max_num_queries(2):
        html = client.get(URL, {"q": "Münch"}).content.decode()
    assert 'data-label="Munich, Germany"' in html


@pytest.mark.parametrize("q", ["", "L", " l ", "-"])
def test_less_than_two_letters_lists_nothing(client, empty_gazetteer, q, django_assert_max_num_queries):
    CityFactory(name="Leipzig")
    with django_assert_max_num_queries(0):
        response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert 'role="option"' not in response.content.decode()


def test_odd_input_is_no_error(client, empty_gazetteer):
    for q in ["%_%", "' OR 1=1 --", "ü" * 500, "<script>"]:
        response = client.get(URL, {"q": q})
        assert response.status_code == 200
        assert "<script>" not in response.content.decode()


def test_a_signed_in_member_gets_the_same_list(client, empty_gazetteer):
    CityFactory(name="Leipzig")
    client.force_login(UserFactory())
    assert 'data-label="Leipzig, Germany"' in client.get(URL, {"q": "leip"}).content.decode()


def test_only_get(client):
    assert client.post(URL, {"q": "leip"}).status_code == 405


def test_the_time_zone_at_a_point(client):
    url = reverse("places:time_zone")
    assert client.get(url, {"latitude": "51.34", "longitude": "12.37"}).json() == {"time_zone": "Europe/Berlin"}
    assert client.get(url, {"latitude": "0", "longitude": "-30"}).json() == {"time_zone": ""}
    for bad in ({"latitude": "91", "longitude": "0"}, {"latitude": "abc", "longitude": "0"}, {}):
        response = client.get(url, bad)
        assert response.status_code == 400
        assert response.json()["error"]


def test_control_characters_are_no_error(client, empty_gazetteer):
    CityFactory(name="Leipzig")
    response = client.get(URL, {"q": "Lei\x00pz"})
    assert response.status_code == 200
    html = client.get(URL, {"q": "Leip\x00"}).content.decode()
    assert 'data-label="Leipzig, Germany"' in html
