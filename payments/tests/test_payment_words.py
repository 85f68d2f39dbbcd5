"""A payment's notification and email are written in each recipient's language, whoever paid in which:
the purpose, the amount and the gig's date as that language writes them."""

import zoneinfo
from dataclasses import replace

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import Notification
from bookings.selectors.quotes import money_text
from bookings.services import quotes
from bookings.tests.test_detail_views import make_world
from payments.services import payments as pay
from stageslot.tests import pseudo
from stageslot.tests.words import words

from .test_flow import FLAT, card

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

BIG = replace(FLAT, fee_minor=500000)  # a deposit of 1,500 EUR: German groups it "1.500"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _paid_by_the_client(world, django_capture_on_commit_callbacks):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=BIG, send_anyway=True)
    quotes.quote_accept(quote=quote, by=world.client)
    payment = pay.payment_start(booking=world.request, by=world.client)
    # The card is paid on an English page; the band's leader reads German.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        pay.payment_pay(payment=payment, by=world.client, payment_method_id=card())


def test_a_german_reader_gets_the_payment_in_german_with_a_german_date(django_capture_on_commit_callbacks):
    world = make_world()
    world.leader.language = "de"
    world.leader.save(update_fields=["language"])
    _paid_by_the_client(world, django_capture_on_commit_callbacks)
    t = words("de")
    note = Notification.objects.get(kind="booking_payment", recipient=world.leader)
    with translation.override("de"):
        day = date_format(timezone.localtime(world.request.starts_at, BERLIN), "WEEKDAY_MOMENT_FORMAT")
        amount = money_text(150000, "EUR")
    assert amount == "1.500 EUR"
    expected = t("Paid: %(what)s of %(amount)s for %(band)s to %(gig)s.").split("%(what)s")[0]
    assert expected == "Bezahlt: " and note.text.startswith(expected)
    assert t("deposit", context="payment purpose in a sentence") in note.text
    assert amount in note.text and day in note.text
    email = next(message for message in mail.outbox if message.to == [world.leader.email])
    assert amount in email.body and day in email.body
    # The payer reads the site's language, as the page was.
    english = Notification.objects.get(kind="booking_payment", recipient=world.client)
    assert english.text.startswith("Paid: deposit of 1,500 EUR for The Night Shift")


def test_the_purpose_and_the_amount_are_read_in_the_recipients_language(django_capture_on_commit_callbacks):
    """Drawn in the pseudo-locale for the leader: every word of the sentence and the purpose come from the
    catalogue when the leader's text is written, not when the card is paid; the amount is written by the
    leader's language's money pattern (core.fields.amounts.money_words, CLDR's; no words of its own)."""
    world = make_world()
    with pseudo.pseudo_locale():
        world.leader.language = pseudo.CODE
        world.leader.save(update_fields=["language"])
        _paid_by_the_client(world, django_capture_on_commit_callbacks)
    note = Notification.objects.get(kind="booking_payment", recipient=world.leader)
    assert note.text.startswith(f"{pseudo.OPEN}Paid: {pseudo.OPEN}deposit{pseudo.CLOSE} of 1,500 EUR")
