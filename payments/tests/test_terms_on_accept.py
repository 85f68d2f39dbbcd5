"""A booking accepted while a quote is on the table is booked on that quote, so its money is due: accept
anyway (a stand-in for a busy member) and a plain accept alike."""

import datetime as dt
from dataclasses import replace

import pytest

from availability.models import BusyInterval
from bookings.models import Booking
from bookings.services import answering, quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments.models import Payment
from payments.selectors import due_now

pytestmark = pytest.mark.django_db

FLAT = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)


def test_accept_anyway_with_the_clients_open_quote_makes_the_deposit_due():
    world = make_world()
    first = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    quotes.quote_counter(quote=first, by=world.client, terms=replace(FLAT, fee_minor=70000))
    BusyInterval.objects.create(
        user=world.member,
        starts_at=world.request.starts_at - dt.timedelta(hours=1),
        ends_at=world.request.ends_at,
        source="rule",
        source_id=1,
    )
    answering.booking_accept(booking=world.request, by=world.leader, stand_in=True)
    booking = Booking.objects.select_related("agreed_quote").get(pk=world.request.pk)
    assert booking.status == Booking.Status.BOOKED and booking.agreed_quote is not None
    due = due_now(booking)
    assert due is not None and (due.purpose, due.amount_minor) == (Payment.Purpose.DEPOSIT, 21000)


def test_a_plain_accept_with_the_bands_open_quote_makes_the_venues_deposit_due():
    world = make_world()
    quotes.quote_propose(booking=world.application, by=world.leader, terms=FLAT, send_anyway=True)
    answering.booking_accept(booking=world.application, by=world.owner)
    booking = Booking.objects.select_related("agreed_quote").get(pk=world.application.pk)
    assert booking.status == Booking.Status.BOOKED and booking.agreed_quote is not None
    due = due_now(booking)
    assert due is not None and (due.purpose, due.amount_minor) == (Payment.Purpose.DEPOSIT, 24000)
