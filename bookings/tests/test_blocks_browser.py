"""In Chromium: a band's leader blocks a client from the booking page; the client's next request to the band is
refused in place with words that do not say who blocked whom, and nothing is sent; unblocking from the
settings lets the next one through (decision 0081)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import asking
from bookings.tests.factories import band_with_leader, in_days
from bookings.tests.test_client_journey_browser import log_in
from stageslot.tests.words import words

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.locales
def test_a_leader_blocks_a_client_whose_next_request_is_refused(live_server, browser, browser_locale, axe_check):
    base, t = live_server.url, words(browser_locale)
    band, leader = band_with_leader(name="The Night Owls", slug="the-night-owls", time_zone="Europe/Berlin")
    client = UserFactory(display_name="Anna Client", time_zone="Europe/Berlin")
    first = asking.booking_request(
        band=band, client=client, starts_at=in_days(20, 17), ends_at=in_days(20, 22), time_zone="Europe/Berlin"
    )

    band_page = log_in(browser, base, leader.email, browser_locale)
    band_page.goto(f"{base}/bookings/{first.uid}/")
    band_page.get_by_role("link", name=t("Block the other side")).click()
    expect(band_page.get_by_role("heading", level=1)).to_have_text(t("Block %(name)s", name="Anna Client"))
    axe_check(band_page)
    band_page.get_by_label(t.label("Block for")).select_option(label="The Night Owls")
    band_page.get_by_role("button", name=t("Block"), exact=True).click()
    band_page.wait_for_url(re.compile(r"/me/blocks/$"))
    expect(band_page.get_by_role("cell", name="Anna Client", exact=True)).to_be_visible()
    axe_check(band_page)

    client_page = log_in(browser, base, client.email, browser_locale)
    day = timezone.localdate() + dt.timedelta(days=40)
    client_page.goto(f"{base}/bands/the-night-owls/request/?date={day.isoformat()}")
    client_page.locator("input[name=start]").fill("18:00")
    client_page.locator("input[name=end]").fill("23:00")
    client_page.locator("input[name=location]").fill("Gut Kleinow")
    client_page.locator("select[name=event_type]").select_option(index=1)
    client_page.get_by_role("button", name=t("Send request")).click()
    refusal = t("%(name)s can't be contacted through StageSlot. Nothing was sent.", name="The Night Owls")
    expect(client_page.get_by_text(refusal)).to_be_visible()
    assert "block" not in client_page.locator("main").inner_text().lower()
    axe_check(client_page)
    assert Booking.objects.filter(client=client).count() == 1

    band_page.get_by_role("button", name=re.compile("^" + re.escape(t("Unblock")))).click()
    expect(band_page.get_by_text(t("%(name)s is unblocked.", name="Anna Client"))).to_be_visible()
    client_page.get_by_role("button", name=t("Send request")).click()
    client_page.wait_for_url(re.compile(r"/bookings/[0-9a-f-]+/$"))
    assert Booking.objects.filter(client=client).count() == 2
