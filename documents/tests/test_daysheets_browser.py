"""In Chromium: the venue's booker marks the load-in advanced on the day sheet (an htmx toggle, the focus
staying on the button it pressed), and a member of the band then reads it as advanced, with what is
still open counted. Both pages pass axe and fit a phone's width."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from bookings.tests.test_booking_browser import log_in
from gigs.models import AdvanceItem
from gigs.services.day_sheets import day_sheet_update
from gigs.services.guest_lists import guest_entry_add
from gigs.tests.factories import gig_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_venue_advances_an_item_and_the_band_sees_it(live_server, browser, axe_check):
    world = gig_world()
    gig = world.gig
    day_sheet_update(
        booking=gig,
        by=world.owner,
        venue_contact_name="Vera Venue",
        venue_contact_phone="+49 30 1234567",
        load_in_at=gig.starts_at - dt.timedelta(hours=3),
        doors_at=gig.starts_at - dt.timedelta(minutes=30),
        parking="Loading bay behind the bar, two hours free.",
        hospitality="Dinner at 18:30 for five.",
    )
    sheet = f"{live_server.url}/documents/bookings/{gig.uid}/day-sheet/"
    shots = os.environ.get("STAGESLOT_SCREENSHOTS")

    venue = log_in(browser, live_server.url, world.owner.email)
    venue.goto(sheet)
    expect(venue.get_by_role("heading", name="13 of 13 items still open")).to_be_visible()
    axe_check(venue)
    button = venue.get_by_role("button", name="Mark advanced: Load-in")
    button.focus()
    venue.keyboard.press("Enter")
    load_in = venue.locator("#item-load_in")
    expect(load_in.locator(".badge")).to_have_text("Advanced")
    expect(venue.get_by_role("heading", name="12 of 13 items still open")).to_be_visible()
    # The swap replaced the button; the focus is on its successor, so the keyboard user stays put.
    expect(venue.get_by_role("button", name="Reopen: Load-in")).to_be_focused()
    assert AdvanceItem.objects.get(booking=gig, item="load_in").advanced_by == world.owner
    axe_check(venue, what="the day sheet after a toggle")
    if shots:
        venue.screenshot(path=f"{shots}/day-sheet-venue.png", full_page=True)

    band = log_in(browser, live_server.url, world.member.email)
    band.goto(sheet)
    expect(band.get_by_role("heading", name="12 of 13 items still open")).to_be_visible()
    expect(band.locator("#item-load_in .badge")).to_have_text("Advanced")
    expect(band.locator("#item-load_in")).to_contain_text(f"Confirmed by {world.owner.name}")
    expect(band.locator("#item-parking .badge")).to_have_text("Still open")
    assert band.get_by_role("button", name="Mark advanced: Parking").count() == 0
    axe_check(band)
    band.set_viewport_size({"width": 390, "height": 844})
    axe_check.fits(band, what="the day sheet on a phone")
    if shots:
        band.screenshot(path=f"{shots}/day-sheet-phone.png", full_page=True)
        band.set_viewport_size({"width": 1280, "height": 900})
        band.screenshot(path=f"{shots}/day-sheet-band.png", full_page=True)


def test_at_the_door_on_a_phone_each_guest_is_checked_in_without_panning(live_server, browser, axe_check):
    """Door staff hold a phone: every guest's Check in and Remove are on screen, large enough for a thumb, and
    the page never scrolls sideways, before and after a check-in."""
    world = gig_world()
    for name, note in (("Mara's parents", ""), ("Press: Kiez Radio, photographer with a long name", "Gate B")):
        guest_entry_add(booking=world.gig, by=world.owner, side="venue", name=name, plus_ones=1, note=note)
    door = log_in(browser, live_server.url, world.owner.email)
    door.set_viewport_size({"width": 390, "height": 844})
    door.goto(f"{live_server.url}/documents/bookings/{world.gig.uid}/guest-list/")
    buttons = door.locator("#guest-list tbody button")
    expect(buttons).to_have_count(4)  # Check in and Remove for each of the two
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"button {i} is off screen: {box}"
        assert box["height"] >= 44 and box["width"] >= 200, f"button {i} is too small for a thumb: {box}"
    assert door.evaluate("document.scrollingElement.scrollWidth") <= 390
    axe_check(door, what="the guest list on a phone")
    expect(door.get_by_role("button", name="Remove Mara's parents")).to_be_visible()
    door.get_by_role("button", name="Check in: Mara's parents").click()
    expect(door.get_by_role("button", name="Undo check-in: Mara's parents")).to_be_visible()
    assert door.evaluate("document.scrollingElement.scrollWidth") <= 390
    axe_check(door, what="the guest list on a phone after a check-in")
