"""Money through the JSON API, against a real localstripe: a booking's payments, paying (and a declined
card, Stripe away), a venue's payment made outside StageSlot, refunds and cancelling with one, a band's
ledger and a member's earnings; for the payer, the band's leader and member, another band, another
client, another venue, a stranger and anonymous; bad input as 4xx problems; our own webhooks."""

import datetime as dt
import json

import pytest

from accounts.tests.factories import UserFactory
from bands.models import Package
from bands.packages import package_price
from bookings.models import Booking, WebhookDelivery
from bookings.services import answering, quotes
from bookings.services.quotes import Terms
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.journey import local
from bookings.tests.test_detail_views import make_world
from bookings.tests.webhook_listener import webhook_listener
from payments import stripe_api
from payments.models import Checkout, LedgerEntry, Payment, Refund
from payments.services import payments as pay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

FLAT = Terms(
    deal="flat",
    fee_minor=80000,
    currency="EUR",
    deposit_percent=30,
    balance_due_days=7,
    cancel_preset="custom",
    cancel_windows=((40, 100), (14, 50)),  # the gig is 29 or 30 days away: half back to the payer
)
PROBLEM = "application/problem+json"


def card(number: str = "4242424242424242") -> str:
    """A card as Stripe.js would make it: a payment method at (local)stripe."""
    return (
        stripe_api.client()
        .v1.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )
        .id
    )


@pytest.fixture
def world():
    w = make_world()
    w.stranger = UserFactory(display_name="Sam Stranger")
    quote = quotes.quote_propose(booking=w.request, by=w.leader, terms=FLAT)
    quotes.quote_accept(quote=quote, by=w.client)
    w.request = Booking.objects.select_related("agreed_quote", "band").get(pk=w.request.pk)
    return w


def people(w) -> dict:
    return {
        "payer": w.client,
        "leader": w.leader,
        "member": w.member,
        "other_band": w.other_leader,
        "other_client": w.other_client,
        "other_venue": w.other_owner,
        "stranger": w.stranger,
        "anonymous": None,
    }


def api(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes) if user is not None else None)


def paid_deposit(w) -> Payment:
    payment = pay.payment_start(booking=w.request, by=w.client)
    pay.payment_pay(payment=payment, by=w.client, payment_method_id=card())
    payment.refresh_from_db()
    return payment


def venue_gig(w) -> Booking:
    """The band's application to the venue's slot, accepted: the venue pays its fee of 500."""
    answering.booking_accept(booking=w.application, by=w.owner)
    return Booking.objects.get(pk=w.application.pk)


OUTSIDERS = {"other_band": 404, "other_client": 404, "other_venue": 404, "stranger": 404, "anonymous": 401}


# ---- A booking's payments --------------------------------------------------------------------


READ = {"payer": 200, "leader": 200, "member": 403} | OUTSIDERS


@pytest.mark.parametrize("who", list(READ))
def test_a_bookings_payments_are_for_its_payer_and_the_bands_leaders(world, who):
    payment = paid_deposit(world)
    response = api(people(world)[who]).get(f"/api/v1/bookings/{world.request.uid}/payments")
    assert response.status_code == READ[who], response.content
    if response.status_code != 200:
        assert response["Content-Type"] == PROBLEM
        return
    body = response.json()
    assert (body["total_minor"], body["paid_minor"], body["due_minor"], body["payer"]) == (
        80000,
        24000,
        56000,
        "client",
    )
    assert [(d["purpose"], d["amount_minor"], d["paid"]) for d in body["schedule"]] == [
        ("deposit", 24000, True),
        ("balance", 56000, False),
    ]
    assert body["next"]["purpose"] == "balance"
    assert body["schedule"][1]["due_at"].endswith("Z")
    (only,) = body["payments"]
    assert only["id"] == str(payment.uid)
    assert (only["status"], only["amount_minor"], only["platform_fee_minor"], only["refunds"]) == (
        "succeeded", 24000, 3600, [],
    )  # fmt: skip


def test_staff_read_a_bookings_payments(world):
    staff = UserFactory(is_staff=True)
    response = api(staff).get(f"/api/v1/bookings/{world.request.uid}/payments")
    assert response.status_code == 200
    assert response.json()["payments"] == []


def test_the_payments_read_costs_the_same_whatever_the_rows(world, django_assert_max_num_queries):
    payment = paid_deposit(world)
    client = api(world.leader)
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/bookings/{world.request.uid}/payments").status_code == 200
    refunds_made = [
        Refund.objects.create(payment=payment, amount_minor=100, currency="EUR", reason="other") for _ in range(5)
    ]
    assert refunds_made
    with django_assert_max_num_queries(6):
        assert len(client.get(f"/api/v1/bookings/{world.request.uid}/payments").json()["payments"][0]["refunds"]) == 5


START = {"payer": 200, "leader": 403, "member": 403} | OUTSIDERS


@pytest.mark.parametrize("who", list(START))
def test_only_the_payer_starts_a_payment(world, who):
    response = api(people(world)[who]).post(f"/api/v1/bookings/{world.request.uid}/payments")
    assert response.status_code == START[who], response.content
    assert Payment.objects.count() == (1 if START[who] == 200 else 0)


def test_starting_twice_is_one_payment_whose_amount_the_server_works_out(world):
    client = api(world.client)
    tampered = {"amount_minor": 1, "currency": "USD", "purpose": "balance", "platform_fee_minor": 0}
    first = client.post(f"/api/v1/bookings/{world.request.uid}/payments", tampered).json()
    second = client.post(f"/api/v1/bookings/{world.request.uid}/payments").json()
    assert first["payment"]["id"] == second["payment"]["id"]
    assert (first["payment"]["purpose"], first["payment"]["amount_minor"], first["payment"]["currency"]) == (
        "deposit", 24000, "EUR",
    )  # fmt: skip
    assert first["payment"]["status"] == "created"
    assert first["stripe"]["publishable_key"].startswith("pk_")
    assert first["stripe"]["test_mode"] is True
    assert first["pay_url"].endswith(f"/api/v1/payments/{first['payment']['id']}/pay")
    assert "payment_method" in first["instructions"]
    assert Payment.objects.count() == 1


def test_a_read_only_token_pays_nothing(world):
    response = api(world.client, ["read"]).post(f"/api/v1/bookings/{world.request.uid}/payments")
    assert response.status_code == 403
    assert "payments" in response.json()["detail"]


PAY = {"payer": 200, "leader": 403, "member": 404} | OUTSIDERS


@pytest.mark.parametrize("who", list(PAY))
def test_only_the_payer_pays(world, who):
    payment = pay.payment_start(booking=world.request, by=world.client)
    response = api(people(world)[who]).post(f"/api/v1/payments/{payment.uid}/pay", {"payment_method": card()})
    assert response.status_code == PAY[who], response.content
    payment.refresh_from_db()
    assert payment.status == (Payment.Status.SUCCEEDED if PAY[who] == 200 else Payment.Status.CREATED)
    if PAY[who] == 200:
        body = response.json()
        assert body["payment"]["status"] == "succeeded" and body["payment"]["paid_at"]
        assert body["client_secret"] is None
        world.request.refresh_from_db()
        assert world.request.paid_minor == 24000


def test_paying_through_the_api_from_start_to_the_balance(world):
    client = api(world.client)
    started = client.post(f"/api/v1/bookings/{world.request.uid}/payments").json()
    assert client.post(started["pay_url"], {"payment_method": card()}).status_code == 200
    assert client.post(started["pay_url"], {"payment_method": card()}).status_code == 409  # paid already
    balance = client.post(f"/api/v1/bookings/{world.request.uid}/payments").json()["payment"]
    assert (balance["purpose"], balance["amount_minor"]) == ("balance", 56000)
    assert client.post(f"/api/v1/payments/{balance['id']}/pay", {"payment_method": card()}).status_code == 200
    nothing = client.post(f"/api/v1/bookings/{world.request.uid}/payments")
    assert nothing.status_code == 409 and "paid" in nothing.json()["detail"]
    body = client.get(f"/api/v1/bookings/{world.request.uid}/payments").json()
    assert (body["paid_minor"], body["due_minor"], body["next"]) == (80000, 0, None)


def test_a_declined_card_is_a_402_in_words_and_nothing_is_charged(world):
    payment = pay.payment_start(booking=world.request, by=world.client)
    response = api(world.client).post(
        f"/api/v1/payments/{payment.uid}/pay", {"payment_method": card("4000000000000002")}
    )
    assert response.status_code == 402
    assert response["Content-Type"] == PROBLEM
    assert "declined" in response.json()["detail"] and "Nothing was charged" in response.json()["detail"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert not LedgerEntry.objects.exists()
    again = api(world.client).post(f"/api/v1/payments/{payment.uid}/pay", {"payment_method": card()})
    assert again.status_code == 409  # this attempt ended: start again
    fresh = api(world.client).post(f"/api/v1/bookings/{world.request.uid}/payments").json()["payment"]
    assert fresh["id"] != str(payment.uid)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"payment_method": "not-a-card"}, 422, "payment_method"),
        ({"payment_method": ""}, 422, "payment_method"),
        ({"payment_method": "pm_" + "x" * 300}, 422, "payment_method"),
        ({"payment_method": 42}, 422, "payment_method"),
        ({}, 422, "payment_method"),
        ({"payment_method": "pm_nosuchcard1234"}, 409, None),
    ],
)
def test_a_payment_method_that_is_not_one_is_refused_and_nothing_changes(world, body, status, field):
    payment = pay.payment_start(booking=world.request, by=world.client)
    response = api(world.client).post(f"/api/v1/payments/{payment.uid}/pay", body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    if field:
        assert field in response.json()["errors"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED
    assert not LedgerEntry.objects.exists()


def test_stripe_away_is_a_503_and_the_payment_stays_as_it_was(world, settings):
    payment = pay.payment_start(booking=world.request, by=world.client)
    method = card()
    settings.STRIPE_API_BASE = "http://127.0.0.1:8849"  # nothing listens there
    response = api(world.client).post(f"/api/v1/payments/{payment.uid}/pay", {"payment_method": method})
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "nothing was charged" in response.json()["detail"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED


def test_an_unknown_payment_is_a_404(world):
    response = api(world.client).post(
        "/api/v1/payments/00000000-0000-4000-8000-000000000000/pay", {"payment_method": "pm_card_visa"}
    )
    assert response.status_code == 404


DETAIL = {"payer": 200, "leader": 200, "member": 404} | OUTSIDERS


@pytest.mark.parametrize("who", list(DETAIL))
def test_one_payment_is_for_those_who_see_the_bookings_money(world, who):
    payment = paid_deposit(world)
    response = api(people(world)[who]).get(f"/api/v1/payments/{payment.uid}")
    assert response.status_code == DETAIL[who], response.content
    if response.status_code == 200:
        assert (response.json()["id"], response.json()["status"]) == (str(payment.uid), "succeeded")


# ---- An instant booking's checkout -----------------------------------------------------------


def party_set(w) -> Package:
    return Package.objects.create(band=w.band, name="Party set", price=900, instant=True)


def checkout_body(w, package, days=20, **extra) -> dict:
    return {
        "band": w.band.slug,
        "package": package.pk,
        "starts_at": local(days, 19).isoformat(),
        "price": package_price(package),
        "event_type": "Birthday",
        **extra,
    }


def test_a_checkout_books_the_gig_once_the_card_is_accepted(world):
    package = party_set(world)
    client = api(world.other_client)
    opened = client.post("/api/v1/checkouts", checkout_body(world, package))
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert (body["status"], body["amount_minor"], body["currency"], body["booking"]) == (
        "open", package_price(package) * 100, package.currency, None,
    )  # fmt: skip
    assert body["payment"]["status"] == "created" and body["stripe"]["publishable_key"]
    assert not Booking.objects.filter(client=world.other_client).exists()  # nothing held while the card is typed
    for who in ("payer", "leader", "stranger"):
        assert api(people(world)[who]).get(f"/api/v1/checkouts/{body['id']}").status_code == 404
        assert api(people(world)[who]).post(body["pay_url"], {"payment_method": "pm_card_visa"}).status_code == 404
    on_payment = client.post(f"/api/v1/payments/{body['payment']['id']}/pay", {"payment_method": card()})
    assert on_payment.status_code == 409 and f"/api/v1/checkouts/{body['id']}/pay" in on_payment.json()["detail"]
    paid = client.post(body["pay_url"], {"payment_method": card()})
    assert paid.status_code == 200, paid.content
    checkout = paid.json()["checkout"]
    assert checkout["status"] == "booked" and checkout["booking"]
    assert checkout["payment"]["status"] == "succeeded" and checkout["payment"]["booking"] == checkout["booking"]
    booking = Booking.objects.get(uid=checkout["booking"])
    assert (booking.status, booking.client_id) == (Booking.Status.BOOKED, world.other_client.pk)
    assert client.get(f"/api/v1/checkouts/{body['id']}").json()["status"] == "booked"
    money = client.get(f"/api/v1/bookings/{booking.uid}/payments").json()
    assert money["paid_minor"] == package_price(package) * 100 and money["due_minor"] == 0


def test_a_declined_checkout_stays_open_and_a_second_card_books_it(world):
    package = party_set(world)
    client = api(world.other_client)
    body = client.post("/api/v1/checkouts", checkout_body(world, package)).json()
    declined = client.post(body["pay_url"], {"payment_method": card("4000000000000002")})
    assert declined.status_code == 402 and "declined" in declined.json()["detail"]
    assert client.get(f"/api/v1/checkouts/{body['id']}").json()["status"] == "open"
    assert client.post(body["pay_url"], {"payment_method": card()}).json()["checkout"]["status"] == "booked"
    assert Booking.objects.filter(client=world.other_client).count() == 1


def test_two_checkouts_for_one_time_book_once_and_the_loser_pays_nothing(world):
    package = party_set(world)
    first = api(world.other_client)
    second = api(world.stranger)
    a = first.post("/api/v1/checkouts", checkout_body(world, package)).json()
    b = second.post("/api/v1/checkouts", checkout_body(world, package)).json()
    assert first.post(a["pay_url"], {"payment_method": card()}).status_code == 200
    lost = second.post(b["pay_url"], {"payment_method": card()})
    assert lost.status_code == 409, lost.content
    assert lost["Content-Type"] == PROBLEM
    loser = Checkout.objects.get(uid=b["id"])
    assert loser.status == Checkout.Status.LOST and loser.booking_id is None
    assert Payment.objects.get(checkout=loser).status == Payment.Status.CANCELLED
    assert Booking.objects.filter(band=world.band, client__isnull=False, status="booked").count() == 2  # request too


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"starts_at": "2031-05-01T19:00:00"}, 422),  # no UTC offset
        ({"price": -5}, 422),
        ({"price": 1}, 409),  # not the price shown now
        ({"price": "free"}, 422),
        ({"package": 999999}, 404),
        ({"band": "no-such-band"}, 404),
        ({"setting": "on the moon"}, 422),
    ],
)
def test_a_bad_checkout_is_refused_and_opens_nothing(world, change, status):
    package = party_set(world)
    response = api(world.other_client).post("/api/v1/checkouts", {**checkout_body(world, package), **change})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert not Checkout.objects.exists()


def test_opening_a_checkout_needs_the_payments_scope(world):
    package = party_set(world)
    response = api(world.other_client, ["read", "bookings"]).post("/api/v1/checkouts", checkout_body(world, package))
    assert response.status_code == 403 and not Checkout.objects.exists()


# ---- Paid outside StageSlot ------------------------------------------------------------------


OUTSIDE = {"venue": 201, "leader": 403, "member": 403} | OUTSIDERS


@pytest.mark.parametrize("who", list(OUTSIDE))
def test_only_the_venue_records_a_payment_made_outside(world, who):
    gig = venue_gig(world)
    user = {**people(world), "venue": world.owner}[who]
    response = api(user).post(
        f"/api/v1/bookings/{gig.uid}/payments/outside", {"amount_minor": 50000, "reference": "TR-7"}
    )
    assert response.status_code == OUTSIDE[who], response.content
    if response.status_code == 201:
        body = response.json()
        assert (body["method"], body["status"], body["amount_minor"], body["platform_fee_minor"]) == (
            "outside", "succeeded", 50000, 0,
        )  # fmt: skip
        assert body["reference"] == "TR-7"
        assert LedgerEntry.objects.filter(kind="outside", band=gig.band).get().amount_minor == 50000
    else:
        assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_minor": -50000, "reference": "TR-7"}, "amount_minor"),
        ({"amount_minor": 0, "reference": "TR-7"}, "amount_minor"),
        ({"amount_minor": 49999, "reference": "TR-7"}, "amount_minor"),
        ({"amount_minor": 10**15, "reference": "TR-7"}, "amount_minor"),
        ({"amount_minor": "lots", "reference": "TR-7"}, "amount_minor"),
        ({"amount_minor": 50000, "reference": ""}, "reference"),
        ({"amount_minor": 50000, "reference": "   "}, "reference"),
        ({"amount_minor": 50000, "reference": "x" * 121}, "reference"),
        ({"reference": "TR-7"}, "amount_minor"),
    ],
)
def test_bad_outside_payments_are_422_by_field_and_record_nothing(world, body, field):
    gig = venue_gig(world)
    response = api(world.owner).post(f"/api/v1/bookings/{gig.uid}/payments/outside", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Payment.objects.exists() and not LedgerEntry.objects.exists()


def test_the_part_due_says_how_much_it_is_and_a_second_record_is_a_409(world):
    gig = venue_gig(world)
    client = api(world.owner)
    wrong = client.post(f"/api/v1/bookings/{gig.uid}/payments/outside", {"amount_minor": 100, "reference": "TR-7"})
    assert "500" in wrong.json()["errors"]["amount_minor"][0]
    ignored = {"amount_minor": 50000, "reference": "TR-7", "currency": "USD", "platform_fee_minor": 99}
    assert client.post(f"/api/v1/bookings/{gig.uid}/payments/outside", ignored).json()["currency"] == "EUR"
    again = client.post(f"/api/v1/bookings/{gig.uid}/payments/outside", {"amount_minor": 50000, "reference": "TR-8"})
    assert again.status_code == 409
    assert Payment.objects.count() == 1


# ---- Refunds and cancelling with one ---------------------------------------------------------


PREVIEW = {"payer": 200, "leader": 200, "member": 403} | OUTSIDERS


@pytest.mark.parametrize("who", list(PREVIEW))
def test_the_refund_preview_is_by_who_asks(world, who):
    payment = paid_deposit(world)
    response = api(people(world)[who]).get(f"/api/v1/bookings/{world.request.uid}/refund-preview")
    assert response.status_code == PREVIEW[who], response.content
    if who == "payer":  # 29 days before the gig: the 14-day window gives half back
        body = response.json()
        assert (body["percent"], body["reason"], body["paid_minor"], body["refund_minor"]) == (
            50, "payer_cancelled", 24000, 12000,
        )  # fmt: skip
        assert body["parts"] == [{"payment": str(payment.uid), "amount_minor": 12000}]
    if who == "leader":
        assert (response.json()["percent"], response.json()["refund_minor"]) == (100, 24000)


CANCEL = {"payer": 200, "leader": 200, "member": 403} | OUTSIDERS


@pytest.mark.parametrize("who", list(CANCEL))
def test_cancelling_with_the_refund(world, who):
    paid_deposit(world)
    response = api(people(world)[who]).post(
        f"/api/v1/bookings/{world.request.uid}/cancel-with-refund", {"reason": "The venue flooded"}
    )
    assert response.status_code == CANCEL[who], response.content
    world.request.refresh_from_db()
    if CANCEL[who] != 200:
        assert world.request.status == Booking.Status.BOOKED and not Refund.objects.exists()
        return
    body = response.json()
    back = 12000 if who == "payer" else 24000
    assert body["booking"]["status"] == "cancelled"
    assert [(r["amount_minor"], r["status"]) for r in body["refunds"]] == [(back, "succeeded")]
    assert body["refunded_minor"] == back
    assert world.request.paid_minor == 24000 - back
    refunds = api(world.client).get(f"/api/v1/bookings/{world.request.uid}/refunds").json()["items"]
    assert [r["amount_minor"] for r in refunds] == [back]
    payments = api(world.leader).get(f"/api/v1/bookings/{world.request.uid}/payments").json()
    assert payments["refunded_minor"] == back and payments["payments"][0]["refunds"][0]["amount_minor"] == back


@pytest.mark.parametrize("who", list(READ))
def test_the_refunds_list_is_for_the_payer_and_the_bands_leaders(world, who):
    response = api(people(world)[who]).get(f"/api/v1/bookings/{world.request.uid}/refunds")
    assert response.status_code == READ[who]


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}, {"reason": "x" * 301}])
def test_cancelling_without_a_reason_changes_nothing(world, body):
    paid_deposit(world)
    response = api(world.client).post(f"/api/v1/bookings/{world.request.uid}/cancel-with-refund", body)
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    world.request.refresh_from_db()
    assert world.request.status == Booking.Status.BOOKED and not Refund.objects.exists()


def test_cancelling_a_gig_that_is_not_booked_is_a_409(world):
    response = api(world.leader).post(f"/api/v1/bookings/{world.application.uid}/cancel-with-refund", {"reason": "Ill"})
    assert response.status_code == 409


# ---- The ledger and a member's earnings -------------------------------------------------------


LEDGER = {"leader": 200, "member": 403, "payer": 403, "other_band": 403, "other_client": 403, "other_venue": 403}
LEDGER |= {"stranger": 403, "anonymous": 401}


@pytest.mark.parametrize("who", list(LEDGER))
def test_the_ledger_is_for_the_bands_leaders_and_admins(world, who):
    paid_deposit(world)
    response = api(people(world)[who]).get(f"/api/v1/bands/{world.band.slug}/ledger")
    assert response.status_code == LEDGER[who], response.content
    if response.status_code != 200:
        return
    body = response.json()
    assert body["totals"] == [
        {"currency": "EUR", "earned_minor": 20400, "owed_minor": 20400, "paid_out_minor": 0, "upcoming_minor": 56000}
    ]
    kinds = [e["kind"] for e in body["items"]]
    assert kinds.count("band_share") == 1 and kinds.count("member_share") == 2
    assert sum(e["amount_minor"] for e in body["items"] if e["kind"] == "member_share") == 20400
    assert all(e["booking"] == str(world.request.uid) for e in body["items"])


def test_the_ledger_pages_newest_first_and_filters(world, django_assert_max_num_queries):
    paid_deposit(world)
    client = api(world.leader)
    url = f"/api/v1/bands/{world.band.slug}/ledger"
    with django_assert_max_num_queries(8):
        first = client.get(url, {"limit": 2}).json()
    second = client.get(first["next"]).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert second["next"] is None
    shares = client.get(url, {"kind": "member_share"}).json()["items"]
    assert {e["kind"] for e in shares} == {"member_share"} and all(e["member"] for e in shares)
    assert client.get(url, {"currency": "GBP"}).json() == {"next": None, "totals": [], "items": []}
    for bad in ({"kind": "bonus"}, {"currency": "EURO"}, {"limit": "many"}):
        response = client.get(url, bad)
        assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert client.get(url, {"cursor": "not-ours"}).status_code == 400
    assert client.get("/api/v1/bands/no-such-band/ledger").status_code == 404


def test_a_member_sees_their_own_shares(world):
    paid_deposit(world)
    body = api(world.member).get("/api/v1/me/earnings").json()
    (entry,) = body["items"]
    assert entry["kind"] == "member_share" and entry["member"] == world.member.name
    assert entry["band"] == world.band.slug
    assert body["totals"] == [{"currency": "EUR", "amount_minor": entry["amount_minor"]}]
    shares = LedgerEntry.objects.filter(kind="member_share").values_list("amount_minor", flat=True)
    assert entry["amount_minor"] in shares
    assert api(world.stranger).get("/api/v1/me/earnings").json() == {"next": None, "totals": [], "items": []}
    assert api(None).get("/api/v1/me/earnings").status_code == 401


# ---- Our own webhooks ------------------------------------------------------------------------


def test_a_webhook_for_payments_hears_of_a_payment_a_decline_and_a_refund(
    world, settings, django_capture_on_commit_callbacks
):
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        events = ["payment.succeeded", "payment.failed", "refund.succeeded"]
        webhook_create(by=world.leader, band=world.band, url=listener.url, events=events)
        client = api(world.client)
        payment = pay.payment_start(booking=world.request, by=world.client)
        with django_capture_on_commit_callbacks(execute=True):
            declined = client.post(f"/api/v1/payments/{payment.uid}/pay", {"payment_method": card("4000000000000002")})
        assert declined.status_code == 402
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(f"/api/v1/bookings/{world.request.uid}/payments").json()
            assert client.post(started["pay_url"], {"payment_method": card()}).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            cancel = client.post(f"/api/v1/bookings/{world.request.uid}/cancel-with-refund", {"reason": "Rain"})
            assert cancel.status_code == 200
        received = [json.loads(r.body) for r in listener.received]
    assert [e["type"] for e in received] == ["payment.failed", "payment.succeeded", "refund.succeeded"]
    failed, succeeded, refunded = (e["data"] for e in received)
    assert failed["payment"]["id"] == str(payment.uid) and failed["payment"]["status"] == "failed"
    assert succeeded["booking"]["uid"] == str(world.request.uid)
    same = ("id", "booking", "purpose", "method", "amount_minor", "currency", "platform_fee_minor")
    assert {key: succeeded["payment"][key] for key in same} == {key: started["payment"][key] for key in same}
    assert (succeeded["payment"]["status"], succeeded["payment"]["amount_minor"]) == ("succeeded", 24000)
    assert succeeded["payment"]["paid_at"]
    assert refunded["refund"]["payment"] == started["payment"]["id"] and refunded["refund"]["amount_minor"] == 12000
    assert WebhookDelivery.objects.filter(state="delivered").count() == 3


def test_a_venue_webhook_hears_of_a_payment_made_outside(world, settings, django_capture_on_commit_callbacks):
    gig = venue_gig(world)
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        webhook_create(by=world.owner, venue=world.venue, url=listener.url, events=["payment.succeeded"])
        with django_capture_on_commit_callbacks(execute=True):
            response = api(world.owner).post(
                f"/api/v1/bookings/{gig.uid}/payments/outside", {"amount_minor": 50000, "reference": "TR-7"}
            )
        assert response.status_code == 201
        (event,) = [json.loads(r.body) for r in listener.received]
    assert event["type"] == "payment.succeeded"
    assert event["data"]["payment"]["method"] == "outside" and event["data"]["payment"]["reference"] == "TR-7"


def test_the_webhooks_page_offers_the_money_events(client, world):
    client.force_login(world.leader)
    page = client.get("/me/webhooks/").content.decode()
    for event in ("payment.succeeded", "payment.failed", "refund.succeeded"):
        assert f'value="{event}"' in page


def test_the_balance_is_due_the_terms_days_before_the_gig(world):
    """The balance's due date is in the schedule, in UTC: the terms' days before the gig."""
    body = api(world.client).get(f"/api/v1/bookings/{world.request.uid}/payments").json()
    due_at = dt.datetime.fromisoformat(body["schedule"][1]["due_at"].replace("Z", "+00:00"))
    assert due_at == world.request.starts_at - dt.timedelta(days=7)
