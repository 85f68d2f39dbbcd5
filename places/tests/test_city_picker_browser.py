"""In Chromium: a band leader picks the band's home city by keyboard; the zone is proposed, the page
passes axe-core, and the city, its point and the zone are saved."""

import re

import pytest

from accounts.tests.factories import UserFactory
from bands.models import Band, Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bands.tests.test_browser import log_in
from places.tests.factories import CityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def leaders_band_form(live_server, browser):
    """A band without a home city, its leader signed in on its profile form: (band, Leipzig, the page)."""
    # The gazetteer may have been flushed by an earlier transactional test: make what is needed.
    leipzig = CityFactory(name="Leipzig")
    CityFactory(name="Leimen", geoname_id=2879185, population=26_000)
    band = BandFactory(name="The Late Trains", slug="late-trains", city="", country="", time_zone="UTC")
    leader = UserFactory(email="leader@example.com")
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "leader@example.com")
    page.goto(f"{live_server.url}/bands/late-trains/manage/")
    return band, leipzig, page


def test_pick_a_city_by_keyboard_on_the_band_form(live_server, browser, axe_check):
    band, leipzig, page = leaders_band_form(live_server, browser)
    city = page.get_by_role("combobox", name="Home city")
    # A test that fills the picker would race its list: it is refused on every machine, naming the helpers.
    with pytest.raises(AssertionError, match=r"places\.tests\.browser\.pick_city"):
        city.fill("Leipzig")
    assert city.input_value() == ""
    city.focus()
    city.press_sequentially("Lei", delay=40)
    listbox = page.get_by_role("listbox", name="Cities")
    listbox.wait_for()
    assert city.get_attribute("aria-expanded") == "true"
    assert re.search(r"\d+ cit(y|ies) found", page.locator("#id_place-status").inner_text())
    axe_check(page)  # with the list open

    city.press("ArrowDown")
    active = city.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#{active}").get_attribute("data-label") == "Leipzig, Germany"
    city.press("Enter")
    assert city.input_value() == "Leipzig, Germany"
    assert city.get_attribute("aria-expanded") == "false"
    assert page.locator("input[name=place_id]").input_value() == str(leipzig.pk)
    assert page.locator("#id_time_zone").input_value() == "Europe/Berlin"
    assert "Proposed from the band’s home city" in page.locator("#id_time_zone-proposed").inner_text()

    # Escape closes a list that is open again, and leaves the text.
    city.press_sequentially("x")
    city.press("Backspace")
    listbox.wait_for()
    city.press("Escape")
    assert city.get_attribute("aria-expanded") == "false"
    assert page.locator("input[name=place_id]").input_value() == ""  # typing forgets the pick
    city.clear()
    city.press_sequentially("Leipzig", delay=20)
    listbox.wait_for()
    city.press("ArrowDown")
    city.press("Enter")
    axe_check(page)

    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r"/bands/late-trains/manage/$"))
    assert "The profile is saved." in page.content()
    band = Band.objects.get(pk=band.pk)
    assert (band.place_id, band.city, band.time_zone, band.latitude) == (
        leipzig.pk,
        "Leipzig",
        "Europe/Berlin",
        leipzig.latitude,
    )


def test_a_city_picked_while_a_search_is_on_its_way_keeps_the_list_closed(live_server, browser):
    """The leader types "Lei", then "p"; the answer for "Leip" is still on its way when they pick Leipzig from
    the list already open. The pick stops that search: its answer never opens the list again over the page."""
    _band, leipzig, page = leaders_band_form(live_server, browser)
    held = []
    page.route(re.compile(r"/places/cities/\?q=Leip"), lambda route: held.append(route))  # held, not answered

    city = page.get_by_role("combobox", name="Home city")
    city.press_sequentially("Lei")
    option = page.locator('#id_place-listbox [data-label="Leipzig, Germany"]')
    option.wait_for()
    with page.expect_request(lambda request: "q=Leip" in request.url):  # once places.js has waited for more keys
        city.press_sequentially("p")
    with page.expect_event("requestfailed", lambda request: "q=Leip" in request.url):  # the pick stops it
        option.click()
    assert page.locator("input[name=place_id]").input_value() == str(leipzig.pk)
    # The page gave the search up, so no answer can come to open the list again.
    assert city.get_attribute("aria-expanded") == "false"
    assert page.locator("#id_place-listbox").is_hidden()
    assert city.input_value() == "Leipzig, Germany"
