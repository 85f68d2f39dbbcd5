"""The fans' API: what's on (public), one's follows and asks – for the fan, another fan, the band's members,
a venue, a stranger and a visitor, a token without the scope; refusals are problems, nothing changes."""

from collections.abc import Iterator

import pytest

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import BandFactory
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from fans.models import Ask, Follow
from stageslot.tests.once import as_it_is_now, rows_for_the_module

from .world import booked_show, city

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("fans_api")]
API = "/api/v1"


class World:
    def __init__(self) -> None:
        self.berlin, self.hamburg = city("Berlin"), city("Hamburg")
        self.band, self.leader = band_with_leader(name="The Followed", slug="the-followed")
        self.suspended = BandFactory(slug="gone", status=ApprovalStatus.SUSPENDED)
        self.venue, self.venue_owner = venue_with_owner(slug="kellerbar", place=self.berlin)
        self.fan, self.other_fan, self.stranger = UserFactory(), UserFactory(), UserFactory()
        self.show = booked_show(self.band, venue=self.venue, days=5)
        self.far = booked_show(self.band, place=self.hamburg, days=6)

    def api(self, who: str, scopes=None) -> ApiClient:
        if who == "anonymous":
            return ApiClient()
        user = {
            "fan": self.fan,
            "other_fan": self.other_fan,
            "leader": self.leader,
            "venue": self.venue_owner,
            "stranger": self.stranger,
        }[who]
        return ApiClient(token_for(user, scopes or ["read", "follows"]))


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with rows_for_the_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(module_world) -> World:
    return as_it_is_now(module_world)


PEOPLE = ["fan", "other_fan", "leader", "venue", "stranger"]


@pytest.mark.parametrize("who", [*PEOPLE, "anonymous"])
def test_anyone_reads_whats_on_near_a_city(world, who):
    response = world.api(who).get(f"{API}/whats-on", {"near": "Berlin", "km": 50})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [world.show.pk]
    assert world.api(who).get(f"{API}/whats-on", {"near": "Qqqqqq"}).status_code == 422


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_follows_and_reads_only_their_own(world, who):
    api = world.api(who)
    response = api.post(f"{API}/me/follows", {"kind": "band", "slug": "the-followed"})
    assert response.status_code == 200 and [f["slug"] for f in response.json()] == ["the-followed"]
    assert api.post(f"{API}/me/follows", {"kind": "venue", "slug": "kellerbar"}).status_code == 200
    assert {
        f["slug"] for f in world.api("other_fan" if who != "other_fan" else "fan").get(f"{API}/me/follows").json()
    } == set()
    assert api.delete(f"{API}/me/follows/band/the-followed").status_code == 204
    assert [f["slug"] for f in api.get(f"{API}/me/follows").json()] == ["kellerbar"]


def test_a_visitor_and_a_token_without_the_scope_change_nothing(world):
    assert world.api("anonymous").get(f"{API}/me/follows").status_code == 401
    assert world.api("anonymous").post(f"{API}/me/follows", {"kind": "band", "slug": "the-followed"}).status_code == 401
    read_only = world.api("fan", scopes=["read"])
    assert read_only.post(f"{API}/me/follows", {"kind": "band", "slug": "the-followed"}).status_code == 403
    assert read_only.post(f"{API}/me/asks", {"band": "the-followed", "city": "Berlin"}).status_code == 403
    assert not Follow.objects.exists() and not Ask.objects.exists()


def test_what_cannot_be_followed_or_asked_is_a_problem(world):
    api = world.api("fan")
    assert api.post(f"{API}/me/follows", {"kind": "band", "slug": "gone"}).status_code == 422
    assert api.post(f"{API}/me/follows", {"kind": "planet", "slug": "x"}).status_code == 422
    assert api.post(f"{API}/me/asks", {"band": "the-followed", "city": "Atlantis-upon-Nowhere"}).status_code == 422
    assert world.api("leader").post(f"{API}/me/asks", {"band": "the-followed", "city": "Berlin"}).status_code == 409
    assert not Follow.objects.exists() and not Ask.objects.exists()


def test_a_fan_asks_and_takes_it_back(world):
    api = world.api("fan")
    response = api.post(f"{API}/me/asks", {"band": "the-followed", "city": "Berlin"})
    assert response.status_code == 200 and response.json()[0]["city"] == "Berlin"
    assert api.delete(f"{API}/me/asks/the-followed/{world.berlin.pk}").status_code == 204
    assert not Ask.objects.exists()


def test_follows_through_the_api_are_limited(world, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "follow": "1/h"}
    api = world.api("fan")
    assert api.post(f"{API}/me/follows", {"kind": "band", "slug": "the-followed"}).status_code == 200
    assert api.post(f"{API}/me/follows", {"kind": "venue", "slug": "kellerbar"}).status_code == 429
    assert Follow.objects.count() == 1
