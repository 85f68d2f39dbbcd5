"""A band's reach (Band.travel_km from its home): "only slots we can play" in the gig finder, band
search's "would travel here" and the tour planner's stops ask the same rule (bands.travel.reach_q)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bands.models import Band
from bands.selectors import band_search
from bands.travel import band_reaches
from bookings.selectors.finder import finder_slots
from bookings.selectors.tours import tour_stops
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from places.near import Near
from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("bookings:gig_finder")
# From Berlin, as the crow flies: Berlin 0 km, Hamburg ≈ 255, Prague ≈ 280, Munich ≈ 505, Paris ≈ 880,
# Madrid ≈ 1,870, New York ≈ 6,385.
CITIES = ("Berlin", "Hamburg", "Prague", "Munich", "Paris", "Madrid", "New York")


def titles(response) -> list[str]:
    return re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def world():
    """A band at home in Berlin that travels up to 800 km, and one open slot at a venue in each city
    (plus one at a venue without a place), a night apart."""
    cities = {name: CityFactory(name=name) for name in CITIES}
    band, leader = band_with_leader(name="The Night Owls", place=cities["Berlin"], travel_km=800)
    slots = {}
    for n, name in enumerate(CITIES):
        venue = venue_with_owner(name=f"Club {name}", city=name, place=cities[name])[0]
        slots[name] = SlotFactory(venue=venue, title=f"{name} night", starts_at=in_days(10 + n))
    nowhere = VenueFactory(city="", name="Club Nowhere")
    slots["Nowhere"] = SlotFactory(venue=nowhere, title="Nowhere night", starts_at=in_days(20))
    return band, leader, cities, slots


def test_only_slots_we_can_play_leaves_out_slots_beyond_the_bands_travel(client, world):
    _band, leader, _cities, _slots = world
    client.force_login(leader)
    everything = titles(client.get(URL))
    assert "New York night" in everything and "Madrid night" in everything
    response = client.get(URL, {"playable": "on"})
    assert response.status_code == 200
    # A slot without a point is not known to be too far: it stays.
    assert titles(response) == ["Berlin night", "Hamburg night", "Prague night", "Munich night", "Nowhere night"]


def test_a_band_that_does_not_say_how_far_it_travels_is_not_held_back(client, world):
    band, leader, _cities, _slots = world
    Band.objects.filter(pk=band.pk).update(travel_km=None)
    client.force_login(leader)
    assert len(titles(client.get(URL, {"playable": "on"}))) == len(CITIES) + 1


def test_a_band_without_required_members_is_still_held_to_its_reach(world):
    band, _leader, _cities, _slots = world
    band.memberships.update(required=False)
    found = {s.title for s in finder_slots(now=timezone.now(), band_id=band.pk, playable=True)}
    assert "Madrid night" not in found and "Berlin night" in found


@pytest.mark.parametrize("travel_km", [None, 0, 250, 300, 800, 1000, 20_000])
def test_finder_band_search_and_tour_planner_agree_on_the_bands_reach(world, travel_km):
    band, _leader, cities, slots = world
    Band.objects.filter(pk=band.pk).update(travel_km=travel_km)
    band.refresh_from_db()
    now = timezone.now()
    playable = {s.pk for s in finder_slots(now=now, band_id=band.pk, playable=True)}
    berlin = cities["Berlin"]
    stops = {
        stop.id
        for stop in tour_stops(
            band=band,
            start=berlin,
            end=berlin,
            first_day=(now + dt.timedelta(days=1)).date(),
            last_day=(now + dt.timedelta(days=25)).date(),
            drive_km=1500,
            now=now,
        )
    }
    for name in CITIES:
        city, slot = cities[name], slots[name]
        rule = band_reaches(band, (slot.latitude, slot.longitude))
        would_travel = band.pk in {b.pk for b in band_search(near=Near(city=city), travels_here=True)}
        assert would_travel is (rule is True), name
        # The finder leaves out only what the rule says is too far; what it cannot tell stays.
        assert (slot.pk in playable) is (rule is not False), name
        assert (slot.pk in stops) is (slot.pk in playable), name
    assert band_reaches(band, (slots["New York"].latitude, slots["New York"].longitude)) is (
        None if travel_km is None else travel_km == 20_000
    )
