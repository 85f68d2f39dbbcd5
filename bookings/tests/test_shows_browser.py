"""End to end in Chromium: a band hosts a show with two support places; two free bands find it and
apply, a third that is busy does not see it as free; the host listens to the applicants in place and
accepts one, sets the running order and the tickets; the public show page lists the line-up in order
with a ticket button and valid JSON-LD; the accepted band's members find the set time in their feeds."""

import datetime as dt
import json
import re
import zoneinfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import PASSWORD, UserFactory
from availability.models import BusyInterval
from bands.models import Membership
from bands.tests.factories import BandEmbedFactory, BandFactory, MembershipFactory
from bookings.models import Booking, CalendarFeed
from places.tests.browser import type_city
from places.tests.factories import CityFactory
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


def band_led_by(name: str, slug: str, email: str, *, members: int = 1):
    leader = UserFactory(email=email, display_name=f"{name} leader", time_zone="Europe/Berlin")
    band = BandFactory(name=name, slug=slug, time_zone="Europe/Berlin")
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    others = [MembershipFactory(band=band, user=UserFactory(time_zone="Europe/Berlin")).user for _ in range(members)]
    BandEmbedFactory(band=band, title=f"{name} live")
    return band, leader, others


@pytest.mark.locales
def test_host_a_show_pick_an_opener_and_publish_the_bill(live_server, browser, browser_locale, axe_check):
    base = live_server.url
    t = words(browser_locale)
    hosts, host, _ = band_led_by("The Hosts", "the-hosts", "host@example.com")
    first, first_leader, first_members = band_led_by("First Light", "first-light", "first@example.com")
    second, second_leader, _ = band_led_by("Second Wind", "second-wind", "second@example.com")
    _, busy_leader, _ = band_led_by("Busy Bees", "busy-bees", "busy@example.com")
    day = timezone.localdate(timezone.now(), BERLIN) + dt.timedelta(days=10)
    start = dt.datetime.combine(day, dt.time(20), BERLIN)
    CityFactory(name="Berlin")  # a transactional test may find the gazetteer flushed

    # The host band's leader hosts a show with two support places.
    page = log_in(browser, base, host.email, browser_locale)
    page.goto(f"{base}/shows/new/")
    axe_check(page)
    page.get_by_label(t.label("Title")).fill("Basement Release Party")
    page.get_by_label(t.label("Date")).fill(day.isoformat())
    page.get_by_label(t.label("Doors")).fill("19:30")
    page.get_by_label(t.label("Music starts")).fill("20:00")
    page.get_by_label(t.label("Ends"), exact=True).fill("23:30")
    page.get_by_label(t.label("Place"), exact=True).fill("The Basement")
    page.get_by_label(t.label("Address")).fill("Kastanienallee 7")
    type_city(page.get_by_label(t.label("City")), "Berlin")
    page.get_by_label(t.label("Support places")).fill("2")
    page.get_by_label(t.label("Fee for each support act")).fill("150")
    page.get_by_role("button", name=t("Host the show")).click()
    page.wait_for_url(re.compile(r"/shows/\d+/manage/$"))
    axe_check(page)
    show = Slot.objects.get(host_band=hosts)
    assert show.starts_at == start and show.is_support_call

    # Busy Bees' drummer is away that evening: the show is not marked free for them.
    BusyInterval.objects.create(
        user=busy_leader, starts_at=start - dt.timedelta(hours=2), ends_at=start + dt.timedelta(hours=6),
        source=BusyInterval.Source.RULE, source_id=1,
    )  # fmt: skip
    busy_page = log_in(browser, base, busy_leader.email, browser_locale)
    busy_page.goto(f"{base}/slots/?role=support_call")
    card = busy_page.locator(".slot-card", has_text="Basement Release Party")
    card.wait_for()
    assert t("✕ Not all of %(name)s free", name="Busy Bees") in card.inner_text()
    assert t("✓ %(name)s is free", name="Busy Bees") not in card.inner_text()
    axe_check(busy_page)

    # Two free bands find it among the support calls and apply.
    for leader, band in ((first_leader, first), (second_leader, second)):
        band_page = log_in(browser, base, leader.email, browser_locale)
        band_page.goto(f"{base}/slots/?role=support_call")
        card = band_page.locator(".slot-card", has_text="Basement Release Party")
        assert t("✓ %(name)s is free", name=band.name) in card.inner_text()
        card.get_by_role("link", name="Basement Release Party").click()
        band_page.wait_for_url(re.compile(rf"/shows/{show.pk}/$"))
        axe_check(band_page)
        band_page.get_by_label(t.label("Message to the headliner")).fill(f"{band.name} would love to open.")
        band_page.get_by_role("button", name=t("Apply as support")).click()
        band_page.wait_for_url(re.compile(r"/bookings/[0-9a-f-]{36}/$"))
        axe_check(band_page)
    assert Booking.objects.filter(slot=show, status=Booking.Status.PENDING).count() == 2

    # The host listens to the applicants in place and accepts First Light.
    page.goto(f"{base}/shows/{show.pk}/manage/")
    assert page.locator('iframe[title="First Light live"]').count() == 1
    assert page.locator('iframe[title="Second Wind live"]').count() == 1
    axe_check(page)
    page.get_by_role("button", name=t("Accept %(band)s", band="First Light")).click()
    page.get_by_text(t("%(band)s is on the bill.", band="First Light")).wait_for()
    axe_check(page)
    assert Booking.objects.get(slot=show, band=first).status == Booking.Status.BOOKED

    # The running order: First Light plays 20:00–20:40 after loading in at 18:00; the hosts at 21:00.
    for band, times in (("First Light", ("18:00", "20:00", "20:40")), ("The Hosts", ("17:00", "21:00", "22:30"))):
        for moment, value in zip(("load-in", "set starts", "set ends"), times, strict=True):
            page.get_by_label(t.label("%(band)s: %(time)s", band=band, time=t(moment))).fill(value)
    page.get_by_role("button", name=t("Save the running order")).click()
    page.get_by_text(t("The running order is saved; each act's busy time and calendar moved with it.")).wait_for()

    # Tickets on sale.
    page.get_by_role("radio", name=t("Tickets"), exact=True).check()
    page.get_by_label(t.label("Ticket %(n)s: label", n=1)).fill("Presale")
    page.get_by_label(t.label("Ticket %(n)s: link", n=1)).fill("https://tickets.example.com/basement")
    page.get_by_label(t.label("Ticket %(n)s: from", n=1)).fill("10")
    page.get_by_label(t.label("Ticket %(n)s: up to", n=1)).fill("12")
    page.get_by_role("button", name=t("Save tickets")).click()
    page.get_by_text(t("The tickets are saved.")).wait_for()
    axe_check(page)

    # A visitor reads the public page: the line-up in running order, a ticket button, valid JSON-LD.
    visitor = browser.new_context(locale=browser_locale).new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(f"{base}/shows/{show.pk}/")
    axe_check(visitor)
    acts = [re.sub(r"\s+", " ", a).strip() for a in visitor.locator("ol.lineup li").all_inner_texts()]
    assert acts == [f"20:00–20:40 First Light {t('Support')}", f"21:00–22:30 The Hosts {t('Headliner')}"]
    ticket = visitor.get_by_role("link", name=re.compile("Presale"))
    assert ticket.get_attribute("href") == "https://tickets.example.com/basement"
    assert "Europe/Berlin" in visitor.content()
    ld = json.loads(visitor.locator('script[type="application/ld+json"]').text_content())
    assert ld["@type"] == "MusicEvent" and [p["name"] for p in ld["performer"]] == ["First Light", "The Hosts"]
    assert ld["startDate"] == start.isoformat() and ld["offers"][0]["url"] == "https://tickets.example.com/basement"

    # First Light's members see their set in their calendar feeds.
    set_start = dt.datetime.combine(day, dt.time(20), BERLIN).astimezone(dt.UTC)
    for member in [first_leader, *first_members]:
        feed = CalendarFeed.objects.create(scope=CalendarFeed.Scope.MEMBER, user=member)
        body = visitor.request.get(f"{base}/feeds/{feed.token}.ics").body()
        events = [e for e in Calendar.from_ical(body).walk("VEVENT") if "First Light" in str(e["SUMMARY"])]
        assert len(events) == 1
        assert events[0].decoded("DTSTART") == set_start
        assert "Set:" in str(events[0]["DESCRIPTION"])
