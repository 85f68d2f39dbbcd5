"""End to end in Chromium: a venue posts a slot, a band applies, the venue accepts; the band's public
calendar turns that day Booked without a reload, and a second band's application for the same place
is declined automatically."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking
from bookings.services import asking
from bookings.tests.factories import venue_with_owner
from stageslot.tests.words import words
from venues.models import Slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def log_in(browser, base: str, email: str, locale: str = "en-GB"):
    t = words(locale)
    page = browser.new_context(locale=locale).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(t.label("Email")).fill(email)
    page.get_by_label(t.label("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign In"), exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def day_cell(page, t, day: dt.date):
    """The public calendar's cell of `day`, found by the words a screen reader reads for it."""
    return page.locator(f'td.live-day:has(.visually-hidden:text-is("{t.date(day, "WEEKDAY_MONTH_LONG_FORMAT")}:"))')


@pytest.mark.locales
def test_post_apply_accept_shows_booked_live_and_declines_the_rival(
    live_server, browser, settings, browser_locale, axe_check
):
    settings.LIVE_POLL_SECONDS = 1
    t = words(browser_locale)
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    mara = UserFactory(email="mara@example.com", display_name="Mara", time_zone="Europe/Berlin")
    owls = BandFactory(name="The Night Owls", slug="the-night-owls", time_zone="Europe/Berlin")
    MembershipFactory(band=owls, user=mara, role=Membership.Role.LEADER)
    MembershipFactory(band=owls, user=UserFactory(display_name="Sam"))
    larks = BandFactory(name="The Larks", slug="the-larks", time_zone="Europe/Berlin")
    lark = UserFactory(email="lark@example.com", display_name="Lou", time_zone="Europe/Berlin")
    MembershipFactory(band=larks, user=lark, role=Membership.Role.LEADER)
    gig_day = timezone.localdate(timezone.now(), BERLIN) + dt.timedelta(days=9)

    # The venue posts a slot for one headliner, 21:00–23:30 Berlin time.
    venue_page = log_in(browser, live_server.url, owner.email, browser_locale)
    axe_check(venue_page)
    venue_page.goto(f"{live_server.url}/venues/kellerbar/manage/slots/new/")
    axe_check(venue_page)
    venue_page.get_by_label(t.label("Date")).fill(gig_day.isoformat())
    venue_page.get_by_label(t.label("Start")).fill("21:00")
    venue_page.get_by_label(t.label("End"), exact=True).fill("23:30")
    venue_page.get_by_label(t.label("Title")).fill("Friday Night Indie")
    venue_page.get_by_label(t.label("Support acts")).fill("0")
    venue_page.get_by_role("button", name=t("Post slot")).click()
    venue_page.get_by_text("Friday Night Indie").first.wait_for()
    axe_check(venue_page)
    slot = Slot.objects.get(venue=venue)
    assert slot.starts_at == dt.datetime.combine(gig_day, dt.time(21), BERLIN)
    assert slot.status == Slot.Status.OPEN

    # Another band applies for the same place first.
    rival = asking.booking_apply(slot=slot, band=larks, by=lark, role="headliner", fee=350)

    # A visitor watches the Night Owls' public page: the gig day is not booked.
    visitor = browser.new_context(locale=browser_locale).new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(f"{live_server.url}/bands/the-night-owls/")
    visitor.locator(".live-cal__title").wait_for()  # the month itself, not the link standing in for it
    if gig_day.month != timezone.localdate(timezone.now(), BERLIN).month:
        visitor.get_by_role("link", name=t("Next month")).click()
        visitor.locator(".live-cal__title", has_text=t.date(gig_day, "F")).wait_for()
    assert "live-day--booked" not in day_cell(visitor, t, gig_day).get_attribute("class")
    axe_check(visitor)
    visitor.evaluate("window.__not_reloaded = true")

    # Mara finds the slot in the gig finder and applies.
    band_page = log_in(browser, live_server.url, mara.email, browser_locale)
    band_page.goto(f"{live_server.url}/slots/")
    axe_check(band_page)
    band_page.get_by_role("link", name=re.compile("Friday Night Indie")).first.click()
    band_page.wait_for_url(re.compile(rf"/slots/{slot.pk}/$"))
    axe_check(band_page)
    band_page.get_by_label(t("Fee asked (%(currency)s)", currency="EUR")).fill("450")
    band_page.get_by_label(t("Message to the venue")).fill("We play tight 75-minute sets.")
    band_page.get_by_role("button", name=t("Send application")).click()
    band_page.wait_for_url(re.compile(r"/bookings/[0-9a-f-]{36}/$"))
    axe_check(band_page)
    application = Booking.objects.get(band=owls, slot=slot)
    assert application.status == Booking.Status.PENDING
    assert application.fee == 450

    # The visitor's calendar shows the day pending, without a reload.
    day_cell(visitor, t, gig_day).and_(visitor.locator(".live-day--pending")).wait_for(timeout=10_000)

    # The venue accepts the Night Owls in the slot's inbox.
    venue_page.goto(f"{live_server.url}/venues/kellerbar/manage/slots/{slot.pk}/")
    axe_check(venue_page)
    venue_page.locator("summary", has_text=re.compile(re.escape(t("Accept…")) + ".*The Night Owls")).click()
    venue_page.get_by_role("button", name=t("Yes, accept %(band)s", band="The Night Owls")).click()
    booked = "Booked: %(band)s plays this slot. Applications that no longer fit were declined with a reason."
    venue_page.locator("#vslot-bookings").get_by_text(t(booked, band="The Night Owls")).wait_for()
    axe_check(venue_page)

    # The visitor's calendar turns the day Booked on its own.
    day_cell(visitor, t, gig_day).and_(visitor.locator(".live-day--booked")).wait_for(timeout=10_000)
    assert t("Booked") in day_cell(visitor, t, gig_day).inner_text()
    assert visitor.evaluate("window.__not_reloaded") is True
    axe_check(visitor)

    # The Larks' application for the same place was declined automatically, and they are told why.
    rival.refresh_from_db()
    assert rival.status == Booking.Status.DECLINED
    lark_page = log_in(browser, live_server.url, lark.email, browser_locale)
    lark_page.goto(f"{live_server.url}/bookings/{rival.uid}/")
    axe_check(lark_page)
    text = lark_page.locator("main").inner_text()
    assert t("Declined") in text
    assert t("the headliner place went to another band.") in text
    slot.refresh_from_db()
    assert slot.status == Slot.Status.BOOKED
