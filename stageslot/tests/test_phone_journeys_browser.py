"""A phone in the hand of each role, in the demo world: the band leader, a member (who reads German), the
venue's booker, the private client and the booking agent each go through the pages of their day at 390 px
and do its main thing there. On every page axe-core finds nothing serious, nothing scrolls sideways or
sticks out of its card, and every control of the page's main part can be reached: it takes focus, is on
screen once focused and is not cut off; a table that scrolls takes focus itself."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from stageslot.tests import demo_once

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "stageslot-demo"  # every seed_demo account
PHONE = {"width": 390, "height": 844}
BAND = "the-night-owls"
VENUE = "kellerbar"
AGENCY = "northside"


def log_in(browser, base: str, email: str, locale: str = "en-GB"):
    page = browser.new_context(viewport=PHONE, locale=locale, has_touch=True, is_mobile=True).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


class Journey:
    """Collects what a person would trip over on each page they reach."""

    def __init__(self, axe_check, who: str):
        self.axe_check, self.who, self.problems = axe_check, who, []

    def look(self, page, what: str) -> None:
        page.wait_for_load_state("load")
        where = f"{self.who}, {what} ({page.url.split('/', 3)[-1]})"
        for line in self.axe_check.violations(page) + self.axe_check.overflow(page) + self.axe_check.unreachable(page):
            self.problems.append(f"{where}: {line}")

    def visit(self, page, base: str, url: str, what: str) -> None:
        response = page.goto(f"{base}{url}")
        assert response.status == 200, f"{self.who}: {url} answered {response.status}"
        self.look(page, what)


def test_each_role_goes_through_its_day_on_a_phone(request, live_server, browser, axe_check):
    axe_check.require()
    demo_once.seed(request.config)
    base = live_server.url
    problems: list[str] = []

    # The band leader: home, who is in (answering a gig by keyboard), holds, the calendar, gig times.
    leader = Journey(axe_check, "the leader")
    page = log_in(browser, base, "mara@demo.stageslot.test")
    leader.look(page, "home")
    leader.visit(page, base, f"/gigs/bands/{BAND}/", "who is in")
    mine = page.locator(".wii__cell--mine select").first
    mine.focus()
    mine.select_option("definitely")
    expect(page.locator(".wii__cell--mine select").first).to_be_focused()
    leader.look(page, "who is in, after answering")
    leader.visit(page, base, f"/holds/bands/{BAND}/", "holds")
    leader.visit(page, base, f"/bands/{BAND}/calendar/", "the band's calendar")
    leader.visit(page, base, f"/bands/{BAND}/manage/", "the band's settings")
    problems += leader.problems
    page.context.close()

    # A member who reads German: home, their week, who is in.
    member = Journey(axe_check, "a member (German)")
    page = log_in(browser, base, "jonas@demo.stageslot.test", locale="de-DE")
    assert page.evaluate("document.documentElement.lang") == "de"
    member.look(page, "home")
    member.visit(page, base, "/me/availability/?view=week", "the week")
    member.visit(page, base, "/me/availability/", "the month")
    member.visit(page, base, f"/gigs/bands/{BAND}/", "who is in")
    problems += member.problems
    page.context.close()

    # The venue's booker: home, the hold ladders and their form, slots, applications.
    booker = Journey(axe_check, "the booker")
    page = log_in(browser, base, "promoter@demo.stageslot.test")
    booker.look(page, "home")
    booker.visit(page, base, f"/holds/venues/{VENUE}/", "holds")
    for field in ("band", "stage", "date", "start", "end", "level", "expires_in"):
        control = page.locator(f".holds-new [name={field}]")
        control.focus()
        box, card = control.bounding_box(), page.locator(".holds-new").bounding_box()
        assert box["width"] >= 120, f"the hold form's {field} is {box['width']:.0f}px wide"
        assert box["x"] + box["width"] <= card["x"] + card["width"] + 1, f"the hold form's {field} sticks out"
    booker.visit(page, base, f"/venues/{VENUE}/manage/slots/", "slots")
    booker.visit(page, base, f"/venues/{VENUE}/manage/applications/", "applications")
    problems += booker.problems
    page.context.close()

    # The private client: home, finding a band, its page, asking for a date, their bookings.
    client = Journey(axe_check, "the client")
    page = log_in(browser, base, "client@demo.stageslot.test")
    client.look(page, "home")
    client.visit(page, base, "/bands/", "the band search")
    page.locator(".filters-panel__toggle").click()
    client.look(page, "the band search with its filters open")
    client.visit(page, base, f"/bands/{BAND}/", "the band's page")
    client.visit(page, base, f"/bands/{BAND}/request/", "asking for a date")
    booking = Booking.objects.filter(client__email="client@demo.stageslot.test").order_by("pk").first()
    client.visit(page, base, "/bookings/", "bookings")
    client.visit(page, base, f"/bookings/{booking.uid}/", "a booking")
    problems += client.problems
    page.context.close()

    # The booking agent: home, the agency, one band's month.
    agent = Journey(axe_check, "the agent")
    page = log_in(browser, base, "agent@demo.stageslot.test")
    agent.look(page, "home")
    agent.visit(page, base, f"/teams/{AGENCY}/", "the agency")
    agent.visit(page, base, f"/teams/{AGENCY}/bands/{BAND}/", "a band of the agency")
    problems += agent.problems
    page.context.close()

    assert not problems, f"{len(problems)} problems on a phone:\n" + "\n".join(problems)
