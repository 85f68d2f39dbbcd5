"""End to end in Chromium: a band leader asks for a ten-day route from Hamburg to Munich, gets a route
of open slots inside the band's green zone (a night a member is busy stays a day off), applies to all
of it in one step and finds every application in the bookings inbox."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from availability.models import BusyInterval
from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import SlotFactory, venue_with_owner
from places.tests.factories import CityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# The route's nights, north to south: a venue in each city, night 5 left out (a member is busy then).
STOPS = {0: "Hamburg", 1: "Hanover", 2: "Kassel", 3: "Halle", 4: "Leipzig", 6: "Dresden", 7: "Nuremberg",
         8: "Augsburg", 9: "Munich"}  # fmt: skip


def test_plan_a_ten_day_tour_and_apply_to_all_of_it(live_server, page, axe_check):
    base = live_server.url
    cities = {name: CityFactory(name=name) for name in [*STOPS.values(), "Berlin"]}
    # Not one of the known points: Augsburg, between Nuremberg and Munich.
    cities["Augsburg"].latitude, cities["Augsburg"].longitude = 48.37154, 10.89851
    cities["Augsburg"].save()
    leader = UserFactory(email="leader@example.com", time_zone="Europe/Berlin")
    band = BandFactory(name="Road Runners", slug="road-runners", place=cities["Berlin"])
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    drummer = MembershipFactory(band=band, required=True).user
    first = timezone.localdate(timezone.now(), BERLIN) + dt.timedelta(days=10)
    slots = {}
    for night in range(10):
        day = first + dt.timedelta(days=night)
        start = dt.datetime.combine(day, dt.time(20), BERLIN)
        city = STOPS.get(night, "Berlin")
        venue = venue_with_owner(name=f"Club {city}", city=city, place=cities[city])[0]
        slots[night] = SlotFactory(venue=venue, starts_at=start, fee=300 + 10 * night)
    # The drummer is busy on night 5: Berlin's slot that night is outside the green zone.
    BusyInterval.objects.create(
        user=drummer, starts_at=slots[5].starts_at - dt.timedelta(hours=3), ends_at=slots[5].ends_at,
        source=BusyInterval.Source.RULE, source_id=1,
    )  # fmt: skip

    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(leader.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(f"{base}/bands/road-runners/manage/")
    page.get_by_role("link", name="Plan a tour").click()
    page.wait_for_url(re.compile(r"/manage/tour/$"))
    axe_check(page)
    page.get_by_label("Start city").fill("Hamburg")
    page.get_by_label("End city").fill("Munich")
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Last day").fill((first + dt.timedelta(days=9)).isoformat())
    page.get_by_label("Drive per day (km)").fill("400")
    page.get_by_role("button", name="Find routes").click()
    page.wait_for_url(re.compile(r"/manage/tour/\?"))
    axe_check(page)
    axe_check.fits(page)

    route = page.locator("form.tour-route").first
    text = route.inner_text()
    assert "9 nights filled" in re.sub(r"\s+", " ", text)
    for city in STOPS.values():
        assert f"Club {city}" in text
    assert "Club Berlin" not in text
    assert "Day off or driving" in text

    route.get_by_label("Message to each venue (optional)").fill("Ten days on the road in spring.")
    route.get_by_role("button", name="Apply to all 9 stops").click()
    page.wait_for_url(re.compile(r"/manage/tour/apply/$"))
    axe_check(page)
    assert "Road Runners applied to 9 stops." in page.locator("main").inner_text()

    applied = Booking.objects.filter(band=band, kind=Booking.Kind.APPLICATION, status=Booking.Status.PENDING)
    assert sorted(applied.values_list("slot_id", flat=True)) == sorted(slots[n].pk for n in STOPS)

    page.get_by_role("link", name="Open the bookings inbox").click()
    page.wait_for_url(re.compile(r"/bookings/$"))
    axe_check(page)
    inbox = page.locator("main").inner_text()
    for city in STOPS.values():
        assert f"Club {city}" in inbox
