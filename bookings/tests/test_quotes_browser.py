"""In Chromium: the band quotes a client's request, the client counters in place on the booking page
(the form opens where the button was and takes the focus), the band accepts and the gig is booked."""

import os

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, Quote
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.test_booking_browser import log_in
from bookings.tests.test_detail_views import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quote_counter_accept(live_server, browser, axe_check):
    world = make_world()
    quotes.quote_propose(
        booking=world.request,
        by=world.leader,
        terms=Terms(fee_minor=80000, deposit_percent=30, balance_due_days=7, sound=True),
        message="Two sets of 45 minutes.",
    )
    detail = f"{live_server.url}/bookings/{world.request.uid}/"

    page = log_in(browser, live_server.url, world.client.email)
    page.goto(detail)
    card = page.locator("#quote-card")
    assert "a fee of 800 EUR" in card.inner_text()
    page.get_by_role("link", name="Counter…").click()
    heading = page.get_by_role("heading", name="Propose terms")
    expect(heading).to_be_focused()
    page.get_by_label("Fee (the guarantee):").fill("650")
    page.get_by_label("Deposit (%):").fill("50")
    if shots := os.environ.get("STAGESLOT_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/quote-counter-form.png", full_page=True)
    axe_check(page)
    # Enter in a field sends the terms (not the estimate's button, which comes first on the page).
    page.get_by_label("Deposit (%):").press("Enter")
    page.get_by_text("Your terms are sent; the other side has been told.").wait_for()
    assert Quote.objects.get(version=2).fee_minor == 65000

    band_page = log_in(browser, live_server.url, world.leader.email)
    band_page.goto(detail)
    # The client's reviews load into their own card, never in place of the booking.
    band_page.get_by_role("heading", name="What other bands say about Anna Client").wait_for()
    band_page.get_by_text("Every version").click()
    assert "Fee 800 → 650 EUR" in band_page.locator("#quote-card").inner_text()
    if shots:
        band_page.screenshot(path=f"{shots}/quote-card.png", full_page=True)
    axe_check(band_page)
    band_page.get_by_role("button", name="Accept these terms and book").click()
    # The accept books the request under its locks and tells both sides: give a loaded machine time.
    band_page.get_by_text("Accepted: these terms are the deal now.").wait_for(timeout=30_000)
    booking = Booking.objects.get(pk=world.request.pk)
    assert (booking.status, booking.fee) == (Booking.Status.BOOKED, 650)
