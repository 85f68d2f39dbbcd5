"""A visitor reads times in their browser's zone (the cookie static/js/zone.js sets), the page says where
the zone came from, and a first visit does not call UTC "yours"."""

import re

import pytest
from django.urls import reverse

from core.fields.timezones import ZONE_COOKIE

from .journey import band_party

pytestmark = pytest.mark.django_db

BROWSER = "Times on this page are shown in <strong>Europe/Berlin</strong>, your browser’s time zone."
ACCOUNT = "Times on this page are shown in <strong>Europe/Lisbon</strong>, your account’s time zone."
DEFAULT = "Times on this page are shown in <strong>UTC</strong> until your browser tells us its time zone"


def _strip(client, band):
    return client.get(reverse("bookings:band_strip", args=[band.slug])).content.decode()


def test_a_visitor_with_the_browser_zone_reads_berlin_times_and_is_told_why(client):
    p = band_party(time_zone="Europe/London")
    client.cookies[ZONE_COOKIE] = "Europe/Berlin"
    html = _strip(client, p.band)
    assert "zone, <strong>Europe/London</strong>, and in yours, <strong>Europe/Berlin</strong>." in html
    assert BROWSER in html
    # Each free start reads in the band's zone with the visitor's clock beside it, an hour later.
    starts = re.findall(r"(\d\d):(\d\d) <span class=\"muted\">\((\d\d):(\d\d) yours\)", html)
    assert starts
    for band_h, band_m, mine_h, mine_m in starts:
        assert ((int(mine_h) - int(band_h)) % 24, mine_m) == (1, band_m)


def test_the_browser_zone_names_the_page_anywhere(client):
    client.cookies[ZONE_COOKIE] = "Europe/Berlin"
    assert BROWSER in client.get(reverse("bands:search")).content.decode()


@pytest.mark.parametrize(
    "value",
    ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/Berlin\\x00", "x" * 4000, "", "Etc/../Europe/Berlin"],
)
def test_a_bad_zone_cookie_is_ignored(client, value):
    p = band_party(time_zone="Europe/London")
    client.cookies[ZONE_COOKIE] = value
    response = client.get(reverse("bookings:band_strip", args=[p.band.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert DEFAULT in html
    assert "in yours" not in html and "yours)" not in html


def test_a_first_visit_reads_the_bands_zone_not_utc_as_yours(client):
    p = band_party(time_zone="Europe/London")
    html = _strip(client, p.band)
    assert "zone, <strong>Europe/London</strong>." in html
    assert "in yours" not in html and "UTC</strong>, and" not in html
    assert DEFAULT in html


def test_a_signed_in_person_keeps_their_account_zone(client):
    p = band_party(time_zone="Europe/London")
    p.client.time_zone = "Europe/Lisbon"
    p.client.save(update_fields=["time_zone"])
    client.force_login(p.client)
    client.cookies[ZONE_COOKIE] = "Europe/Berlin"
    html = client.get(reverse("bands:search")).content.decode()
    assert ACCOUNT in html and "Europe/Berlin" not in html


def test_the_zone_picker_names_zones_as_the_pages_do():
    from core.fields.timezones import time_zone_choices, zone_name

    choices = dict(time_zone_choices())
    assert choices["America/New_York"] == zone_name("America/New_York") == "America/New_York"
