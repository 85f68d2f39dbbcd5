"""Deposits, balances, refunds and the ledger, against a real localstripe server and the real database."""

import datetime as dt
from dataclasses import replace

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Notification
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.services import ending, quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Refund
from payments.selectors import band_money, due_now, schedule_of
from payments.services import payments as pay
from payments.services import refunds
from payments.services.periodic import balances_charge, deposits_lapse, money_round

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

FLAT = Terms(
    deal="flat",
    fee_minor=80000,
    currency="EUR",
    deposit_percent=30,
    balance_due_days=7,
    cancel_preset="custom",
    cancel_windows=((30, 100), (14, 50)),
)


def card(number="4242424242424242"):
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
    MembershipFactory(band=w.band)  # a second playing member beside the leader and member
    return w


def agreed(world, terms=FLAT):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=terms)
    quotes.quote_accept(quote=quote, by=world.client)
    return Booking.objects.select_related("agreed_quote", "band").get(pk=world.request.pk)


def test_deposit_then_balance_and_a_ledger_that_adds_up(world):
    booking = agreed(world)
    deposit, balance = schedule_of(booking)
    assert (deposit.purpose, deposit.amount_minor, balance.amount_minor) == ("deposit", 24000, 56000)
    payment = pay.payment_start(booking=booking, by=world.client)
    assert pay.payment_start(booking=booking, by=world.client).pk == payment.pk  # two clicks, one row
    result = pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.intent_id
    assert payment.platform_fee_minor == 3600
    booking.refresh_from_db()
    assert booking.paid_minor == 24000
    entries = LedgerEntry.objects.filter(booking=booking)
    sums = {
        k: entries.filter(kind=k, member__isnull=True).aggregate(s=Sum("amount_minor"))["s"]
        for k in ("payment", "platform_fee", "band_share")
    }
    assert sums == {"payment": 24000, "platform_fee": 3600, "band_share": 20400}
    shares = list(entries.filter(kind="member_share").values_list("amount_minor", flat=True))
    assert sum(shares) == 20400 and len(shares) >= 2
    assert band_money(band=booking.band)[0].owed_minor == 20400
    with pytest.raises(BookingConflict):
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    assert Payment.objects.filter(booking=booking).count() == 1
    assert result.client_secret == ""

    # The balance is charged off-session on its due day to the saved card.
    later = booking.starts_at - dt.timedelta(days=6)
    assert balances_charge(now=later) == 1
    balance = Payment.objects.get(booking=booking, purpose="balance")
    assert balance.status == Payment.Status.SUCCEEDED and balance.off_session
    booking.refresh_from_db()
    assert booking.paid_minor == 80000
    assert due_now(booking) is None


def test_client_cancels_inside_the_half_window_and_gets_half_back(world, django_capture_on_commit_callbacks):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    with django_capture_on_commit_callbacks(execute=True):
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    with pytest.raises(BookingConflict, match="cancel it from its payments"):
        ending.booking_cancel(booking=booking, by=world.client, reason="Venue flooded")
    now = booking.starts_at - dt.timedelta(days=20)
    booking, made = refunds.booking_cancel_refund(booking=booking, by=world.client, reason="Venue flooded", now=now)
    assert booking.status == Booking.Status.CANCELLED
    assert [(r.amount_minor, r.status) for r in made] == [(12000, Refund.Status.SUCCEEDED)]
    entries = LedgerEntry.objects.filter(booking=booking, member__isnull=True)
    total = entries.filter(kind__in=("payment", "refund")).aggregate(s=Sum("amount_minor"))["s"]
    split = entries.filter(kind__in=("platform_fee", "band_share")).aggregate(s=Sum("amount_minor"))["s"]
    assert total == split == 12000
    booking.refresh_from_db()
    assert booking.paid_minor == 12000
    assert Notification.objects.filter(recipient=world.client, kind="booking_payment").count() >= 2


def test_a_declined_card_charges_nothing_and_says_so(world):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    with pytest.raises(pay.PaymentDeclined, match="declined"):
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=card("4000000000000002"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert not LedgerEntry.objects.exists()
    again = pay.payment_start(booking=booking, by=world.client)
    assert again.pk != payment.pk
    pay.payment_pay(payment=again, by=world.client, payment_method_id=card())
    again.refresh_from_db()
    assert again.status == Payment.Status.SUCCEEDED


def test_only_the_payer_pays(world):
    booking = agreed(world)
    for who in (world.leader, world.other_client, world.owner):
        with pytest.raises(BookingPermissionError):
            pay.payment_start(booking=booking, by=who)


def test_an_unpaid_deposit_lapses_and_frees_the_time(world):
    booking = agreed(world)
    assert deposits_lapse(now=timezone.now() + dt.timedelta(hours=47)) == 0
    assert deposits_lapse(now=timezone.now() + dt.timedelta(hours=49)) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.block_id is None


def test_band_cancels_and_everything_goes_back(world):
    booking = agreed(world, replace(FLAT, deposit_percent=100))
    payment = pay.payment_start(booking=booking, by=world.client)
    pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    booking, made = refunds.booking_cancel_refund(booking=booking, by=world.leader, reason="Drummer ill")
    assert sum(r.amount_minor for r in made) == 80000
    assert band_money(band=booking.band)[0].owed_minor == 0


def test_both_sides_are_told_of_a_payment_once_right_after_it_is_applied(world, django_capture_on_commit_callbacks):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    assert queued, "the telling is handed to the worker after the commit"
    payment.refresh_from_db()
    assert payment.told_at is not None
    told = Notification.objects.filter(kind="booking_payment", text__startswith="Paid: deposit")
    assert {n.recipient_id for n in told} == {world.client.pk, world.leader.pk}
    # Told once: the task again, or the money round, adds nothing.
    assert pay.payment_tell(payment_id=payment.pk) is False
    assert money_round()["told"] == 0
    assert told.count() == 2


def test_a_payment_whose_telling_was_lost_is_told_by_the_money_round(world):
    booking = agreed(world)
    payment = pay.payment_start(booking=booking, by=world.client)
    # No commit callback runs here: as if the broker had been down when the payment was applied.
    pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.told_at is None
    assert not Notification.objects.filter(text__startswith="Paid: deposit").exists()
    assert money_round(now=timezone.now())["told"] == 0  # a minute's grace for the worker
    assert money_round(now=timezone.now() + dt.timedelta(minutes=2))["told"] == 1
    assert Notification.objects.filter(text__startswith="Paid: deposit", recipient=world.client).count() == 1
