"""Every accept of a pending booking carries the terms on the table: an open quote from the other side
is agreed with it (plain accept, accept anyway with a stand-in; the page, the API, an e-mail's button),
and an accept while the accepting side's own quote waits for the other side is refused, changing
nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from availability.models import BusyInterval
from bookings.errors import BookingConflict, MembersBusy
from bookings.models import Booking, Quote
from bookings.services import answering, quotes
from bookings.services.email_actions import email_action_token
from bookings.services.quotes import Terms
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

FLAT = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)
COUNTER = Terms(deal="flat", fee_minor=70000, currency="EUR", deposit_percent=50, balance_due_days=7)
SLOT_FEE = Terms(deal="flat", fee_minor=40000, currency="EUR", deposit_percent=30, balance_due_days=7)


@pytest.fixture
def world():
    return make_world()


def member_busy(world) -> None:
    """The band's required member is busy through the client's event."""
    BusyInterval.objects.create(
        user=world.member,
        starts_at=world.request.starts_at - dt.timedelta(hours=1),
        ends_at=world.request.ends_at + dt.timedelta(hours=1),
        source="rule",
        source_id=1,
    )


def client_counters(world) -> Quote:
    """The band quotes the client's request, the client counters: the client's quote is the open one."""
    first = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    return quotes.quote_counter(quote=first, by=world.client, terms=COUNTER)


def unchanged(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return booking.status, booking.agreed_quote_id, booking.sequence, booking.events.count()


def test_accept_anyway_agrees_the_other_sides_open_quote(world):
    counter = client_counters(world)
    member_busy(world)
    with pytest.raises(MembersBusy):
        answering.booking_accept(booking=world.request, by=world.leader)
    booking = answering.booking_accept(booking=world.request, by=world.leader, stand_in=True)
    booking.refresh_from_db()
    counter.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert booking.agreed_quote_id == counter.pk and counter.status == Quote.Status.ACCEPTED
    assert counter.answered_by == world.leader
    assert (booking.fee, booking.currency) == (700, "EUR")
    assert booking.events.filter(note="Terms agreed").count() == 1
    assert world.client.notifications.filter(kind="booking_quote", text__contains="accepted the terms").exists()


def test_a_plain_accept_agrees_the_bands_open_quote_on_its_application(world):
    quote = quotes.quote_propose(booking=world.application, by=world.leader, terms=SLOT_FEE)
    booking = answering.booking_accept(booking=world.application, by=world.owner)
    booking.refresh_from_db()
    quote.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED and booking.agreed_quote_id == quote.pk
    assert quote.status == Quote.Status.ACCEPTED and quote.answered_by == world.owner
    assert booking.fee == 400


def test_accepting_without_an_open_quote_books_as_before(world):
    expired = quotes.quote_propose(booking=world.application, by=world.leader, terms=SLOT_FEE)
    Quote.objects.filter(pk=expired.pk).update(expires_at=expired.created_at)  # past its time: off the table
    booking = answering.booking_accept(booking=world.application, by=world.owner)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED and booking.agreed_quote_id is None


@pytest.mark.parametrize("stand_in", [False, True])
def test_the_accepting_sides_own_open_quote_is_refused_and_nothing_changes(world, stand_in):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    if stand_in:
        member_busy(world)
    before = unchanged(world.request)
    with pytest.raises(BookingConflict) as refused:
        answering.booking_accept(booking=world.request, by=world.leader, stand_in=stand_in)
    assert str(refused.value) == (
        "Your side's terms (version 1) are still waiting for the other side: the gig is booked when they "
        "accept them. Nothing was changed."
    )
    assert unchanged(world.request) == before and before[0] == Booking.Status.PENDING
    quote.refresh_from_db()
    assert quote.status == Quote.Status.OPEN
    assert world.request.band.blocks.count() == 0
    # The other side accepts the quote: that books the gig on it (with the stand-in the band plans).
    if stand_in:
        answering.booking_stand_in_plan(booking=world.request, by=world.leader)
    quotes.quote_accept(quote=quote, by=world.client)
    world.request.refresh_from_db()
    assert world.request.status == Booking.Status.BOOKED and world.request.agreed_quote_id == quote.pk


def test_the_page_the_api_and_the_email_button_refuse_alike(client, world):
    quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    before = unchanged(world.request)
    client.force_login(world.leader)
    page = client.post(reverse("bookings:accept", args=[world.request.uid]), {"stand_in": "1"})
    assert page.status_code == 409 and "are still waiting for the other side" in page.content.decode()
    api = ApiClient(token_for(world.leader)).post(f"/api/v1/bookings/{world.request.uid}/accept")
    assert api.status_code == 409 and "are still waiting for the other side" in api.json()["detail"]
    token = email_action_token(booking=world.request, user=world.leader, action="accept")
    mail = client.post(reverse("bookings:email_action", args=[token]))
    assert mail.status_code == 409 and "are still waiting for the other side" in mail.content.decode()
    assert unchanged(world.request) == before


def test_the_venues_email_button_agrees_the_bands_quote(client, world):
    quote = quotes.quote_propose(booking=world.application, by=world.leader, terms=SLOT_FEE)
    client.force_login(world.owner)
    token = email_action_token(booking=world.application, user=world.owner, action="accept")
    assert client.post(reverse("bookings:email_action", args=[token])).status_code == 302
    world.application.refresh_from_db()
    assert world.application.status == Booking.Status.BOOKED and world.application.agreed_quote_id == quote.pk


def test_the_accept_confirmation_says_what_happens_to_the_open_terms(client, world):
    quotes.quote_propose(booking=world.application, by=world.leader, terms=SLOT_FEE)
    client.force_login(world.owner)
    page = client.get(reverse("bookings:detail", args=[world.application.uid])).content.decode()
    assert "Accepting the gig also accepts the open terms (version 1: a fee of 400 EUR)" in page
    quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    client.force_login(world.leader)
    page = client.get(reverse("bookings:detail", args=[world.request.uid])).content.decode()
    assert "Your side's terms (version 1) are still waiting for the other side" in page
