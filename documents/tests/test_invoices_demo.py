"""The demo's paper: after the demo's money, an invoice, a receipt and a credit note, each with its PDF;
seeding again issues nothing."""

import pytest
from django.core import mail
from django.utils import timezone

from documents.models import Invoice, LegalDetails
from documents.services.invoices import invoice_pdf
from stageslot.demo_invoices import seed_invoices
from stageslot.tests.test_seed_demo import seed_without_photos

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="each test seeds the whole demo world (about 10 s)")]


def test_the_demo_has_an_invoice_a_receipt_and_a_credit_note(settings, monkeypatch):
    seed_without_photos(settings, monkeypatch)
    mail.outbox.clear()
    seed_invoices(now=timezone.now())  # seed_demo calls it after seed_payments
    owls = Invoice.objects.filter(kind=Invoice.Kind.INVOICE, band__slug="the-night-owls").first()
    assert (
        owls is not None and owls.vat_rate_bp == 1900 and owls.content["issuer"]["legal_name"] == "The Night Owls GbR"
    )
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert credit.band.slug == "brass-and-bones" and credit.reverse_charge and credit.corrects is not None
    assert credit.total_minor == -credit.refund.amount_minor
    assert Invoice.objects.filter(kind=Invoice.Kind.RECEIPT, band__isnull=True).exists()
    assert LegalDetails.objects.filter(user__email="client@demo.stageslot.test").exists()
    assert not Invoice.objects.filter(emailed_at__isnull=True).exists() and mail.outbox == []
    assert bytes(invoice_pdf(invoice=credit).data).startswith(b"%PDF")
    count = Invoice.objects.count()
    assert seed_invoices(now=timezone.now()) == {"invoices": 0, "receipts": 0, "credit_notes": 0}
    assert Invoice.objects.count() == count
