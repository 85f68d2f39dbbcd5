"""The holds' API: a venue's ladders and its moves for its staff (a venue group's bookers among them), where
a band is held for its people; each refusal as the pages give it, as a problem, with nothing changed."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from bookings.models import Booking, Webhook, WebhookDelivery
from bookings.tests.api_helpers import ApiClient, token_for
from holds.models import Hold
from holds.services import hold_place, holds_settle
from holds.tests.factories import hold_world
from teams.tests.factories import agency_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return hold_world()


def api_of(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes))


def place(w, by, band, **kwargs) -> Hold:
    return hold_place(by=by, stage=w.stage, band=band, starts_at=w.start, ends_at=w.end, expires_at=w.expires, **kwargs)


def body(w, band, **extra) -> dict:
    return {
        "stage_id": w.stage.pk,
        "band": band.slug,
        "starts_at": w.start.isoformat(),
        "ends_at": w.end.isoformat(),
        "expires_at": w.expires.isoformat(),
        **extra,
    }


def ladder_url(w) -> str:
    return f"/api/v1/venues/{w.venue.slug}/holds?date={w.start.date().isoformat()}"


# ---- Reading -------------------------------------------------------------------------------------------


def test_the_ladders_are_for_the_venues_staff(w):
    place(w, w.booker, w.bands[0], note="Album release")
    place(w, w.promoter, w.bands[1])
    for person in ("owner", "booker", "promoter"):
        response = api_of(getattr(w, person), ["read"]).get(ladder_url(w))
        assert response.status_code == 200, response.content
        (ladder,) = response.json()["ladders"]
        assert [(h["band"], h["level"], h["note"]) for h in ladder["holds"]] == [
            (w.bands[0].slug, 1, "Album release"),
            (w.bands[1].slug, 2, ""),
        ]
    # The group's viewer, another venue's owner and a stranger see the venue, not its holds.
    for person in ("viewer", "other_owner", "stranger"):
        refused = api_of(getattr(w, person)).get(ladder_url(w))
        assert refused.status_code == 403
        assert refused["Content-Type"] == "application/problem+json"
    assert ApiClient().get(ladder_url(w)).status_code == 401
    assert api_of(w.owner).get("/api/v1/venues/nowhere/holds").status_code == 404
    past = api_of(w.owner).get(f"/api/v1/venues/{w.venue.slug}/holds?date=2001-01-01")
    assert past.status_code == 400 and past.json()["errors"]["date"]


def test_where_a_band_is_held_for_its_members_and_agency(w):
    place(w, w.booker, w.bands[0], note="Private")
    _agency, _owner, _agent, agency_viewer = agency_for(w.bands[0])
    url = f"/api/v1/bands/{w.bands[0].slug}/holds"
    for person in (w.leaders[0], agency_viewer):
        response = api_of(person, ["read"]).get(url)
        assert response.status_code == 200
        (hold,) = response.json()["holds"]
        assert (hold["venue"], hold["level"], hold["note"]) == (w.venue.slug, 1, None)  # the note is the venue's
    for person in (w.leaders[1], w.owner, w.stranger):
        assert api_of(person).get(url).status_code == 403
    assert ApiClient().get(url).status_code == 401
    assert api_of(w.leaders[0]).get("/api/v1/bands/nobody/holds").status_code == 404


# ---- Placing -------------------------------------------------------------------------------------------


def test_staff_place_holds_at_the_next_free_level(w):
    url = f"/api/v1/venues/{w.venue.slug}/holds"
    first = api_of(w.booker).post(url, body(w, w.bands[0], note="Maybe"))
    assert first.status_code == 201, first.content
    assert (first.json()["level"], first.json()["status"], first.json()["note"]) == (1, "held", "Maybe")
    second = api_of(w.promoter).post(url, body(w, w.bands[1]))  # a venue group's booker, for the venue
    assert second.json()["level"] == 2
    taken = api_of(w.owner).post(url, body(w, w.bands[2], level=1))
    assert taken.status_code == 409
    assert w.bands[0].name in taken.json()["detail"]
    again = api_of(w.owner).post(url, body(w, w.bands[0]))
    assert again.status_code == 409
    assert Hold.objects.count() == 2


def test_only_staff_place_a_hold(w):
    url = f"/api/v1/venues/{w.venue.slug}/holds"
    for person in (w.viewer, w.other_owner, w.stranger, w.leaders[0]):
        assert api_of(person).post(url, body(w, w.bands[0])).status_code == 403
    assert ApiClient().post(url, body(w, w.bands[0])).status_code == 401
    assert api_of(w.owner, ["read"]).post(url, body(w, w.bands[0])).status_code == 403
    assert not Hold.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"expires_at": "after"}, "body", 400),  # an expiry after the start: the service's refusal
        ({"band": "nobody-at-all"}, "band", 400),
        ({"stage_id": "other"}, "stage_id", 400),
        ({"ends_at": "before"}, "body", 400),
        # A date out of its bound is refused with the body's shape, as the API refuses any bad field (0075).
        ({"starts_at": "9999-12-31T20:00:00+00:00", "ends_at": "9999-12-31T23:00:00+00:00"}, "starts_at", 422),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_nothing_is_held(w, change, field, status):
    data = body(w, w.bands[0])
    if change.get("expires_at") == "after":
        change = {"expires_at": (w.start + dt.timedelta(hours=1)).isoformat()}
    if change.get("stage_id") == "other":
        change = {"stage_id": w.other_venue.stages.first().pk}
    if change.get("ends_at") == "before":
        change = {"ends_at": (w.start - dt.timedelta(hours=1)).isoformat()}
    answer = api_of(w.owner).post(f"/api/v1/venues/{w.venue.slug}/holds", {**data, **change})
    assert answer.status_code == status, answer.content
    problem = answer.json()
    assert problem["detail"] and problem["errors"][field]
    assert not Hold.objects.exists()


# ---- The ladder's moves --------------------------------------------------------------------------------


def test_a_lower_hold_challenges_the_first(w):
    first = place(w, w.booker, w.bands[0])
    second = place(w, w.owner, w.bands[1])
    answer = api_of(w.promoter).post(f"/api/v1/holds/{second.pk}/challenge")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["id"], answer.json()["challenged_by"]) == (first.pk, second.pk)
    assert answer.json()["challenge_ends_at"]
    running = api_of(w.owner).post(f"/api/v1/holds/{second.pk}/challenge")
    assert running.status_code == 409
    itself = api_of(w.owner).post(f"/api/v1/holds/{first.pk}/challenge")
    assert itself.status_code == 409 and "1st hold" in itself.json()["detail"]


def test_challenging_a_first_hold_you_placed_is_a_409(w):
    place(w, w.owner, w.bands[0])
    second = place(w, w.booker, w.bands[1])
    answer = api_of(w.owner).post(f"/api/v1/holds/{second.pk}/challenge")
    assert answer.status_code == 409
    assert "yourself" in answer.json()["detail"]
    assert not Hold.objects.filter(challenge_ends_at__isnull=False).exists()


def test_who_sees_a_hold_but_may_not_act_gets_a_403_the_others_a_404(w):
    place(w, w.booker, w.bands[0])
    second = place(w, w.booker, w.bands[1])
    _agency, _owner, agent, _viewer = agency_for(w.bands[1])
    for action in ("challenge", "release", "confirm"):
        url = f"/api/v1/holds/{second.pk}/{action}"
        for person in (w.viewer, w.leaders[1], agent):  # the group's viewer, the band's leader and agent
            assert api_of(person).post(url).status_code == 403
        for person in (w.other_owner, w.stranger, w.leaders[2]):
            assert api_of(person).post(url).status_code == 404
        assert ApiClient().post(url).status_code == 401
        assert api_of(w.owner, ["read"]).post(url).status_code == 403
    assert api_of(w.owner).post("/api/v1/holds/999999/release").status_code == 404
    second.refresh_from_db()
    assert (second.status, second.level, second.challenge_ends_at) == ("held", 2, None)


def test_letting_go_moves_the_others_up(w):
    first = place(w, w.booker, w.bands[0])
    second = place(w, w.booker, w.bands[1])
    answer = api_of(w.owner).post(f"/api/v1/holds/{first.pk}/release")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["ended"]) == ("released", "released")
    second.refresh_from_db()
    assert second.level == 1
    twice = api_of(w.owner).post(f"/api/v1/holds/{first.pk}/release")
    assert twice.status_code == 409 and "no longer held" in twice.json()["detail"]


def test_the_first_confirms_into_an_offer(w):
    first = place(w, w.booker, w.bands[0])
    second = place(w, w.booker, w.bands[1])
    lower = api_of(w.owner).post(f"/api/v1/holds/{second.pk}/confirm")
    assert lower.status_code == 409 and "Only the 1st hold" in lower.json()["detail"]
    bad = api_of(w.owner).post(f"/api/v1/holds/{first.pk}/confirm", {"fee": -5})
    assert bad.status_code == 422
    assert not Booking.objects.exists()
    answer = api_of(w.owner).post(f"/api/v1/holds/{first.pk}/confirm", {"fee": 300, "message": "Yours"})
    assert answer.status_code == 200, answer.content
    booking = Booking.objects.get(uid=answer.json()["booking"])
    assert (booking.band, booking.kind, booking.fee) == (w.bands[0], "offer", 300)
    second.refresh_from_db()
    assert (second.status, second.ended) == ("released", "date_confirmed")


# ---- Webhooks ------------------------------------------------------------------------------------------


def _events(hook) -> list[str]:
    return list(WebhookDelivery.objects.filter(webhook=hook).order_by("pk").values_list("event", flat=True))


def test_hold_events_reach_the_venues_and_the_bands_webhooks(w):
    events = [e for e in Webhook.Event.values if e.startswith("hold.")]
    venue_hook = Webhook.objects.create(venue=w.venue, url="https://example.com/v", events=events)
    band_hooks = [Webhook.objects.create(band=b, url="https://example.com/b", events=events) for b in w.bands[:4]]
    api = api_of(w.owner)
    first = place(w, w.booker, w.bands[0])
    second = place(w, w.booker, w.bands[1])
    third = place(w, w.booker, w.bands[2])
    assert api.post(f"/api/v1/holds/{second.pk}/challenge").status_code == 200
    assert api.post(f"/api/v1/holds/{third.pk}/release").status_code == 200
    # The 1st lets the challenge lapse: the 2nd moves up and confirms.
    holds_settle(now=timezone.now() + dt.timedelta(days=3))
    assert api.post(f"/api/v1/holds/{second.pk}/confirm").status_code == 200
    assert _events(venue_hook) == [
        "hold.placed", "hold.placed", "hold.placed", "hold.challenged", "hold.released", "hold.lapsed",
        "hold.confirmed",
    ]  # fmt: skip
    assert _events(band_hooks[0]) == ["hold.placed", "hold.challenged", "hold.lapsed"]
    assert _events(band_hooks[1]) == ["hold.placed", "hold.confirmed"]
    assert _events(band_hooks[2]) == ["hold.placed", "hold.released"]
    assert _events(band_hooks[3]) == []
    challenged = WebhookDelivery.objects.get(webhook=band_hooks[0], event="hold.challenged")
    data = json.loads(challenged.body)["data"]
    assert (data["hold"]["id"], data["hold"]["level"], data["challenger"]["id"]) == (first.pk, 1, second.pk)
    assert data["hold"]["challenge_ends_at"] and "note" not in data["hold"]


# ---- Slots in the way; who may challenge ------------------------------------------------------------------


def test_placing_over_a_slot_answers_the_clash_and_the_ladder_says_it(w):
    from bookings.tests.factories import SlotFactory

    SlotFactory(
        venue=w.venue,
        stage=w.stage,
        starts_at=w.start + dt.timedelta(hours=1),
        ends_at=w.end + dt.timedelta(hours=2),
        title="Friday Late Show",
    )
    answer = api_of(w.owner).post(f"/api/v1/venues/{w.venue.slug}/holds", body(w, w.bands[0]))
    assert answer.status_code == 201, answer.content
    (clash,) = answer.json()["clashes"]
    assert "already has “Friday Late Show”" in clash
    (ladder,) = api_of(w.owner, ["read"]).get(ladder_url(w)).json()["ladders"]
    assert ladder["holds"][0]["clashes"] == [clash]
    refused = api_of(w.owner).post(f"/api/v1/holds/{answer.json()['id']}/confirm")
    assert refused.status_code == 409 and clash in refused.json()["detail"]


def test_the_api_offers_the_challenge_only_where_it_is_taken(w):
    first = place(w, w.owner, w.bands[0])
    second = place(w, w.promoter, w.bands[1])
    for who, offered in ((w.owner, [False, False]), (w.promoter, [False, True])):
        (ladder,) = api_of(who, ["read"]).get(ladder_url(w)).json()["ladders"]
        assert [h["may_challenge"] for h in ladder["holds"]] == offered
        assert [h["clashes"] for h in ladder["holds"]] == [[], []]
    refused = api_of(w.owner).post(f"/api/v1/holds/{second.pk}/challenge")
    assert refused.status_code == 409 and "You placed the 1st hold" in refused.json()["detail"]
    assert Hold.objects.get(pk=first.pk).challenge_ends_at is None
    taken = api_of(w.promoter).post(f"/api/v1/holds/{second.pk}/challenge")
    assert taken.status_code == 200 and taken.json()["challenged_by"] == second.pk
