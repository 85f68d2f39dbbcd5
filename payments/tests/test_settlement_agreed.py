"""What was agreed holds at settlement: the door side cannot cut the band's agreed bonus with a tier of its
own, and everything on a settlement that differs from the agreed terms (a cost or a tier added, taken off or
changed, a merchandise cut) is listed and approved by the band only by ticking that it accepts them
(docs/decisions/0073-what-was-agreed-and-the-bytes-sent.md)."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.errors import BookingConflict, BookingError
from bookings.models import BookingEvent
from bookings.tests.test_detail_views import make_world
from payments.models import Settlement, SettlementBonus
from payments.selectors import settlement_unagreed
from payments.services import settlement as settle
from payments.tests.test_settlement import DOOR, agreed, fresh, played

pytestmark = pytest.mark.django_db

# 70 % of the door at 15.00 a ticket, a bonus of 100 EUR at 150 tickets, 150.00 of sound agreed.
TERMS = replace(DOOR, capacity=None, door_costs=(("sound", "PA", 15000),), bonus_tiers=((150, 10000),))


@pytest.fixture
def world():
    world = make_world("-agreed")
    world.booking = played(agreed(world, TERMS))
    return world


def entered(world, tickets: int = 160) -> Settlement:
    return settle.settlement_enter(booking=world.booking, by=world.owner, tickets_sold=tickets)


def test_a_tier_added_at_settlement_cannot_cut_the_agreed_bonus(world):
    booking = world.booking
    s = entered(world)
    # 160 × 15.00 = 2,400.00, less 150.00 = 2,250.00; 70 % = 1,575.00; the agreed tier at 150 adds 100.00.
    assert (s.net_minor, s.bonus_minor, s.bonus_tickets, s.band_amount_minor) == (225000, 10000, 150, 167500)
    with pytest.raises(BookingConflict, match="what was agreed cannot be lowered") as refused:
        settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=155, amount_minor=100)
    assert "1 EUR at 155 tickets" in str(refused.value) and "100 EUR at 150 tickets" in str(refused.value)
    s = Settlement.objects.get(pk=s.pk)
    assert (s.version, s.bonus_minor, s.band_amount_minor, s.bonuses.count()) == (1, 10000, 167500, 1)
    # A tier above the agreed one that pays at least as much may be added (and the band still ticks it).
    settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=155, amount_minor=10000)
    assert Settlement.objects.get(pk=s.pk).band_amount_minor == 167500


def test_a_lower_tier_already_on_a_settlement_counts_for_no_less_than_the_agreed_one(world):
    """A row from before the refusal (or written past the services): the agreed tier is a floor, and the
    band's approval names the tier."""
    booking = world.booking
    s = entered(world)
    SettlementBonus.objects.create(
        settlement=s, tickets=155, amount_minor=100, agreed=False, added_by=world.owner, added_at=timezone.now()
    )
    s = entered(world)  # worked out again from its rows
    assert (s.bonus_minor, s.bonus_tickets, s.band_amount_minor) == (10000, 150, 167500)
    with pytest.raises(BookingError, match="differ from the agreed terms") as refused:
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert f"Bonus tier added at settlement by {world.owner.name}: 1 EUR at 155 tickets" in str(refused.value)
    assert Settlement.objects.get(pk=s.pk).band_approved_at is None
    s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    assert s.is_approved and s.unagreed_accepted and s.band_amount_minor == 167500
    accepted = BookingEvent.objects.filter(booking=booking, note__startswith="Accepted what differs").get()
    assert "1 EUR at 155 tickets" in accepted.note


def test_everything_that_differs_from_the_terms_needs_the_bands_tick(world):
    booking = world.booking
    s = entered(world)
    assert settlement_unagreed(s) == []
    # A tier in the band's favour today is still a tier the band never agreed.
    settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=160, amount_minor=20000)
    s = Settlement.objects.get(pk=s.pk)
    assert s.band_amount_minor == 177500  # 1,575.00 + 200.00
    with pytest.raises(BookingError, match="200 EUR at 160 tickets"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    settle.settlement_cost_remove(booking=booking, by=world.owner, cost_id=s.costs.get().pk)
    settle.settlement_cost_add(booking=booking, by=world.owner, kind="sound", label="PA", amount_minor=30000)
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=160, merch_venue_percent=20)
    assert [u.what for u in settlement_unagreed(s)] == ["cost_changed", "tier_added", "merch_cut"]
    texts = [u.text for u in settlement_unagreed(s)]
    assert texts[0] == "Cost changed: Sound: PA 300 EUR, the agreed terms say 150 EUR"
    assert texts[2] == "The venue's merchandise cut of 20 %: the agreed terms name none"
    with pytest.raises(BookingError, match="tick that the band accepts them"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert not Settlement.objects.get(pk=s.pk).band_approved_at
    # The agreed tier is not the door side's to take off.
    with pytest.raises(BookingConflict, match="agreed terms, so it stays"):
        settle.settlement_bonus_remove(booking=booking, by=world.owner, bonus_id=s.bonuses.get(tickets=150).pk)
    s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    assert s.is_approved


def test_the_band_reads_each_difference_beside_the_tick_on_its_page(client, world):
    booking = world.booking
    entered(world)
    url = reverse("payments:settlement", args=[booking.uid])
    approve = reverse("payments:settlement_approve", args=[booking.uid])
    # The door side's page refuses the tier that undercuts the agreed one, with the reason; nothing changes.
    client.force_login(world.owner)
    response = client.post(
        reverse("payments:settlement_bonus_add", args=[booking.uid]), {"tickets": "155", "amount": "1"}
    )
    assert response.status_code == 409 and "cannot be lowered" in response.content.decode()
    assert Settlement.objects.get().version == 1
    settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=160, amount_minor=15000)
    client.force_login(world.leader)
    page = client.get(url).content.decode()
    assert "150 EUR at 160 tickets" in page and "The band accepts what differs from the agreed terms" in page
    response = client.post(approve, {"version": "2"})
    assert response.status_code == 400 and "150 EUR at 160 tickets" in response.content.decode()
    assert not Settlement.objects.get().band_approved_at
    response = client.post(approve, {"version": "2", "accept_unagreed": "on"})
    assert response.status_code == 302 and Settlement.objects.get().is_approved
    assert fresh(booking).settlement.band_amount_minor == 172500  # 1,575.00 + the 150.00 tier reached at 160
