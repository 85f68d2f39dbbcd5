"""In Chromium, the booker's desk from end to end: a promoter opens the venue group's calendar, sees a hold over a
slot flagged, moves a hold with the keyboard alone and by dragging, and confirms a ladder into an offer; the band's
agent accepts the offer from the agency's roster; a settlement with itemised costs and a bonus is approved by both
sides and its sheet downloaded. Each page passes axe."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.tests.test_booking_browser import log_in
from bookings.tests.test_detail_views import make_world
from documents.tests.test_daysheets import pdf_pages
from holds import services
from holds.models import Hold
from holds.tests.factories import hold_world
from payments.models import Settlement
from payments.tests.test_settlement import DOOR, agreed, played
from teams.tests.factories import agency_for
from venues.services import slot_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_promoter_reads_the_group_calendar_moves_holds_and_confirms_an_offer(live_server, browser, axe_check):
    w = hold_world()
    _agency, _owner, agent, _viewer = agency_for(w.bands[0], name="Northside Agency", slug="northside")
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
    flagged = page.locator(".bc-grid .bc-entry--clash")
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
    # The answer comes in place, and the keyboard is on it, not back at the top of the page.
    expect(page.locator(".flash--success")).to_be_focused()
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

    # The band's agent finds the offer on the agency's roster and accepts it there, for the band.
    agent_page = log_in(browser, live_server.url, agent.email)
    agent_page.goto(f"{live_server.url}/dashboard/")
    agent_page.get_by_role("link", name="Open Northside Agency’s roster").click()
    row = agent_page.locator("tr", has_text="Kellerbar · Offer")
    expect(row).to_contain_text(w.bands[0].name)
    axe_check(agent_page, what="the agency's roster")
    row.get_by_role("button", name=f"Accept {w.bands[0].name}").click()
    expect(agent_page.locator(".flash--success")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert booking.events.filter(to_status="booked").get().actor == agent


def test_the_settlement_with_itemised_costs_and_a_bonus_is_approved_by_both_and_its_sheet_downloaded(
    live_server, browser, axe_check
):
    world = make_world("-desk")
    booking = played(agreed(world, replace(DOOR, door_costs=(("sound", "PA", 15000),))))
    settlement_url = f"{live_server.url}/payments/bookings/{booking.uid}/settlement/"

    # The venue enters the tickets sold, adds a cost the terms did not name and a bonus at 200 tickets.
    page = log_in(browser, live_server.url, world.owner.email)
    page.goto(settlement_url)
    page.get_by_label("Tickets sold").fill("200")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.locator(".flash--success")).to_be_visible()
    page.get_by_label("Kind").select_option(label="Lights")
    page.get_by_label("Amount").first.fill("50")
    page.get_by_role("button", name="Add the cost").click()
    expect(page.locator(".flash--success")).to_be_visible()
    page.get_by_label("At tickets sold").fill("200")
    page.get_by_label("Bonus:", exact=True).fill("100")
    page.get_by_role("button", name="Add the bonus").click()
    expect(page.locator(".flash--success")).to_be_visible()
    axe_check(page, what="the settlement with its items")
    s = Settlement.objects.get(booking=booking)
    # 200 × 15.00 = 3,000.00 taken; less 150.00 (agreed) and 50.00 (added): 2,800.00; 70 % is 1,960.00; +100.00.
    assert (s.gross_minor, s.costs_minor, s.net_minor, s.band_amount_minor) == (300000, 20000, 280000, 206000)

    # The band sees the cost added at settlement flagged, accepts it and approves; the sheet is then final.
    band_page = log_in(browser, live_server.url, world.leader.email)
    band_page.goto(settlement_url)
    expect(band_page.get_by_text("added at settlement", exact=False).first).to_be_visible()
    band_page.get_by_role("button", name="Approve the settlement").click()
    expect(band_page.locator(".flash--error, .errorlist").first).to_be_visible()  # not without accepting the cost
    band_page.get_by_label("The band accepts what differs from the agreed terms").check()
    band_page.get_by_role("button", name="Approve the settlement").click()
    expect(band_page.get_by_role("link", name="The settlement sheet (PDF)")).to_be_visible()
    s.refresh_from_db()
    assert s.status == Settlement.Status.APPROVED
    sheet = band_page.get_by_role("link", name="The settlement sheet (PDF)").get_attribute("href")
    response = band_page.request.get(f"{live_server.url}{sheet}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_pages(response.body()))
    assert "Lights" in text and "2,060 EUR" in text and "DRAFT" not in text
