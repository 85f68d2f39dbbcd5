"""A visitor's browser in Berlin reads a band's public page in Berlin time: static/js/zone.js tells the
server the browser's zone before the page's lazy parts load, and every later page names it."""

import pytest

from bookings.tests.journey import band_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_in_berlin_reads_berlin_times_on_a_band_page(live_server, browser, axe_check):
    p = band_party(time_zone="Europe/London")
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/bands/{p.band.slug}/")
    # The first page was drawn before the browser had said anything: it says so.
    footer = page.locator(".footer__tz")
    assert "UTC" in footer.inner_text() and "until your browser tells us" in footer.inner_text()
    # Its free dates load after the script has kept the browser's zone: Berlin is "yours".
    strip = page.locator("#strip .strip__zones")
    strip.wait_for()
    assert "in yours, Europe/Berlin" in strip.inner_text()
    first = page.locator(".strip__start").first
    if first.count():
        assert "yours)" in first.inner_text()
    cookie = {c["name"]: c["value"] for c in context.cookies()}
    assert cookie.get("stageslot_zone") == "Europe/Berlin"
    axe_check(page)

    page.reload()
    assert "Europe/Berlin, your browser’s time zone" in footer.inner_text()
    page.locator("#strip .strip__zones").wait_for()
    assert "in yours, Europe/Berlin" in page.locator("#strip .strip__zones").inner_text()
    context.close()
