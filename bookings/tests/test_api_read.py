"""The JSON API's public reads, tokens, errors, ETags, keyset pages and rate limits."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.api_tokens import api_token_revoke
from accounts.models import ApiToken
from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import ApprovalStatus
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import SlotFactory, venue_with_owner

pytestmark = pytest.mark.django_db


def test_bands_list_answers_without_a_token_with_every_approved_band():
    BandFactory(name="Alpha")
    BandFactory(name="Beta")
    BandFactory(name="Hidden", status=ApprovalStatus.PENDING)
    response = ApiClient().get("/api/v1/bands")
    assert response.status_code == 200
    assert [b["name"] for b in response.json()["items"]] == ["Alpha", "Beta"]
    assert response.json()["next"] is None


def test_keyset_pages_follow_next_links_without_repeats():
    for i in range(7):
        BandFactory(name=f"Band {i:02}")
    api = ApiClient()
    seen, url = [], "/api/v1/bands?limit=3"
    while url:
        body = api.get(url).json()
        seen += [b["name"] for b in body["items"]]
        url = body["next"]
    assert seen == [f"Band {i:02}" for i in range(7)]


def test_newest_sort_pages_by_creation_time():
    for i in range(5):
        BandFactory(name=f"N{i}")
    api = ApiClient()
    first = api.get("/api/v1/bands", {"sort": "newest", "limit": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert [b["name"] for b in first["items"] + second["items"] + third["items"]] == ["N4", "N3", "N2", "N1", "N0"]


def test_a_damaged_cursor_is_a_400_problem():
    response = ApiClient().get("/api/v1/bands", {"cursor": "not-ours"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400


def test_bad_filters_are_a_422_naming_the_field():
    response = ApiClient().get("/api/v1/bands", {"genre": "no-such-genre", "fee_min": 10, "fee_max": 5})
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"genre", "fee_max"}
    assert response["Content-Type"] == "application/problem+json"


def test_free_on_a_date_uses_the_page_filter_and_says_when_each_band_is_free():
    rock = GenreFactory(name="Rock")
    free = BandFactory(name="Free", genres=[rock])
    busy = BandFactory(name="Busy", genres=[rock])
    BandFactory(name="Other genre")
    day = (timezone.now() + dt.timedelta(days=10)).date()
    for band in (free, busy):
        MembershipFactory(band=band)
    member = busy.memberships.get().user
    rule_create(user=member, title="Away", time_zone="Europe/Berlin", all_day=True, start_date=day, end_date=day)
    response = ApiClient().get("/api/v1/bands", {"free_on": day.isoformat(), "genre": "rock"})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [b["name"] for b in items] == ["Free"]
    assert items[0]["free"]["time_zone"] == "Europe/Berlin"
    assert items[0]["free"]["starts_at"].endswith("Z")


def test_etag_gives_a_304_when_nothing_changed():
    BandFactory(name="Alpha")
    api = ApiClient()
    first = api.get("/api/v1/bands")
    etag = first["ETag"]
    assert api.get("/api/v1/bands", headers={"If-None-Match": etag}).status_code == 304
    BandFactory(name="Beta")
    assert api.get("/api/v1/bands", headers={"If-None-Match": etag}).status_code == 200


def test_band_detail_and_availability_month():
    band = BandFactory(name="Alpha", slug="alpha")
    MembershipFactory(band=band)
    api = ApiClient()
    assert api.get("/api/v1/bands/alpha").json()["name"] == "Alpha"
    month = api.get("/api/v1/bands/alpha/availability").json()
    assert month["time_zone"] == "Europe/Berlin"
    assert len(month["days"]) >= 28
    assert api.get("/api/v1/bands/nobody").status_code == 404
    assert api.get("/api/v1/bands/alpha/availability", {"month": "13-2020"}).status_code == 422


def test_venues_and_slots():
    venue, _owner = venue_with_owner(name="Kellerbar", slug="kellerbar", capacity=None)
    venue_with_owner(name="Big Hall", capacity=900)
    SlotFactory(venue=venue, title="Friday")
    api = ApiClient()
    names = [v["name"] for v in api.get("/api/v1/venues", {"sort": "capacity", "limit": 1}).json()["items"]]
    assert names == ["Big Hall"]
    page = api.get("/api/v1/venues", {"sort": "capacity", "limit": 1}).json()
    assert [v["name"] for v in api.get(page["next"]).json()["items"]] == ["Kellerbar"]
    slots = api.get("/api/v1/slots").json()["items"]
    assert [s["title"] for s in slots] == ["Friday"]
    assert slots[0]["starts_at"].endswith("Z") and slots[0]["time_zone"] == "Europe/Berlin"
    assert api.get(f"/api/v1/slots/{slots[0]['id']}").status_code == 200


# ---- Tokens -----------------------------------------------------------------------------------


def test_a_revoked_or_expired_token_is_a_401_even_on_a_public_read():
    user = UserFactory()
    raw = token_for(user)
    assert ApiClient(raw).get("/api/v1/bands").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=user), by=user)
    response = ApiClient(raw).get("/api/v1/bands")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
    expired = token_for(user)
    ApiToken.objects.filter(prefix=expired[:10]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ApiClient(expired).get("/api/v1/bands").status_code == 401
    assert ApiClient("ss_madeup").get("/api/v1/bands").status_code == 401


def test_tokens_are_stored_hashed_and_note_their_last_use():
    user = UserFactory()
    raw = token_for(user)
    token = ApiToken.objects.get(user=user)
    assert raw not in (token.digest, token.prefix) and token.last_used_at is None
    ApiClient(raw).get("/api/v1/bands")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_rate_limit_per_token_answers_429_with_retry_after(settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_token": "3/m"}
    api = ApiClient(token_for(UserFactory()))
    statuses = [api.get("/api/v1/bands").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = api.get("/api/v1/bands")
    assert int(last["Retry-After"]) > 0
    assert last["Content-Type"] == "application/problem+json"


def test_rate_limit_per_address_covers_visitors(settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_ip": "2/m"}
    api = ApiClient()
    assert [api.get("/api/v1/venues").status_code for _ in range(3)] == [200, 200, 429]


# ---- The tokens page ----------------------------------------------------------------------------


def test_tokens_page_shows_a_new_token_once_and_revokes(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/me/tokens/", {"name": "Website", "scopes": ["read"], "expires": "30"})
    assert response.status_code == 201
    token = ApiToken.objects.get(user=user)
    raw = response.context["new_secret"]
    assert raw.startswith("ss_") and raw.encode() in response.content
    assert raw.encode() not in client.get("/me/tokens/").content
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_persons_token_cannot_be_revoked(client):
    owner = UserFactory()
    token_for(owner)
    client.force_login(UserFactory())
    assert client.post(f"/me/tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 404


def test_a_token_without_scopes_is_refused(client):
    client.force_login(UserFactory())
    assert client.post("/me/tokens/", {"name": "x", "expires": "30"}).status_code == 400
    assert not ApiToken.objects.exists()


def test_openapi_schema_is_3_1_with_problem_errors():
    schema = ApiClient().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    errors = schema["paths"]["/api/v1/bands"]["get"]["responses"]["422"]["content"]
    assert list(errors) == ["application/problem+json"]


def test_docs_page_is_served_without_a_cdn():
    response = ApiClient().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_a_method_an_address_does_not_take_and_an_unknown_address_are_problems():
    response = ApiClient().client.delete("/api/v1/bands")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response["Content-Type"] == "application/problem+json"
    missing = ApiClient().get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_bands_sort_by_rating_and_filter_by_a_minimum_as_the_search_page_does():
    """Best rated first is the Bayesian score kept on the band (docs/decisions/0018); min_rating is the
    page's filter. Keyset pages carry the float score in their cursor without losing a band."""
    rated = {"Many 4.8s": (50, 4.8, 4.72), "One 5": (1, 5.0, 3.75), "Fours": (10, 4.0, 3.83), "Threes": (8, 3.0, 3.19)}
    for name, (count, average, score) in rated.items():
        band = BandFactory(name=name)
        type(band).objects.filter(pk=band.pk).update(rating_count=count, rating_average=average, rating_score=score)
    BandFactory(name="Unrated")
    api = ApiClient()
    seen, url = [], "/api/v1/bands?sort=rating&limit=2"
    while url:
        body = api.get(url).json()
        seen += [(b["name"], b["rating"], b["rating_count"]) for b in body["items"]]
        url = body["next"]
    assert [name for name, _, _ in seen] == ["Many 4.8s", "Fours", "One 5", "Threes", "Unrated"]
    assert seen[0][1:] == (4.8, 50) and seen[-1][1:] == (None, 0)
    high = api.get("/api/v1/bands", {"sort": "rating", "min_rating": "4"}).json()
    assert [b["name"] for b in high["items"]] == ["Many 4.8s", "Fours", "One 5"]
    bad = api.get("/api/v1/bands", {"min_rating": "six"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"min_rating"}
