"""An agency's commission reaches the ledger where money moves: its share of the band's part of each payment
through StageSlot, given back in proportion on a refund, and the ledger still adds up."""

import pytest
from django.db.models import Sum

from analytics.forms import default_period
from analytics.selectors import agency_dashboard
from payments.models import LedgerEntry, Refund
from payments.services.ledger import ledger_post_refund
from payments.services.reconcile import ledger_invariants
from teams.models import LinkStatus, Representation
from teams.tests.factories import agency_for

from .money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db
Kind = LedgerEntry.Kind


def totals(booking) -> dict[str, int]:
    rows = (
        LedgerEntry.objects.filter(booking=booking, member__isnull=True).values("kind").annotate(t=Sum("amount_minor"))
    )
    return {r["kind"]: r["t"] for r in rows.order_by()}


def test_the_agency_gets_its_commission_of_the_band_s_part_and_gives_it_back_on_a_refund():
    w = money_world()
    agency, *_people = agency_for(w.band, commission_bp=1500)  # 15 %
    gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    deposit = pay_next(gig, by=w.client)  # 240.00: 36.00 the platform's, 204.00 the band's part
    got = totals(gig)
    assert got[Kind.PAYMENT] == 24000 and got[Kind.PLATFORM_FEE] == 3600
    assert got[Kind.AGENCY_COMMISSION] == 3060  # 15 % of 204.00
    assert got[Kind.BAND_SHARE] == 20400 - 3060
    commission = LedgerEntry.objects.get(payment=deposit, kind=Kind.AGENCY_COMMISSION)
    assert commission.organisation_id == agency.pk and commission.band_id == w.band.pk
    members = LedgerEntry.objects.filter(payment=deposit, kind=Kind.MEMBER_SHARE).aggregate(t=Sum("amount_minor"))
    assert members["t"] == 20400 - 3060  # the members split what the band keeps
    refund = Refund.objects.create(
        payment=deposit, amount_minor=12000, currency=deposit.currency, reason=Refund.Reason.values[0]
    )
    ledger_post_refund(refund=refund, payment=deposit, booking=gig)
    back = LedgerEntry.objects.get(refund=refund, kind=Kind.AGENCY_COMMISSION)
    assert back.amount_minor == -1530  # half the money back: half the commission
    assert ledger_invariants() == []
    # The agency's analytics count it, refunds off.
    dash = agency_dashboard(title=agency.name, bands=[w.band], period=default_period(), organisation=agency)
    assert {f.key: f.value for f in dash.figures}["commission-" + deposit.currency.lower()] == 15.3


def test_no_commission_without_an_agency_at_a_commission_or_after_the_band_let_it_go():
    w = money_world()
    agency, *_people = agency_for(w.band, commission_bp=1000)
    Representation.objects.filter(organisation=agency).update(status=LinkStatus.ENDED)
    gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    pay_next(gig, by=w.client)
    assert Kind.AGENCY_COMMISSION not in totals(gig)
    assert ledger_invariants() == []
