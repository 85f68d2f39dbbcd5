"""End to end in Chromium: a client books an instant package at a free time from the strip, pays for
it with a card (against localstripe) and sees it BOOKED; the band sees the gig in its calendar; the
client proposes new times and the band accepts; both share a file and the other side downloads it; a
stranger gets a 404 for the file."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, UserFactory
from bands.models import Membership, Package
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking, BookingFile
from payments.tests.test_pay_browser import fill_card
from stageslot.tests.words import words

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def log_in(browser, base: str, email: str, locale: str):
    t = words(locale)
    page = browser.new_context(locale=locale, accept_downloads=True).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(t.label("Email")).fill(email)
    page.get_by_label(t.label("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign In"), exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def download(page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    with open(info.value.path(), "rb") as fh:
        return fh.read()


@pytest.mark.locales
@pytest.mark.console_errors  # a stranger asks for the file and gets the 404 the test wants
def test_instant_booking_new_times_and_files(live_server, browser, browser_locale, axe_check, localstripe):
    base = live_server.url
    t = words(browser_locale)

    def step(n: int):
        """The wizard's step heading, "Step 2 of 4: …" in the page's words."""
        return re.compile("^" + re.escape(t("Step %(step)s of 4: %(step_title)s", step=n, step_title="").strip()))

    leader = UserFactory(email="mara@example.com", display_name="Mara", time_zone="Europe/Berlin")
    band = BandFactory(name="The Night Owls", slug="the-night-owls", time_zone="Europe/Berlin",
                       load_in_minutes=60, pack_down_minutes=30)  # fmt: skip
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    MembershipFactory(band=band, user=UserFactory(display_name="Sam"))
    Package.objects.create(band=band, name="Party set", sets=2, set_minutes=45, price=900, instant=True)
    Package.objects.create(band=band, name="Wedding day", sets=3, set_minutes=45, price=250, price_unit="hour")
    client_user = UserFactory(email="charlotte@example.com", display_name="Charlotte", time_zone="Europe/London")
    stranger = UserFactory(email="nosy@example.com", display_name="Nosy", time_zone="Europe/Berlin")

    # The client finds the band's packages and free days on its page, and picks the instant one.
    client = log_in(browser, base, client_user.email, browser_locale)
    client.goto(f"{base}/bands/the-night-owls/book/")
    client.get_by_role("heading", name=step(1)).wait_for()
    axe_check(client)
    client.goto(f"{base}/bands/the-night-owls/")
    client.locator(".strip__days").wait_for()
    assert "Europe/Berlin" in client.locator("#book-section").inner_text()
    assert "Europe/London" in client.locator("#book-section").inner_text()
    axe_check(client)
    client.get_by_role("link", name=t("Book %(package)s", package="Party set")).click()
    client.get_by_role("heading", name=step(2)).wait_for()
    axe_check(client)
    # An evening two days ahead, whatever the time of day the test runs: a gig in the band's gig hours
    # (evenings) reads "Booked" in its calendar; one earlier in the day does not.
    day_link = client.locator(".strip__days a").nth(2)
    day = day_link.get_attribute("href").rpartition("day=")[2]
    day_link.click()
    expect(client.locator("button.strip__start").first).to_have_attribute("value", re.compile(f"pick:{day}T"))
    client.locator("button.strip__start").filter(has_text=re.compile(r"^\s*20:00")).first.click()
    expect(client.locator("#id_start")).not_to_have_value("")
    picked_date = client.locator("#id_date").input_value()
    picked_start = client.locator("#id_start").input_value()
    client.get_by_role("button", name=t("Next"), exact=True).click()
    client.get_by_role("heading", name=step(3)).wait_for()
    axe_check(client)
    client.get_by_role("button", name=t("Next"), exact=True).click()  # nothing typed: the step says what is missing
    client.locator("#wizard").get_by_text(t("This field is required.")).first.wait_for()
    client.get_by_label(t("Venue or address")).fill("Charlotte's garden, Zehlendorf")
    client.get_by_label(t("Outdoors")).check()
    client.get_by_role("button", name=t("Next"), exact=True).click()
    client.get_by_role("heading", name=step(4)).wait_for()
    assert "900 EUR" in client.locator("#wizard").inner_text()
    terms = t(
        "Cancelled by the payer %(days)d day or more before the gig: %(percent)d %% back",
        "Cancelled by the payer %(days)d days or more before the gig: %(percent)d %% back",
        band.cancel_free_days,
        days=band.cancel_free_days,
        percent=100,
    )
    assert band.cancel_free_days == 30 and terms in client.locator("#wizard").inner_text()
    axe_check(client)
    client.get_by_role("button", name=t("Book now")).click()
    # A priced instant package is paid at once: select → pay → confirmed.
    client.wait_for_url(re.compile(r"/payments/checkout/[0-9a-f-]{36}/$"))
    client.get_by_role("heading", name=t("Pay to confirm")).wait_for()
    axe_check(client)
    fill_card(client, "4242424242424242", browser_locale)
    client.get_by_role("button", name=t("Pay %(amount)s and book", amount="900 EUR")).click()
    client.wait_for_url(re.compile(r"/bookings/[0-9a-f-]{36}/$"), timeout=30_000)
    client.locator("#booking-status").get_by_text(t("Booked"), exact=True).wait_for()
    # The money card loads into the page beside the booking, never in its place.
    client.locator("#booking").get_by_text(t("What this gig costs")).wait_for()
    expect(client.locator("#booking-status")).to_be_visible()
    axe_check(client)
    booking = Booking.objects.get(band=band)
    assert booking.status == Booking.Status.BOOKED and booking.instant
    local_start = timezone.localtime(booking.starts_at, BERLIN)
    assert (local_start.date().isoformat(), f"{local_start:%H:%M}") == (picked_date, picked_start)

    # The band sees the gig in its calendar.
    band_page = log_in(browser, base, leader.email, browser_locale)
    band_page.goto(f"{base}/bands/the-night-owls/calendar/?view=week&date={picked_date}")
    band_page.get_by_text(t("Booked: gig %(times)s", times=picked_start)).first.wait_for()
    axe_check(band_page)
    band_page.goto(f"{base}/bands/the-night-owls/manage/packages/")
    band_page.get_by_role("heading", name=t("Add a package")).wait_for()
    axe_check(band_page)

    # The client proposes new times two days later; the band accepts.
    new_start = local_start + dt.timedelta(days=2)
    client.goto(f"{base}/bookings/{booking.uid}/reschedule/")
    client.get_by_label(t("New start")).fill(f"{new_start:%Y-%m-%dT%H:%M}")
    client.get_by_label(t("New end")).fill(f"{new_start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}")
    client.get_by_label(t("Why")).fill("Rain is forecast for the weekend.")
    client.get_by_role("button", name=t("Propose these times")).click()
    client.get_by_text(t("Waiting for the other side's answer.")).wait_for()
    axe_check(client)
    band_page.goto(f"{base}/bookings/{booking.uid}/reschedule/")
    band_page.get_by_role("button", name=t("Accept the new times")).click()
    band_page.get_by_text(t("Accepted")).first.wait_for()  # the proposal's state, and the notice
    axe_check(band_page)
    booking.refresh_from_db()
    assert timezone.localtime(booking.starts_at, BERLIN) == new_start
    assert booking.uid and booking.sequence >= 2

    # Both share a file; each downloads the other's.
    client.goto(f"{base}/bookings/{booking.uid}/files/")
    file = {"name": "garden.pdf", "mimeType": "application/pdf", "buffer": PDF}
    client.get_by_label(t.label("File"), exact=True).set_input_files(file)
    client.get_by_label(t.label("Title"), exact=True).fill("Garden plan")
    client.get_by_role("button", name=t("Share the file")).click()
    client.get_by_role("link", name="Garden plan").wait_for()
    axe_check(client)
    band_page.goto(f"{base}/bookings/{booking.uid}/files/")
    band_page.get_by_label(t.label("File"), exact=True).set_input_files(
        {"name": "plot.png", "mimeType": "image/png", "buffer": PNG}
    )
    band_page.get_by_label(t.label("Title"), exact=True).fill("Stage plot")
    band_page.get_by_label(t.label("Kind"), exact=True).select_option("stage_plot")
    band_page.get_by_role("button", name=t("Share the file")).click()
    band_page.get_by_role("link", name="Stage plot").wait_for()
    assert download(band_page, "Garden plan") == PDF
    client.reload()
    assert download(client, "Stage plot") == PNG

    # A stranger, even knowing the address, finds nothing.
    plot = BookingFile.objects.get(title="Stage plot")
    nosy = log_in(browser, base, stranger.email, browser_locale)
    response = nosy.goto(f"{base}/bookings/{booking.uid}/files/{plot.pk}/")
    assert response.status == 404
