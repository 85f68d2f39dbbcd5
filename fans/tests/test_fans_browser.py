"""In Chromium at 390 px: a visitor follows a band from its page and signs up by code in the same step,
sets Berlin and 50 km, asks a second band to come to Berlin; that band's planner shows Berlin's demand; a new
show of the first band in Potsdam reaches the fan as a notification and in their feed; the first band sees
its Berlin count and no names."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import PASSWORD
from bookings.tests.factories import band_with_leader
from fans import alerts
from fans.models import FanProfile
from places.tests.browser import type_city

from .standing import settle_now
from .world import booked_show, city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
FAN = "juno@example.com"


def newest_code(to: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", message.body, re.M)
            if found:
                return found[1]
    raise AssertionError(f"no sign-in code mailed to {to}")


def signed_in(browser, base: str, email: str):
    page = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def test_a_visitor_follows_signs_up_asks_and_hears_of_a_new_show(live_server, browser):
    base = live_server.url
    berlin, potsdam = city("Berlin"), city("Potsdam")
    followed, followed_leader = band_with_leader(name="The Followed", slug="the-followed")
    asked, asked_leader = band_with_leader(name="The Asked", slug="the-asked")

    page = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/bands/the-followed/")
    page.get_by_role("button", name="Follow The Followed").click()
    page.wait_for_url(re.compile(r"/fans/join/$"))
    page.get_by_label("Your email").fill(FAN)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(newest_code(FAN))
    page.get_by_role("button", name="Confirm the code").click()
    page.wait_for_url(re.compile(r"/fans/$"))
    expect(page.locator("#follows-heading + ul")).to_contain_text("The Followed")

    type_city(page.get_by_label("Home city"), "Berlin")
    page.get_by_label("Distance (km)").fill("50")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("within 50 km of Berlin")).to_be_visible()

    page.goto(f"{base}/bands/the-asked/")
    type_city(page.get_by_label("Your city", exact=True), "Berlin")
    page.get_by_role("button", name="Ask to come").click()
    expect(page.get_by_text("You asked for Berlin.")).to_be_visible()
    settle_now(User.objects.get(email=FAN), bands=[followed, asked])  # a month on, after the nightly step

    band = signed_in(browser, base, asked_leader.email)
    band.goto(f"{base}/bands/the-asked/manage/tour/")
    expect(band.get_by_text("Berlin: fewer than 5 asks")).to_be_visible()
    assert FAN not in band.content()

    show = booked_show(followed, place=potsdam, days=9)
    alerts.show_alerts_collect()
    page.goto(f"{base}/notifications/")
    expect(page.get_by_text(re.compile(r"New show: The Followed at"))).to_be_visible()
    token = FanProfile.objects.get(user__email=FAN).feed_token
    feed = page.request.get(f"{base}/fans/feed/{token}.ics").text()
    assert f"UID:show-{show.pk}@stageslot" in feed

    leader = signed_in(browser, base, followed_leader.email)
    leader.goto(f"{base}/fans/bands/the-followed/audience/")
    expect(leader.get_by_role("cell", name="Berlin")).to_be_visible()
    expect(leader.get_by_role("cell", name="fewer than 5")).to_be_visible()
    assert FAN not in leader.content() and berlin.name in leader.content()


def test_a_part_of_the_page_that_loads_late_never_takes_the_focus_from_a_field_being_typed_in(live_server, browser):
    """A visitor types their city into a band page's ask box while the band's free dates are still on their way.
    When the dates arrive (a part of the page that loads itself after the page), the typing goes on in the field:
    what nobody asked for just now takes no focus. A day the visitor then picks in the dates does take the focus
    to its start times, as the answer to what they did."""
    city("Berlin")
    band_with_leader(name="The Asked", slug="the-asked")
    page = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    page.set_default_timeout(15_000)
    held = []
    page.route(re.compile(r"/bands/the-asked/book/availability/$"), lambda route: held.append(route))
    page.goto(f"{live_server.url}/bands/the-asked/")
    field = page.get_by_label("Your city", exact=True)
    field.click()
    field.press_sequentially("Berl")
    for _ in range(150):  # the route's handler runs while the page is waited on
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "the free dates were asked for once, after the page"
    page.evaluate(
        "() => { window.datesSettled = false; document.addEventListener('htmx:afterSettle', (event) => {"
        " if (event.detail.requestConfig && /book\\/availability\\/$/.test(event.detail.requestConfig.path))"
        " window.datesSettled = true; }); }"
    )
    held[0].continue_()
    page.wait_for_function("() => window.datesSettled === true")
    starts = page.locator("#book-section h3[data-focus]")
    expect(starts).to_be_attached()
    expect(field).to_be_focused()
    page.keyboard.type("in")
    expect(field).to_have_value("Berlin")
    field.press("Escape")

    page.unroute(re.compile(r"/bands/the-asked/book/availability/$"))
    page.locator("#book-section").get_by_role("link", name=re.compile(r"Free$")).nth(1).click()
    expect(page.locator("#book-section h3[data-focus]")).to_be_focused()
    expect(field).to_have_value("Berlin")
