"""The venue's profile page offers the map to pick its exact point (places' point_picker), starting
at the venue's point; the map fills inputs named latitude/longitude, so without them it stays hidden."""

import re

import pytest
from django.urls import reverse

from bookings.tests.factories import venue_with_owner
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def test_the_profile_page_has_the_point_picker_at_the_venues_point(client):
    venue, owner = venue_with_owner(name="Kellerbar", place=CityFactory(name="Leipzig"))
    client.force_login(owner)
    html = client.get(reverse("venues:manage", args=[venue.slug])).content.decode()
    picker = re.search(r"<div class=\"point-picker\"[^>]*>", html).group(0)
    assert 'data-lat="51.339620" data-lon="12.371290"' in picker and picker.endswith("hidden>")
    action = reverse("venues:manage", args=[venue.slug])
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    assert "data-point-picker-map" in form, "inside the form whose inputs it fills"
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def test_a_venue_without_a_point_opens_the_picker_without_one(client):
    venue, owner = venue_with_owner(name="Somewhere", place=None)
    client.force_login(owner)
    html = client.get(reverse("venues:manage", args=[venue.slug])).content.decode()
    assert "data-point-picker" in html and "data-lat=" not in html
