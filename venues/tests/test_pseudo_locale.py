"""Every word on the venue pages (and the city suggestions) is marked for translation."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.tests.factories import venue_with_owner
from places.tests.factories import CityFactory
from venues.models import VenueStaff
from venues.tests.factories import VenueInviteFactory, VenuePhotoFactory, VenueStaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every page of its area in the pseudo-locale")]


@pytest.fixture
def venue_world():
    venue, owner = venue_with_owner()
    booker = VenueStaffFactory(venue=venue, user=UserFactory(), role=VenueStaff.Role.BOOKER).user
    VenuePhotoFactory(venue=venue)
    VenueInviteFactory(venue=venue, created_by=owner, email="booker@example.com", max_uses=2)
    return {"venue": venue, "owner": owner, "booker": booker}


def test_the_public_venue_pages_are_all_marked(client, venue_world):
    CityFactory(name="Leipzig")
    urls = [
        reverse("venues:search"),
        reverse("venues:detail", args=[venue_world["venue"].slug]),
        reverse("places:cities") + "?q=Lei",
    ]
    assert words_left_unmarked(client, urls) == {}


def test_the_owners_venue_pages_are_all_marked(client, venue_world):
    venue = venue_world["venue"]
    client.force_login(venue_world["owner"])
    urls = [
        reverse("venues:create"),
        *(reverse(f"venues:{name}", args=[venue.slug]) for name in ("manage", "stages", "photos", "staff", "invites")),
    ]
    assert words_left_unmarked(client, urls) == {}


def test_a_bookers_venue_pages_are_all_marked(client, venue_world):
    venue = venue_world["venue"]
    client.force_login(venue_world["booker"])
    urls = [reverse(f"venues:{name}", args=[venue.slug]) for name in ("manage", "staff")]
    assert words_left_unmarked(client, urls) == {}
