"""In Chromium, the festival's journey: the promoter publishes a call; Kite applies and Owl, busy on every
day of the call, is refused; a juror scores Kite without its name; the promoter shortlists it and builds
the two-day, two-stage timetable, where Moth (whose guitarist Mara plays in Kite) is refused beside Kite
with both names; the published timetable and its ICS open; Kite's radius clause refuses a club 30 km away
a week later. Each page passes axe."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from availability.models import BusyInterval
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, venue_with_owner
from festivals.models import Application, OpenCall, Placement
from festivals.services import jury, timetable
from stageslot.tests.test_strangers_browser import signed_in_page

from .factories import festival_world, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_call_a_blind_jury_a_timetable_refusing_a_shared_guitarist_and_a_radius_clause(
    live_server, browser, axe_check
):
    w = festival_world(tag="b")
    OpenCall.objects.filter(pk=w.call.pk).update(status=OpenCall.Status.DRAFT)
    jury.juror_add(call=w.call, user=w.juror, by=w.owner)
    owl_leader = w.leaders[w.owl.pk]
    start = local(w.first_day, 0) - dt.timedelta(days=1)
    BusyInterval.objects.create(
        user=owl_leader, starts_at=start, ends_at=start + dt.timedelta(days=4), source="rule", source_id=1
    )
    base = live_server.url

    promoter = signed_in_page(browser, base, w.owner, "en-GB")
    promoter.goto(f"{base}/calls/{w.call.slug}/manage/")
    promoter.get_by_role("button", name="Publish the call").click()
    expect(promoter.get_by_text("The call is open")).to_be_visible()

    kite = signed_in_page(browser, base, w.leaders[w.kite.pk], "en-GB")
    kite.goto(f"{base}/calls/")
    kite.get_by_role("link", name=w.call.title).click()
    axe_check(kite, what="the call's page")
    kite.get_by_label("Your pitch").fill("Dream pop from the lake")
    kite.get_by_label("For a blind jury").fill("Dream pop with two guitars")
    kite.get_by_label("Set length?").select_option("45")
    kite.get_by_role("button", name="Apply").click()
    expect(kite.get_by_text("application is sent")).to_be_visible()

    owl = signed_in_page(browser, base, owl_leader, "en-GB")
    owl.goto(f"{base}/calls/{w.call.slug}/")
    owl.get_by_label("For a blind jury").fill("Folk")
    owl.get_by_label("Set length?").select_option("30")
    owl.get_by_role("button", name="Apply").click()
    expect(owl.get_by_text("busy on every day of this call")).to_be_visible()
    assert not Application.objects.filter(band=w.owl).exists()

    juror = signed_in_page(browser, base, w.juror, "en-GB")
    juror.goto(f"{base}/calls/{w.call.slug}/jury/")
    axe_check(juror, what="the jury's page")
    card = juror.locator(".jury-cards > li").first
    assert w.kite.name not in juror.content()
    card.get_by_label("Music").fill("5")
    card.get_by_label("Live show").fill("4")
    card.get_by_role("button", name="Save my scores").click()
    expect(juror.get_by_text("Median 4.5")).to_be_visible()

    OpenCall.objects.filter(pk=w.call.pk).update(deadline=w.call.deadline.replace(year=2020))
    promoter.goto(f"{base}/calls/{w.call.slug}/jury/")
    promoter.get_by_label("Decision").select_option("shortlisted")
    promoter.get_by_role("button", name="Decide").click()
    expect(promoter.get_by_text("Shortlisted").first).to_be_visible()
    Application.objects.create(call=w.call, band=w.moth, status=Application.Status.SHORTLISTED)

    promoter.goto(f"{base}/festivals/{w.festival.slug}/timetable/")
    axe_check(promoter, what="the timetable builder")
    form = promoter.locator("form[action$='/place/']")

    def place(band, stage, hour, **more):
        form.locator("[name=band]").select_option(label=band.name)
        form.locator("[name=stage]").select_option(label=stage.stage.name)
        form.locator("[name=day]").fill(w.first_day.isoformat())
        form.locator("[name=time]").fill(f"{hour}:00")
        form.locator("[name=minutes]").fill("60")
        for name, value in more.items():
            form.locator(f"[name={name}]").fill(value)
        form.get_by_role("button", name="Offer the set", exact=True).click()

    place(w.kite, w.main, 20, radius_km="50", radius_days="14")
    expect(promoter.get_by_text(f"{w.kite.name} is offered a set")).to_be_visible()
    expect(promoter.get_by_text("Offered – waiting for the act")).to_be_visible()
    form = promoter.locator("form[action$='/place/']")
    place(w.moth, w.tent, 20)
    refusal = promoter.get_by_text("Mara Guitar plays with")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(w.kite.name)
    expect(refusal).to_contain_text(w.moth.name)
    # Kite's leader accepts the offer: only then is the set booked, and in the release.
    kite = Placement.objects.get(band=w.kite)
    timetable.placement_accept(placement=kite, by=w.leaders[w.kite.pk], now=timezone.now())
    promoter.get_by_role("button", name="Publish release 1").click()

    promoter.goto(f"{base}/festivals/{w.festival.slug}/")
    axe_check(promoter, what="the published timetable")
    expect(promoter.get_by_role("link", name=w.kite.name, exact=True)).to_be_visible()
    ics = promoter.request.get(f"{base}/festivals/{w.festival.slug}/acts/{w.kite.slug}.ics")
    assert ics.ok and "BEGIN:VEVENT" in ics.text() and w.kite.name in ics.text()

    club, club_owner = venue_with_owner(latitude=52.79, longitude=13.405, exact_point=True, name="Northtown Club")
    later = local(w.first_day + dt.timedelta(days=7), 20)
    ask = BookingFactory(
        band=w.kite, slot=SlotFactory(venue=club, starts_at=later, ends_at=later + dt.timedelta(hours=2))
    )
    owner_page = signed_in_page(browser, base, club_owner, "en-GB")
    owner_page.goto(f"{base}/bookings/{ask.uid}/")
    owner_page.get_by_text("Accept…").click()
    owner_page.get_by_role("button", name="Yes, accept this gig").click()
    expect(owner_page.get_by_text("bars it from playing within 50 km")).to_be_visible()
    ask.refresh_from_db()
    assert ask.status == Booking.Status.PENDING
