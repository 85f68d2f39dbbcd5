"""End to end in Chromium: a band applies; the venue's bell counts it without a reload, the venue
opens the notification, answers in the booking's thread, and the band sees the answer appear."""

import re

import pytest

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking, Message
from bookings.tests.factories import SlotFactory, in_days, venue_with_owner
from bookings.tests.test_booking_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bell_count(page) -> int:
    badge = page.locator("#bell .bell__count")
    return int(badge.get_attribute("data-unread-count")) if badge.count() else 0


def test_application_rings_the_venue_bell_and_the_thread_carries_the_answer(live_server, browser, axe_check):
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")
    slot = SlotFactory(venue=venue, title="Friday Night Indie", starts_at=in_days(12, 19), support_places=0)
    mara = UserFactory(email="mara@example.com", display_name="Mara", time_zone="Europe/Berlin")
    owls = BandFactory(name="The Night Owls", slug="the-night-owls", time_zone="Europe/Berlin")
    MembershipFactory(band=owls, user=mara, role=Membership.Role.LEADER)

    # The venue's owner is on their dashboard; nothing is unread.
    venue_page = log_in(browser, live_server.url, owner.email)
    venue_page.locator("#bell .bell__link").wait_for()
    assert bell_count(venue_page) == 0
    axe_check(venue_page)
    venue_page.evaluate("window.__not_reloaded = true")

    # Mara applies for the slot.
    band_page = log_in(browser, live_server.url, mara.email)
    band_page.goto(f"{live_server.url}/slots/{slot.pk}/")
    axe_check(band_page)
    band_page.get_by_label("Fee asked").fill("450")
    band_page.get_by_label("Message").fill("We play tight 75-minute sets.")
    band_page.get_by_role("button", name="Send application").click()
    band_page.wait_for_url(re.compile(r"/bookings/[0-9a-f-]{36}/$"))
    booking = Booking.objects.get(band=owls, slot=slot)
    assert Notification.objects.filter(recipient=owner, kind="booking_created").count() == 1

    # The bell on the venue's open page counts it, without a reload (it polls every 15 s).
    venue_page.locator('#bell .bell__count[data-unread-count="1"]').wait_for(timeout=25_000)
    assert venue_page.evaluate("window.__not_reloaded") is True
    axe_check(venue_page, what="the dashboard with a ringing bell")

    # The owner opens the bell, then the notification: it leads to the booking and is read.
    venue_page.locator("#bell .bell__link").click()
    venue_page.wait_for_url(re.compile(r"/notifications/$"))
    axe_check(venue_page)
    item = venue_page.locator("li", has_text="The Night Owls applied")
    item.get_by_role("button", name=re.compile("^Open")).click()
    venue_page.wait_for_url(re.compile(rf"/bookings/{booking.uid}/"))
    assert Notification.objects.get(recipient=owner, kind="booking_created").read_at is not None
    axe_check(venue_page)

    # The band watches its booking page while the venue answers in the thread.
    band_page.goto(f"{live_server.url}/bookings/{booking.uid}/")
    band_page.locator("#thread").wait_for()
    band_page.evaluate("window.__not_reloaded = true")
    venue_page.get_by_label("Your message").fill("Sounds great – can you be here for a 19:00 soundcheck?")
    venue_page.get_by_role("button", name="Send").click()
    venue_page.locator("#thread-messages").get_by_text("19:00 soundcheck").wait_for()
    assert venue_page.get_by_label("Your message").input_value() == ""
    axe_check(venue_page, what="the thread after sending")
    assert Message.objects.filter(booking=booking, author=owner).count() == 1

    # The band sees the message appear on its own (the thread polls every 5 s), and is told of it.
    band_page.locator("#thread-messages").get_by_text("19:00 soundcheck").wait_for(timeout=15_000)
    assert band_page.evaluate("window.__not_reloaded") is True
    axe_check(band_page, what="the thread after a message arrived")
    assert Notification.objects.filter(recipient=mara, kind="message").count() == 1
