"""A real person's first visit, in a real Chromium."""

import re

import pytest
from django.core import mail

from stageslot.tests.words import MORE_BROWSER_LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.locales(*MORE_BROWSER_LOCALES)
def test_sign_up_verify_log_in_and_see_the_dashboard(live_server, page, browser_locale, axe_check):
    t = words(browser_locale)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("navigator.language") == browser_locale
    assert page.evaluate("document.documentElement.lang") == t.language
    axe_check(page)
    page.get_by_role("link", name=t("Create a free account")).click()
    axe_check(page)

    page.get_by_label(t.label("Email")).fill("ana.musician@example.com")
    page.get_by_label(t.label("Your name")).fill("Ana Musician")
    page.get_by_label(t.label("Time zone")).select_option("Europe/Lisbon")
    page.get_by_label(t.label("Password"), exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label(t.label("Password (again)")).fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name=t("Sign Up"), exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert page.get_by_role("heading", name=t("Verify Your Email Address")).is_visible()
    axe_check(page)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    axe_check(page)
    page.get_by_role("button", name=t("Confirm")).click()

    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert page.get_by_role("heading", name=t("Hello, %(name)s", name="Ana Musician")).is_visible()
    footer = "Times on this page are shown in <strong>%(zone)s</strong>, your account’s time zone."
    zone = t(footer, zone="Europe/Lisbon")
    assert page.locator(".footer__tz").get_by_text(zone).is_visible()
    axe_check(page)

    # Log out through the account menu (named by what it shows), then log in again with the same details.
    page.locator("summary", has_text="Ana Musician" + t(", account menu")).click()
    axe_check(page)
    page.get_by_role("button", name=t("Log out")).click()
    page.get_by_role("link", name=t("Log in")).first.click()
    axe_check(page)
    page.get_by_label(t.label("Email")).fill("ana.musician@example.com")
    page.get_by_label(t.label("Password")).fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name=t("Sign In"), exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert page.get_by_role("heading", name=t("Hello, %(name)s", name="Ana Musician")).is_visible()


def test_time_zone_defaults_to_the_browsers(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.get_by_label("Time zone:").input_value() == "Asia/Tokyo"
    context.close()
