"""A band's home city (picked from the gazetteer), its proposed time zone, how far it travels, and
staff matching the cities typed before the gazetteer."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.admin import BandAdmin, CityMatchedFilter
from bands.models import Band, Membership
from bands.services import bands_place_match
from places.tests.factories import CityFactory

from .factories import BandFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def profile_data(**overrides) -> dict:
    data = {
        "name": "The Night Shift",
        "slug": "night-shift",
        "bio": "We play loud.",
        "place": "",
        "place_id": "",
        "time_zone": "Europe/Berlin",
        "travel_km": "",
        "currency": "EUR",
    }
    data.update(overrides)
    return data


@pytest.fixture
def band_and_leader():
    band = BandFactory(name="The Night Shift", slug="night-shift", city="", country="", time_zone="Europe/Berlin")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    return band, leader


def test_a_picked_city_is_saved_with_its_names_and_point(client, band_and_leader):
    band, leader = band_and_leader
    leipzig = CityFactory(name="Leipzig")
    client.force_login(leader)
    data = profile_data(place="Leipzig, Germany", place_id=str(leipzig.pk), travel_km="350")
    response = client.post(reverse("bands:manage", args=[band.slug]), data)
    assert response.status_code == 302, response.content.decode()
    band.refresh_from_db()
    assert band.place == leipzig
    assert (band.city, band.region, str(band.country)) == ("Leipzig", "", "DE")
    assert (band.latitude, band.longitude) == (leipzig.latitude, leipzig.longitude)
    assert band.travel_km == 350
    # The page shows the city again as it was picked.
    page = client.get(reverse("bands:manage", args=[band.slug])).content.decode()
    assert 'value="Leipzig, Germany"' in page
    assert f'name="place_id" value="{leipzig.pk}"' in page


def test_the_time_zone_follows_a_new_city_unless_the_band_chose_one(client, band_and_leader):
    band, leader = band_and_leader
    london = CityFactory(name="London")
    client.force_login(leader)
    # The zone left as it was shown: the city's zone is proposed, and said.
    response = client.post(
        reverse("bands:manage", args=[band.slug]), profile_data(place="London, United Kingdom"), follow=True
    )
    band.refresh_from_db()
    assert (band.place, band.time_zone) == (london, "Europe/London")
    assert "Its time zone is Europe/London, proposed from its home city." in response.content.decode()
    # A zone the band picks itself stays, whatever the city.
    paris = CityFactory(name="Paris")
    data = profile_data(place="Paris, France", place_id=str(paris.pk), time_zone="Asia/Tokyo")
    client.post(reverse("bands:manage", args=[band.slug]), data)
    band.refresh_from_db()
    assert (band.place, band.time_zone) == (paris, "Asia/Tokyo")


@pytest.mark.parametrize(
    ("travel_km", "message"),
    [
        ("-5", "A distance cannot be negative."),
        ("20001", "enter at most 20,000 km"),
        ("far", "Enter how far you travel in whole km"),
        ("12.5", "Enter how far you travel in whole km"),
    ],
)
def test_bad_travel_distance_gets_a_message_and_saves_nothing(client, band_and_leader, travel_km, message):
    band, leader = band_and_leader
    CityFactory(name="Leipzig")
    client.force_login(leader)
    response = client.post(
        reverse("bands:manage", args=[band.slug]), profile_data(place="Leipzig", travel_km=travel_km, bio="Changed")
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    bio = band.bio
    band.refresh_from_db()
    assert (band.travel_km, band.place_id, band.bio) == (None, None, bio)


def test_an_unknown_city_gets_a_message_and_saves_nothing(client, band_and_leader, empty_gazetteer):
    band, leader = band_and_leader
    client.force_login(leader)
    response = client.post(reverse("bands:manage", args=[band.slug]), profile_data(place="Atlantis", bio="Changed"))
    assert response.status_code == 400
    assert "We know no city called “Atlantis”" in response.content.decode()
    bio = band.bio
    band.refresh_from_db()
    assert (band.place_id, band.city, band.bio) == (None, "", bio)


def test_an_old_unmatched_city_does_not_block_the_rest_of_the_profile(client, band_and_leader, empty_gazetteer):
    band, leader = band_and_leader
    Band.objects.filter(pk=band.pk).update(city="Kleinkleckersdorf", country="DE")
    client.force_login(leader)
    page = client.get(reverse("bands:manage", args=[band.slug])).content.decode()
    assert 'value="Kleinkleckersdorf, Germany"' in page
    response = client.post(
        reverse("bands:manage", args=[band.slug]), profile_data(place="Kleinkleckersdorf, Germany", bio="New bio")
    )
    assert response.status_code == 302
    band.refresh_from_db()
    assert (band.bio, band.city, band.place_id) == ("New bio", "Kleinkleckersdorf", None)


def test_a_new_band_gets_its_city_and_its_zone(client, empty_gazetteer):
    leipzig = CityFactory(name="Leipzig")
    client.force_login(UserFactory(time_zone="UTC"))
    data = profile_data(place="Leipzig, Germany", place_id=str(leipzig.pk), time_zone="UTC")
    response = client.post(reverse("bands:create"), data)
    assert response.status_code == 302
    band = Band.objects.get(slug="night-shift")
    assert (band.place, band.city, band.time_zone, band.latitude) == (leipzig, "Leipzig", "Europe/Berlin", 51.33962)


@pytest.mark.parametrize("who", ["stranger", "other_leader", "member"])
def test_only_the_bands_leaders_change_its_city(client, band_and_leader, who):
    band, _ = band_and_leader
    leipzig = CityFactory(name="Leipzig")
    user = {
        "stranger": UserFactory,
        "other_leader": lambda: MembershipFactory(band=BandFactory(), role=Membership.Role.LEADER).user,
        "member": lambda: MembershipFactory(band=band, role=Membership.Role.MEMBER).user,
    }[who]()
    client.force_login(user)
    response = client.post(reverse("bands:manage", args=[band.slug]), profile_data(place_id=str(leipzig.pk)))
    assert response.status_code in (403, 404)
    band.refresh_from_db()
    assert band.place_id is None
    client.logout()
    response = client.post(reverse("bands:manage", args=[band.slug]), profile_data(place_id=str(leipzig.pk)))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---- Staff: cities typed before the gazetteer -------------------------------------------------


def admin_request(staff, data=None):
    request = RequestFactory().post("/admin/bands/band/", data or {})
    request.user = staff
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_staff_see_the_unmatched_bands_and_match_them_again(empty_gazetteer):
    staff = UserFactory(is_staff=True, is_superuser=True)
    leipzig = CityFactory(name="Leipzig")
    matched = BandFactory(name="Matched", city="Leipzig", country="DE", place=leipzig)
    later = BandFactory(name="Later", city="Dresden", country="DE")
    never = BandFactory(name="Never", city="Kleinkleckersdorf", country="DE")
    homeless = BandFactory(name="Homeless", city="", country="")
    model_admin = BandAdmin(Band, AdminSite())

    def listed(value):
        request = RequestFactory().get("/", {"city_matched": value} if value else {})
        flt = CityMatchedFilter(request, {"city_matched": [value]} if value else {}, Band, model_admin)
        return set(flt.queryset(request, Band.objects.all()).values_list("name", flat=True))

    assert listed("no") == {"Later", "Never"}
    assert listed("yes") == {"Matched"}
    assert listed("") >= {"Matched", "Later", "Never", "Homeless"}

    # Dresden arrives in the gazetteer; staff run the action on every band.
    dresden = CityFactory(name="Dresden")
    request = admin_request(staff)
    model_admin.match_city(request, Band.objects.filter(pk__in=[matched.pk, later.pk, never.pk, homeless.pk]))
    texts = [str(m) for m in request._messages]
    assert texts[0] == "Matched the city of 1 band."
    assert "1 band stays unmatched" in texts[1] and "Never (“Kleinkleckersdorf”)" in texts[1]
    later.refresh_from_db()
    never.refresh_from_db()
    assert (later.place, later.latitude) == (dresden, dresden.latitude)
    assert never.place_id is None and never.latitude is None
    assert listed("no") == {"Never"}


def test_matching_never_guesses_between_two_cities(empty_gazetteer):
    CityFactory(name="Halle")
    CityFactory(name="Halle", geoname_id=2797713, country="BE")
    band = BandFactory(city="Halle", country="")
    matched, unmatched = bands_place_match(bands=[band])
    assert (matched, unmatched) == ([], [band])
    band.refresh_from_db()
    assert band.place_id is None
    band.country = "DE"
    matched, _ = bands_place_match(bands=[band])
    assert matched == [band]


def test_the_band_list_in_the_admin_shows_the_place_in_few_queries(client, django_assert_max_num_queries):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name in ("Leipzig", "Dresden", "Berlin"):
        BandFactory(city=name, place=CityFactory(name=name))
    response = client.get(reverse("admin:bands_band_changelist"))
    assert response.status_code == 200
    for name in ("Leipzig", "Dresden", "Berlin"):
        BandFactory(city=name, place=CityFactory(name=name))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:bands_band_changelist"), {"city_matched": "yes"})
    assert "Leipzig, Germany" in response.content.decode()


def test_the_add_page_ignores_a_place_that_is_no_id(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    leipzig = CityFactory(name="Leipzig")
    assert client.get(reverse("admin:bands_band_add"), {"place": "abc"}).status_code == 200
    response = client.get(reverse("admin:venues_venue_add"), {"place": str(leipzig.pk)})
    assert response.status_code == 200
    assert "Leipzig, Germany" in response.content.decode()
