"""Invoices, receipts and credit notes: what is issued for a booking's fee, its payments and refunds, once
each; numbers without a gap; the VAT maths in integers; the email with its PDF."""

import shutil

import pytest
from django.core import mail
from django.db import transaction

from bookings.models import Booking
from documents.models import Invoice, InvoiceSeries, LegalDetails
from documents.services import invoices as paper
from documents.services.invoices import (
    credit_note_issue,
    invoice_issue,
    invoice_number_next,
    paper_catch_up,
    paper_round,
    receipt_issue,
    vat_split,
)
from payments.models import Payment, Refund
from payments.tests.money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db

Kind = Invoice.Kind


@pytest.fixture
def world():
    return money_world()


@pytest.fixture
def booked(world):
    """The client's private request, agreed at 800.00 EUR (30 % deposit)."""
    return agreed(world.request, band_side=world.leader, other_side=world.client)


def band_vat(band, *, rate_bp=1900, reverse=False, note=""):
    return LegalDetails.objects.create(
        band=band,
        legal_name="Night Shift GbR",
        address="Hauptstr. 1\n10115 Berlin",
        email="paper@nightshift.example",
        tax_number="DE123456789",
        vat_rate_bp=rate_bp,
        reverse_charge=reverse,
        invoice_note=note,
    )


def refunded(payment: Payment, amount: int) -> Refund:
    return Refund.objects.create(
        payment=payment,
        amount_minor=amount,
        currency=payment.currency,
        status=Refund.Status.SUCCEEDED,
        reason=Refund.Reason.CLIENT_CANCELLED,
        refund_id=f"re_{payment.pk}_{amount}",
    )


# ---- VAT in integers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "rate", "net", "vat"),
    [
        (80000, 1900, 67227, 12773),  # 800 / 1.19 = 672.268…
        (11900, 1900, 10000, 1900),
        (10000, 0, 10000, 0),
        (10001, 700, 9347, 654),  # 93.467… rounds down
        (1, 10000, 1, 0),  # 0.5 rounds away from zero
        (-80000, 1900, -67227, -12773),  # a credit note's negative lines mirror the invoice's
        (99999, 2150, 82304, 17695),
    ],
)
def test_vat_is_split_from_the_total_and_adds_back_up(total, rate, net, vat):
    assert vat_split(total, rate) == (net, vat)
    assert net + vat == total


def test_every_split_adds_up_for_every_rate():
    for rate in (0, 500, 700, 1000, 1900, 2000, 2150, 2500, 10000):
        for total in range(-300, 3000, 7):
            net, vat = vat_split(total, rate)
            assert net + vat == total
            # The net is the nearest whole minor unit to the exact quotient.
            assert abs(net * (10000 + rate) - total * 10000) * 2 <= (10000 + rate)


def test_a_rate_out_of_range_is_refused():
    with pytest.raises(ValueError):
        vat_split(100, 10001)


# ---- Numbers ------------------------------------------------------------------------------------


def test_numbers_run_per_issuer_and_kind_without_a_gap():
    taken = []
    for _ in range(3):
        with transaction.atomic():
            taken.append(invoice_number_next(issuer_key="band:1", kind="invoice", prefix="A-")[1:])
    with transaction.atomic():
        other = invoice_number_next(issuer_key="band:2", kind="invoice", prefix="B-")[1:]
    with transaction.atomic():
        credit = invoice_number_next(issuer_key="band:1", kind="credit", prefix="CN-A-")[1:]
    assert taken == [(1, "A-00001"), (2, "A-00002"), (3, "A-00003")]
    assert other == (1, "B-00001") and credit == (1, "CN-A-00001")


def test_a_rolled_back_document_gives_its_number_back():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        invoice_number_next(issuer_key="band:9", kind="invoice", prefix="X-")
        raise Boom
    with transaction.atomic():
        assert invoice_number_next(issuer_key="band:9", kind="invoice", prefix="X-")[1] == 1
    assert InvoiceSeries.objects.get(issuer_key="band:9").last_number == 1


# ---- The band's invoice -------------------------------------------------------------------------


def test_the_fee_is_invoiced_once_in_the_bands_name_with_its_vat(world, booked):
    band_vat(world.band, note="IBAN DE00 1234")
    invoice = invoice_issue(booking=booked)
    again = invoice_issue(booking=booked)
    assert again.pk == invoice.pk and Invoice.objects.filter(kind=Kind.INVOICE).count() == 1
    assert invoice.number == f"NIGHTS{world.band.pk}-00001"
    assert (invoice.total_minor, invoice.net_minor, invoice.vat_minor, invoice.vat_rate_bp) == (
        80000,
        67227,
        12773,
        1900,
    )
    assert invoice.content["issuer"]["legal_name"] == "Night Shift GbR"
    assert invoice.content["issuer"]["tax_number"] == "DE123456789"
    assert invoice.content["recipient"]["legal_name"] == world.client.name
    assert invoice.content["notes"] == ["IBAN DE00 1234"]
    assert invoice.recipient == world.client and invoice.band == world.band


def test_a_reverse_charge_invoice_charges_no_vat_and_says_so(world, booked):
    band_vat(world.band, rate_bp=0, reverse=True)
    invoice = invoice_issue(booking=booked)
    assert invoice.reverse_charge and invoice.vat_minor == 0 and invoice.net_minor == invoice.total_minor == 80000
    text = pdf_text(invoice)
    assert "Reverse charge: the customer accounts for the VAT" in text


def test_a_band_without_legal_details_invoices_under_its_name_without_vat(world, booked):
    invoice = invoice_issue(booking=booked)
    assert invoice.content["issuer"]["legal_name"] == "The Night Shift"
    assert invoice.vat_minor == 0 and invoice.total_minor == 80000


def test_nothing_is_invoiced_before_the_booking_is_booked(world):
    assert world.request.status == Booking.Status.PENDING
    assert invoice_issue(booking=world.request) is None
    assert not Invoice.objects.exists() and not InvoiceSeries.objects.filter(last_number__gt=0).exists()


def test_a_venue_is_invoiced_in_the_venues_name(world):
    LegalDetails.objects.create(venue=world.venue, legal_name="Kellerbar GmbH", address="Unter 2, Berlin")
    booked = agreed(world.application, band_side=world.leader, other_side=world.owner)
    invoice = invoice_issue(booking=booked)
    assert invoice.content["recipient"]["legal_name"] == "Kellerbar GmbH"
    assert invoice.recipient == world.owner


# ---- Receipts and credit notes --------------------------------------------------------------------


def test_a_card_payment_gets_stageslots_receipt_once(world, booked):
    payment = pay_next(booked, by=world.client)
    receipt = receipt_issue(payment=payment)
    assert receipt_issue(payment=payment).pk == receipt.pk
    assert receipt.kind == Kind.RECEIPT and receipt.band is None and receipt.number == "R-00001"
    assert receipt.total_minor == payment.amount_minor == 24000
    assert receipt.content["issuer"]["legal_name"] == "StageSlot"
    assert receipt.content["on_behalf_of"] == "The Night Shift"
    text = pdf_text(receipt)
    assert "Paid" in text and "Card, through StageSlot" in text and "R-00001" in text


def test_a_payment_made_outside_stageslot_gets_the_bands_receipt(world):
    from payments.services.payments import payment_record_outside

    booked = agreed(world.application, band_side=world.leader, other_side=world.owner)
    payment = payment_record_outside(booking=booked, by=world.owner, amount_minor=24000, reference="TRX-77")
    receipt = receipt_issue(payment=payment)
    assert receipt.band == world.band and receipt.number == f"R-NIGHTS{world.band.pk}-00001"
    assert receipt.content["paid"]["reference"] == "TRX-77"


def test_a_payment_not_paid_gets_no_receipt(world, booked):
    from payments.services.payments import payment_start

    payment = payment_start(booking=booked, by=world.client)
    with pytest.raises(paper.PaperError):
        receipt_issue(payment=payment)


def test_a_refund_gets_a_credit_note_correcting_the_invoice(world, booked):
    band_vat(world.band)
    payment = pay_next(booked, by=world.client)
    refund = refunded(payment, 24000)
    note = credit_note_issue(refund=refund)
    assert credit_note_issue(refund=refund).pk == note.pk
    invoice = Invoice.objects.get(kind=Kind.INVOICE)
    assert note.corrects == invoice and note.number == f"CN-NIGHTS{world.band.pk}-00001"
    assert (note.total_minor, note.net_minor, note.vat_minor) == (-24000, -20168, -3832)
    assert note.content["invoice_number"] == invoice.number
    text = pdf_text(note)
    assert "Credit note" in text and invoice.number in text


def test_the_catch_up_issues_what_a_booking_is_missing_once(world, booked):
    payment = pay_next(booked, by=world.client)
    refunded(payment, 5000)
    issued = paper_catch_up(booking=booked)
    assert sorted(d.kind for d in issued) == [Kind.CREDIT_NOTE, Kind.INVOICE, Kind.RECEIPT]
    assert paper_catch_up(booking=booked) == []
    assert Invoice.objects.count() == 3


def test_the_round_issues_everything_missing_and_queues_nothing_twice(world, booked, django_assert_max_num_queries):
    payment = pay_next(booked, by=world.client)
    refunded(payment, 5000)
    counts = paper_round()
    assert (counts["invoices"], counts["receipts"], counts["credit_notes"]) == (1, 1, 1)
    # bookings without an invoice, with a changed fee, approved settlements, payments and refunds without
    # theirs; unsent emails
    with django_assert_max_num_queries(6):
        assert paper_round() == {"invoices": 0, "receipts": 0, "credit_notes": 0, "emails": 0}


# ---- The email --------------------------------------------------------------------------------------


# Both CI stages: the claim's row lock (FOR UPDATE SKIP LOCKED OF the invoice) is PostgreSQL's.
@pytest.mark.db_specific
def test_an_invoice_is_emailed_with_its_pdf_once(world, booked, django_capture_on_commit_callbacks):
    band_vat(world.band)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(booking=booked)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.client.email] and message.cc == ["paper@nightshift.example"]
    assert invoice.number in message.subject
    assert (
        message.extra_headers["Message-ID"]
        == f"<invoice-{invoice.uid}@{message.extra_headers['Message-ID'].split('@')[1][:-1]}>"
    )
    name, data, kind = message.attachments[0]
    assert name == f"{invoice.number}.pdf" and kind == "application/pdf" and data.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.emailed_at is not None and invoice.pdf is not None and bytes(invoice.pdf.data) == data
    assert paper.invoice_send(invoice_id=invoice.pk) is False and len(mail.outbox) == 1


# Both CI stages: the claim's row lock (FOR UPDATE SKIP LOCKED OF the invoice) is PostgreSQL's.
@pytest.mark.db_specific
def test_a_failed_send_is_tried_again_by_the_round_after_its_claim(world, booked, settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    invoice = invoice_issue(booking=booked)  # its email waits for the commit that never comes in a test
    mail.outbox.clear()
    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken_send)
    assert paper.invoice_send(invoice_id=invoice.pk) is False
    invoice.refresh_from_db()
    assert invoice.emailed_at is None and invoice.email_attempts == 1 and "down" in invoice.email_error
    monkeypatch.undo()
    queued = []
    monkeypatch.setattr(paper, "invoice_send_queue", lambda *, invoice_id: queued.append(invoice_id))
    assert paper_round()["emails"] == 0  # the claim still stands
    later = timezone.now() + paper.EMAIL_CLAIM + dt.timedelta(seconds=1)
    assert paper_round(now=later)["emails"] == 1 and queued == [invoice.pk]
    assert paper.invoice_send(invoice_id=invoice.pk, now=later) is True
    assert len(mail.outbox) == 1


def broken_send(self, messages):
    raise ConnectionError("mail server down")


def pdf_text(invoice: Invoice) -> str:
    """The PDF's text, as pdftotext reads it."""
    import subprocess

    data = bytes(paper.invoice_pdf(invoice=invoice).data)
    return subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


# ---- A fee changed after invoicing ----------------------------------------------------------------


def test_a_changed_fee_cancels_the_invoice_with_a_credit_note_and_issues_a_new_one(world, booked):
    from bookings.models import Quote

    band_vat(world.band)
    first = invoice_issue(booking=booked)
    Quote.objects.filter(pk=booked.agreed_quote_id).update(fee_minor=95000)  # new terms agreed
    booked.refresh_from_db()
    issued = paper_catch_up(booking=booked)
    credit, new = issued
    assert credit.kind == Kind.CREDIT_NOTE and credit.corrects == first and credit.refund is None
    assert (credit.total_minor, credit.net_minor, credit.vat_minor) == (-80000, -67227, -12773)
    assert new.kind == Kind.INVOICE and new.total_minor == 95000 and new.sequence == first.sequence + 1
    assert paper.current_invoice(booked) == new
    assert paper_catch_up(booking=booked) == [] and paper_round()["invoices"] == 0
    assert "Invoice cancelled: the agreed fee changed" in pdf_text(credit)
    # A refund afterwards corrects the new invoice.
    payment = pay_next(booked, by=world.client)
    assert credit_note_issue(refund=refunded(payment, 1000)).corrects == new


def test_the_round_finds_a_changed_fee_by_itself(world, booked):
    from bookings.models import Quote

    invoice_issue(booking=booked)
    Quote.objects.filter(pk=booked.agreed_quote_id).update(fee_minor=70000)
    assert paper_round()["invoices"] == 1
    totals = list(Invoice.objects.order_by("kind", "sequence").values_list("kind", "total_minor"))
    assert totals == [("credit", -80000), ("invoice", 80000), ("invoice", 70000)]
    assert paper_round()["invoices"] == 0


def test_the_pdf_gives_the_gigs_times_in_the_events_zone_whoever_asks(world, booked):
    """The request is at 17:00–22:00 UTC, 18:00–23:00 in Berlin where it is played (19:00–00:00 in summer time):
    a reader in New York gets the same document, in Berlin's time."""
    import zoneinfo

    from django.utils import timezone

    invoice = invoice_issue(booking=booked)
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        far = bytes(paper.invoice_pdf(invoice=invoice).data)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        near = bytes(paper.invoice_pdf(invoice=invoice).data)
    assert far == near
    if shutil.which("pdftotext"):
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        start, end = booked.starts_at.astimezone(berlin), booked.ends_at.astimezone(berlin)
        assert f"{start:%H:%M}–{end:%H:%M} (Europe/Berlin)" in pdf_text(invoice)  # 19:00–00:00 in summer time
