"""In Chromium, against localstripe: the client counters the band's quote, the band accepts, the client
pays the deposit with 4242 4242 4242 4242; the booking is booked, the ledger holds the payment, the fee
and each member's share; the client cancels inside the 50 % window and gets half back. And a declined
card (4000 0000 0000 0002) is said in words and nothing is paid."""

import datetime as dt
import io
import os

import pytest
from django.core.management import call_command
from django.db.models import Sum
from playwright.sync_api import expect

from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.test_booking_browser import log_in
from bookings.tests.test_detail_views import make_world
from payments.models import LedgerEntry, Payment, Refund
from stageslot.tests.words import words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Cancelled 60 or more days before: everything back; 7 or more: half; later: nothing.
TERMS = Terms(
    fee_minor=80000, deposit_percent=30, balance_due_days=7, cancel_preset="custom", cancel_windows=((60, 100), (7, 50))
)


def fill_card(page, number: str, locale: str = "en-GB") -> None:
    t = words(locale)
    card = page.locator("[data-card]")
    card.get_by_label(t.js("Card number")).fill(number)
    card.get_by_label(t.js("Expiry month (MM)")).fill("12")
    card.get_by_label(t.js("Expiry year (YY)")).fill("34")
    card.get_by_label(t.js("Security code")).fill("123")
    card.get_by_label(t.js("Postcode")).fill("10115")


def test_quote_counter_accept_pay_cancel_half_back(live_server, browser, axe_check, localstripe_webhooks):
    world = make_world()
    MembershipFactory(band=world.band)  # three members share the band's part
    quotes.quote_propose(booking=world.request, by=world.leader, terms=TERMS)
    detail = f"{live_server.url}/bookings/{world.request.uid}/"
    shots = os.environ.get("STAGESLOT_SCREENSHOTS")

    client = log_in(browser, live_server.url, world.client.email)
    client.set_default_timeout(30_000)
    client.goto(detail)
    client.get_by_role("link", name="Counter…").click()
    client.get_by_label("Fee (the guarantee):").fill("700")
    client.get_by_label("Deposit (%):").press("Enter")
    client.get_by_text("Your terms are sent; the other side has been told.").wait_for()

    band = log_in(browser, live_server.url, world.leader.email)
    band.set_default_timeout(30_000)
    band.goto(detail)
    band.get_by_role("button", name="Accept these terms and book").click()
    # The accept is the quotes browser test's subject; here it only has to have happened.
    for _ in range(120):
        if Booking.objects.filter(pk=world.request.pk, status=Booking.Status.BOOKED).exists():
            break
        band.wait_for_timeout(500)
    booking = Booking.objects.get(pk=world.request.pk)
    assert (booking.status, booking.fee) == (Booking.Status.BOOKED, 700)

    # The booking page shows what is due; the payments page takes the card.
    client.goto(detail)
    client.get_by_role("link", name="Pay the deposit: 210 EUR").click()
    client.get_by_role("heading", name="Pay the deposit: 210 EUR").wait_for()
    assert "Test mode" in client.locator("#pay").inner_text()
    fill_card(client, "4242424242424242")
    if shots:
        client.screenshot(path=f"{shots}/pay-deposit.png", full_page=True)
    axe_check(client)
    client.get_by_role("button", name="Pay 210 EUR").click()
    client.get_by_text("Paid: 210 EUR. A receipt is on the payments page.").wait_for()
    payment = Payment.objects.get(booking=booking)
    assert (payment.purpose, payment.status, payment.amount_minor, payment.platform_fee_minor) == (
        "deposit",
        "succeeded",
        21000,
        3150,
    )
    entries = LedgerEntry.objects.filter(booking=booking)
    assert entries.get(kind="payment").amount_minor == 21000
    assert entries.get(kind="platform_fee").amount_minor == 3150
    assert entries.get(kind="band_share", member__isnull=True).amount_minor == 17850
    shares = sorted(entries.filter(kind="member_share").values_list("amount_minor", flat=True))
    assert shares == [5950, 5950, 5950]
    expect(client.locator(".pay-schedule")).to_contain_text("Paid")
    axe_check(client)

    # Cancelled 30 days before the gig: the 50 % window.
    client.get_by_text("Cancel the gig…").click()
    assert ": 50 % back – 105 EUR of the 210 EUR paid." in client.locator("#cancel").inner_text()
    client.get_by_label("Why is the gig cancelled?").fill("The venue burnt down.")
    client.get_by_role("button", name="Yes, cancel and refund").click()
    client.get_by_text("Refunded: 105 EUR.").wait_for()
    if shots:
        client.screenshot(path=f"{shots}/pay-refunded.png", full_page=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Refund.objects.get().amount_minor == 10500
    kept = entries.filter(kind__in=("payment", "refund")).aggregate(s=Sum("amount_minor"))["s"]
    assert kept == 10500
    out = io.StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "No differences" in out.getvalue()


@pytest.mark.console_errors  # the fake Stripe answers the declined card with a 402
def test_a_declined_card_is_said_in_words_and_nothing_is_booked(live_server, browser, axe_check, localstripe_webhooks):
    world = make_world()
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=TERMS)
    quotes.quote_accept(quote=quote, by=world.client)
    locale = "de-DE"  # the card form and its messages in German
    t = words(locale)
    page = log_in(browser, live_server.url, world.client.email, locale=locale)
    page.goto(f"{live_server.url}/payments/bookings/{world.request.uid}/")
    fill_card(page, "4000000000000002", locale)
    pay = t("Pay %(amount)s", amount="240 EUR")
    page.get_by_role("button", name=pay).click()
    expect(page.locator("[data-pay-error]")).to_contain_text(
        t.js("Your card was declined. Nothing was charged; try another card.")
    )
    axe_check(page)
    assert not Payment.objects.filter(status="succeeded").exists()
    assert not LedgerEntry.objects.exists()
    booking = Booking.objects.get(pk=world.request.pk)
    assert booking.paid_minor == 0
    # Another card then goes through.
    page.locator("[data-card]").get_by_label(t.js("Card number")).fill("4242424242424242")
    page.get_by_role("button", name=pay).click()
    page.wait_for_url(f"**/payments/bookings/{world.request.uid}/")
    expect(page.locator(".pay-schedule")).to_contain_text(t("Paid"))
    assert dt.timedelta(0) < booking.starts_at - booking.created_at
