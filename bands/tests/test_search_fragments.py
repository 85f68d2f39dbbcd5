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
