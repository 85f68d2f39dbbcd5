"""A door deal settled after the gig: the figures, both approvals, the ledger's record and what is due,
paid through StageSlot (against a real localstripe) or recorded as paid outside it; and who may do what."""

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, Quote
from bookings.services import ending, periodic, quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Settlement
from payments.selectors import due_now, schedule_of, settlement_warnings
from payments.services import payments as pay
from payments.services import settlement as settle

pytestmark = pytest.mark.django_db

DOOR = Terms(
    deal="door",
    door_percent=70,
    ticket_price_minor=1500,
    capacity=200,
    currency="EUR",
    cancel_preset="custom",
    cancel_windows=((30, 100),),
)
VERSUS = replace(DOOR, deal="versus", fee_minor=50000, door_percent=60, deposit_percent=50, balance_due_days=0)


@pytest.fixture
def world():
    return make_world()


def agreed(world, terms=DOOR) -> Booking:
    """The band's application to the venue, agreed on `terms`."""
    quote = quotes.quote_propose(booking=world.application, by=world.leader, terms=terms, send_anyway=True)
    quotes.quote_accept(quote=quote, by=world.owner)
    return Booking.objects.select_related("agreed_quote", "band", "venue").get(pk=world.application.pk)


def played(booking: Booking, *, ended: bool = True) -> Booking:
    """Move the gig into the past (it started an hour ago; `ended`: and is over and completed)."""
    now = timezone.now()
    start = now - dt.timedelta(hours=4 if ended else 1)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=3))
    if ended:
        periodic.bookings_complete(now=now)
    else:
        periodic.bookings_start(now=now)
    return Booking.objects.select_related("agreed_quote", "band", "venue").get(pk=booking.pk)


def fresh(booking: Booking) -> Booking:
    return Booking.objects.select_related("agreed_quote", "band", "venue").get(pk=booking.pk)


# ---- The sums ----------------------------------------------------------------------------------


def test_the_split_by_the_agreed_terms():
    door = Quote(deal="door", door_percent=70, ticket_price_minor=1500)
    versus = Quote(deal="versus", door_percent=60, ticket_price_minor=1500, fee_minor=50000)
    figures = settle.settlement_compute(quote=door, tickets_sold=100, gross_minor=None, costs_minor=30000)
    assert (figures.gross_minor, figures.net_minor, figures.band_amount_minor) == (150000, 120000, 84000)
    # Versus: the guarantee when the door share is lower, the share when it is higher.
    low = settle.settlement_compute(quote=versus, tickets_sold=40, gross_minor=None, costs_minor=0)
    assert (low.door_share_minor, low.band_amount_minor) == (36000, 50000)
    high = settle.settlement_compute(quote=versus, tickets_sold=150, gross_minor=None, costs_minor=25000)
    assert (high.net_minor, high.band_amount_minor) == (200000, 120000)
    # Costs above the takings: the net is 0, never below.
    empty = settle.settlement_compute(quote=door, tickets_sold=10, gross_minor=None, costs_minor=90000)
    assert (empty.net_minor, empty.band_amount_minor) == (0, 0)
    # The takings entered by hand (the price differed at the door); half a cent rounds up.
    odd = settle.settlement_compute(quote=door, tickets_sold=3, gross_minor=1001, costs_minor=0)
    assert odd.band_amount_minor == 701


# ---- Entering, approving, the ledger and what is due ------------------------------------------


def test_a_door_deal_is_entered_approved_recorded_and_paid_outside(world):
    booking = played(agreed(world, replace(DOOR, door_costs=(("sound", "PA", 20000),))))
    assert schedule_of(booking) == [] and due_now(booking) is None  # a door split alone: nothing before
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=180)
    assert (s.gross_minor, s.net_minor, s.band_amount_minor, s.status) == (270000, 250000, 175000, "draft")
    assert s.payer_approved_by == world.owner and s.band_approved_at is None
    assert Notification.objects.filter(recipient=world.leader, kind="booking_payment", link__endswith="/settlement/")
    assert not LedgerEntry.objects.filter(kind="settlement").exists()
    assert due_now(fresh(booking)) is None  # nothing due before the band approves

    s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert s.status == Settlement.Status.APPROVED and s.approved_at is not None
    entry = LedgerEntry.objects.get(kind="settlement")
    assert (entry.amount_minor, entry.band_id, entry.booking_id) == (175000, booking.band_id, booking.pk)
    due = due_now(fresh(booking))
    assert (due.purpose, due.amount_minor, due.currency) == ("settlement", 175000, "EUR")
    owner_note = Notification.objects.get(recipient=world.owner, dedupe_key__startswith=f"settlement:{s.pk}:approved")
    assert "1,750 EUR" in owner_note.text
    events = list(
        BookingEvent.objects.filter(booking=booking, note__startswith="Settlement").values_list("note", flat=True)
    )
    assert [e.split(":")[0] for e in events] == ["Settlement entered", "Settlement approved"]

    # The venue pays it outside StageSlot: the band's earnings show it, nothing more is due.
    with pytest.raises(ValidationError):
        pay.payment_record_outside(booking=booking, by=world.owner, amount_minor=100, reference="T-1")
    paid = pay.payment_record_outside(booking=booking, by=world.owner, amount_minor=175000, reference="T-1")
    assert (paid.purpose, paid.method) == ("settlement", "outside")
    assert due_now(fresh(booking)) is None
    assert [d.paid for d in schedule_of(fresh(booking))] == [True]

    # Final: no more changes, and approving twice writes the ledger once.
    with pytest.raises(BookingConflict, match="can no longer be changed"):
        settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=1)
    with pytest.raises(BookingConflict):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert LedgerEntry.objects.filter(kind="settlement").count() == 1


@pytest.mark.usefixtures("localstripe")
def test_a_versus_deal_owes_what_the_deposit_did_not_cover_and_is_paid_by_card(world):
    booking = agreed(world, replace(VERSUS, door_costs=(("security", "", 25000),)))
    deposit, balance = schedule_of(booking)
    assert (deposit.amount_minor, balance.amount_minor) == (25000, 25000)
    pay.payment_record_outside(booking=booking, by=world.owner, amount_minor=25000, reference="DEP-1")
    booking = played(booking, ended=False)
    assert booking.status == Booking.Status.IN_PROGRESS
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=150)
    assert s.band_amount_minor == 120000
    settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    booking = fresh(booking)
    # The unpaid balance of the guarantee is part of the settlement: one part due, not two.
    parts = schedule_of(booking)
    assert [(d.purpose, d.amount_minor, d.paid) for d in parts] == [
        ("deposit", 25000, True),
        ("settlement", 95000, False),
    ]
    payment = pay.payment_start(booking=booking, by=world.owner)
    assert (payment.purpose, payment.amount_minor) == ("settlement", 95000)
    card = (
        stripe_api.client()
        .v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        .id
    )
    pay.payment_pay(payment=payment, by=world.owner, payment_method_id=card)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert LedgerEntry.objects.filter(payment=payment, kind="payment").get().amount_minor == 95000
    assert due_now(fresh(booking)) is None
    with pytest.raises(BookingConflict):
        pay.payment_start(booking=fresh(booking), by=world.owner)


def test_a_versus_deal_below_the_guarantee_owes_the_guarantee(world):
    booking = played(agreed(world, VERSUS))
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=20)
    assert s.band_amount_minor == 50000  # 60 % of 300 EUR is less than the guarantee
    settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    assert due_now(fresh(booking)).amount_minor == 50000


def test_an_edit_clears_the_bands_approval_and_a_stale_approval_is_refused(world):
    booking = played(agreed(world))
    first = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=100)
    question = settle.settlement_question(
        booking=booking, by=world.leader, reason="We counted 120 at the door.", version=first.version
    )
    assert question.status == "disputed" and question.dispute_note == "We counted 120 at the door."
    assert Notification.objects.filter(recipient=world.owner, text__contains="We counted 120").exists()
    second = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=120)
    assert (second.version, second.status, second.dispute_note) == (2, "draft", "")
    # The band approves what it read: figures changed meanwhile are not approved unseen.
    with pytest.raises(BookingConflict, match="changed since you read them"):
        settle.settlement_approve(booking=booking, by=world.leader, version=first.version)
    assert Settlement.objects.get().band_approved_at is None
    settle.settlement_approve(booking=booking, by=world.leader, version=second.version)
    assert Settlement.objects.get().band_amount_minor == 126000


# ---- Bad input and wrong moments --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"tickets_sold": None}, "tickets_sold"),
        ({"tickets_sold": -1}, "tickets_sold"),
        ({"tickets_sold": 2_000_000}, "tickets_sold"),
        ({"tickets_sold": 10, "gross_minor": -5}, "gross"),
        ({"tickets_sold": 10, "merch_gross_minor": -5}, "merch_gross"),
        ({"tickets_sold": 10, "merch_gross_minor": 10**13}, "merch_gross"),
        ({"tickets_sold": 10, "merch_venue_percent": 101}, "merch_venue_percent"),
        ({"tickets_sold": 10, "merch_venue_percent": -1}, "merch_venue_percent"),
        ({"tickets_sold": 10, "note": "x" * 501}, "note"),
    ],
)
def test_bad_figures_get_a_message_and_change_nothing(world, values, field):
    booking = played(agreed(world))
    with pytest.raises(ValidationError) as caught:
        settle.settlement_enter(booking=booking, by=world.owner, **values)
    assert field in caught.value.message_dict
    assert not Settlement.objects.exists()


def test_more_tickets_than_the_capacity_is_a_warning_and_costs_above_the_takings_a_net_of_nothing(world):
    booking = played(agreed(world))
    settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=250)
    settle.settlement_cost_add(booking=booking, by=world.owner, kind="other", amount_minor=500000)
    s = Settlement.objects.get()
    assert s.net_minor == 0 and s.band_amount_minor == 0
    warnings = settlement_warnings(settlement=s, quote=booking.agreed_quote)
    assert any("capacity of 200" in w for w in warnings)
    assert any("net is 0" in w for w in warnings)


def test_no_ticket_price_needs_the_takings(world):
    booking = played(agreed(world, replace(DOOR, ticket_price_minor=None, capacity=None)))
    with pytest.raises(ValidationError, match="no ticket price"):
        settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10)
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10, gross_minor=20000)
    assert s.band_amount_minor == 14000 and s.gross_entered


def test_before_the_gig_or_on_a_flat_fee_there_is_no_settlement(world):
    booking = agreed(world)
    with pytest.raises(BookingError, match="once the gig has started"):
        settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10)
    other = make_world("-flat")
    flat = played(agreed(other, replace(DOOR, deal="flat", fee_minor=50000, door_percent=None)))
    with pytest.raises(BookingConflict, match="door split"):
        settle.settlement_enter(booking=flat, by=other.owner, tickets_sold=10)
    assert not Settlement.objects.exists()


def test_a_cancelled_gig_has_no_settlement(world):
    booking = agreed(world)
    ending.booking_cancel(booking=booking, by=world.owner, reason="Flooded")
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=1)
    )
    with pytest.raises(BookingConflict, match="cancelled"):
        settle.settlement_enter(booking=fresh(booking), by=world.owner, tickets_sold=10)


# ---- Who may do what ----------------------------------------------------------------------------


def test_only_the_door_side_enters_and_only_the_band_approves_or_questions(world):
    booking = played(agreed(world))
    stranger = UserFactory()
    for who in (world.leader, world.member, world.other_leader, world.other_owner, world.client, stranger):
        with pytest.raises(BookingPermissionError):
            settle.settlement_enter(booking=booking, by=who, tickets_sold=10)
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10)
    for who in (world.member, world.other_leader, world.other_owner, world.client, stranger):
        with pytest.raises(BookingPermissionError):
            settle.settlement_approve(booking=booking, by=who, version=s.version)
        with pytest.raises(BookingPermissionError):
            settle.settlement_question(booking=booking, by=who, reason="no", version=s.version)
    with pytest.raises(BookingPermissionError):
        settle.settlement_question(booking=booking, by=world.owner, reason="no", version=s.version)
    with pytest.raises(BookingConflict, match="when you entered them"):
        settle.settlement_approve(booking=booking, by=world.owner, version=s.version)
    with pytest.raises(ValidationError):
        settle.settlement_question(booking=booking, by=world.leader, reason="  ", version=s.version)
    # An admin of the band may answer for it, as its leader does.
    admin = MembershipFactory(band=world.band, role=Membership.Role.ADMIN).user
    assert settle.settlement_approve(booking=booking, by=admin, version=s.version).is_approved


def url(name: str, booking: Booking) -> str:
    return reverse(f"payments:{name}", args=[booking.uid])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 200),
        ("leader", 200),
        ("member", 404),
        ("other_leader", 404),
        ("other_owner", 404),
        ("client", 404),
        ("stranger", 404),
        ("anonymous", 302),
    ],
)
def test_the_page_is_for_the_two_sides_only(client, world, who, expected):
    booking = played(agreed(world))
    settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10)
    user = None if who == "anonymous" else UserFactory() if who == "stranger" else getattr(world, who)
    if user is not None:
        client.force_login(user)
    response = client.get(url("settlement", booking))
    assert response.status_code == expected
    if expected == 302:
        assert "/accounts/login/" in response["Location"]
    for name in ("settlement_enter", "settlement_approve", "settlement_question"):
        posted = client.post(url(name, booking), {"tickets_sold": "99", "version": "1", "reason": "x"})
        assert posted.status_code in ({302} if who == "anonymous" else {404} if expected == 404 else {302, 403, 409})
    assert Settlement.objects.get().tickets_sold == 10 or who == "owner"


def test_the_door_side_enters_and_the_band_approves_through_the_pages(client, world, django_assert_max_num_queries):
    booking = played(agreed(world))
    detail = reverse("bookings:detail", args=[booking.uid])
    client.force_login(world.owner)
    assert url("settlement", booking) in client.get(detail).content.decode()  # the booking links to it
    response = client.post(url("settlement_enter", booking), {"tickets_sold": "-3", "merch_gross": ""})
    assert response.status_code == 400 and "below zero" in response.content.decode()
    response = client.post(url("settlement_enter", booking), {"tickets_sold": "abc"})
    assert response.status_code == 400 and "whole number" in response.content.decode()
    assert not Settlement.objects.exists()
    response = client.post(url("settlement_enter", booking), {"tickets_sold": "250"})
    assert response.status_code == 302
    response = client.post(url("settlement_cost_add", booking), {"kind": "sound", "amount": "150.50"})
    assert response.status_code == 302
    page = client.get(url("settlement", booking)).content.decode()
    assert "capacity of 200" in page and "2,519.65 EUR" in page  # 70 % of 3,750 − 150.50

    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        page = client.get(url("settlement", booking)).content.decode()
    assert "Approve the settlement" in page and "Save the figures" not in page
    response = client.post(url("settlement_question", booking), {"version": "1", "reason": ""})
    assert response.status_code == 400
    response = client.post(url("settlement_approve", booking), {"version": "7"})
    assert response.status_code == 409 and "changed since you read them" in response.content.decode()
    response = client.post(url("settlement_approve", booking), {"version": "2"})
    assert response.status_code == 400 and "tick that the band accepts them" in response.content.decode()
    response = client.post(url("settlement_approve", booking), {"version": "2", "accept_unagreed": "on"})
    assert response.status_code == 302
    assert Settlement.objects.get().is_approved

    client.force_login(world.owner)
    page = client.get(url("settlement", booking)).content.decode()
    assert "Due now: 2,519.65 EUR." in page and "Save the figures" not in page
    assert url("booking", booking) in page  # the pay page, where the venue pays or records it
    pay_page = client.get(url("booking", booking))
    assert pay_page.status_code == 200 and "2,519.65" in pay_page.content.decode()


def test_the_page_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    booking = played(agreed(world))
    settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=10)
    client.force_login(world.owner)
    counts = []
    for reference in ("A", "B", "C"):
        # Failed attempts pile up on a booking; the page reads them in one query however many there are.
        Payment.objects.create(
            booking=booking, purpose="deposit", status="failed", amount_minor=100, currency="EUR", reference=reference
        )
        # 12: the settlement's costs and its bonus tiers are one query each (decision 0069).
        with django_assert_max_num_queries(12) as ctx:
            client.get(url("settlement", booking))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[-1]


def test_the_money_pages_read_settled_gigs_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    booking = played(agreed(world))
    s = settle.settlement_enter(booking=booking, by=world.owner, tickets_sold=100)
    settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    other = played(agreed(make_world("-b"), VERSUS))  # another band's gig: not on these pages
    assert other.band_id != booking.band_id
    client.force_login(world.leader)
    band_page = reverse("payments:band_money", args=[world.band.slug])
    with django_assert_max_num_queries(25) as first:
        assert client.get(band_page).status_code == 200
    count = len(first.captured_queries)
    client.force_login(world.owner)
    assert client.get(reverse("payments:paid")).status_code == 200
    # A second settled gig of the band reads no more queries on its money page.
    second_world = make_world("-c")
    second = agreed(second_world)
    Booking.objects.filter(pk=second.pk).update(band=world.band)
    second = played(fresh(second))
    s2 = settle.settlement_enter(booking=second, by=second_world.owner, tickets_sold=50)
    settle.settlement_approve(booking=second, by=world.leader, version=s2.version)
    client.force_login(world.leader)
    with django_assert_max_num_queries(count):
        assert client.get(band_page).status_code == 200
