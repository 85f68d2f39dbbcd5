"""A venue's city, its exact point (or its city's), the time zone proposed from them, and staff
matching the cities typed before the gazetteer."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from places.tests.factories import CityFactory
from venues.admin import VenueAdmin
from venues.models import Slot, Venue, VenueStaff

from .factories import VenueFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


def profile_data(**overrides) -> dict:
    data = {
        "name": "Kellerbar",
        "description": "A cellar.",
        "address": "Karl-Liebknecht-Straße 10",
        "postcode": "04107",
        "place": "",
        "place_id": "",
        "latitude": "",
        "longitude": "",
        "time_zone": "Europe/Berlin",
        "capacity": "180",
    }
    data.update(overrides)
    return data


@pytest.fixture
def kellerbar():
    leipzig = CityFactory(name="Leipzig")
    venue = VenueFactory(
        name="Kellerbar", slug="kellerbar", city="Leipzig", country="DE", place=leipzig, stages=["Main"]
    )
    owner = VenueStaffFactory(venue=venue, role=VenueStaff.Role.OWNER).user
    start = timezone.now() + timedelta(days=20)
    slot = Slot.objects.create(
        venue=venue, stage=venue.stages.first(), starts_at=start, ends_at=start + timedelta(hours=3), title="Friday"
    )
    return venue, owner, leipzig, slot


def post(client, venue, **overrides):
    return client.post(reverse("venues:manage", args=[venue.slug]), profile_data(**overrides))


def test_an_exact_point_is_saved_and_its_slots_follow(client, kellerbar):
    venue, owner, leipzig, slot = kellerbar
    assert (slot.latitude, slot.longitude) == (leipzig.latitude, leipzig.longitude)
    client.force_login(owner)
    response = post(
        client, venue, place="Leipzig, Germany", place_id=str(leipzig.pk), latitude="51.3447", longitude="12.3803"
    )
    assert response.status_code == 302, response.content.decode()
    venue.refresh_from_db()
    slot.refresh_from_db()
    assert (venue.exact_point, venue.latitude, venue.longitude) == (True, 51.3447, 12.3803)
    assert (slot.latitude, slot.longitude) == (51.3447, 12.3803)
    page = client.get(reverse("venues:manage", args=[venue.slug])).content.decode()
    assert 'name="latitude" value="51.3447"' in page

    # Clearing both returns the venue, and its slots, to the city's point.
    response = post(client, venue, place="Leipzig, Germany", place_id=str(leipzig.pk))
    assert response.status_code == 302
    venue.refresh_from_db()
    slot.refresh_from_db()
    assert (venue.exact_point, venue.latitude, slot.latitude) == (False, leipzig.latitude, leipzig.latitude)
    page = client.get(reverse("venues:manage", args=[venue.slug])).content.decode()
    assert 'placeholder="51.3396 (the city’s)"' in page


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("91", "12.38", "The latitude must lie between -90 and 90."),
        ("51.34", "-181", "The longitude must lie between -180 and 180."),
        ("abc", "12.38", "Enter the latitude as a number, e.g. 51.34."),
        ("51.34", "", "Enter the longitude too, or clear the latitude to use the city’s point."),
        ("12.38", "51.34", "km from Leipzig"),
    ],
)
def test_a_bad_point_gets_a_message_and_changes_nothing(client, kellerbar, latitude, longitude, message):
    venue, owner, leipzig, _ = kellerbar
    client.force_login(owner)
    response = post(client, venue, place="Leipzig", description="Changed", latitude=latitude, longitude=longitude)
    assert response.status_code == 400
    assert message in response.content.decode()
    venue.refresh_from_db()
    assert (venue.description, venue.exact_point, venue.latitude) == (
        "A room with a stage and a bar.",
        False,
        leipzig.latitude,
    )


def test_the_zone_is_proposed_from_the_point_or_the_city(client, kellerbar):
    venue, owner, leipzig, _ = kellerbar
    client.force_login(owner)
    # Moved to a city in another zone, the zone left as it was: the new city's zone.
    london = CityFactory(name="London")
    response = client.post(
        reverse("venues:manage", args=[venue.slug]),
        profile_data(place="London, United Kingdom", place_id=str(london.pk)),
        follow=True,
    )
    venue.refresh_from_db()
    assert (venue.place, venue.city, str(venue.country), venue.time_zone) == (london, "London", "GB", "Europe/London")
    assert "Its time zone is Europe/London, proposed from its location." in response.content.decode()
    # An exact point wins over its city's zone: a point just over the border (Strasbourg's side of the Rhine).
    kehl_side = {"latitude": "48.5734", "longitude": "7.7521"}
    CityFactory(name="Grenzdorf am Rhein", latitude=48.5723, longitude=7.8155, time_zone="Europe/Berlin")
    response = post(client, venue, place="Grenzdorf am Rhein", time_zone="Europe/London", **kehl_side)
    venue.refresh_from_db()
    assert (venue.exact_point, venue.time_zone) == (True, "Europe/Paris")
    # A zone picked by hand stays.
    response = post(client, venue, place="Leipzig", time_zone="Asia/Tokyo")
    venue.refresh_from_db()
    assert (venue.place, venue.time_zone) == (leipzig, "Asia/Tokyo")


def test_a_new_venue_gets_its_city_point_and_zone(client, empty_gazetteer):
    leipzig = CityFactory(name="Leipzig")
    client.force_login(UserFactory())
    data = profile_data(slug="kellerbar", stage_name="Main", place="Leipzig", time_zone="UTC")
    response = client.post(reverse("venues:create"), data)
    assert response.status_code == 302, response.content.decode()
    venue = Venue.objects.get(slug="kellerbar")
    assert (venue.place, venue.city, venue.latitude, venue.exact_point) == (leipzig, "Leipzig", leipzig.latitude, False)
    assert venue.time_zone == "Europe/Berlin"


@pytest.mark.parametrize("who", ["stranger", "other_owner"])
def test_only_the_venues_staff_change_its_point(client, kellerbar, who):
    venue, _, leipzig, _ = kellerbar
    user = UserFactory() if who == "stranger" else VenueStaffFactory(role=VenueStaff.Role.OWNER).user
    client.force_login(user)
    response = post(client, venue, place="Leipzig", latitude="51.3447", longitude="12.3803")
    assert response.status_code in (403, 404)
    venue.refresh_from_db()
    assert (venue.exact_point, venue.latitude) == (False, leipzig.latitude)


def test_staff_match_venue_cities_again_keeping_a_venues_own_point(empty_gazetteer):
    staff = UserFactory(is_staff=True, is_superuser=True)
    own = VenueFactory(name="Own point", city="Dresden", country="DE")
    Venue.objects.filter(pk=own.pk).update(latitude=51.06, longitude=13.74, exact_point=True)
    plain = VenueFactory(name="Plain", city="Dresden", country="DE")
    dresden = CityFactory(name="Dresden")
    request = RequestFactory().post("/admin/venues/venue/")
    request.user, request.session = staff, {}
    request._messages = FallbackStorage(request)
    VenueAdmin(Venue, AdminSite()).match_city(request, Venue.objects.filter(pk__in=[own.pk, plain.pk]))
    assert [str(m) for m in request._messages] == ["Matched the city of 2 venues."]
    own.refresh_from_db()
    plain.refresh_from_db()
    assert (own.place, own.exact_point, own.latitude) == (dresden, True, 51.06)
    assert (plain.place, plain.exact_point, plain.latitude) == (dresden, False, dresden.latitude)
