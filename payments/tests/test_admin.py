"""The staff's money screens: read-only lists of payments, refunds, the ledger, Stripe's events and
checkouts; a payout recorded through its service; a dispute's refund of any amount up to what is left."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from accounts.tests.factories import UserFactory
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Payout, Refund, StripeEvent
from payments.services import payments as pay
from payments.services.payouts import payout_record
from stageslot.tests.test_admin_pseudo_locale import unmarked

from .money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db

MODELS = ["payment", "refund", "ledgerentry", "stripeevent", "checkout", "payout"]


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def world(staff):
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    w.deposit = pay_next(w.gig, by=w.client)
    w.payout = payout_record(band=w.band, amount_minor=10000, currency="EUR", reference="SEPA-0001", by=staff)
    StripeEvent.objects.create(event_id="evt_test_1", type="payment_intent.succeeded", object_id="pi_test_1")
    return w


def test_every_money_screen_is_marked_for_translation(client, staff, world):
    refund = Refund.objects.create(
        payment=world.deposit, amount_minor=1000, currency="EUR", reason=Refund.Reason.DISPUTE, by=staff
    )
    client.force_login(staff)
    requests = []
    for model, row in [("payment", world.deposit), ("refund", refund), ("ledgerentry", LedgerEntry.objects.first()),
                       ("stripeevent", StripeEvent.objects.get()), ("payout", world.payout)]:  # fmt: skip
        requests.append((reverse(f"admin:payments_{model}_changelist"), None))
        requests.append((reverse(f"admin:payments_{model}_change", args=[row.pk]), None))
    requests += [
        (reverse("admin:payments_checkout_changelist"), None),
        (reverse("admin:payments_settlement_changelist"), None),
        (reverse("admin:payments_payout_add"), None),
        (
            reverse("admin:payments_payout_add"),
            {"band": world.band.pk, "amount": "999", "currency": "EUR", "reference": "TOO-MUCH"},
        ),
        # A second transfer under the first one's reference: the data on the page is known before it.
        (
            reverse("admin:payments_payout_add"),
            {"band": world.band.pk, "amount": "10", "currency": "EUR", "reference": "SEPA-0001"},
        ),
        (reverse("admin:payments_payment_refund", args=[world.deposit.pk]), None),
        (reverse("admin:payments_payment_refund", args=[world.deposit.pk]), {"amount": "9999", "note": "Too much"}),
    ]
    assert unmarked(client, requests) == {}


def test_a_payout_from_the_admin_goes_through_its_service(client, staff, world):
    client.force_login(staff)
    url = reverse("admin:payments_payout_add")
    page = client.get(url).content.decode()
    assert "The Night Shift" in page and "104 EUR" in page  # owed: 204.00 less the 100.00 paid out
    too_much = client.post(url, {"band": world.band.pk, "amount": "104.01", "currency": "EUR", "reference": "X-1"})
    assert too_much.status_code == 200 and "is owed 104 EUR: a payout cannot be more" in too_much.content.decode()
    empty = client.post(url, {"band": world.band.pk, "amount": "0", "currency": "EUR", "reference": ""})
    assert empty.status_code == 200
    assert Payout.objects.count() == 1
    done = client.post(url, {"band": world.band.pk, "amount": "104", "currency": "EUR", "reference": "SEPA-0002"})
    assert done.status_code == 302 and done["Location"] == reverse("admin:payments_payout_changelist")
    assert Payout.objects.count() == 2
    assert LedgerEntry.objects.filter(kind="payout").aggregate(s=Sum("amount_minor"))["s"] == -20400


def test_the_ledger_and_payments_are_read_only_and_payouts_never_change(client, staff, world):
    client.force_login(staff)
    entry = LedgerEntry.objects.first()
    assert client.get(reverse("admin:payments_ledgerentry_add")).status_code == 403
    assert client.post(reverse("admin:payments_ledgerentry_change", args=[entry.pk]), {"memo": "x"}).status_code == 403
    assert (
        client.post(reverse("admin:payments_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert (
        client.post(reverse("admin:payments_payout_delete", args=[world.payout.pk]), {"post": "yes"}).status_code == 403
    )
    change = client.post(reverse("admin:payments_payout_change", args=[world.payout.pk]), {"reference": "changed"})
    assert change.status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert Payout.objects.get().reference == "SEPA-0001"


def test_the_money_screens_are_for_staff_only(client, world):
    for who in (world.leader, world.client, UserFactory()):
        client.force_login(who)
        for url in (
            reverse("admin:payments_payout_add"),
            reverse("admin:payments_payment_refund", args=[world.deposit.pk]),
            reverse("admin:payments_ledgerentry_changelist"),
        ):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Payout.objects.count() == 1


def card(number="4242424242424242"):
    return (
        stripe_api.client()
        .v1.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )
        .id
    )


@pytest.mark.usefixtures("localstripe")
def test_staff_refund_part_of_a_card_payment_to_resolve_a_dispute(client, staff):
    w = money_world()
    gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    payment = pay.payment_start(booking=gig, by=w.client)
    pay.payment_pay(payment=payment, by=w.client, payment_method_id=card())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    client.force_login(staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    assert "Left to refund: 240 EUR" in client.get(url).content.decode()
    done = client.post(url, {"amount": "100", "note": "Half the set was not played."})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.reason, refund.status, refund.by) == (
        10000,
        Refund.Reason.DISPUTE,
        Refund.Status.SUCCEEDED,
        staff,
    )
    assert refund.refund_id.startswith("re_")
    entries = LedgerEntry.objects.filter(refund=refund)
    assert entries.get(kind="refund").amount_minor == -10000
    assert entries.filter(member__isnull=True).exclude(kind="refund").aggregate(s=Sum("amount_minor"))["s"] == -10000
    # Not more than is left: 140.00.
    too_much = client.post(url, {"amount": "140.01", "note": "Again"})
    assert too_much.status_code == 200 and "At most 140 EUR is left to refund." in too_much.content.decode()
    assert Refund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.refunded_minor == 10000
