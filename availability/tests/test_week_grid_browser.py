"""In Chromium: a member marks busy time on the week grid by dragging across a day's hours, and by keyboard
(a day's name, then its start and end): both open the same form as "Add busy time", filled in, and write
the same blocks. The same grid shows the green zone of the member's band, cut by the new busy time."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from availability.models import Rule
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.tests.test_booking_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_busy_time_is_marked_by_dragging_and_by_keyboard(live_server, browser, axe_check):
    user = UserFactory(email="sam@example.com", display_name="Sam", time_zone="Europe/Berlin")
    band = BandFactory(name="The Night Owls", slug="the-night-owls")
    MembershipFactory(band=band, user=user)
    MembershipFactory(band=band, user__display_name="Mara")
    today = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    tuesday = monday + dt.timedelta(days=1)
    page = log_in(browser, live_server.url, user.email)
    page.goto(f"{live_server.url}/me/availability/?view=week&date={monday.isoformat()}")
    expect(page.get_by_text("drag down across a day's hours")).to_be_visible()
    # The band's green zone runs down each day where everyone is free (here: all week, all day).
    monday_zone = page.locator(f"#cal-gz-{monday.isoformat()} .cal-gz__stripe")
    expect(monday_zone).to_have_attribute("title", "The Night Owls: everyone free 00:00–24:00")
    expect(page.locator(".cal-gz-legend")).to_contain_text("The Night Owls")
    axe_check(page, what="the week grid")

    # Drag on Monday from the 14:00 hour down through the 16:00 hour: 14:00 until 17:00.
    start = page.locator(f'.cal-slot[data-date="{monday.isoformat()}"][data-time="14:00"]')
    end = page.locator(f'.cal-slot[data-date="{monday.isoformat()}"][data-time="16:00"]')
    start.scroll_into_view_if_needed()
    a, b = start.bounding_box(), end.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=6)
    page.mouse.up()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("From:")).to_have_value("14:00")
    expect(dialog.get_by_label("Until:")).to_have_value("17:00")
    expect(dialog.get_by_label("First day:")).to_have_value(monday.isoformat())
    axe_check(page, what="the form a drag opens")
    dialog.get_by_label("What is it:").fill("Dentist")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator(".cal-week__event").filter(has_text="Dentist")).to_be_visible()
    # Sam is busy in the afternoon now: the green zone is cut around it.
    expect(monday_zone.first).to_have_attribute("title", "The Night Owls: everyone free 00:00–14:00")
    rule = Rule.objects.get(user=user, title="Dentist")
    assert (rule.start_date, rule.start_time, rule.end_time) == (monday, dt.time(14), dt.time(17))

    # By keyboard: Tuesday's name opens the form for that day; the times are typed in.
    day_link = page.get_by_role("link", name=f"{tuesday:%a} {tuesday.day} {tuesday:%B}: add busy time")
    day_link.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("First day:")).to_have_value(tuesday.isoformat())
    dialog.get_by_label("What is it:").fill("Rehearsal with the other band")
    dialog.get_by_label("Whole days").set_checked(False)
    dialog.get_by_label("From:").fill("18:30")
    dialog.get_by_label("Until:").fill("21:00")
    dialog.get_by_label("Until:").press("Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    rule = Rule.objects.get(user=user, title="Rehearsal with the other band")
    assert (rule.start_date, rule.start_time, rule.end_time) == (tuesday, dt.time(18, 30), dt.time(21))
    expect(page.locator(".cal-gz-legend")).to_contain_text("The Night Owls")
    expect(page.locator(".cal-week__event").filter(has_text="Rehearsal")).to_be_visible()
    # Focus comes back to Tuesday's name in the grid drawn again (with the rehearsal in it), not to the top of the page.
    page.wait_for_function(
        "(day) => { const a = document.activeElement; return !!a && !!a.closest('#calendar')"
        " && (a.getAttribute('href') || '').endsWith('date=' + day); }",
        arg=tuesday.isoformat(),
    )
    # The stripes are placed by the hour: Monday's first one ends at 14:00, where the dentist begins. The
    # zone is loaded again after each save and placed by script: measure once it is placed.
    page.wait_for_function(
        "(day) => { const s = document.querySelector(`#cal-gz-${day} .cal-gz__stripe`);"
        " return !!s && s.getBoundingClientRect().height > 0; }",
        arg=monday.isoformat(),
    )
    stripe = page.locator(f"#cal-gz-{monday.isoformat()} .cal-gz__stripe").first.bounding_box()
    dentist = page.locator(".cal-week__event").filter(has_text="Dentist").bounding_box()
    assert abs(stripe["y"] + stripe["height"] - dentist["y"]) < 4
    if os.environ.get("STAGESLOT_SCREENSHOTS"):
        page.wait_for_timeout(300)
        page.screenshot(path=f"{os.environ['STAGESLOT_SCREENSHOTS']}/week-grid.png", full_page=True)

    # The same checks as the form: an end before the start is refused, nothing is written.
    start = page.locator(f'.cal-slot[data-date="{tuesday.isoformat()}"][data-time="08:00"]')
    start.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("From:")).to_have_value("08:00")
    dialog.get_by_label("Until:").fill("07:00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator(".field-error, .errorlist").first).to_be_visible()
    assert Rule.objects.filter(user=user).count() == 2
