"""A visitor searches bands near a city: typing the place sorts the results nearest first and shows each
band's distance; a radius narrows them; the page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from bands.tests.factories import BandFactory
from places.tests.factories import CityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_place_sorts_nearest_first_and_a_radius_narrows(live_server, page, axe_check):
    # A transactional test: the gazetteer may have been flushed, so the cities are made here.
    for name in ("Berlin", "Halle", "Leipzig"):
        BandFactory(name=f"{name} Band", place=CityFactory(name=name), city=name)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/bands/")
    sort = page.get_by_label("Sort by")
    expect(sort.locator('option[value="distance"]')).to_have_count(0)

    page.get_by_label("Near").fill("Leipzig")
    expect(sort).to_have_value("distance")
    cards = page.locator(".result-card")
    expect(cards.first).to_contain_text("Leipzig Band")
    expect(cards.nth(1)).to_contain_text("31 km away")
    expect(cards.nth(2)).to_contain_text("Berlin Band")
    assert re.search(r"near=Leipzig", page.url)
    axe_check(page)

    page.get_by_label("Within").select_option("50")
    expect(page.locator("#results-heading")).to_contain_text("2 bands")
    expect(page.get_by_role("link", name=re.compile("Within 50 km of Leipzig"))).to_be_visible()

    page.get_by_label("Near").fill("")
    expect(sort.locator('option[value="distance"]')).to_have_count(0)
    expect(sort).to_have_value("name")
