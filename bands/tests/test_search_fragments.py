"""The search filters are drawn once per form digest: equal queries give equal forms, and anything the
form draws differently (the query, an error, the viewer's time zone) gives another digest."""

import re

import pytest
from django.core.cache import caches

from accounts.tests.factories import UserFactory
from bands.tests.factories import BandFactory, GenreFactory

pytestmark = pytest.mark.django_db


def filters_html(client, query: str = "") -> str:
    body = client.get(f"/bands/{query}").content.decode()
    return re.search(r'<aside class="discovery__filters">.*?</aside>', body, re.S).group(0)


def test_a_kept_form_is_the_form_drawn_anew(client):
    GenreFactory(name="Indie", slug="indie")
    BandFactory(name="The Night Owls")
    first = filters_html(client, "?q=owls&genre=indie&fee_min=abc")
    caches["fragments"].clear()
    assert filters_html(client, "?q=owls&genre=indie&fee_min=abc") == first
    assert 'class="errorlist' in first  # the error is drawn, and kept with its query
    plain = filters_html(client, "?q=owls")
    assert plain != first and 'class="errorlist' not in plain


def test_the_viewers_time_zone_is_part_of_the_key(client):
    tokyo = UserFactory(time_zone="Asia/Tokyo")
    berlin = UserFactory(time_zone="Europe/Berlin")
    client.force_login(tokyo)
    assert "Asia/Tokyo" in filters_html(client)
    client.force_login(berlin)
    html = filters_html(client)
    assert "Europe/Berlin" in html and "Asia/Tokyo" not in html


def kept(prefix: str) -> int:
    """How many drawings the fragments cache holds whose key starts with `prefix` (Django's cache tag names
    its keys template.cache.<fragment name>.<digest>; a field group is search_field.<digest>)."""
    return sum(f":{prefix}" in key for key in caches["fragments"]._cache)


def test_another_date_draws_the_date_and_keeps_the_other_filters(client):
    GenreFactory(name="Indie", slug="indie")
    BandFactory(name="The Night Owls")
    caches["fragments"].clear()
    first = filters_html(client, "?genre=indie&free_on=2031-03-07")
    fields = kept("search_field.")
    second = filters_html(client, "?genre=indie&free_on=2031-03-08")
    assert 'value="2031-03-08"' in second and 'value="2031-03-07"' not in second
    assert kept("template.cache.search_filters.") == 2  # two whole sidebars…
    assert kept("search_field.") == fields + 1  # …and one field group more: the date's
    caches["fragments"].clear()
    assert filters_html(client, "?genre=indie&free_on=2031-03-08") == second
    assert first != second


@pytest.mark.parametrize(
    "query",
    [
        "?q=owls&genre=indie&free_on=someday",  # an error among the dates
        "?genre=indie&fee_min=abc&free_on=2031-03-08",  # an error in a field another query shows plain
        "?free_from=2031-03-08T20:00&free_until=2031-03-01T20:00&sort=-fee",  # the dates refused together
        "?country=ZZ&within=abc&near=Leipzig",  # choices and hints a request changes
    ],
)
def test_a_sidebar_from_kept_field_groups_is_the_sidebar_drawn_anew(client, query):
    GenreFactory(name="Indie", slug="indie")
    caches["fragments"].clear()
    for other in ("?genre=indie&fee_min=500&sort=-fee", "?q=owls&free_on=2031-03-08", "?country=DE&within=50"):
        filters_html(client, other)  # keeps field groups the query may share
    from_kept_fields = filters_html(client, query)
    caches["fragments"].clear()
    assert filters_html(client, query) == from_kept_fields


@pytest.mark.parametrize("query", ["?date_from=2031-03-08&sort=fee", "?date_from=someday&genre=indie", "?fee_min=-5"])
def test_the_gig_finders_sidebar_from_kept_field_groups_is_the_sidebar_drawn_anew(client, query):
    GenreFactory(name="Indie", slug="indie")
    caches["fragments"].clear()
    for other in ("/slots/?date_from=2031-03-01&genre=indie", "/slots/?fee_min=100&sort=fee"):
        client.get(other)
    first = client.get(f"/slots/{query}").content.decode()
    caches["fragments"].clear()
    again = client.get(f"/slots/{query}").content.decode()
    sidebar = re.compile(r'<form class="filters card".*?</form>', re.S)
    assert sidebar.search(first).group(0) == sidebar.search(again).group(0)
