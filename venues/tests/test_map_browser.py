"""The venue search's map in Chromium: clustered markers for the listed venues, redrawn with the list
when a filter changes, folded on a phone, clean for axe and the CSP; and the point picker filling a
form's latitude and longitude. No tile is fetched: every request to the tile server is refused."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template

from bands.tests.factories import GenreFactory
from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
PICKER_PAGE = """{% load maps nav %}<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Picker</title>
{% head_assets %}{% map_assets %}</head>
<body><main><form><label>Latitude <input type="number" step="any" name="latitude"></label>
<label>Longitude <input type="number" step="any" name="longitude"></label>
{% point_picker lat=51.33962 lon=12.37129 label="the venue" %}</form></main></body></html>"""

PIN_IN_THE_MIDDLE = """() => {
    const map = document.querySelector("[data-point-picker-map]").getBoundingClientRect();
    const pin = document.querySelector("[data-point-picker-map] .map-pin--picked")?.getBoundingClientRect();
    const middle = (box) => [box.left + box.width / 2, box.top + box.height / 2];
    if (!pin) return false;
    const [[mx, my], [px, py]] = [middle(map), middle(pin)];
    return Math.abs(mx - px) < 3 && Math.abs(my - py) < 3;
}"""

WHERE_THE_PINS_ARE = """() => [...document.querySelectorAll("#results-map .map-pin, #results-map .marker-cluster")]
    .map((pin) => { const box = pin.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.top)]; })"""


def refuse_tiles(context) -> list[str]:
    asked: list[str] = []
    host = settings.MAP_TILE_URL.split("/")[2]

    def refuse(route):
        asked.append(route.request.url)
        route.abort()

    context.route(re.compile(rf"^https?://{re.escape(host)}/"), refuse)
    return asked


def markers(page) -> dict:
    return page.evaluate(
        """() => ({
            count: Number(document.querySelector("#results-map").dataset.markerCount),
            pins: document.querySelectorAll("#results-map .map-pin").length,
            clusters: [...document.querySelectorAll("#results-map .marker-cluster")].map((c) => c.textContent.trim()),
        })"""
    )


def test_the_venue_map_clusters_markers_and_follows_the_filters(live_server, browser, axe_check):
    rock = GenreFactory(name="Rock", slug="rock")
    berlin, leipzig = CityFactory(name="Berlin"), CityFactory(name="Leipzig")
    for name in ("Kellerbar", "Lido", "Astra"):
        VenueFactory(name=name, city="Berlin", place=berlin).genres.add(rock)
    hall = VenueFactory(
        name="Hall", city="Leipzig", place=leipzig, latitude=51.3301, longitude=12.3801, exact_point=True
    )
    hall.genres.add(rock)
    VenueFactory(name="Nowhere Club", city="Atlantis", country="", place=None)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    asked = refuse_tiles(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/venues/")
    page.wait_for_function("() => document.querySelector('#results-map')?.dataset.markerCount === '4'")
    # Three venues stand at Berlin's point: one cluster of 3; the Leipzig hall has a pin of its own.
    assert markers(page) == {"count": 4, "pins": 1, "clusters": ["3"]}
    assert page.locator("[data-map-note]").inner_text() == "1 venue on this page has no place on the map."
    assert asked, "the map asked for tiles (all refused)"
    axe_check(page, what="the venue search with its map")
    axe_check.fits(page)

    # The pin's popup links to the venue's page.
    page.locator("#results-map .map-pin").click()
    popup_link = page.locator(".leaflet-popup a.map-popup__title")
    assert popup_link.inner_text() == "Hall"
    assert popup_link.get_attribute("href") == f"/venues/{hall.slug}/"

    # A filter change swaps the list and the markers together.
    page.get_by_role("textbox", name="City").fill("Leipzig")
    page.wait_for_function("() => document.querySelector('#results-map').dataset.markerCount === '1'")
    assert page.locator(".result-card__title").all_inner_texts() == ["Hall"]
    assert markers(page) == {"count": 1, "pins": 1, "clusters": []}
    assert page.locator("[data-map-note]").inner_text() == ""
    page.get_by_role("textbox", name="City").fill("")
    page.wait_for_function("() => document.querySelector('#results-map').dataset.markerCount === '4'")
    assert page.locator(".result-card__title").count() == 5

    # A visitor finds the venues within 50 km of a city, on the map and in the list, nearest first.
    page.get_by_role("textbox", name="Near").fill("Leipzig")
    page.get_by_label("Within").select_option("50")
    page.wait_for_function("() => document.querySelector('#results-map').dataset.markerCount === '1'")
    assert page.locator(".result-card__title").all_inner_texts() == ["Hall"]
    assert "km away" in page.locator(".result-card").first.inner_text()
    page.get_by_label("Within").select_option("250")
    page.wait_for_function("() => document.querySelector('#results-map').dataset.markerCount === '4'")
    assert page.locator(".result-card__title").first.inner_text() == "Hall"  # Leipzig first, Berlin after
    page.get_by_role("textbox", name="Near").fill("")
    page.get_by_label("Within").select_option("")
    page.wait_for_function("() => document.querySelectorAll('.result-card__title').length === 5")
    assert markers(page)["count"] == 4
    axe_check(page, what="the venue search after a filter change")

    # A swap elsewhere on the page (the notification bell polls) leaves the reader's zoom alone.
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_timeout(400)
    before = page.evaluate(WHERE_THE_PINS_ARE)
    page.evaluate("document.dispatchEvent(new CustomEvent('htmx:afterSettle'))")
    page.wait_for_timeout(400)
    assert page.evaluate(WHERE_THE_PINS_ARE) == before

    # The map is optional: "Hide map" folds it, and the list stays.
    toggle = page.get_by_role("button", name="Hide map")
    toggle.click()
    assert page.locator("#results-map").is_hidden()
    assert page.get_by_role("button", name="Show map").get_attribute("aria-expanded") == "false"
    assert page.evaluate("window.__cspViolations") == []

    # On a phone the list comes first and the map waits behind "Show map".
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    refuse_tiles(phone)
    small = phone.new_page()
    small.set_default_timeout(15_000)
    small.goto(f"{live_server.url}/venues/")
    show = small.get_by_role("button", name="Show map")
    show.wait_for()
    assert small.locator("#results-map").is_hidden()
    show.click()
    small.wait_for_function("() => document.querySelector('#results-map').dataset.markerCount === '4'")
    axe_check(small, what="the venue search on a phone with its map open")
    axe_check.fits(small)
    phone.close()

    # The point picker fills a form's latitude and longitude (the venue form's inputs have those names).
    html = Template(PICKER_PAGE).render(Context())
    page.route(
        f"{live_server.url}/a-form-with-a-point/", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    page.goto(f"{live_server.url}/a-form-with-a-point/")
    picker = page.locator("[data-point-picker-map]")
    picker.wait_for()
    picker.click(position={"x": 120, "y": 90})
    latitude, longitude = (
        page.get_by_role("spinbutton", name="Latitude"),
        page.get_by_role("spinbutton", name="Longitude"),
    )
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    assert 50.5 < lat < 52.5 and 11 < lon < 14  # near Leipzig, where the map opened
    assert page.locator("[data-point-picker-map] .map-pin--picked").count() == 1
    latitude.fill("48.1459")
    longitude.fill("11.523")
    longitude.dispatch_event("change")
    # Typed coordinates move the pin, and the map follows it: the pin ends up in the middle.
    page.wait_for_function(PIN_IN_THE_MIDDLE)
    latitude.fill("")
    latitude.dispatch_event("change")
    assert page.locator("[data-point-picker-map] .map-pin--picked").count() == 0
    context.close()
