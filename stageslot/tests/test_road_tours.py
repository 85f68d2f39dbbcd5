"""A tour's itinerary on the road (decision 0110): kept on the phones of its touring party – the band's
members and the crew invited to it – while one of its gigs starts within the road's 14 days; nobody else's."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gigs.services import tours
from gigs.tests.factories import tour_world
from stageslot.road import KEEPABLE, road_keep_list

pytestmark = pytest.mark.django_db


def kept(user) -> list[str]:
    return [entry["url"] for entry in road_keep_list(user=user, now=timezone.now())["keep"]]


def test_the_itinerary_is_kept_on_the_travellers_phones_for_the_road():
    world = tour_world()
    tour = tours.tour_create(band=world.band, by=world.leader, name="Spring run", bookings=world.gigs)
    tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="driver")
    url = reverse("gigs:tour", args=[tour.pk])
    assert url in kept(world.member) and url in kept(world.crew)
    assert url not in kept(world.stranger) and url not in kept(world.other_leader)
    assert any(re.match(pattern, url) for pattern in KEEPABLE)
    # A tour whose gigs start further ahead than the road's 14 days is not kept yet.
    later = tour_world(suffix="x", start_in=30)
    far = tours.tour_create(band=later.band, by=later.leader, name="Later", bookings=later.gigs)
    assert reverse("gigs:tour", args=[far.pk]) not in kept(later.member)


def test_the_dashboard_shows_today_on_tour_days(client):
    world = tour_world(start_in=0, suffix="d")
    tour = tours.tour_create(band=world.band, by=world.leader, name="Autumn run", bookings=world.gigs)
    tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="sound")
    for user in (world.member, world.crew):
        client.force_login(user)
        page = client.get(reverse("dashboard")).content.decode()
        assert "Today on tour: Autumn run" in page
        assert reverse("gigs:tour", args=[tour.pk]) + "#day-" in page
    client.force_login(world.stranger)
    assert "Today on tour" not in client.get(reverse("dashboard")).content.decode()
    later = tour_world(start_in=20, suffix="e")
    tours.tour_create(band=later.band, by=later.leader, name="Later", bookings=later.gigs)
    client.force_login(later.member)
    assert "Today on tour" not in client.get(reverse("dashboard")).content.decode()
