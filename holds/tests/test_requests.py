"""Holds asked by an agency: the same date of several venues at once; each venue holds it at its next free
level or says no; the agency takes an open question back. Who may do what, bad input, and the pages."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from holds import requests as asks
from holds.models import Hold, HoldRequest
from holds.services import HoldError, HoldPermissionError, hold_place
from teams.tests.factories import agency_for

from .factories import hold_world

pytestmark = pytest.mark.django_db
Status = HoldRequest.Status


@pytest.fixture
def w():
    world = hold_world()
    world.agency, world.agency_owner, world.agent, world.agency_viewer = agency_for(
        world.bands[1], name="Northside Agency", slug="northside", may_hold=True
    )
    return world


def ask(w, venues=None, **kwargs):
    return asks.hold_request_many(
        by=kwargs.pop("by", w.agent),
        band=kwargs.pop("band", w.bands[1]),
        venues=venues or [w.venue, w.other_venue],
        starts_at=w.start,
        ends_at=w.end,
        note="Spring tour",
        **kwargs,
    )


def test_an_agent_asks_two_venues_one_holds_at_its_next_free_level_the_other_says_no(w):
    hold_place(by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires)
    kellerbar, lido = ask(w)
    assert {r.status for r in (kellerbar, lido)} == {Status.ASKED}
    answered = asks.hold_request_answer(request=kellerbar, by=w.promoter, accept=True, stage=w.stage)
    hold = answered.hold
    assert (answered.status, hold.band, hold.level) == (Status.HELD, w.bands[1], 2)
    assert "Northside Agency" in hold.note
    asks.hold_request_answer(request=lido, by=w.other_owner, accept=False)
    assert HoldRequest.objects.get(pk=lido.pk).status == Status.DECLINED
    with pytest.raises(HoldError):  # answered once
        asks.hold_request_answer(request=lido, by=w.other_owner, accept=True, stage=w.other_venue.stages.first())


def test_only_the_band_s_agency_asks_and_only_the_venue_answers(w):
    for person in (w.agency_viewer, w.leaders[0], w.owner, w.stranger):
        with pytest.raises(HoldPermissionError):
            ask(w, by=person)
    with pytest.raises(HoldPermissionError):  # the agency does not represent this band
        ask(w, band=w.bands[2])
    (kellerbar,) = ask(w, venues=[w.venue])
    for person in (w.other_owner, w.agent, w.stranger):
        with pytest.raises(HoldPermissionError):
            asks.hold_request_answer(request=kellerbar, by=person, accept=True, stage=w.stage)
    with pytest.raises(HoldPermissionError):
        asks.hold_request_withdraw(request=kellerbar, by=w.owner)
    with pytest.raises(HoldError):  # a stage of another venue
        asks.hold_request_answer(request=kellerbar, by=w.owner, accept=True, stage=w.other_venue.stages.first())
    assert HoldRequest.objects.get(pk=kellerbar.pk).status == Status.ASKED and not Hold.objects.exists()
    asks.hold_request_withdraw(request=kellerbar, by=w.agency_owner)
    assert HoldRequest.objects.get(pk=kellerbar.pk).status == Status.WITHDRAWN


def test_asking_a_venue_twice_for_one_date_changes_nothing(w):
    ask(w, venues=[w.venue])
    with pytest.raises(HoldError):
        ask(w)
    assert HoldRequest.objects.count() == 1


def test_the_pages_ask_answer_and_refuse_bad_input(client, w):
    client.force_login(w.agent)
    band_url = reverse("holds:band", args=[w.bands[1].slug])
    assert "Ask venues to hold a date" in client.get(band_url).content.decode()
    local = w.start.astimezone(ZoneInfo("Europe/Berlin"))
    data = {"venues": f"{w.venue.slug}, nowhere", "date": local.date().isoformat(), "start": "20:00", "end": "23:00"}
    bad = client.post(reverse("holds:ask", args=[w.bands[1].slug]), data)
    assert bad.status_code == 400 and "nowhere" in bad.content.decode()
    assert not HoldRequest.objects.exists()
    # By name (any case) or by address, never needing the address.
    data["venues"] = f"{w.venue.name.upper()}, {w.other_venue.slug}"
    assert client.post(reverse("holds:ask", args=[w.bands[1].slug]), data).status_code == 302
    assert set(HoldRequest.objects.values_list("venue_id", flat=True)) == {w.venue.pk, w.other_venue.pk}
    kellerbar = HoldRequest.objects.get(venue=w.venue)
    # The venue's staff see the question and hold it; the agency's people cannot answer for the venue.
    assert (
        client.post(reverse("holds:request_action", args=[kellerbar.pk, "hold"]), {"stage": w.stage.pk}).status_code
        == 403
    )
    client.force_login(w.owner)
    page = client.get(reverse("holds:venue", args=[w.venue.slug])).content.decode()
    assert "Asked by agencies" in page and "Northside Agency" in page
    bad = client.post(reverse("holds:request_action", args=[kellerbar.pk, "hold"]), {"stage": "x", "expires_in": "0"})
    assert bad.status_code == 302 and HoldRequest.objects.get(pk=kellerbar.pk).status == Status.ASKED
    ok = client.post(
        reverse("holds:request_action", args=[kellerbar.pk, "hold"]), {"stage": w.stage.pk, "expires_in": 7}
    )
    assert ok.status_code == 302 and HoldRequest.objects.get(pk=kellerbar.pk).status == Status.HELD
    # Someone else's request does not exist for them; an unknown action neither.
    lido = HoldRequest.objects.get(venue=w.other_venue)
    assert client.post(reverse("holds:request_action", args=[lido.pk, "decline"])).status_code == 404
    assert client.post(reverse("holds:request_action", args=[kellerbar.pk, "explode"])).status_code == 404
    client.force_login(w.stranger)
    assert client.get(band_url).status_code == 403
    assert client.post(reverse("holds:ask", args=[w.bands[1].slug]), data).status_code == 403
    client.logout()
    assert client.post(reverse("holds:request_action", args=[lido.pk, "decline"])).status_code == 302
    assert HoldRequest.objects.get(pk=lido.pk).status == Status.ASKED


def test_the_api_asks_answers_once_and_refuses_bad_input(w):
    from bookings.tests.api_helpers import ApiClient, token_for

    agent = ApiClient(token_for(w.agent))
    path = f"/api/v1/bands/{w.bands[1].slug}/hold-requests"
    times = {"starts_at": w.start.isoformat(), "ends_at": w.end.isoformat()}
    bad = agent.post(path, {"venues": ["nowhere"], **times})
    assert bad.status_code == 400 and "nowhere" in bad.json()["detail"]
    backwards = agent.post(
        path, {"venues": [w.venue.slug], "starts_at": times["ends_at"], "ends_at": times["starts_at"]}
    )
    assert backwards.status_code == 400
    assert not HoldRequest.objects.exists()
    made = agent.post(path, {"venues": [w.venue.slug, w.other_venue.slug], **times})
    assert made.status_code == 201 and {r["status"] for r in made.json()} == {"asked"}
    assert agent.post(path, {"venues": [w.venue.slug], **times}).status_code == 409  # asked already
    kellerbar = HoldRequest.objects.get(venue=w.venue)
    venue = ApiClient(token_for(w.owner))
    url = f"/api/v1/hold-requests/{kellerbar.pk}/answer"
    assert venue.post(url, {"hold": True}).status_code == 400  # which stage?
    held = venue.post(url, {"hold": True, "stage_id": w.stage.pk})
    assert held.status_code == 200 and held.json()["status"] == "held" and held.json()["hold"]
    assert venue.post(url, {"hold": False}).status_code == 409  # answered once
    assert agent.post(f"/api/v1/hold-requests/{kellerbar.pk}/withdraw").status_code == 409
    assert ApiClient(token_for(w.stranger)).post(url, {"hold": False}).status_code == 404


def test_venues_asked_by_a_name_two_venues_share_must_be_told_apart(w):
    from bookings.tests.factories import venue_with_owner
    from holds.forms import AskHoldsForm

    first, _owner = venue_with_owner(name="Lido Club", slug="lido-club-berlin")
    twin, _owner = venue_with_owner(name="Lido Club", slug="lido-club-hamburg")
    local = w.start.astimezone(ZoneInfo("Europe/Berlin"))
    data = {"date": local.date().isoformat(), "start": "20:00", "end": "23:00"}
    form = AskHoldsForm({**data, "venues": "lido club"}, zone=ZoneInfo("Europe/Berlin"))
    assert not form.is_valid() and "type the address instead" in form.errors["venues"][0]
    assert first.slug in form.errors["venues"][0] and twin.slug in form.errors["venues"][0]
    form = AskHoldsForm({**data, "venues": f"{twin.slug}, {w.venue.slug}, {twin.slug}"}, zone=ZoneInfo("Europe/Berlin"))
    assert form.is_valid() and form.cleaned_data["venues"] == [twin, w.venue]
