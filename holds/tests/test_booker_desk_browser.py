"""In Chromium, the booker's desk from end to end: a promoter opens the venue group's calendar, sees a hold over a
slot flagged, moves a hold with the keyboard alone and by dragging, and confirms a ladder into an offer. Each page
passes axe."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.tests.test_booking_browser import log_in
from holds import services
from holds.models import Hold
from venues.services import slot_create

from .factories import hold_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_promoter_reads_the_group_calendar_moves_holds_and_confirms_an_offer(live_server, browser, axe_check):
    w = hold_world()
    small = w.venue.stages.create(name="Small room")
    # A Tuesday: the days after it are in its week.
    start = w.start + dt.timedelta(days=(1 - w.start.astimezone(ZoneInfo("Europe/Berlin")).weekday()) % 7)
    end = start + dt.timedelta(hours=3)
    day = start.astimezone(ZoneInfo("Europe/Berlin")).date()
    for band in w.bands[:2]:
        services.hold_place(by=w.owner, stage=w.stage, band=band, starts_at=start, ends_at=end, expires_at=w.expires)
    services.hold_place(by=w.owner, stage=small, band=w.bands[2], starts_at=start, ends_at=end, expires_at=w.expires)
    slot_create(venue=w.venue, by=w.owner, stage=small, starts_at=start, ends_at=end, title="Jazz Brunch")

    page = log_in(browser, live_server.url, w.promoter.email)
    page.goto(f"{live_server.url}/teams/{w.group.slug}/")
    page.get_by_role("link", name="Calendar").click()
    page.wait_for_url(f"**/holds/groups/{w.group.slug}/calendar/")
    page.goto(f"{live_server.url}/holds/groups/{w.group.slug}/calendar/?view=month&date={day.isoformat()}")
    expect(page.locator(".bc-legend")).to_contain_text("Clash (1)")
    flagged = page.locator(".bc-entry--clash")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Small room already has “Jazz Brunch”")
    axe_check(page, what="the group's calendar, a month")

    # By keyboard: open the day, open "Move…" of the 2nd hold, pick the next day, send.
    page.goto(f"{live_server.url}/holds/groups/{w.group.slug}/calendar/?view=day&date={day.isoformat()}")
    axe_check(page, what="the group's calendar, a day")
    summary = page.get_by_text(f"Move {w.bands[1].name}’s hold…")
    summary.focus()
    page.keyboard.press("Enter")
    date_input = page.get_by_label("Date").and_(page.locator(f"#bc-move-date-{Hold.objects.get(band=w.bands[1]).pk}"))
    date_input.focus()
    date_input.fill((day + dt.timedelta(days=1)).isoformat())
    for _ in range(12):  # past the date's own fields, the room and the level, to the button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Move the hold":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".flash--success")).to_contain_text(f"{w.bands[1].name}'s hold moved to")
    moved = Hold.objects.get(band=w.bands[1])
    # Nobody is held that day: it lands as the 1st, and says so.
    assert (moved.date, moved.level, moved.stage_id) == (day + dt.timedelta(days=1), 1, w.stage.pk)
    expect(page.locator(".flash--info")).to_contain_text("so it is the next free one")
    axe_check(page, what="the calendar after a move")

    # By dragging, in the week: onto the small room's first day, whose 1st hold is another band's, it is refused
    # with the reason and stays; onto the small room's next day it moves.
    page.goto(f"{live_server.url}/holds/groups/{w.group.slug}/calendar/?view=week&date={day.isoformat()}")
    chip = page.locator(f"[data-hold='{moved.pk}']")
    chip.drag_to(page.locator(f"td[data-stage='{small.pk}'][data-date='{day.isoformat()}']"))
    expect(page.locator(".flash--error")).to_contain_text(f"is {w.bands[2].name}'s. One act per level")
    moved.refresh_from_db()
    assert (moved.stage_id, moved.date) == (w.stage.pk, day + dt.timedelta(days=1))
    next_day = (day + dt.timedelta(days=2)).isoformat()
    page.locator(f"[data-hold='{moved.pk}']").drag_to(
        page.locator(f"td[data-stage='{small.pk}'][data-date='{next_day}']")
    )
    expect(page.locator(".flash--success")).to_contain_text(f"{w.bands[1].name}'s hold moved to")
    moved.refresh_from_db()
    assert (moved.stage_id, moved.date.isoformat(), moved.level) == (small.pk, next_day, 1)

    # Confirm the 1st of the main room into an offer, from the day.
    page.goto(f"{live_server.url}/holds/groups/{w.group.slug}/calendar/?view=day&date={day.isoformat()}")
    room = page.locator(".bc-dayroom").filter(has=page.get_by_role("heading", name="Kellerbar · Main stage"))
    room.get_by_text("Confirm…").click()
    room.get_by_label("Fee offered").fill("900")
    room.get_by_role("button", name="Confirm and send the offer").click()
    page.wait_for_url("**/bookings/*/")
    booking = Booking.objects.get(band=w.bands[0])
    assert (booking.kind, booking.status, booking.fee) == ("offer", "pending", 900)
    page.goto(f"{live_server.url}/holds/groups/{w.group.slug}/calendar/?view=week&date={day.isoformat()}")
    expect(page.locator("td .bc-entry--offer")).to_contain_text(w.bands[0].name)
