"""In Chromium: the reschedule page offers the band's next free times of the gig's length, the first already
filled in; choosing another fills the new start and end (the reason typed stays) and puts the focus on the
reason; proposing sends those times. The page passes axe."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from availability.models import BusyInterval
from bands.packages import package_price
from bookings.models import RescheduleProposal
from bookings.selectors.reschedule import reschedule_free_times
from bookings.services.instant import booking_instant
from bookings.tests.test_booking_browser import log_in

from .journey import band_party, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_free_time_is_chosen_and_proposed(live_server, browser, axe_check):
    p = band_party()
    booking = booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=package_price(p.instant)
    )
    # Busy for the next days, so the times offered do not shift with the clock while the test runs.
    now = timezone.now()
    BusyInterval.objects.create(user=p.member, starts_at=now, ends_at=local(3, 0), source="rule", source_id=9)
    free = reschedule_free_times(booking=booking)
    page = log_in(browser, live_server.url, p.client.email)
    page.goto(f"{live_server.url}/bookings/{booking.uid}/reschedule/")
    expect(page.get_by_label("New start")).to_have_value(f"{free[0].start_local:%Y-%m-%dT%H:%M}")
    expect(page.get_by_label("New end")).to_have_value(f"{free[0].end_local:%Y-%m-%dT%H:%M}")
    axe_check(page, what="the reschedule page")

    page.get_by_label("Why").fill("Rain is forecast.")
    chosen = free[2]
    page.get_by_role("button", name=chosen.label).click()
    expect(page.get_by_text(f"Filled in: {chosen.label}")).to_be_visible()
    expect(page.get_by_label("New start")).to_have_value(f"{chosen.start_local:%Y-%m-%dT%H:%M}")
    expect(page.get_by_label("New end")).to_have_value(f"{chosen.end_local:%Y-%m-%dT%H:%M}")
    expect(page.get_by_label("Why")).to_be_focused()
    expect(page.get_by_label("Why")).to_have_value("Rain is forecast.")
    assert not RescheduleProposal.objects.exists()

    page.get_by_role("button", name="Propose these times").click()
    expect(page.get_by_text("Waiting for the other side's answer.")).to_be_visible()
    proposal = RescheduleProposal.objects.get()
    assert (proposal.starts_at, proposal.ends_at) == (chosen.starts_at, chosen.ends_at)
    assert timezone.localtime(proposal.starts_at, booking.zone).replace(tzinfo=None) == chosen.start_local
