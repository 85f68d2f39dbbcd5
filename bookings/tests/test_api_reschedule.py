"""A booked gig's later life through the JSON API: proposing new times and answering them, and opening a
dispute after the gig; who may do what, bad input, the list's query count and the webhook events."""

import datetime as dt

import pytest

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.packages import package_price
from bookings.models import Booking, BookingEvent, RescheduleProposal, WebhookDelivery
from bookings.services import reschedule
from bookings.services.instant import booking_instant
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from reviews.tests.factories import completed_gig, completed_private_gig

from .journey import band_party, local

pytestmark = pytest.mark.django_db
Status = Booking.Status
HOOK = "http://127.0.0.1:8471/hook"


@pytest.fixture(autouse=True)
def _local_listener(settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)


def api(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes) if user is not None else None)


@pytest.fixture
def party():
    return band_party()


@pytest.fixture
def booking(party):
    return booking_instant(
        band=party.band, package=party.instant, client=party.client, starts_at=local(10, 20),
        price=package_price(party.instant),
    )  # fmt: skip


@pytest.fixture
def people(party):
    return {
        "band": party.leader,
        "client": party.client,
        "member": party.member,
        "other_band": band_with_leader()[1],
        "other_venue": venue_with_owner()[1],
        "other_client": completed_private_gig()["client"],
        "stranger": UserFactory(),
        "anonymous": None,
    }


def url(booking, *rest) -> str:
    return "/".join([f"/api/v1/bookings/{booking.uid}/reschedules", *map(str, rest)])


def times(days: int, hour: int = 19, hours: int = 2, reason: str = "Rain date") -> dict:
    return {
        "starts_at": local(days, hour).isoformat(),
        "ends_at": (local(days, hour) + dt.timedelta(hours=hours)).isoformat(),
        "reason": reason,
    }


def propose(booking, by, days=11):
    return reschedule.reschedule_propose(
        booking=booking, by=by, starts_at=local(days, 19), ends_at=local(days, 21), reason="Rain date"
    )


# ---- Proposing and answering -----------------------------------------------------------------------


def test_the_client_proposes_and_the_band_accepts_the_same_gig_moves(party, booking):
    hook = webhook_create(by=party.leader, band=party.band, url=HOOK, events=["booking.rescheduled"])
    made = api(party.client).post(url(booking), times(11))
    assert made.status_code == 201, made.content
    proposal = made.json()
    assert proposal["status"] == "open" and proposal["side"] == "client"
    assert proposal["starts_at"] == local(11, 19).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    assert proposal["old_starts_at"].startswith(local(10, 20).astimezone(dt.UTC).strftime("%Y-%m-%dT%H"))
    assert proposal["time_zone"] == booking.time_zone and proposal["proposed_by"] == party.client.name
    assert not WebhookDelivery.objects.filter(webhook=hook).exists()  # nothing has moved yet

    accepted = api(party.leader).post(url(booking, proposal["id"], "accept"))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["answered_by"] == party.leader.name
    booking.refresh_from_db()
    assert booking.starts_at == local(11, 19) and booking.status == Status.BOOKED
    assert [d.event for d in WebhookDelivery.objects.filter(webhook=hook)] == ["booking.rescheduled"]
    again = api(party.leader).post(url(booking, proposal["id"], "accept"))
    assert again.status_code == 409 and again.json()["detail"] == "This proposal is already accepted."


def test_the_band_declines_with_a_note_and_the_gig_stays(party, booking):
    proposal = propose(booking, party.client)
    declined = api(party.leader).post(url(booking, proposal.pk, "decline"), {"note": "We are away"})
    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "declined" and declined.json()["answer_note"] == "We are away"
    booking.refresh_from_db()
    assert booking.starts_at == local(10, 20)


def test_the_proposer_withdraws_and_the_other_side_cannot(party, booking):
    proposal = propose(booking, party.client)
    refused = api(party.leader).post(url(booking, proposal.pk, "withdraw"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the side that proposed these times can withdraw them."
    own = api(party.client).post(url(booking, proposal.pk, "accept"))
    assert own.status_code == 403 and "the other side answers" in own.json()["detail"]
    withdrawn = api(party.client).post(url(booking, proposal.pk, "withdraw"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_accepting_when_a_member_is_busy_is_a_409_and_nothing_moves(party, booking):
    proposal = propose(booking, party.client, days=12)
    BusyInterval.objects.create(
        user=party.member, starts_at=local(12, 20), ends_at=local(12, 23), source="rule", source_id=9
    )
    refused = api(party.leader).post(url(booking, proposal.pk, "accept"))
    assert refused.status_code == 409 and "busy" in refused.json()["detail"]
    booking.refresh_from_db()
    proposal.refresh_from_db()
    assert booking.starts_at == local(10, 20) and proposal.status == "open"


def test_a_second_open_proposal_is_a_409(party, booking):
    propose(booking, party.client)
    second = api(party.leader).post(url(booking), times(12))
    assert second.status_code == 409 and "already proposed" in second.json()["detail"]
    assert RescheduleProposal.objects.count() == 1


def test_a_venues_slot_keeps_its_own_times():
    gig = completed_gig(days_ago=-3)
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Status.BOOKED)
    refused = api(gig["owner"]).post(url(gig["booking"]), times(12))
    assert refused.status_code == 400 and "venue's slot has its own times" in refused.json()["detail"]
    assert api(gig["owner"]).get(url(gig["booking"])).json()["items"] == []
    assert not RescheduleProposal.objects.exists()


# ---- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2030-01-01T20:00:00"}, "starts_at"),  # no zone: which 20:00?
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"ends_at": local(11, 18).isoformat()}, "ends_at"),  # before the start
        ({"starts_at": local(-1, 19).isoformat(), "ends_at": local(-1, 21).isoformat()}, "starts_at"),
    ],
)
def test_bad_times_or_reasons_are_a_422_naming_the_field(party, booking, change, field):
    response = api(party.client).post(url(booking), times(11) | change)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not RescheduleProposal.objects.exists()


def test_a_body_that_is_not_json_is_a_400(party, booking):
    response = api(party.client).client.post(
        url(booking), b"{not json", content_type="application/json", headers=api(party.client).headers
    )
    assert response.status_code == 400
    assert not RescheduleProposal.objects.exists()


def test_an_unknown_proposal_or_one_of_another_booking_is_a_404(party, booking):
    other = booking_instant(
        band=party.band, package=party.instant, client=party.client, starts_at=local(20, 20),
        price=package_price(party.instant),
    )  # fmt: skip
    theirs = propose(other, party.client, days=21)
    assert api(party.leader).post(url(booking, theirs.pk, "accept")).status_code == 404
    assert api(party.leader).post(url(booking, 999999, "decline")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"


# ---- Who may do what -------------------------------------------------------------------------------

LIST_STATUS = {
    "band": 200,
    "client": 200,
    "member": 200,  # a member sees the booking and its proposals, as on the page
    "other_band": 404,
    "other_venue": 404,
    "other_client": 404,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize(("who", "status"), LIST_STATUS.items())
def test_only_the_bookings_people_list_its_proposals(party, booking, people, who, status):
    propose(booking, party.client)
    response = api(people[who]).get(url(booking))
    assert response.status_code == status
    if status == 200:
        assert [p["status"] for p in response.json()["items"]] == ["open"]


PROPOSE_STATUS = LIST_STATUS | {"band": 201, "client": 201, "member": 403}


@pytest.mark.parametrize(("who", "status"), PROPOSE_STATUS.items())
def test_only_the_band_leaders_and_the_client_propose(booking, people, who, status):
    response = api(people[who]).post(url(booking), times(11))
    assert response.status_code == status, response.content
    assert RescheduleProposal.objects.count() == (1 if status == 201 else 0)


ANSWER_STATUS = LIST_STATUS | {"band": 200, "client": 403, "member": 403}


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize(("who", "status"), ANSWER_STATUS.items())
def test_only_the_other_side_answers(party, booking, people, who, status, action):
    proposal = propose(booking, party.client)
    response = api(people[who]).post(url(booking, proposal.pk, action))
    assert response.status_code == status, response.content
    proposal.refresh_from_db()
    assert (proposal.status == "open") is (status != 200)


WITHDRAW_STATUS = LIST_STATUS | {"band": 403, "client": 200, "member": 403}


@pytest.mark.parametrize(("who", "status"), WITHDRAW_STATUS.items())
def test_only_the_proposing_side_withdraws(party, booking, people, who, status):
    proposal = propose(booking, party.client)
    response = api(people[who]).post(url(booking, proposal.pk, "withdraw"))
    assert response.status_code == status, response.content
    proposal.refresh_from_db()
    assert (proposal.status == "withdrawn") is (status == 200)


def test_writes_need_the_bookings_scope_and_reads_the_read_scope(party, booking):
    proposal = propose(booking, party.client)
    assert api(party.client, ["bookings"]).get(url(booking)).status_code == 403
    for path in (url(booking, proposal.pk, "accept"), url(booking, proposal.pk, "decline")):
        refused = api(party.leader, ["read", "reviews"]).post(path)
        assert refused.status_code == 403 and "bookings" in refused.json()["detail"]
    assert api(party.client, ["read"]).post(url(booking, proposal.pk, "withdraw")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "open"
    proposal.status = "withdrawn"
    proposal.save()
    assert api(party.client, ["read"]).post(url(booking), times(12)).status_code == 403
    assert RescheduleProposal.objects.count() == 1


def test_the_list_pages_and_its_query_count_does_not_grow(party, booking, django_assert_num_queries):
    client = api(party.client)
    propose(booking, party.client)
    client.get(url(booking))  # the token's last use is noted once a minute: not in the counts
    with django_assert_num_queries(4):  # the token, the booking, the caller's standing in it, the proposals
        assert len(client.get(url(booking)).json()["items"]) == 1
    for days in range(12, 17):
        RescheduleProposal.objects.filter(booking=booking, status="open").update(status="declined")
        propose(booking, party.leader, days=days)
    with django_assert_num_queries(4):
        page = client.get(url(booking), {"limit": 4}).json()
    assert len(page["items"]) == 4 and page["next"]
    rest = client.client.get(page["next"], headers=client.headers).json()
    assert len(rest["items"]) == 2 and rest["next"] is None
    ids = [p["id"] for p in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)


# ---- Disputes --------------------------------------------------------------------------------------


@pytest.fixture
def gig():
    return completed_gig()


@pytest.fixture
def gig_people(gig):
    return {
        "band": gig["leader"],
        "venue": gig["owner"],
        "member": gig["member"],
        "other_band": band_with_leader()[1],
        "other_venue": venue_with_owner()[1],
        "other_client": completed_private_gig()["client"],
        "stranger": UserFactory(),
        "anonymous": None,
    }


def dispute_url(booking) -> str:
    return f"/api/v1/bookings/{booking.uid}/dispute"


REASON = {"reason": "They played one set instead of two."}


def test_the_venue_opens_a_dispute_and_both_sides_read_it(gig):
    hook = webhook_create(by=gig["leader"], band=gig["band"], url=HOOK, events=["booking.disputed"])
    before = api(gig["owner"]).get(dispute_url(gig["booking"]))
    assert before.status_code == 200
    assert before.json()["disputed"] is False and before.json()["can_dispute"] is True
    assert before.json()["days"] == 7 and before.json()["steps"] == []
    opened = api(gig["owner"]).post(dispute_url(gig["booking"]), REASON)
    assert opened.status_code == 200, opened.content
    state = api(gig["leader"]).get(dispute_url(gig["booking"])).json()
    assert state["status"] == "disputed" and state["disputed"] is True and state["can_dispute"] is False
    [step] = state["steps"]
    assert step["to_status"] == "disputed" and REASON["reason"] in step["note"] and step["by"] == gig["owner"].name
    assert [d.event for d in WebhookDelivery.objects.filter(webhook=hook)] == ["booking.disputed"]
    twice = api(gig["leader"]).post(dispute_url(gig["booking"]), REASON)
    assert twice.status_code == 409 and "cannot be disputed" in twice.json()["detail"]


DISPUTE_STATUS = {
    "band": 200,
    "venue": 200,
    "member": 403,  # sees the booking, cannot act for the band
    "other_band": 404,
    "other_venue": 404,
    "other_client": 404,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize(("who", "status"), DISPUTE_STATUS.items())
def test_only_the_sides_open_a_dispute(gig, gig_people, who, status):
    response = api(gig_people[who]).post(dispute_url(gig["booking"]), REASON)
    assert response.status_code == status, response.content
    gig["booking"].refresh_from_db()
    assert (gig["booking"].status == Status.DISPUTED) is (status == 200)
    read = api(gig_people[who]).get(dispute_url(gig["booking"]))
    assert read.status_code == (200 if status in (200, 403) else status)


def test_a_dispute_needs_the_bookings_scope_a_reason_and_the_right_time(gig):
    uid_url = dispute_url(gig["booking"])
    assert api(gig["owner"], ["read"]).post(uid_url, REASON).status_code == 403
    assert api(gig["owner"], ["bookings"]).get(uid_url).status_code == 403
    assert api(gig["owner"]).post(uid_url, {"reason": ""}).status_code == 422
    blank = api(gig["owner"]).post(uid_url, {"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]
    assert api(gig["owner"]).post(uid_url, {"reason": "x" * 501}).status_code == 422
    gig["booking"].refresh_from_db()
    assert gig["booking"].status == Status.COMPLETED
    late = completed_gig(days_ago=8)
    refused = api(late["owner"]).post(dispute_url(late["booking"]), REASON)
    assert refused.status_code == 400 and "up to 7 days" in refused.json()["detail"]
    assert api(late["owner"]).get(dispute_url(late["booking"])).json()["can_dispute"] is False
    early = completed_gig(days_ago=-2)
    Booking.objects.filter(pk=early["booking"].pk).update(status=Status.BOOKED)
    not_yet = api(early["owner"]).post(dispute_url(early["booking"]), REASON)
    assert not_yet.status_code == 400 and "has not ended yet" in not_yet.json()["detail"]
    assert not BookingEvent.objects.filter(to_status=Status.DISPUTED).exists()


# ---- Gig times -------------------------------------------------------------------------------------


def gig_times_url(booking) -> str:
    return f"/api/v1/bookings/{booking.uid}/gig-times"


GIG_TIMES_READ = LIST_STATUS | {"client": 404}  # the band's own time: for its members


@pytest.mark.parametrize(("who", "status"), GIG_TIMES_READ.items())
def test_the_bands_members_read_the_gig_times(party, booking, people, who, status):
    response = api(people[who]).get(gig_times_url(booking))
    assert response.status_code == status, response.content
    if status == 200:
        times = response.json()
        assert times["load_in_minutes"] == 60 and times["pack_down_minutes"] == 30 and times["own"] is False
        assert times["busy_from"] == local(10, 19).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        assert times["can_change"] is (who == "band")


GIG_TIMES_WRITE = LIST_STATUS | {"client": 403, "member": 403}


@pytest.mark.parametrize(("who", "status"), GIG_TIMES_WRITE.items())
def test_only_the_bands_leaders_change_the_gig_times(party, booking, people, who, status):
    hook = webhook_create(by=party.leader, band=party.band, url=HOOK, events=["booking.rescheduled"])
    response = api(people[who]).client.put(
        gig_times_url(booking),
        {"load_in_minutes": 120, "pack_down_minutes": None},
        content_type="application/json",
        headers=api(people[who]).headers,
    )
    assert response.status_code == status, response.content
    busy = BusyInterval.objects.get(user=party.member, source="gig")
    assert (busy.starts_at == local(10, 18)) is (status == 200)
    assert WebhookDelivery.objects.filter(webhook=hook).count() == (1 if status == 200 else 0)
    if status == 200:
        assert response.json()["own"] is True and response.json()["load_in_minutes"] == 120


def put(user, booking, body, scopes=None):
    client = api(user, scopes)
    return client.client.put(gig_times_url(booking), body, content_type="application/json", headers=client.headers)


@pytest.mark.parametrize("body", [{"load_in_minutes": 601}, {"pack_down_minutes": -15}, {"load_in_minutes": "soon"}])
def test_gig_times_out_of_range_are_a_422_and_nothing_moves(party, booking, body):
    response = put(party.leader, booking, body)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert BusyInterval.objects.get(user=party.member, source="gig").starts_at == local(10, 19)


def test_gig_times_need_the_bookings_scope_and_a_booked_gig(party, booking):
    assert put(party.leader, booking, {"load_in_minutes": 90}, ["read"]).status_code == 403
    assert api(party.leader, ["bookings"]).get(gig_times_url(booking)).status_code == 403
    Booking.objects.filter(pk=booking.pk).update(status=Status.CANCELLED)
    refused = put(party.leader, booking, {"load_in_minutes": 90})
    assert refused.status_code == 409 and "no gig times to change" in refused.json()["detail"]
    assert BusyInterval.objects.get(user=party.member, source="gig").starts_at == local(10, 19)
