"""Sorting bands by fee, on /bands/ and in the API: cheapest or dearest first, bands without a fee last."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bands.selectors import band_search
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from bookings.tests.api_helpers import ApiClient

pytestmark = pytest.mark.django_db

URL = reverse("bands:search")


def names(rows) -> list[str]:
    return [band.name for band in rows]


def result_names_of(html: str) -> list[str]:
    """Band names on the result cards, in page order."""
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html)


@pytest.fixture
def priced():
    """Fees as bands give them: a range, only a lowest, only a highest, none at all, and a tie."""
    BandFactory(name="Range 300-900", fee_min=300, fee_max=900)
    BandFactory(name="From 500", fee_min=500, fee_max=None)
    BandFactory(name="Up to 200", fee_min=None, fee_max=200)
    BandFactory(name="On request", fee_min=None, fee_max=None)
    BandFactory(name="Also on request", fee_min=None, fee_max=None)
    BandFactory(name="B 500", fee_min=500, fee_max=700)
    BandFactory(name="Top 5000", fee_min=5000, fee_max=8000)


ASCENDING = ["Up to 200", "Range 300-900", "B 500", "From 500", "Top 5000", "Also on request", "On request"]
DESCENDING = ["Top 5000", "B 500", "From 500", "Range 300-900", "Up to 200", "Also on request", "On request"]


def test_selector_sorts_by_lowest_fee_both_ways_with_bands_without_a_fee_last(priced):
    assert names(band_search(sort="fee")) == ASCENDING
    assert names(band_search(sort="-fee")) == DESCENDING


def test_fee_sort_keeps_the_fee_filter(priced):
    assert names(band_search(sort="-fee", fee_min=400, fee_max=600)) == ["B 500", "From 500", "Range 300-900"]


def test_search_page_offers_and_applies_both_fee_orders(client, priced):
    html = client.get(URL).content.decode()
    assert '<option value="fee">Lowest fee first</option>' in html
    assert '<option value="-fee">Highest fee first</option>' in html
    for sort, expected in (("fee", ASCENDING), ("-fee", DESCENDING)):
        html = client.get(URL, {"sort": sort}).content.decode()
        assert f'<option value="{sort}" selected>' in html
        assert result_names_of(html) == expected, sort


def test_api_sorts_by_fee_both_ways_and_pages_through_the_bands_without_a_fee(priced):
    api = ApiClient()
    for sort, expected in (("fee", ASCENDING), ("-fee", DESCENDING)):
        seen, url, params = [], "/api/v1/bands", {"sort": sort, "limit": 2}
        while url:
            body = api.get(url, params).json()
            seen += [item["name"] for item in body["items"]]
            url, params = body["next"], None
        assert seen == expected, sort


def test_api_refuses_an_unknown_sort_naming_the_field(priced):
    response = ApiClient().get("/api/v1/bands", {"sort": "fee_desc"})
    assert response.status_code == 422
    assert "-fee" in response.json()["errors"]["sort"][0]


def test_a_fee_sort_costs_no_more_queries_than_sorting_by_name(client, django_assert_num_queries):
    genre = GenreFactory(slug="rock")
    for i in range(30):
        band = BandFactory(genres=[genre], fee_min=100 * i if i % 3 else None, fee_max=None)
        MembershipFactory.create_batch(2, band=band)
    client.get(URL)  # fills the cache of genre and country lists

    def count(path, params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path, params).status_code == 200
        return len(ctx.captured_queries)

    for path in (URL, "/api/v1/bands"):
        by_name = count(path, {"sort": "name", "genre": "rock"})
        assert count(path, {"sort": "fee", "genre": "rock"}) == by_name
        assert count(path, {"sort": "-fee", "genre": "rock"}) == by_name
    with django_assert_num_queries(4):
        client.get(URL, {"sort": "-fee", "genre": "rock", "page": 2}, headers={"HX-Request": "true"})
