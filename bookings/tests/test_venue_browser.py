"""The slot inbox in a real browser: answers redraw the inbox in place, and a conflict's message shows there too."""

import re

import pytest

from accounts.tests.factories import PASSWORD
from bookings.models import Booking
from bookings.services import answering, asking
from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_accept_redraws_the_inbox_and_a_stale_accept_says_why_in_place(live_server, browser, axe_check):
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")
    slot = SlotFactory(venue=venue, support_places=1, title="Friday Night Indie")
    owls, owls_leader = band_with_leader(name="The Night Owls")
    larks, larks_leader = band_with_leader(name="The Larks")
    finches, finches_leader = band_with_leader(name="The Finches")
    asking.booking_apply(slot=slot, band=owls, by=owls_leader, role="headliner", fee=400)
    rival = asking.booking_apply(slot=slot, band=larks, by=larks_leader, role="headliner")
    support = asking.booking_apply(slot=slot, band=finches, by=finches_leader, role="support")

    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/venues/kellerbar/manage/slots/")
    axe_check(page)
    page.get_by_role("link", name="Applications").first.click()
    page.wait_for_url(re.compile(r"/manage/applications/$"))
    axe_check(page)
    page.goto(f"{live_server.url}/venues/kellerbar/manage/slots/{slot.pk}/")
    axe_check(page)
    page.evaluate("window.__same_page = true")

    page.locator("summary", has_text=re.compile(r"Accept….*The Night Owls")).click()

    page.get_by_role("button", name="Yes, accept The Night Owls").click()
    inbox = page.locator("#vslot-bookings")
    inbox.get_by_text("Booked: The Night Owls plays this slot").wait_for()
    assert "Headliner booked" in inbox.inner_text()
    axe_check(page, what="the slot's inbox after accepting")
    assert inbox.get_by_role("button", name="Yes, accept The Larks").count() == 0
    rival.refresh_from_db()
    assert rival.status == Booking.Status.DECLINED

    # Someone else declines the support application while this page still shows it.
    answering.booking_decline(booking=support, by=owner, reason="Too far away")
    page.locator("summary", has_text=re.compile(r"Accept….*The Finches")).click()
    page.get_by_role("button", name="Yes, accept The Finches").click()
    page.locator("#vslot-bookings [role=alert]").get_by_text("already declined").wait_for()
    axe_check(page, what="the slot's inbox after a stale accept")
    assert page.evaluate("window.__same_page") is True
    support.refresh_from_db()
    assert support.status == Booking.Status.DECLINED
