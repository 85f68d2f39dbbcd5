"""In Chromium, from signing in to a published release by clicking only: the organiser signs in on the
sign-in page and lands on the dashboard; from the desk there they open the festival's builder and offer a
shortlisted act a set with its terms; the act's leader signs in on a phone, finds the offer waiting for their
answer and accepts it; the organiser comes back to the builder by the desk, sees the set booked, publishes
release 1 and opens the published timetable, where the act plays. No address is typed after signing in.
Each page passes axe; the organiser's clicks are counted and bounded."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from bookings.models import Booking
from festivals.models import Application, Placement, Release
from festivals.services import timetable

from .factories import festival_world

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# From the dashboard to release 1 on the public page: the festival on the desk, "Offer the set" (refused: the
# stage is taken then), "Offer at …" (the nearest time that works); back by the desk, the festival, "Publish
# release 1", "The published timetable". With signing in (one click each) and the act's three, 13 in all.
MOST_CLICKS = 7


def signed_in(browser, base: str, email: str, width: int):
    """A new browser that signs in on the sign-in page, as a person does; it lands on the dashboard."""
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(30_000)  # the first page of a live server on a busy machine
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def test_from_signing_in_to_a_published_release_by_clicking(live_server, browser, axe_check):
    base = live_server.url
    w = festival_world(tag="r")
    Application.objects.create(call=w.call, band=w.kite, status=Application.Status.SHORTLISTED)
    # Moth holds the main stage at 20:00 (offered, waiting for its answer): the organiser's first try is refused.
    evening = dt.datetime.combine(w.first_day, dt.time(20), tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    timetable.placement_offer(
        fstage=w.main, band=w.moth, starts_at=evening, set_minutes=60, by=w.owner, now=timezone.now()
    )
    clicks = 0

    def check(page, what: str) -> None:
        axe_check(page, what=what)
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), f"{what} scrolls sideways"

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    organiser = signed_in(browser, base, w.owner.email, 1280)
    desk = organiser.locator(f"#desk-{w.organisation.slug}").locator("..")
    check(organiser, "the organiser's dashboard")

    # The builder from the desk: the set offered, with its terms (no fee: a fee's invoice is drawn as a PDF when
    # the act accepts, which costs this test seconds; an offer's fee is tested in test_offers).
    click(desk.get_by_role("link", name=w.festival.name, exact=True))
    expect(organiser.get_by_role("heading", name=w.festival.name)).to_be_visible()
    form = organiser.locator("form[action$='/place/']")
    form.locator("[name=band]").select_option(label=w.kite.name)
    form.locator("[name=stage]").select_option(label=w.main.stage.name)
    form.locator("[name=day]").fill(w.first_day.isoformat())
    form.locator("[name=time]").fill("20:00")
    form.locator("[name=minutes]").fill("60")
    form.locator("[name=terms]").fill("Backline on site; two meals.")
    click(form.get_by_role("button", name="Offer the set", exact=True))
    # Refused in view, naming the act in the way, with the nearest times that work as one click each.
    refusal = organiser.locator(".builder-answer .flash--error").first
    expect(refusal).to_contain_text(w.moth.name)
    check(organiser, "the builder with a refused time and the nearest that work")
    nearest = organiser.locator(".builder-answer").get_by_role("button", name=re.compile(r"^Offer at \d\d:\d\d$"))
    offered_at = nearest.first.inner_text().removeprefix("Offer at ")
    click(nearest.first)
    expect(organiser.locator(".builder-answer .flash--success")).to_be_visible()
    placement = Placement.objects.get(band=w.kite)
    expect(organiser.locator(f"[data-placement='{placement.pk}']")).to_contain_text("Offered – waiting for the act")
    check(organiser, "the builder with a set offered")
    assert placement.booking.status == Booking.Status.PENDING
    assert placement.starts_at.astimezone(evening.tzinfo).strftime("%H:%M") == offered_at

    # The act's leader, on a phone: the offer waits for their answer on the dashboard; they accept it.
    act = signed_in(browser, base, w.leaders[w.kite.pk].email, 390)
    act_clicks = 3  # the offer on the dashboard, "Accept…", "Yes, accept this gig"
    act.locator("#needs-answer").locator("..").get_by_role("link").first.click()
    expect(act.get_by_role("heading", name="What you can do")).to_be_visible()
    check(act, "the offer, to the act")
    act.get_by_text("Accept…").click()
    accept = act.get_by_role("button", name="Yes, accept this gig")
    accept.click()
    expect(accept).to_have_count(0)  # the booking's page drawn again, booked
    check(act, "the set booked, to the act")
    placement.booking.refresh_from_db()
    assert placement.booking.status == Booking.Status.BOOKED

    # The organiser comes back by the desk: the set is booked; release 1 goes public.
    click(organiser.get_by_role("link", name="← Calls and festivals"))
    click(organiser.get_by_role("link", name=w.festival.name, exact=True))
    expect(organiser.locator(f"[data-placement='{placement.pk}']")).to_contain_text("Booked")
    click(organiser.get_by_role("button", name="Publish release 1"))
    expect(organiser.get_by_role("button", name="Publish release 2")).to_be_visible()
    assert Release.objects.get(festival=w.festival).sets[0]["placement"] == placement.pk
    click(organiser.get_by_role("link", name="The published timetable"))
    expect(organiser.get_by_role("link", name=w.kite.name, exact=True)).to_be_visible()
    check(organiser, "the published timetable")
    print(
        f"\n{clicks} clicks of the organiser from the dashboard where signing in lands to release 1 on the public "
        f"page, and {act_clicks} of the act's leader to accept the set"
    )
    assert clicks <= MOST_CLICKS
