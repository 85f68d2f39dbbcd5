"""In Chromium at 390 px, a tour on the road with no signal (decisions 0110, 0116): a traveller opens the
itinerary once online – the one service worker keeps the next 14 days – and, offline, still opens the
itinerary and a day of it, marked "offline – as of"; a member reads the same in German. Each person is signed
in by their session cookie (signing in has journeys of its own); one module of set-up, two contexts."""

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from ..services import tours
from .factories import tour_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser, base: str, user, locale: str):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale, is_mobile=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.mark.console_errors  # the phone goes offline on purpose
def test_the_itinerary_and_a_day_open_offline_on_a_phone_in_english_and_german(live_server, browser, axe_check):
    world = tour_world(start_in=2)  # the first show in two days: inside the road's 14
    tour = tours.tour_create(band=world.band, by=world.leader, name="Spring run", bookings=world.gigs)
    tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="driver")
    stay = tours.tour_stay_save(
        tour=tour, by=world.leader, night=world.first, nights=1, check_in=dt.time(15), check_out=dt.time(11),
        name="Hotel Hafenblick",
    )  # fmt: skip
    tours.tour_stay_rooms_set(stay=stay, by=world.leader, rooms={world.crew.pk: "14"})
    url = f"{live_server.url}/gigs/tours/{tour.pk}/"
    day = f"day-{world.first.isoformat()}"
    for user, locale, show_day, mark in (
        (world.crew, "en-GB", "Show day", "Offline – as of"),
        (world.member, "de-DE", "Spieltag", "Offline – Stand:"),
    ):
        context, page = phone(browser, live_server.url, user, locale)
        page.goto(url)
        expect(page.locator("html[data-road-kept]")).to_be_attached()  # the next 14 days are on the phone
        if user == world.crew:
            axe_check(page, what="the itinerary on a phone")
        context.set_offline(True)
        page.goto(url)
        expect(page.locator("[data-offline-mark]")).to_contain_text(mark)
        expect(page.locator(".itin-day").first).to_contain_text(show_day)
        page.goto(f"{url}#{day}")  # a day of it
        expect(page.locator(f"#{day}")).to_contain_text("Hotel Hafenblick")
        expect(page.locator(f"#{day}")).to_contain_text(re.compile(r"(Room|Zimmer) 14: Dana Driver"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        context.close()
