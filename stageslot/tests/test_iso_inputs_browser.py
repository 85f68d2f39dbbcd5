"""In Chromium under every browser language we speak (and American and British English), prefilled date and
time inputs show their value (a browser leaves an <input type=date> blank when its value is not YYYY-MM-DD)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from bookings.tests.factories import band_with_leader
from stageslot.tests.words import MORE_BROWSER_LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, base: str, email: str, locale: str):
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    # The login form's own button: the page also holds the passkey and the language switcher's.
    page.get_by_role("button", name=words(locale)("Sign In"), exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "de-DE", *MORE_BROWSER_LOCALES])
def test_prefilled_dates_show_under_the_browser_locale(live_server, browser, locale):
    _band, leader = band_with_leader(slug="night-shift", time_zone="Europe/Berlin")
    day = timezone.localdate() + dt.timedelta(days=20)
    page = log_in(browser, live_server.url, leader.email, locale)

    page.goto(f"{live_server.url}/me/availability/rules/new/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.locator("#id_start_date").input_value())
    assert page.locator("#id_end_date").input_value() != ""

    page.goto(f"{live_server.url}/bands/night-shift/calendar/")
    assert page.locator("input[type=date][name=date]").first.input_value() != ""

    page.goto(f"{live_server.url}/bands/night-shift/request/?date={day.isoformat()}")
    assert page.locator("input[name=date]").input_value() == day.isoformat()
