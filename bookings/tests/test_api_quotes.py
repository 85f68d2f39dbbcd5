"""Deal terms through the JSON API: listing, proposing, countering, accepting (which books the booking)
and declining; who may do what, bad input as 422 by field, conflicts as 409, and the webhook events."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.models import Booking, Quote, WebhookDelivery
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

TERMS = {"deal": "flat", "fee_minor": 80000, "currency": "EUR", "deposit_percent": 30, "balance_due_days": 7}
HOOK = "http://127.0.0.1:8471/hook"


@pytest.fixture(autouse=True)
def _local_listener(settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)


@pytest.fixture
def world():
    return make_world()


def api(user) -> ApiClient:
    return ApiClient(token_for(user) if user is not None else None)


def everyone(world) -> dict:
    return {
        "band": world.leader,
        "client": world.client,
        "member": world.member,
        "other_band": world.other_leader,
        "other_venue": world.other_owner,
        "other_client": world.other_client,
        "stranger": UserFactory(),
        "anonymous": None,
    }


LIST = {"band": 200, "client": 200, "member": 200, "other_band": 404, "other_venue": 404, "other_client": 404}
LIST |= {"stranger": 404, "anonymous": 401}
PROPOSE = LIST | {"member": 403, "band": 201, "client": 201}


@pytest.mark.parametrize("who", list(LIST))
def test_the_list_is_for_the_bookings_people(world, who):
    quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    response = api(everyone(world)[who]).get(f"/api/v1/bookings/{world.request.uid}/quotes")
    assert response.status_code == LIST[who]
    if response.status_code == 200:
        item = response.json()["items"][0]
        assert (item["fee_minor"], item["currency"], item["status"], item["side"]) == (80000, "EUR", "open", "band")
        assert item["cancel_windows"] == [{"days": 30, "refund_percent": 100}, {"days": 14, "refund_percent": 50}]


@pytest.mark.parametrize("who", list(PROPOSE))
def test_only_the_two_sides_propose(world, who):
    response = api(everyone(world)[who]).post(f"/api/v1/bookings/{world.request.uid}/quotes", TERMS)
    assert response.status_code == PROPOSE[who]
    assert Quote.objects.count() == (1 if PROPOSE[who] == 201 else 0)


ANSWER = {"band": 403, "client": 200, "member": 403, "other_band": 404, "other_venue": 404}
ANSWER |= {"other_client": 404, "stranger": 404, "anonymous": 401}


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_other_side_answers(world, action):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    people = everyone(world)
    for who, status in ANSWER.items():
        if who == "client":
            continue
        assert api(people[who]).post(f"/api/v1/quotes/{quote.pk}/{action}").status_code == status, who
    assert Quote.objects.get(pk=quote.pk).status == "open"
    response = api(world.client).post(f"/api/v1/quotes/{quote.pk}/{action}")
    assert response.status_code == 200
    assert response.json()["status"] == ("accepted" if action == "accept" else "declined")
    booked = Booking.objects.get(pk=world.request.pk).status == Booking.Status.BOOKED
    assert booked == (action == "accept")


def test_counter_then_accept_books_with_the_agreed_fee_and_the_webhooks_hear_it(world):
    webhook_create(
        band=world.band,
        venue=None,
        by=world.leader,
        url=HOOK,
        events=["quote.proposed", "quote.countered", "quote.accepted", "booking.accepted"],
    )
    first = api(world.leader).post(f"/api/v1/bookings/{world.request.uid}/quotes", TERMS).json()
    counter = api(world.client).post(
        f"/api/v1/bookings/{world.request.uid}/quotes", {**TERMS, "fee_minor": 65000, "backline": True}
    )
    assert counter.status_code == 201
    body = counter.json()
    assert (body["version"], body["replaces"], body["included"]["backline"]) == (2, first["id"], True)
    assert Quote.objects.get(pk=first["id"]).status == "countered"
    response = api(world.leader).post(f"/api/v1/quotes/{body['id']}/accept")
    assert response.status_code == 200
    booking = Booking.objects.get(pk=world.request.pk)
    assert (booking.status, booking.fee, booking.agreed_quote_id) == ("booked", 650, body["id"])
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["quote.proposed", "quote.countered", "booking.accepted", "quote.accepted"]
    accepted = WebhookDelivery.objects.get(event="quote.accepted").body
    assert '"status": "booked"' in accepted and '"fee_minor": 65000' in accepted


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fee_minor": 0}, "fee_minor"),
        ({"fee_minor": -1}, "fee_minor"),
        ({"fee_minor": 10**15}, "fee_minor"),
        ({"deposit_percent": 101}, "deposit_percent"),
        ({"deal": "door", "fee_minor": None, "door_percent": 150}, "door_percent"),
        ({"balance_due_days": -2}, "balance_due_days"),
        ({"currency": "ZZZ"}, "currency"),
        (
            {
                "cancel_preset": "custom",
                "cancel_windows": [{"days": 7, "refund_percent": 50}, {"days": 7, "refund_percent": 20}],
            },
            "cancel_windows",
        ),
        ({"fee_minor": 10000}, "send_anyway"),
        ({"door_costs": [{"kind": "sound", "amount_minor": 100}]}, "door_costs"),  # not on a flat fee
        (
            {"deal": "door", "fee_minor": None, "door_percent": 70, "bonus_tiers": [{"tickets": 0, "amount_minor": 5}]},
            "bonus_tiers",
        ),
        (
            {
                "deal": "door",
                "fee_minor": None,
                "door_percent": 70,
                "door_costs": [{"kind": "sound", "amount_minor": -5}],
            },
            "door_costs.0.amount_minor",  # the body's bound names the cost's amount
        ),
    ],
)
def test_bad_terms_are_422_by_field(world, change, field):
    response = api(world.leader).post(f"/api/v1/bookings/{world.request.uid}/quotes", {**TERMS, **change})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Quote.objects.exists()


def test_a_low_fee_goes_with_send_anyway(world):
    response = api(world.leader).post(
        f"/api/v1/bookings/{world.request.uid}/quotes", {**TERMS, "fee_minor": 10000, "send_anyway": True}
    )
    assert response.status_code == 201


def test_answering_a_closed_quote_is_409(world):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    assert api(world.client).post(f"/api/v1/quotes/{quote.pk}/decline", {"note": "No"}).status_code == 200
    response = api(world.client).post(f"/api/v1/quotes/{quote.pk}/accept")
    assert response.status_code == 409
    assert response.json()["detail"] == "This quote is already declined, so nothing was changed."
    assert api(world.leader).post(f"/api/v1/quotes/{quote.pk + 1000}/accept").status_code == 404


@pytest.mark.parametrize("who", list(ANSWER))
def test_only_the_other_side_counters_a_quote(world, who):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    response = api(everyone(world)[who]).post(f"/api/v1/quotes/{quote.pk}/counter", {**TERMS, "fee_minor": 70000})
    expected = 201 if who == "client" else ANSWER[who]
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert (body["version"], body["replaces"], body["side"], body["fee_minor"]) == (2, quote.pk, "client", 70000)
        assert Quote.objects.get(pk=quote.pk).status == "countered"
    else:
        assert Quote.objects.get().status == "open"


def test_countering_a_closed_or_expired_quote_is_409_and_bad_terms_422(world):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    bad = api(world.client).post(f"/api/v1/quotes/{quote.pk}/counter", {**TERMS, "deposit_percent": 101})
    assert bad.status_code == 422 and "deposit_percent" in bad.json()["errors"]
    assert api(world.client).post(f"/api/v1/quotes/{quote.pk}/decline").status_code == 200
    closed = api(world.client).post(f"/api/v1/quotes/{quote.pk}/counter", TERMS)
    assert closed.status_code == 409
    assert closed.json()["detail"] == "This quote is already declined, so nothing was changed."
    assert Quote.objects.count() == 1
    assert api(world.client).post(f"/api/v1/quotes/{quote.pk + 1000}/counter", TERMS).status_code == 404


def test_a_counter_refuses_a_quote_replaced_meanwhile(world):
    first = quotes.quote_propose(booking=world.request, by=world.leader, terms=Terms(fee_minor=80000))
    quotes.quote_propose(booking=world.request, by=world.client, terms=Terms(fee_minor=70000))  # countered
    first.refresh_from_db()
    first.status = Quote.Status.OPEN  # as the caller read it, before the other counter
    with pytest.raises(quotes.BookingConflict, match="nothing to counter"):
        quotes.quote_counter(quote=first, by=world.client, terms=Terms(fee_minor=60000))
    assert Quote.objects.count() == 2


def test_door_terms_carry_their_costs_and_bonus_tiers(world):
    body = {
        **TERMS,
        "deal": "door",
        "fee_minor": None,
        "door_percent": 70,
        "door_costs": [{"kind": "sound", "label": "PA", "amount_minor": 15000}],
        "bonus_tiers": [{"tickets": 200, "amount_minor": 10000}],
    }
    response = api(world.leader).post(f"/api/v1/bookings/{world.request.uid}/quotes", body)
    assert response.status_code == 201
    assert response.json()["door_costs"] == [{"kind": "sound", "label": "PA", "amount_minor": 15000}]
    assert response.json()["bonus_tiers"] == [{"tickets": 200, "amount_minor": 10000}]
    bad = {**body, "door_costs": [{"kind": "fireworks", "amount_minor": 1}]}
    assert api(world.client).post(f"/api/v1/quotes/{response.json()['id']}/counter", bad).status_code == 422
