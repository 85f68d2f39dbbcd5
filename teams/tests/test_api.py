"""The organisations' API: my organisations, one of them (only for its people), and an owner's invite."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from teams.models import OrgInvite, Role
from teams.tests.factories import OrgMemberFactory, agency_for, group_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    band, leader = band_with_leader(name="Alpha", slug="alpha")
    agency, owner, agent, viewer = agency_for(band, name="Northside", slug="northside")
    venue, _venue_owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    group, group_owner, _booker, _viewer, _link = group_for(venue, name="Riverside", slug="riverside")
    return {
        "band": band,
        "leader": leader,
        "agency": agency,
        "owner": owner,
        "agent": agent,
        "viewer": viewer,
        "venue": venue,
        "group": group,
        "group_owner": group_owner,
        "stranger": UserFactory(),
    }


def api_of(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes))


def test_my_organisations_with_my_role(world):
    OrgMemberFactory(organisation=world["group"], user=world["agent"], role=Role.VIEWER)
    body = api_of(world["agent"], ["read"]).get("/api/v1/organisations").json()
    assert [(o["slug"], o["kind"], o["role"], o["acts_for"]) for o in body] == [
        ("northside", "agency", "booker", 1),
        ("riverside", "venue_group", "viewer", 0),
    ]
    assert api_of(world["stranger"]).get("/api/v1/organisations").json() == []
    assert ApiClient().get("/api/v1/organisations").status_code == 401


def test_an_organisation_for_its_people_only(world):
    for person in ("owner", "agent", "viewer"):
        response = api_of(world[person], ["read"]).get("/api/v1/organisations/northside")
        assert response.status_code == 200
        body = response.json()
        assert body["role"] == {"owner": "owner", "agent": "booker", "viewer": "viewer"}[person]
        assert sorted(m["role"] for m in body["members"]) == ["booker", "owner", "viewer"]
        assert [(b["slug"], b["status"]) for b in body["bands"]] == [("alpha", "active")]
        assert body["venues"] == []
    group = api_of(world["group_owner"]).get("/api/v1/organisations/riverside").json()
    assert [(v["slug"], v["status"], v["may_sign"]) for v in group["venues"]] == [("kellerbar", "asked", None)]
    # Another organisation's owner, the band's own leader and a stranger: no such organisation for them.
    for outsider in ("group_owner", "leader", "stranger"):
        response = api_of(world[outsider]).get("/api/v1/organisations/northside")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert ApiClient().get("/api/v1/organisations/northside").status_code == 401
    assert api_of(world["owner"]).get("/api/v1/organisations/nowhere").status_code == 404


def test_an_owner_invites_and_nobody_else_does(world):
    url = "/api/v1/organisations/northside/invites"
    answer = api_of(world["owner"]).post(url, {"email": "New.Agent@example.com", "role": "viewer"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["email"], body["role"]) == ("new.agent@example.com", "viewer")
    assert "/join/" in body["link"]
    assert OrgInvite.objects.filter(organisation=world["agency"], email="new.agent@example.com").count() == 1
    # A booker and a viewer are in it but may not invite; the others do not see it.
    for person in ("agent", "viewer"):
        refused = api_of(world[person]).post(url, {"email": "x@example.com", "role": "booker"})
        assert refused.status_code == 403
        assert "owners" in refused.json()["detail"]
    for outsider in ("group_owner", "stranger"):
        assert api_of(world[outsider]).post(url, {"email": "x@example.com"}).status_code == 404
    assert ApiClient().post(url, {"email": "x@example.com"}).status_code == 401
    assert api_of(world["owner"], ["read"]).post(url, {"email": "x@example.com"}).status_code == 403
    assert not OrgInvite.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"email": "not an address", "role": "booker"}, "email"), ({"email": "a@example.com", "role": "boss"}, "role")],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_sent(world, body, field):
    answer = api_of(world["owner"]).post("/api/v1/organisations/northside/invites", body)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["detail"] and problem["errors"][field]
    assert not OrgInvite.objects.exists()
