"""The pay pages and Stripe's webhook, over HTTP, against localstripe: who sees and pays what, two
clicks, a declined card, an instant booking's checkout won and lost, a bad signature."""

import hashlib
import hmac
import json
import time

import pytest
import stripe as stripe_lib
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.packages import package_price
from bookings.models import Booking
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.journey import band_party, local
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import Checkout, LedgerEntry, Payment, StripeEvent
from payments.services.checkout import checkout_complete, checkout_payment, checkout_start
from payments.services.payments import payer_stripe_forget, payment_pay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

TERMS = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)


def card_method(number="4242424242424242") -> str:
    return (
        stripe_api.client()
        .v1.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )
        .id
    )


def stripe_js_confirms(secret: str, number: str = "4242424242424242"):
    """What Stripe.js does in the browser with the card: confirm the SetupIntent with a payment method."""
    setup_id = secret.split("_secret_")[0]
    return stripe_api.client().v1.setup_intents.confirm(setup_id, params={"payment_method": card_method(number)})


@pytest.fixture
def world():
    w = make_world()
    quote = quotes.quote_propose(booking=w.request, by=w.leader, terms=TERMS)
    quotes.quote_accept(quote=quote, by=w.client)
    w.booking = Booking.objects.get(pk=w.request.pk)
    return w


def setup(client, booking, purpose="deposit"):
    return client.post(reverse("payments:setup", args=[booking.uid]), {"purpose": purpose})


def pay_in_browser(client, booking, number="4242424242424242", purpose="deposit"):
    reply = setup(client, booking, purpose).json()
    assert reply["state"] == "setup", reply
    intent = stripe_js_confirms(reply["client_secret"], number)
    return client.post(
        reverse("payments:pay", args=[booking.uid]),
        {"payment_method": intent.payment_method, "payment": reply["payment"]},
    )


def test_the_payments_page_shows_what_is_due_to_the_parties_only(client, world, django_assert_max_num_queries):
    url = reverse("payments:booking", args=[world.booking.uid])
    client.force_login(world.client)
    with django_assert_max_num_queries(30):
        page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pay the deposit: 240 EUR" in text and "Due now" in text and "Test mode" in text
    assert "held for you until" in text
    client.force_login(world.leader)
    page = client.get(url)
    assert page.status_code == 200 and "Pay the deposit" not in page.content.decode()
    for outsider in (world.member, world.other_leader, world.other_client, world.owner, UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert setup(client, world.booking).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_client_pays_the_deposit_and_the_ledger_has_it(client, world):
    client.force_login(world.client)
    answer = pay_in_browser(client, world.booking)
    assert answer.status_code == 200 and answer.json()["state"] == "paid", answer.content
    payment = Payment.objects.get(booking=world.booking)
    assert (payment.purpose, payment.amount_minor, payment.status) == ("deposit", 24000, "succeeded")
    assert LedgerEntry.objects.filter(booking=world.booking, kind="payment").get().amount_minor == 24000
    # A second click after it went through charges nothing more: the same payment is paid already, and
    # a page drawn for the deposit cannot start the balance.
    again = client.post(
        reverse("payments:pay", args=[world.booking.uid]),
        {"payment_method": card_method(), "payment": str(payment.uid)},
    )
    assert again.status_code == 409
    assert setup(client, world.booking, "deposit").status_code == 409
    assert Payment.objects.filter(booking=world.booking, status="succeeded").count() == 1
    detail = client.get(reverse("payments:payment", args=[payment.uid]))
    assert detail.status_code == 200 and "Receipt" in detail.content.decode()


def test_a_declined_card_is_said_in_words_and_nothing_is_paid(client, world):
    client.force_login(world.client)
    reply = setup(client, world.booking).json()
    with pytest.raises(stripe_api.stripe.CardError):
        stripe_js_confirms(reply["client_secret"], "4000000000000002")
    # A card declined when charged (localstripe: …0341) comes back from our server as a 402 with words.
    answer = client.post(
        reverse("payments:pay", args=[world.booking.uid]),
        {"payment_method": card_method("4000000000000341"), "payment": reply["payment"]},
    )
    assert answer.status_code == 402 and "declined" in answer.json()["message"]
    assert not LedgerEntry.objects.exists()
    world.booking.refresh_from_db()
    assert world.booking.paid_minor == 0


@pytest.mark.parametrize("value", ["", "pm_", "tok_visa", "pm_x'; DROP TABLE", "a" * 500])
def test_a_payment_method_that_is_not_one_is_a_400(client, world, value):
    client.force_login(world.client)
    reply = setup(client, world.booking).json()
    answer = client.post(
        reverse("payments:pay", args=[world.booking.uid]), {"payment_method": value, "payment": reply["payment"]}
    )
    assert answer.status_code == 400
    assert not Payment.objects.filter(status="succeeded").exists()


def test_amounts_come_from_the_terms_not_the_form(client, world):
    client.force_login(world.client)
    reply = client.post(
        reverse("payments:setup", args=[world.booking.uid]), {"purpose": "deposit", "amount": "1", "currency": "USD"}
    ).json()
    intent = stripe_js_confirms(reply["client_secret"])
    client.post(
        reverse("payments:pay", args=[world.booking.uid]),
        {
            "payment_method": intent.payment_method,
            "payment": reply["payment"],
            "amount_minor": "100",
            "currency": "USD",
        },
    )
    payment = Payment.objects.get(booking=world.booking)
    assert (payment.amount_minor, payment.currency) == (24000, "EUR")


def test_stripe_unreachable_charges_nothing_and_says_so(client, world, settings):
    client.force_login(world.client)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    answer = setup(client, world.booking)
    assert answer.status_code == 503 and "nothing was charged" in answer.json()["message"]
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.BOOKED and world.booking.paid_minor == 0


def _signed(payload: dict, secret: str) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={signature}"


def intent_at_stripe(
    payment: Payment, *, amount: int | None = None, currency: str = "", metadata: dict | None = None
) -> str:
    """A PaymentIntent confirmed at localstripe with a test card, naming `payment` in its metadata: its id."""
    stripe = stripe_api.client()
    customer = stripe.v1.customers.create(params={"email": "payer@example.com"})
    method = card_method()
    stripe.v1.payment_methods.attach(method, params={"customer": customer.id})
    intent = stripe.v1.payment_intents.create(
        params={
            "amount": amount or payment.amount_minor,
            "currency": currency or payment.currency.lower(),
            "customer": customer.id,
            "payment_method": method,
            "metadata": {"payment": str(payment.uid)} if metadata is None else metadata,
            "confirm": True,
            "off_session": True,
        }
    )
    return intent.id


def test_the_webhook_refuses_a_bad_signature_and_applies_an_event_once(client, world, settings):
    url = reverse("payments:stripe_webhook")
    client.force_login(world.client)
    reply = setup(client, world.booking).json()
    payment = Payment.objects.get(booking=world.booking)
    event = {
        "id": "evt_test_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_forged", "object": "payment_intent", "status": "succeeded"}},
    }
    body, _sig = _signed(event, "whsec_wrong")
    assert client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=_sig).status_code == 400
    assert not StripeEvent.objects.exists()
    assert reply["state"] == "setup"
    # Our own payment's intent, signed with our secret: applied once, twice changes nothing.
    intent_id = intent_at_stripe(payment)
    Payment.objects.filter(pk=payment.pk).update(intent_id=intent_id, status="processing")
    event["data"]["object"]["id"] = intent_id
    body, sig = _signed(event, settings.STRIPE_WEBHOOK_SECRET)
    assert client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sig).status_code == 200
    assert (
        client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sig).json()["outcome"]
        == "already applied"
    )
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert LedgerEntry.objects.filter(payment=payment, kind="payment").count() == 1
    # An older event arriving late moves nothing back.
    event.update(id="evt_test_0", type="payment_intent.processing")
    event["data"]["object"]["status"] = "processing"
    body, sig = _signed(event, settings.STRIPE_WEBHOOK_SECRET)
    client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sig)
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_two_clients_pay_for_one_instant_time_and_one_is_booked(client):
    p = band_party()
    other = UserFactory()
    price = package_price(p.instant)
    first = checkout_start(band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=price)
    second = checkout_start(band=p.band, package=p.instant, client=other, starts_at=local(10), price=price)
    results = []
    for who, checkout in ((p.client, first), (other, second)):
        client.force_login(who)
        setup = client.post(reverse("payments:checkout_setup", args=[checkout.uid])).json()
        intent = stripe_js_confirms(setup["client_secret"])
        results.append(
            client.post(
                reverse("payments:checkout_pay", args=[checkout.uid]), {"payment_method": intent.payment_method}
            )
        )
    assert [r.status_code for r in results] == [200, 409]
    assert results[1].json()["state"] == "lost" and "booked" in results[1].json()["message"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Checkout.Status.BOOKED, Checkout.Status.LOST)
    assert Booking.objects.filter(band=p.band, status="booked").count() == 1
    won, lost = Payment.objects.get(checkout=first), Payment.objects.get(checkout=second)
    assert (won.status, lost.status) == ("succeeded", "cancelled")
    # The time was booked before the second client paid: refused before their card reached Stripe.
    assert lost.intent_id == ""
    # The loser's checkout page says so; another client cannot open it.
    client.force_login(other)
    assert "not charged" in client.get(reverse("payments:checkout", args=[second.uid])).content.decode()
    client.force_login(p.client)
    assert client.get(reverse("payments:checkout", args=[second.uid])).status_code == 404


def test_a_card_authorised_while_another_client_books_the_time_is_released_at_once(client):
    """Both cards authorised before either booking is made (the race): the second to reach the band's
    lock loses, its authorisation is cancelled at Stripe and the client is told."""
    p = band_party()
    other = UserFactory()
    price = package_price(p.instant)
    first = checkout_start(band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=price)
    second = checkout_start(band=p.band, package=p.instant, client=other, starts_at=local(10), price=price)
    late = checkout_payment(second)
    # The second card is authorised (the booking not made yet) ...
    payment_pay(payment=late, by=other, payment_method_id=card_method())
    late.refresh_from_db()
    assert late.status == "authorized" and late.intent_id
    # ... then the first client pays and books, and only then does the second's booking run.
    client.force_login(p.client)
    setup = client.post(reverse("payments:checkout_setup", args=[first.uid])).json()
    intent = stripe_js_confirms(setup["client_secret"])
    assert (
        client.post(
            reverse("payments:checkout_pay", args=[first.uid]), {"payment_method": intent.payment_method}
        ).status_code
        == 200
    )
    checkout_complete(late)
    second.refresh_from_db()
    late.refresh_from_db()
    assert second.status == Checkout.Status.LOST and late.status == "cancelled"
    assert stripe_api.client().v1.payment_intents.retrieve(late.intent_id).status == "canceled"
    assert Booking.objects.filter(band=p.band, status="booked").count() == 1
    assert other.notifications.filter(kind="booking_payment", text__contains="not charged").exists()


def test_the_guided_booking_sends_an_instant_package_to_its_checkout(client):
    p = band_party()
    client.force_login(p.client)
    session = client.session
    session[f"instant-checkout:{p.band.slug}"] = {
        "package": p.instant.pk,
        "starts_at": local(10).isoformat(),
        "minutes": None,
        "price": package_price(p.instant),
        "guests": 40,
        "setting": "indoor",
        "texts": {"location": "Garden", "message": "Hi"},
    }
    session.save()
    answer = client.get(reverse("payments:checkout_new", args=[p.band.slug]))
    checkout = Checkout.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("payments:checkout", args=[checkout.uid])
    page = client.get(answer["Location"])
    assert page.status_code == 200 and "900 EUR" in page.content.decode()
    assert not Booking.objects.exists()  # nothing is held or booked before the card is accepted


def test_an_erased_payers_customer_and_saved_card_are_deleted_at_stripe_and_forgotten_here(client, world):
    client.force_login(world.client)
    setup(client, world.booking)
    payment = Payment.objects.get(booking=world.booking)
    stripe = stripe_api.client()
    saved = stripe.v1.customers.create(params={"email": "payer@example.com"})
    Payment.objects.filter(pk=payment.pk).update(customer_id=saved.id, payment_method_id="pm_saved")

    assert payer_stripe_forget(user=world.client) == 1
    with pytest.raises(stripe_lib.InvalidRequestError):
        stripe.v1.customers.retrieve(saved.id)
    payment.refresh_from_db()
    assert (payment.customer_id, payment.payment_method_id) == ("", "")
    assert payment.amount_minor > 0  # the payment itself stays, for the band and the books
    assert payer_stripe_forget(user=world.client) == 0  # again: nothing left to do

    # A customer Stripe no longer has counts as deleted.
    gone = stripe.v1.customers.create(params={"email": "payer@example.com"})
    stripe.v1.customers.delete(gone.id)
    Payment.objects.filter(pk=payment.pk).update(customer_id=gone.id)
    assert payer_stripe_forget(user=world.client) == 1
    assert Payment.objects.get(pk=payment.pk).customer_id == ""
