"""In Chromium, the set list by keyboard: "Add a set" and "+ set N" replace the set list, and the focus lands
in the set just added, never back at the top of the page; a set list longer than the booked length warns."""

import pytest
from playwright.sync_api import expect

from bookings.tests.test_booking_browser import log_in
from gigs.services.set_lists import song_create
from gigs.tests.factories import gig_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_SET = "n => document.activeElement.closest('#set-list .sl-set')?.getAttribute('aria-labelledby') || ''"


def test_by_keyboard_the_focus_lands_in_the_new_set_and_an_overrun_is_warned(live_server, browser, axe_check):
    world = gig_world()
    world.band.set_length_minutes = 75
    world.band.save(update_fields=["set_length_minutes"])
    for n in range(1, 7):
        song_create(band=world.band, by=world.leader, title=f"Song {n}", length="15:00", key="A")
    page = log_in(browser, live_server.url, world.member.email)
    page.goto(f"{live_server.url}/gigs/{world.gig.uid}/set-list/")

    for n in (1, 2, 3):
        page.get_by_role("button", name=f"Add Song {n} to set 1").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#set-1-title")).to_contain_text(f"{15 * n}:00")
        expect(page.locator("#set-1-title ~ .sl-entries .sl-move[data-focus]")).to_be_focused()
        assert page.evaluate(IN_SET) == "set-1-title"

    page.get_by_role("link", name="Add a set").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#set-2-title")).to_be_focused()

    for n in (4, 5, 6):
        page.get_by_role("button", name=f"Add Song {n} to set 2").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#set-2-title")).to_contain_text(f"{15 * (n - 3)}:00")
        # The Move up button of the song just added, in set 2.
        expect(page.locator("#set-2-title ~ .sl-entries .sl-entry:last-child .sl-move >> nth=0")).to_be_focused()
        assert page.evaluate(IN_SET) == "set-2-title"
        expect(page.locator("#set-2-title ~ .sl-entries .sl-entry:last-child .sl-entry__title")).to_have_text(
            f"Song {n}"
        )

    expect(page.get_by_text("Set 1: 45:00")).to_be_visible()
    expect(page.get_by_text("Set 2: 45:00")).to_be_visible()
    expect(page.get_by_text("All sets: 1:30:00 of 1:15:00 booked")).to_be_visible()
    expect(page.locator(".sl-over")).to_contain_text("Over by 15:00:")
    expect(page.get_by_text("to fill")).to_have_count(0)
    axe_check(page, what="the set list over its booked length")
