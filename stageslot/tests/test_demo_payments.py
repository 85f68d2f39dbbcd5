"""The demo world's money: a deposit paid with the balance due next week, a refunded cancellation, a band
with earnings, a member split and a payout, an instant booking paid; a ledger that adds up; seeding again
adds nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from bands.models import Band
from bookings.models import Booking
from payments.models import LedgerEntry, MemberSplit, Payment, Payout, Refund
from payments.selectors import band_money, schedule_of
from payments.services.reconcile import ledger_invariants
from stageslot.tests.test_seed_demo import seed_without_photos

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="each test seeds the whole demo world (about 10 s)")]


def test_the_demo_world_has_money_in_every_state(settings, monkeypatch):
    seed_without_photos(settings, monkeypatch)
    now = timezone.now()
    assert Payment.objects.exists()
    assert not Payment.objects.exclude(intent_id__startswith="pi_demo_").exists()

    # A deposit paid, the balance due next week.
    deposit = Payment.objects.get(purpose="deposit", booking__event_type="Garden party")
    booking = Booking.objects.select_related("agreed_quote").get(pk=deposit.booking_id)
    paid_part, balance = schedule_of(booking)
    assert paid_part.paid and not balance.paid
    assert now + dt.timedelta(days=6) < balance.due_at < now + dt.timedelta(days=8)

    # A cancellation refunded by the agreed terms: half the deposit back.
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reason == Refund.Reason.CLIENT_CANCELLED
    assert refund.payment.booking.status == Booking.Status.CANCELLED
    assert refund.amount_minor * 2 == refund.payment.amount_minor
    assert LedgerEntry.objects.filter(refund=refund, kind="refund").get().amount_minor == -refund.amount_minor

    # The Night Owls earned, split one gig their own way, and were paid out part of it.
    owls = Band.objects.get(slug="the-night-owls")
    (money,) = band_money(band=owls)
    assert money.earned_minor > 0 and money.paid_out_minor > 0 and money.owed_minor > 0
    split = MemberSplit.objects.get(member__email="mara@demo.stageslot.test")
    assert split.percent == 40 and split.booking.band == owls
    shares = LedgerEntry.objects.filter(booking=split.booking, kind="member_share")
    assert shares.filter(member__email="mara@demo.stageslot.test").aggregate(s=Sum("amount_minor"))["s"] > 0
    assert Payout.objects.get().band == owls

    # An instant booking paid in full at once.
    assert Payment.objects.filter(purpose="full", booking__instant=True, status="succeeded").exists()
    assert ledger_invariants() == []


def test_seeding_twice_adds_no_money(settings, monkeypatch):
    seed_without_photos(settings, monkeypatch)

    def counts():
        return tuple(model.objects.count() for model in (Payment, LedgerEntry, Refund, Payout))

    first = counts()
    call_command("seed_demo", quiet=True)
    assert counts() == first
