"""When the legal hold ends (docs/decisions/0084): an erased person's name stays only in the fields the law
keeps (the person-data map's `hold`: invoices' and signed contracts' content, PDFs and signatures), for
STAGESLOT_LEGAL_HOLD_YEARS of each kind. Counted as the law counts them (German AO §147, HGB §257): from
the end of the calendar year the document was issued or signed in. The nightly retention then shreds them as
pretix's shredder does: the numbers, amounts and dates stay, the person's name, address, email, network
address and browser go, and the PDFs that carry them are dropped (an invoice's is drawn again from what is
left; a contract's is emptied). A document of a person not erased is kept as it is."""

import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from documents.models import Contract, ContractSignature, Invoice, RenderedPdf

from .erasure import rendered_pdfs_clear

SHREDDED = "shredded_at"


def hold_ended_before(*, kind: str, now: dt.datetime) -> dt.datetime:
    """Documents of this kind issued before this moment are past their hold: the start of the calendar
    year `years` after the one that follows their own."""
    return dt.datetime(now.year - settings.STAGESLOT_LEGAL_HOLD_YEARS[kind], 1, 1, tzinfo=dt.UTC)


def legal_holds_end(*, now: dt.datetime, batch: int) -> int:
    """Shred the held fields of erased people's invoices and signatures whose hold has ended. Returns how
    many documents were shredded."""
    done = 0
    invoices = Invoice.objects.filter(
        recipient__erased_at__isnull=False, issued_at__lt=hold_ended_before(kind="invoices", now=now)
    ).exclude(content__has_key=SHREDDED)
    while ids := list(invoices.order_by("pk").values_list("pk", flat=True)[:batch]):
        for invoice_id in ids:
            invoice_shred(invoice_id=invoice_id, now=now)
        done += len(ids)
    signatures = ContractSignature.objects.filter(
        signer__erased_at__isnull=False, signed_at__lt=hold_ended_before(kind="contracts", now=now)
    ).exclude(ip_address__isnull=True, user_agent="", full_name=_("Former member"))
    while ids := list(signatures.order_by("pk").values_list("pk", flat=True)[:batch]):
        for signature_id in ids:
            signature_shred(signature_id=signature_id)
        done += len(ids)
    if done:
        rendered_pdfs_clear(user=None)
    return done


def invoice_shred(*, invoice_id: int, now: dt.datetime) -> None:
    """The recipient's details on the invoice become "Former member"; its kept PDF goes (drawn again on
    demand from what is left). Number, amounts, VAT and dates stay."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        content = dict(invoice.content)
        recipient = content.get("recipient")
        if isinstance(recipient, dict):
            content["recipient"] = dict.fromkeys(recipient, "") | {"name": _("Former member")}
        content[SHREDDED] = now.isoformat()
        invoice.content = content
        invoice.pdf = None
        invoice.save(update_fields=["content", "pdf"])


def signature_shred(*, signature_id: int) -> None:
    """The signer's typed name, network address and browser go from the signature, their name from the
    contract's content, and the contract's PDFs (which print them) are emptied. The times, sides and the
    hashes of what was signed stay."""
    with transaction.atomic():
        signature = ContractSignature.objects.select_for_update().select_related("contract").get(pk=signature_id)
        contract = signature.contract
        former = _("Former member")
        name = signature.full_name.strip()
        if len(name) >= 3 and name != former:
            pattern = re.compile(re.escape(name), re.IGNORECASE)
            Contract.objects.filter(pk=contract.pk).update(content=_scrub_json(contract.content, pattern, former))
        signature.full_name = former
        signature.ip_address = None
        signature.user_agent = ""
        signature.save(update_fields=["full_name", "ip_address", "user_agent"])
        pdfs = Q(pk=contract.draft_id) | Q(pk=contract.final_id) if contract.final_id else Q(pk=contract.draft_id)
        RenderedPdf.objects.filter(pdfs).update(data=b"", size=0)


def _scrub_json(value, pattern: re.Pattern, former: str):
    """The contract's content with the signer's typed name (kept by law until now) replaced: only this
    signature's own document, never anyone else's text."""
    if isinstance(value, str):
        return pattern.sub(former, value)
    if isinstance(value, list):
        return [_scrub_json(v, pattern, former) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, pattern, former) for k, v in value.items()}
    return value
