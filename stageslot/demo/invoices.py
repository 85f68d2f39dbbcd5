"""Demo paper: legal details for two demo bands (one charging VAT, one under a reverse charge) and the
demo client, then every invoice, receipt and credit note the demo's money calls for – at least the
Night Owls' invoice and the deposit's receipt, and Brass & Bones' credit note for its refunded
cancellation. Run after seed_payments. Idempotent: details are kept once given, and issuing finds what
is issued already. The documents count as emailed (nobody is mailed by seeding)."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from bands.models import Band
from documents.models import Invoice, LegalDetails
from documents.services.invoices import _issue_missing

logger = logging.getLogger(__name__)

BANDS = {
    "the-night-owls": {
        "legal_name": "The Night Owls GbR",
        "address": "Oranienstraße 12\n10999 Berlin\nGermany",
        "email": "office@nightowls.demo.stageslot.test",
        "tax_number": "DE298765432",
        "vat_rate_bp": 1900,
        "invoice_note": "Please pay to IBAN DE89 3704 0044 0532 0130 00 within 14 days.",
    },
    "brass-and-bones": {
        "legal_name": "Brass & Bones Ltd",
        "address": "14 Canal Street\nManchester M1 3HE\nUnited Kingdom",
        "tax_number": "GB123456789",
        "vat_rate_bp": 0,
        "reverse_charge": True,
    },
}


def seed_invoices(*, now: dt.datetime) -> dict[str, int]:
    """The demo's legal details and paper; returns how many documents it issued now."""
    with transaction.atomic():
        for slug, details in BANDS.items():
            band = Band.objects.filter(slug=slug).first()
            if band is None:
                logger.warning("Demo invoices: no band %s", slug)
                continue
            LegalDetails.objects.get_or_create(band=band, defaults=details)
        client = User.objects.filter(email="client@demo.stageslot.test").first()
        if client is not None:
            LegalDetails.objects.get_or_create(
                user=client,
                defaults={"legal_name": client.name, "address": "Am Neuen Markt 5\n14467 Potsdam\nGermany"},
            )
        before = set(Invoice.objects.values_list("pk", flat=True))
        counts = _issue_missing(scope=lambda prefix: Q(), limit=1000)
        # Seeding mails nobody: the queued sends (after this commits) find them sent already.
        Invoice.objects.exclude(pk__in=before).filter(emailed_at__isnull=True).update(emailed_at=now)
    kinds = set(Invoice.objects.values_list("kind", flat=True))
    missing = {Invoice.Kind.INVOICE, Invoice.Kind.RECEIPT, Invoice.Kind.CREDIT_NOTE} - kinds
    if missing:
        logger.warning("Demo invoices: no %s (the demo's payments were not seeded?)", ", ".join(sorted(missing)))
    return counts
