"""A member adds a weekly busy evening; the band calendar turns those evenings from green to partial."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from availability.models import Rule
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import BandFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def day_cell(page, day: dt.date):
    return page.locator(f'td.gz-day:has(a[href*="date={day.isoformat()}"])').first


def test_a_weekly_busy_evening_turns_the_band_evening_from_green_to_partial(live_server, browser, axe_check):
    mara = UserFactory(email="mara@example.com", display_name="Mara", time_zone="Europe/Berlin")
    sam = UserFactory(email="sam@example.com", display_name="Sam", time_zone="Europe/Berlin")
    band = BandFactory(name="The Night Owls", slug="the-night-owls", status=ApprovalStatus.APPROVED)
    MembershipFactory(band=band, user=mara, role=Membership.Role.LEADER)
    MembershipFactory(band=band, user=sam)
    today = timezone.localdate()
    wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 + 7)
    next_wednesday = wednesday + dt.timedelta(weeks=1)
    calendar = f"{live_server.url}/bands/the-night-owls/calendar/?date={wednesday.isoformat()}"

    # Mara looks at the band calendar: that Wednesday evening everyone is free.
    mara_page = browser.new_context().new_page()
    mara_page.set_default_timeout(15_000)
    log_in(mara_page, live_server.url, "mara@example.com")
    mara_page.goto(calendar)
    assert "gz-day--green" in day_cell(mara_page, wednesday).get_attribute("class")
    assert "All 2 free" in day_cell(mara_page, wednesday).inner_text()
    axe_check(mara_page)

    # Sam says he is busy every Wednesday evening from now on.
    sam_page = browser.new_context().new_page()
    sam_page.set_default_timeout(15_000)
    log_in(sam_page, live_server.url, "sam@example.com")
    sam_page.get_by_role("link", name="Availability").click()
    axe_check(sam_page)
    sam_page.goto(f"{live_server.url}/me/availability/rules/new/")
    axe_check(sam_page)
    sam_page.get_by_label("What is it:").fill("Pub quiz")
    sam_page.get_by_label("First day:").fill(wednesday.isoformat())
    assert sam_page.get_by_label("Last day:").input_value() == wednesday.isoformat()
    sam_page.get_by_label("Whole days").set_checked(False)
    sam_page.get_by_label("From:").fill("18:00")
    sam_page.get_by_label("Until:").fill("23:30")
    sam_page.get_by_label("Repeats:").select_option("WEEKLY")
    sam_page.get_by_role("button", name="Save").click()
    sam_page.wait_for_url(re.compile(r"/me/availability/(\?.*)?$"))
    assert Rule.objects.get(user=sam).rrule == "FREQ=WEEKLY;BYDAY=WE"

    # The band calendar now shows those evenings as partial, naming who is busy.
    mara_page.goto(calendar)
    cell = day_cell(mara_page, wednesday)
    assert "gz-day--partial" in cell.get_attribute("class")
    assert "1 of 2 free – Sam busy" in cell.inner_text()
    if next_wednesday.month == wednesday.month:
        assert "gz-day--partial" in day_cell(mara_page, next_wednesday).get_attribute("class")
    thursday = wednesday + dt.timedelta(days=1)
    assert "gz-day--green" in day_cell(mara_page, thursday).get_attribute("class")
    axe_check(mara_page)

    # The week view lists the evening's free stretch without Sam.
    cell.locator("a").click()
    mara_page.wait_for_url(re.compile(r"view=week"))
    assert "Sam" in mara_page.locator("main").inner_text()
    axe_check(mara_page)
