"""A settlement as bookers do it: itemised costs (the agreed terms' and those added at settlement, flagged
for the band), bonus tiers, the venue's merchandise cut; the band's approval of costs it never agreed; the
pages that add and take off items, and who may use them."""

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, Quote
from bookings.tests.test_detail_views import make_world
from payments.models import Settlement, SettlementBonus, SettlementCost
from payments.selectors import due_now
from payments.services import settlement as settle
from payments.tests.test_settlement import DOOR, agreed, fresh, played
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.services import venue_link_answer
from teams.tests.factories import agency_for, group_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("settlement_items")]

# 70 % of the door, 150.00 of sound agreed in the terms, bonus tiers at 100 (+50.00) and 200 (+100.00) tickets.
TERMS = replace(
    DOOR,
    ticket_price_minor=None,
    capacity=None,
    door_costs=(("sound", "PA and engineer", 15000),),
    bonus_tiers=((100, 5000), (200, 10000)),
)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        world = make_world("-items")
        world.booking = played(agreed(world, TERMS))
        _agency, _agency_owner, world.agent, world.agency_viewer = agency_for(world.band)
        _group, _group_owner, world.group_booker, _viewer, link = group_for(world.venue)
        venue_link_answer(link=link, by=world.owner, accept=True)
        world.stranger = UserFactory(display_name="Sam Stranger")
        yield world


@pytest.fixture
def world(module_world):
    world = as_it_is_now(module_world)
    world.booking = fresh(world.booking)
    return world


def test_the_terms_costs_and_tiers_reach_the_settlement_and_the_money_comes_out_exact(world):
    booking = world.booking
    assert booking.agreed_quote.door_costs == [{"kind": "sound", "label": "PA and engineer", "amount_minor": 15000}]
    s = settle.settlement_enter(
        booking=booking,
        by=world.owner,
        tickets_sold=200,
        gross_minor=100000,
        merch_gross_minor=50000,
        merch_venue_percent=20,
    )
    agreed_cost = s.costs.get()
    assert (agreed_cost.kind, agreed_cost.amount_minor, agreed_cost.agreed, agreed_cost.added_by) == (
        "sound",
        15000,
        True,
        None,
    )
    assert sorted(s.bonuses.values_list("tickets", "amount_minor", "agreed")) == [(100, 5000, True), (200, 10000, True)]
    # A cost the terms never named, added at settlement by the venue's owner.
    added = settle.settlement_cost_add(
        booking=booking, by=world.owner, kind="security", label="Door staff", amount_minor=5000
    )
    assert (added.agreed, added.added_by) == (False, world.owner)
    s = Settlement.objects.get(pk=s.pk)
    # 1,000.00 − (150 + 50) = 800.00; 70 % = 560.00; the highest tier reached (200 tickets) adds 100.00,
    # not 150.00 (tiers do not add up): 660.00. The venue's 20 % of 500.00 merch is 100.00: 560.00 to pay.
    assert (s.costs_minor, s.net_minor, s.bonus_minor, s.bonus_tickets) == (20000, 80000, 10000, 200)
    assert (s.band_amount_minor, s.merch_cut_minor, s.payable_minor, s.band_owes_minor) == (66000, 10000, 56000, 0)
    assert (s.version, s.payer_approved_by, s.band_approved_at) == (2, world.owner, None)
    assert "Door staff" in BookingEvent.objects.filter(booking=booking).latest("pk").note
    told = Notification.objects.get(recipient=world.leader, dedupe_key__startswith=f"settlement:{s.pk}:changed:2")
    assert "a cost added, not in the agreed terms: Security: Door staff 50 EUR" in told.text
    assert "660 EUR" in told.text

    # The band approves only by accepting the cost it never agreed; a stale version is refused.
    with pytest.raises(BookingError, match="tick that the band accepts them"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    with pytest.raises(BookingConflict, match="changed since you read them"):
        settle.settlement_approve(booking=booking, by=world.leader, version=1, accept_unagreed=True)
    assert Settlement.objects.get(pk=s.pk).band_approved_at is None
    s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    assert s.is_approved and s.unagreed_accepted
    assert due_now(fresh(booking)).amount_minor == 56000

    # Final: no cost, bonus or figure changes any more, and nothing changed by trying.
    with pytest.raises(BookingConflict, match="can no longer be changed"):
        settle.settlement_cost_add(booking=booking, by=world.owner, kind="other", amount_minor=100)
    with pytest.raises(BookingConflict, match="can no longer be changed"):
        settle.settlement_cost_remove(booking=booking, by=world.owner, cost_id=added.pk)
    with pytest.raises(BookingConflict, match="can no longer be changed"):
        settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=50, amount_minor=100)
    with pytest.raises(BookingConflict):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    assert SettlementCost.objects.filter(settlement=s).count() == 2
    assert Settlement.objects.get(pk=s.pk).band_amount_minor == 66000


def test_the_bonus_below_every_tier_is_nothing_and_a_cut_above_the_amount_is_owed_by_the_band():
    door = Quote(deal="door", door_percent=70, ticket_price_minor=1000)
    versus = Quote(deal="versus", door_percent=60, ticket_price_minor=1000, fee_minor=50000)
    tiers = [(100, 5000), (200, 10000)]
    assert settle.bonus_reached(tiers, 99) == (None, 0)
    assert settle.bonus_reached(tiers, 100) == (100, 5000)
    assert settle.bonus_reached(tiers, 5000) == (200, 10000)
    low = settle.settlement_compute(quote=door, tickets_sold=99, gross_minor=None, costs_minor=0, bonuses=tiers)
    assert (low.band_amount_minor, low.bonus_minor) == (69300, 0)
    # Versus: the guarantee (500.00) beats 60 % of 400.00; the bonus is added to the guarantee.
    guaranteed = settle.settlement_compute(
        quote=versus, tickets_sold=100, gross_minor=None, costs_minor=60000, bonuses=tiers
    )
    assert (guaranteed.door_share_minor, guaranteed.band_amount_minor) == (24000, 55000)
    owes = settle.settlement_compute(
        quote=door,
        tickets_sold=10,
        gross_minor=None,
        costs_minor=0,
        merch_gross_minor=100000,
        merch_venue_percent=100,
    )
    assert (owes.band_amount_minor, owes.merch_cut_minor, owes.payable_minor) == (7000, 100000, 0)


def test_bad_items_get_a_message_and_change_nothing(world):
    booking = world.booking
    with pytest.raises(BookingConflict, match="Enter the tickets sold first"):
        settle.settlement_cost_add(booking=booking, by=world.owner, kind="sound", amount_minor=100)
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=150, gross_minor=100000)
    before = (s.version, s.band_amount_minor)
    bad_costs = [
        ({"kind": "sound", "amount_minor": -1}, "amount"),
        ({"kind": "sound", "amount_minor": 0}, "amount"),
        ({"kind": "sound", "amount_minor": 10**13}, "amount"),
        ({"kind": "sound", "amount_minor": None}, "amount"),
        ({"kind": "fireworks", "amount_minor": 100}, "kind"),
        ({"kind": "sound", "label": "x" * 101, "amount_minor": 100}, "label"),
    ]
    for values, field in bad_costs:
        with pytest.raises(ValidationError) as caught:
            settle.settlement_cost_add(booking=booking, by=world.owner, **values)
        assert field in caught.value.message_dict, values
    bad_tiers = [
        ({"tickets": 0, "amount_minor": 100}, "tickets"),
        ({"tickets": -5, "amount_minor": 100}, "tickets"),
        ({"tickets": 2_000_000, "amount_minor": 100}, "tickets"),
        ({"tickets": 10, "amount_minor": -1}, "amount"),
        ({"tickets": 10, "amount_minor": 10**13}, "amount"),
    ]
    for values, field in bad_tiers:
        with pytest.raises(ValidationError) as caught:
            settle.settlement_bonus_add(booking=booking, by=world.owner, **values)
        assert field in caught.value.message_dict, values
    with pytest.raises(BookingConflict, match="at that ticket count already"):
        settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=200, amount_minor=99)
    agreed_tier = s.bonuses.get(tickets=100)
    with pytest.raises(BookingConflict, match="agreed terms, so it stays"):
        settle.settlement_bonus_remove(booking=booking, by=world.owner, bonus_id=agreed_tier.pk)
    with pytest.raises(BookingConflict, match="not on this settlement"):
        settle.settlement_cost_remove(booking=booking, by=world.owner, cost_id=10**9)
    # Only the door side adds or takes off items.
    for who in (world.leader, world.member, world.other_owner, world.other_leader, world.stranger):
        with pytest.raises(BookingPermissionError):
            settle.settlement_cost_add(booking=booking, by=who, kind="sound", amount_minor=100)
        with pytest.raises(BookingPermissionError):
            settle.settlement_bonus_add(booking=booking, by=who, tickets=1, amount_minor=100)
    s = Settlement.objects.get(pk=s.pk)
    assert (s.version, s.band_amount_minor) == before
    assert (s.costs.count(), s.bonuses.count()) == (1, 2)

    # A tier added at settlement is flagged like a cost and counts when reached; taken off, it is gone.
    tier = settle.settlement_bonus_add(booking=booking, by=world.owner, tickets=150, amount_minor=7500)
    assert (tier.agreed, tier.added_by) == (False, world.owner)
    s = Settlement.objects.get(pk=s.pk)
    assert (s.bonus_tickets, s.bonus_minor) == (150, 7500)
    # A tier the terms never named needs the band's acceptance too: the highest tier reached counts, so a
    # tier can as well cut the band's amount (docs/decisions/0073-what-was-agreed-and-the-bytes-sent.md).
    with pytest.raises(BookingError, match="75 EUR at 150 tickets"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert settle.settlement_approve(
        booking=booking, by=world.leader, version=s.version, accept_unagreed=True
    ).is_approved


def test_taking_off_a_cost_raises_the_bands_amount_and_asks_the_band_again(world):
    booking = world.booking
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10, gross_minor=100000)
    assert s.band_amount_minor == 59500  # 70 % of (1,000.00 − 150.00)
    settle.settlement_question(booking=booking, by=world.leader, reason="No sound engineer came.", version=1)
    s = settle.settlement_cost_remove(booking=booking, by=world.owner, cost_id=s.costs.get().pk)
    assert (s.version, s.status, s.costs_minor, s.band_amount_minor, s.dispute_note) == (2, "draft", 0, 70000, "")
    # Re-entering the figures keeps the items (and copies the terms' items only the first time).
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10, gross_minor=100000)
    assert (s.version, s.costs.count(), s.bonuses.count()) == (3, 0, 2)


# ---- The pages ----------------------------------------------------------------------------------


def url(name: str, booking: Booking, *args) -> str:
    return reverse(f"payments:{name}", args=[booking.uid, *args])


def test_the_door_side_adds_items_and_the_band_sees_them_flagged(client, world, django_assert_max_num_queries):
    booking = world.booking
    client.force_login(world.owner)
    response = client.post(url("settlement_enter", booking), {"tickets_sold": "200", "gross": "1000"})
    assert response.status_code == 302
    page = client.get(url("settlement", booking)).content.decode()
    assert "PA and engineer" in page and "in the agreed terms" in page and "Add a cost" in page
    for data, words in (
        ({"kind": "sound", "amount": "-5"}, "below zero"),
        ({"kind": "sound", "amount": ""}, "Enter the cost"),
        ({"kind": "laser", "amount": "5"}, "Select a valid choice"),
        ({"kind": "sound", "amount": "99999999999"}, "typing slip"),
    ):
        response = client.post(url("settlement_cost_add", booking), data)
        assert response.status_code == 400 and words in response.content.decode(), data
    response = client.post(url("settlement_bonus_add", booking), {"tickets": "0", "amount": "5"})
    assert response.status_code == 400 and "1 ticket sold or more" in response.content.decode()
    assert Settlement.objects.get().version == 1
    assert client.post(url("settlement_cost_add", booking), {"kind": "security", "amount": "50"}).status_code == 302
    response = client.post(url("settlement_enter", booking), {"tickets_sold": "200", "merch_venue_percent": "101"})
    assert response.status_code == 400 and "0 to 100" in response.content.decode()

    client.force_login(world.leader)
    with django_assert_max_num_queries(12) as first:
        page = client.get(url("settlement", booking)).content.decode()
    count = len(first.captured_queries)
    assert f"added at settlement by {world.owner.name}" in page
    assert "The band accepts what differs from the agreed terms" in page and "Add a cost" not in page
    assert f"Cost added at settlement by {world.owner.name}: Security 50 EUR" in page
    assert "660 EUR" in page  # 70 % of 800.00 + the 100.00 bonus
    response = client.post(url("settlement_approve", booking), {"version": "2"})
    assert response.status_code == 400 and "tick that the band accepts them" in response.content.decode()
    assert not Settlement.objects.get().is_approved

    # More items read no more queries.
    client.force_login(world.owner)
    for n in range(3):
        client.post(url("settlement_cost_add", booking), {"kind": "other", "label": f"Item {n}", "amount": "1"})
        # Above the agreed 100.00 at 200 tickets: a lower tier there would cut the agreed bonus (refused).
        client.post(url("settlement_bonus_add", booking), {"tickets": str(300 + n), "amount": "150"})
    client.force_login(world.leader)
    assert Settlement.objects.get().bonuses.count() == 5
    with django_assert_max_num_queries(count):
        assert "Item 2" in client.get(url("settlement", booking)).content.decode()
    version = Settlement.objects.get().version
    response = client.post(url("settlement_approve", booking), {"version": str(version), "accept_unagreed": "on"})
    assert response.status_code == 302 and Settlement.objects.get().is_approved
    client.force_login(world.owner)
    response = client.post(url("settlement_cost_add", booking), {"kind": "security", "amount": "50"})
    assert response.status_code == 409 and "can no longer be changed" in response.content.decode()


PEOPLE = ["owner", "group_booker", "leader", "agent", "member", "other_owner", "other_leader", "stranger", None]


def test_who_may_add_and_take_off_items(client, world):
    booking = world.booking
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=200, gross_minor=100000)
    cost, tier = s.costs.get(), s.bonuses.get(tickets=100)
    seen = {}
    for who in PEOPLE:
        user = getattr(world, who) if who else None
        client.logout()
        if user is not None:
            client.force_login(user)
        page = client.get(url("settlement", booking)).status_code
        seen[who] = page
        if who in ("owner", "group_booker"):
            continue  # the door side: below
        codes = {
            client.post(url("settlement_cost_add", booking), {"kind": "sound", "amount": "1"}).status_code,
            client.post(url("settlement_bonus_add", booking), {"tickets": "7", "amount": "1"}).status_code,
            client.post(url("settlement_cost_remove", booking, cost.pk)).status_code,
            client.post(url("settlement_bonus_remove", booking, tier.pk)).status_code,
        }
        if who is None:
            assert codes == {302} and page == 302
        elif page == 404:
            assert codes == {404}, who
        else:
            assert codes == {403}, who
    # As the settlement's page today: both sides, and those acting for them, read it; a plain member and
    # anyone unrelated get a 404.
    assert seen == {
        "owner": 200,
        "group_booker": 200,
        "leader": 200,
        "agent": 200,
        "member": 404,
        "other_owner": 404,
        "other_leader": 404,
        "stranger": 404,
        None: 302,
    }
    s = Settlement.objects.get()
    assert (s.version, s.costs.count(), s.bonuses.count()) == (1, 1, 2)
    # The door side may: the venue's owner, and the booker of the venue group that runs the venue.
    client.force_login(world.group_booker)
    assert client.post(url("settlement_cost_add", booking), {"kind": "lights", "amount": "20"}).status_code == 302
    assert SettlementCost.objects.get(kind="lights").added_by == world.group_booker
    client.force_login(world.owner)
    assert client.post(url("settlement_cost_remove", booking, cost.pk)).status_code == 302
    assert not SettlementCost.objects.filter(pk=cost.pk).exists()
    assert SettlementBonus.objects.filter(pk=tier.pk).exists()


def test_staff_read_a_settlements_items_in_the_admin(client, world):
    s = settle.settlement_enter(booking=world.booking, by=world.owner, tickets_sold=200, gross_minor=100000)
    settle.settlement_cost_add(
        booking=world.booking, by=world.owner, kind="security", label="Door staff", amount_minor=1
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:payments_settlement_change", args=[s.pk]))
    assert page.status_code == 200
    assert "PA and engineer" in page.content.decode() and "Door staff" in page.content.decode()
