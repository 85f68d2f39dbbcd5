"""Quotes, against the real database: proposing, countering, accepting (which books a pending booking
through the workflow's accept), declining, lapsing, and every refusal leaving things as they were."""

import datetime as dt
import threading
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import BandBlock
from bookings.errors import BookingConflict, BookingError, BookingPermissionError, MembersBusy
from bookings.models import Booking, Quote, Webhook, WebhookDelivery
from bookings.selectors.quotes import quote_changes, quote_history, windows_text
from bookings.services import answering, quotes
from bookings.services.quotes import Terms
from bookings.tests.factories import BookingFactory, in_days
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

Status = Quote.Status
FLAT = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)
SLOT_FEE = replace(FLAT, fee_minor=40000)  # the slot's own fee: no warning on an application


@pytest.fixture
def world():
    return make_world()


def propose(booking, by, terms=FLAT, **kwargs):
    return quotes.quote_propose(booking=booking, by=by, terms=terms, **kwargs)


def test_band_quotes_a_request_the_client_counters_and_the_band_accepts(world):
    first = propose(world.request, world.leader, message="Two sets of 45 minutes.")
    assert (first.version, first.side, first.status) == (1, "band", Status.OPEN)
    assert first.cancel_windows == [{"days": 30, "refund_percent": 100}, {"days": 14, "refund_percent": 50}]
    counter = propose(world.request, world.client, replace(FLAT, fee_minor=65000, deposit_percent=50))
    first.refresh_from_db()
    assert first.status == Status.COUNTERED and first.answered_by == world.client
    assert (counter.version, counter.side, counter.replaces_id) == (2, "client", first.pk)
    assert quote_changes(first, counter) == ["Fee 800 → 650 EUR", "Deposit 30 % → 50 %"]
    assert [changes for _q, changes in quote_history([first, counter])] == [
        ["Fee 800 → 650 EUR", "Deposit 30 % → 50 %"],
        [],
    ]

    quotes.quote_accept(quote=counter, by=world.leader)

    booking = Booking.objects.get(pk=world.request.pk)
    counter.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert (booking.fee, booking.currency, booking.agreed_quote_id) == (650, "EUR", counter.pk)
    assert counter.status == Status.ACCEPTED and counter.answered_by == world.leader
    assert booking.block_id is not None  # booked through the workflow: the members are busy then


def test_the_asking_side_accepts_the_bands_quote_and_so_books_the_request(world):
    quote = propose(world.request, world.leader)
    quotes.quote_accept(quote=quote, by=world.client)
    booking = Booking.objects.get(pk=world.request.pk)
    assert booking.status == Booking.Status.BOOKED and booking.fee == 800
    texts = Notification.objects.filter(recipient=world.leader, kind="booking_quote").values_list("text", flat=True)
    assert any("Anna Client accepted the terms for The Night Shift" in people_draw(t) for t in texts)


def test_the_other_side_is_told_and_the_webhooks_hear_every_step(world):
    Webhook.objects.create(
        band=world.band, url="https://example.com/hook", events=["quote.proposed", "quote.countered"]
    )
    first = propose(world.application, world.leader, SLOT_FEE)
    assert Notification.objects.filter(recipient=world.owner, kind="booking_quote").count() == 1
    assert not Notification.objects.filter(recipient=world.leader, kind="booking_quote").exists()
    propose(world.application, world.owner, replace(FLAT, fee_minor=70000), send_anyway=True)
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["quote.proposed", "quote.countered"]
    assert '"fee_minor": 40000' in WebhookDelivery.objects.get(event="quote.proposed").body
    first.refresh_from_db()
    assert first.status == Status.COUNTERED


def test_only_the_other_side_answers_and_only_parties_propose(world):
    quote = propose(world.request, world.leader)
    with pytest.raises(BookingPermissionError, match="Your side sent these terms"):
        quotes.quote_accept(quote=quote, by=world.leader)
    for outsider in (world.other_leader, world.other_owner, world.other_client, world.member, UserFactory()):
        with pytest.raises(BookingPermissionError):
            quotes.quote_accept(quote=quote, by=outsider)
        with pytest.raises(BookingPermissionError):
            propose(world.request, outsider)
    assert Booking.objects.get(pk=world.request.pk).status == Booking.Status.PENDING
    assert Quote.objects.get(pk=quote.pk).status == Status.OPEN


def test_your_own_open_quote_waits_for_its_answer(world):
    propose(world.request, world.leader)
    with pytest.raises(BookingConflict, match="waiting for an answer"):
        propose(world.request, world.leader, replace(FLAT, fee_minor=70000))
    assert Quote.objects.filter(booking=world.request).count() == 1


BAD = [
    ({"fee_minor": 0}, "fee_minor"),
    ({"fee_minor": -100}, "fee_minor"),
    ({"fee_minor": 1_000_000_001}, "fee_minor"),
    ({"fee_minor": None}, "fee_minor"),
    ({"deposit_percent": 101}, "deposit_percent"),
    ({"deal": "door", "fee_minor": None, "door_percent": 101}, "door_percent"),
    ({"deal": "door", "door_percent": 70}, "fee_minor"),
    ({"deal": "versus", "door_percent": None}, "door_percent"),
    ({"balance_due_days": -1}, "balance_due_days"),
    ({"currency": "XYZ"}, "currency"),
    ({"deal": "barter"}, "deal"),
    ({"cancel_preset": "custom", "cancel_windows": ((14, 50), (30, 100))}, "cancel_windows"),
    ({"cancel_preset": "custom", "cancel_windows": ((30, 100), (30, 50))}, "cancel_windows"),
    ({"cancel_preset": "custom", "cancel_windows": ((30, 50), (14, 100))}, "cancel_windows"),
    ({"cancel_preset": "custom", "cancel_windows": ((30, 120),)}, "cancel_windows"),
    ({"cancel_preset": "lenient"}, "cancel_preset"),
    ({"set_minutes": 0}, "set_minutes"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_terms_are_refused_by_field_and_nothing_changes(world, change, field):
    with pytest.raises(ValidationError) as caught:
        propose(world.request, world.leader, replace(FLAT, **change))
    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0].endswith(".")
    assert not Quote.objects.exists()
    assert not Notification.objects.filter(kind="booking_quote").exists()


def test_custom_windows_in_order_are_kept(world):
    terms = replace(FLAT, cancel_preset="custom", cancel_windows=((60, 100), (30, 50), (0, 0)))
    quote = propose(world.request, world.leader, terms)
    assert quote.cancel_windows[-1] == {"days": 0, "refund_percent": 0}
    assert windows_text(quote) == [
        "Cancelled by the payer 60 days or more before the gig: 100 % back",
        "Cancelled by the payer 30 days or more before the gig: 50 % back",
        "Cancelled by the payer later: nothing back",
        "Cancelled by the band: 100 % back",
    ]


def test_a_fee_outside_the_bands_range_warns_the_sender_until_sent_anyway(world):
    cheap = replace(FLAT, fee_minor=20000)  # the band asks 300 to 900 EUR
    with pytest.raises(ValidationError) as caught:
        propose(world.request, world.client, cheap)
    assert caught.value.message_dict["send_anyway"] == ["This fee is below The Night Shift's lowest fee (300 EUR)."]
    assert not Quote.objects.exists()
    quote = propose(world.request, world.client, cheap, send_anyway=True)
    assert quote.fee_minor == 20000  # never changed silently


def test_a_fee_other_than_the_slots_warns(world):
    with pytest.raises(ValidationError, match="The slot's fee is 400 EUR"):
        propose(world.application, world.leader, replace(FLAT, fee_minor=50000))


def test_an_expired_quote_cannot_be_accepted_before_the_sweep(world):
    quote = propose(world.request, world.leader)
    later = timezone.now() + dt.timedelta(days=8)
    with pytest.raises(BookingConflict, match="expired"):
        quotes.quote_accept(quote=quote, by=world.client, now=later)
    assert Booking.objects.get(pk=world.request.pk).status == Booking.Status.PENDING
    with pytest.raises(BookingConflict, match="expired"):
        quotes.quote_decline(quote=quote, by=world.client, now=later)


def test_the_sweep_lapses_expired_quotes_and_tells_both_sides(world, settings):
    settings.QUOTE_DAYS = 2
    quote = propose(world.request, world.leader)
    assert quote.expires_at <= timezone.now() + dt.timedelta(days=2)
    assert quotes.quotes_lapse() == 0
    assert quotes.quotes_lapse(now=timezone.now() + dt.timedelta(days=3)) == 1
    quote.refresh_from_db()
    assert quote.status == Status.LAPSED
    for person in (world.leader, world.client):
        assert Notification.objects.filter(recipient=person, text__contains="lapsed without an answer").exists()
    assert quotes.quotes_lapse(now=timezone.now() + dt.timedelta(days=3)) == 0


def test_the_sweep_lapses_the_open_quote_of_a_withdrawn_booking(world):
    quote = propose(world.request, world.leader)
    answering.booking_withdraw(booking=world.request, by=world.client)
    assert quotes.quotes_lapse() == 1
    assert Quote.objects.get(pk=quote.pk).status == Status.LAPSED
    with pytest.raises(BookingConflict):
        propose(world.request, world.leader)


def test_a_refused_accept_leaves_the_quote_open_and_says_why(world):
    quote = propose(world.request, world.leader)
    day = world.request.starts_at.date()
    rule_create(user=world.member, title="Holiday", all_day=True, start_date=day, end_date=day)
    with pytest.raises(MembersBusy, match="Max Member is busy"):
        quotes.quote_accept(quote=quote, by=world.client)
    assert Quote.objects.get(pk=quote.pk).status == Status.OPEN
    booking = Booking.objects.get(pk=world.request.pk)
    assert booking.status == Booking.Status.PENDING
    assert booking.agreed_quote_id is None and booking.fee == 1500


def test_an_accept_the_workflow_declined_meanwhile_says_so(world):
    quote = propose(world.request, world.leader)
    clash = BookingFactory(
        band=world.band,
        kind=Booking.Kind.REQUEST,
        slot=None,
        client=world.other_client,
        starts_at=world.request.starts_at,
        ends_at=world.request.ends_at,
    )
    answering.booking_accept(booking=clash, by=world.leader)
    with pytest.raises(BookingConflict, match="This booking is declined"):
        quotes.quote_accept(quote=quote, by=world.client)
    assert Quote.objects.get(pk=quote.pk).status == Status.OPEN


def test_a_closed_quote_cannot_be_answered_again(world):
    quote = propose(world.request, world.leader)
    quotes.quote_decline(quote=quote, by=world.client, note="Too dear")
    assert Quote.objects.get(pk=quote.pk).answer_note == "Too dear"
    assert Booking.objects.get(pk=world.request.pk).status == Booking.Status.PENDING
    with pytest.raises(BookingConflict, match="already declined"):
        quotes.quote_accept(quote=Quote.objects.get(pk=quote.pk), by=world.client)
    with pytest.raises(BookingConflict, match="already declined"):
        quotes.quote_decline(quote=quote, by=world.client)


def test_a_second_accept_hears_it_was_taken(world):
    quote = propose(world.application, world.owner, SLOT_FEE)
    quotes.quote_accept(quote=quote, by=world.leader)
    with pytest.raises(BookingConflict, match="already accepted"):
        quotes.quote_accept(quote=quote, by=world.leader)


def test_after_booking_a_new_quote_changes_only_the_agreed_terms(world):
    quotes.quote_accept(quote=propose(world.request, world.leader), by=world.client)
    block = Booking.objects.get(pk=world.request.pk).block_id
    change = propose(world.request, world.client, replace(FLAT, fee_minor=85000, backline=True))
    quotes.quote_accept(quote=change, by=world.leader)
    booking = Booking.objects.get(pk=world.request.pk)
    assert booking.status == Booking.Status.BOOKED and booking.block_id == block
    assert (booking.fee, booking.agreed_quote_id) == (850, change.pk)
    assert BandBlock.objects.filter(pk=block).exists()


def test_a_band_s_own_show_has_no_terms(world):
    host = BookingFactory(band=world.band, kind=Booking.Kind.HOST, status=Booking.Status.BOOKED)
    with pytest.raises(BookingPermissionError, match="own show"):
        propose(host, world.leader)


def test_a_started_gig_keeps_its_terms(world):
    with pytest.raises(BookingError, match="started"):
        propose(world.request, world.leader, now=world.request.starts_at + dt.timedelta(minutes=1))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_book_once_and_the_other_hears_why():
    world = make_world()
    quote = propose(world.application, world.owner, SLOT_FEE)
    barrier, outcomes = threading.Barrier(2), []

    def accept():
        barrier.wait()
        try:
            quotes.quote_accept(quote=Quote.objects.select_related("booking").get(pk=quote.pk), by=world.leader)
            outcomes.append("ok")
        except BookingError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1
    loser = next(o for o in outcomes if o != "ok")
    assert "already" in loser
    booking = Booking.objects.get(pk=world.application.pk)
    assert booking.status == Booking.Status.BOOKED
    assert Quote.objects.get(pk=quote.pk).status == Status.ACCEPTED
    assert in_days(0) < booking.starts_at
