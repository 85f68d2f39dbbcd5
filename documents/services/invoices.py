"""Issuing invoices, receipts and credit notes, numbered without a gap, and emailing them.

What is issued (docs/decisions/0036-paper.md):
- a band's fee: an INVOICE in the band's name (its legal details, VAT rate or reverse charge) to the
  payer (the venue, or the client of a private event), once the booking is booked with a fee;
- every payment that succeeded: a RECEIPT. Paid by card through StageSlot, StageSlot received it (on the
  band's behalf) and issues it in its own series; paid outside StageSlot, the band received it, so the
  band issues it in its own receipt series;
- every refund that succeeded: a CREDIT NOTE from the band correcting the booking's invoice.

Payments and bookings cannot import documents (the layers), so nothing here is called by them: a
catch-up issues what is missing, for one booking when its paper is read (`paper_catch_up`) and for every
booking each minute (`paper_round`, from documents.tasks.paper_round_task).

The amount charged is the total (gross): net and VAT are split from it by the rate, integers only.
"""

import datetime as dt
import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Exists, F, OuterRef, Q, Subquery, Sum, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.services import language_for
from bands.models import Band, Membership
from bookings.models import Booking
from core.queue import task_queue
from core.web.site import site_url
from payments.models import Payment, Refund, Settlement
from payments.selectors import fee_minor_of, may_see_money, paid_before_settlement, payer_side
from venues.models import VenueStaff

from ..models import Invoice, InvoiceSeries, RenderedPdf
from ..pdf import pdf_render
from ..selectors.invoices import booking_invoices, bookings_q, invoice_pdf_context
from ..selectors.legal import party_of_band, party_of_user, party_of_venue

logger = logging.getLogger(__name__)

Kind = Invoice.Kind
PLATFORM = "platform"
# A booking in one of these has a fee the band invoices (a cancelled one only once money moved on it).
INVOICED_STATUSES = (
    Booking.Status.BOOKED,
    Booking.Status.IN_PROGRESS,
    Booking.Status.COMPLETED,
    Booking.Status.DISPUTED,
)
EMAIL_ATTEMPTS = 5
# A claim older than this was lost with the worker that made it; it is also the wait after a failed try.
EMAIL_CLAIM = dt.timedelta(minutes=5)
# What the round leaves to the on-commit queueing of the request that issued it.
EMAIL_GRACE = dt.timedelta(minutes=1)


class PaperError(Exception):
    """A document that cannot be issued (nothing to invoice, a payment not paid)."""


# ---- Amounts ------------------------------------------------------------------------------------


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def vat_split(total_minor: int, rate_bp: int) -> tuple[int, int]:
    """(net, VAT) of a gross total at `rate_bp` basis points: net = total × 10000 / (10000 + rate),
    rounded half away from zero, and VAT the rest, so net + VAT is always the total (also negative)."""
    if rate_bp < 0 or rate_bp > 10000:
        raise ValueError("A VAT rate is 0 to 10000 basis points")
    net = _round_div(total_minor * 10000, 10000 + rate_bp)
    return net, total_minor - net


# ---- Numbers -----------------------------------------------------------------------------------


def band_code(band: Band) -> str:
    """A band's short code in its numbers: up to six letters of its slug and its id, "NIGHTS12"."""
    letters = re.sub(r"[^A-Z0-9]", "", band.slug.upper())[:6] or "BAND"
    return f"{letters}{band.pk}"


def band_key(band_id: int) -> str:
    return f"band:{band_id}"


def series_prefix(*, issuer_key: str, kind: str, band: Band | None = None) -> str:
    """ "NIGHTS12-" for a band's invoices, "CN-NIGHTS12-" its credit notes, "R-NIGHTS12-" its receipts
    (paid outside StageSlot), "R-" StageSlot's receipts."""
    if issuer_key == PLATFORM:
        return "R-"
    code = band_code(band) if band is not None else issuer_key.replace("band:", "B")
    return {Kind.INVOICE: f"{code}-", Kind.CREDIT_NOTE: f"CN-{code}-", Kind.RECEIPT: f"R-{code}-"}[kind]


def _series_for_update(issuer_key: str, kind: str) -> InvoiceSeries | None:
    """The series row, locked until the transaction ends (the numbering's one lock)."""
    return InvoiceSeries.objects.select_for_update().filter(issuer_key=issuer_key, kind=kind).first()


def invoice_series_lock(*, issuer_key: str, kind: str, prefix: str = "") -> InvoiceSeries:
    """The issuer's series of `kind`, created on first use and locked: whoever holds it alone takes the
    next number. Two first documents at once both try to create it; the unique constraint lets one win
    and the other takes the winner's row (and waits for its lock). Must run inside a transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("A number is taken inside the transaction that writes its document")
    series = _series_for_update(issuer_key, kind)
    if series is None:
        try:
            with transaction.atomic():
                InvoiceSeries.objects.create(issuer_key=issuer_key, kind=kind, prefix=prefix)
        except IntegrityError:
            pass  # created meanwhile by another transaction: lock theirs
        series = _series_for_update(issuer_key, kind)
    return series


def invoice_number_next(*, issuer_key: str, kind: str, prefix: str = "") -> tuple[InvoiceSeries, int, str]:
    """Take the next number of the issuer's series of `kind`: (series, sequence, printed number).

    The series row stays locked until the caller's transaction commits, and the document is written in
    that same transaction: numbers run 1, 2, 3… per issuer and kind with no gap (a rolled-back
    document gives its number back) and no duplicate, however many are issued at once."""
    series = invoice_series_lock(issuer_key=issuer_key, kind=kind, prefix=prefix)
    series.last_number += 1
    InvoiceSeries.objects.filter(pk=series.pk).update(last_number=series.last_number)
    return series, series.last_number, f"{series.prefix}{series.last_number:05d}"


# ---- Who is who on paper --------------------------------------------------------------------------


def platform_party() -> dict:
    """StageSlot as the issuer of its receipts."""
    return {
        "legal_name": getattr(settings, "PAPER_PLATFORM_NAME", "StageSlot"),
        "address": getattr(settings, "PAPER_PLATFORM_ADDRESS", ""),
        "email": getattr(settings, "DEFAULT_FROM_EMAIL", ""),
        "tax_number": getattr(settings, "PAPER_PLATFORM_TAX_NUMBER", ""),
        "vat_rate_bp": 0,
        "reverse_charge": False,
        "invoice_note": "",
        "complete": True,
    }


def payer_of(booking: Booking) -> tuple[dict, User | None]:
    """The payer on paper (the client, or the venue) and the person who receives the email (the client,
    or the venue's first owner)."""
    if booking.client_id:
        return party_of_user(booking.client), booking.client
    owner = (
        VenueStaff.objects.filter(venue_id=booking.venue_id)
        .order_by("-role", "pk")  # "owner" before "booker"
        .select_related("user")
        .first()
    )
    return party_of_venue(booking.venue), owner.user if owner else None


def _booking_facts(booking: Booking) -> dict:
    return {
        "uid": str(booking.uid),
        "band": booking.band.name,
        "place": booking.venue.name if booking.venue_id else booking.location,
        "event_type": booking.event_type,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "time_zone": booking.time_zone,
    }


def _issue(
    *,
    issuer_key: str,
    kind: str,
    band: Band | None,
    existing: Callable[[], Invoice | None],
    fields: Callable[[], dict | None],
) -> Invoice | None:
    """Issue one document unless `existing()` finds it: under the series lock, so two catch-ups of the
    same thing at once issue it once (the unique constraints say the same for receipts and credit
    notes). `fields()` gives the document's columns, or None when there is nothing to issue. Its email
    is queued once the transaction commits."""
    prefix = series_prefix(issuer_key=issuer_key, kind=kind, band=band)
    try:
        with transaction.atomic():
            invoice_series_lock(issuer_key=issuer_key, kind=kind, prefix=prefix)
            found = existing()
            if found is not None:
                return found
            values = fields()
            if values is None:
                return None
            series, sequence, number = invoice_number_next(issuer_key=issuer_key, kind=kind, prefix=prefix)
            invoice = Invoice.objects.create(
                kind=kind, series=series, sequence=sequence, number=number, band=band, **values
            )
            transaction.on_commit(lambda: invoice_send_queue(invoice_id=invoice.pk))
            return invoice
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


def current_invoice(booking: Booking) -> Invoice | None:
    """The booking's invoice for its fee that no credit note has cancelled as a whole."""
    cancelled = Invoice.objects.filter(corrects=OuterRef("pk"), kind=Kind.CREDIT_NOTE, refund__isnull=True)
    return (
        Invoice.objects.filter(booking=booking, kind=Kind.INVOICE, settlement__isnull=True)
        .filter(~Exists(cancelled))
        .order_by("-sequence")
        .first()
    )


def _invoiceable(booking: Booking) -> bool:
    if payer_side(booking) is None or fee_minor_of(booking) <= 0:
        return False
    if booking.status in INVOICED_STATUSES:
        return True
    return Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED).exists()


def _invoice_fields(booking: Booking) -> dict | None:
    """The columns of the booking's invoice as things stand now, or None when there is nothing to invoice."""
    if not _invoiceable(booking):
        return None
    issuer = party_of_band(booking.band)
    recipient, person = payer_of(booking)
    rate = 0 if issuer["reverse_charge"] else issuer["vat_rate_bp"]
    total = fee_minor_of(booking)
    net, vat = vat_split(total, rate)
    return {
        "booking": booking,
        "recipient": person,
        "content": {
            "issuer": issuer,
            "recipient": recipient,
            "booking": _booking_facts(booking),
            "lines": [{"what": "fee", "amount_minor": net}],
            "notes": [issuer["invoice_note"]] if issuer["invoice_note"] else [],
        },
        "currency": booking.currency,
        "net_minor": net,
        "vat_minor": vat,
        "total_minor": total,
        "vat_rate_bp": rate,
        "reverse_charge": issuer["reverse_charge"],
        "issued_at": timezone.now(),
    }


def _booking_for_paper(booking: Booking) -> Booking:
    return Booking.objects.select_related("band", "venue", "client", "agreed_quote").get(pk=booking.pk)


def invoice_issue(*, booking: Booking) -> Invoice | None:
    """The band's invoice for the booking's fee, issued once: the agreed fee (the total the payer pays)
    in the band's name to the payer, VAT split from it at the band's rate (none, with the note, under a
    reverse charge). None when there is nothing to invoice (no payer, no fee, not booked). Idempotent:
    a second call returns the invoice already issued."""
    booking = _booking_for_paper(booking)
    return _issue(
        issuer_key=band_key(booking.band_id),
        kind=Kind.INVOICE,
        band=booking.band,
        existing=lambda: current_invoice(booking),
        fields=lambda: _invoice_fields(booking),
    )


def invoice_reissue(*, booking: Booking) -> tuple[Invoice, Invoice] | None:
    """When the fee changed after the booking was invoiced (new terms agreed), a credit note cancelling
    the invoice as a whole and a new invoice for the fee now, in one transaction: (credit note, new
    invoice). None when the invoice still holds (or there is none, or nothing to invoice now). Under
    both series' locks (credit notes first, as credit_note_issue takes them after the invoice's alone),
    so two catch-ups at once reissue once."""
    booking = _booking_for_paper(booking)
    key = band_key(booking.band_id)
    credit_prefix = series_prefix(issuer_key=key, kind=Kind.CREDIT_NOTE, band=booking.band)
    invoice_prefix = series_prefix(issuer_key=key, kind=Kind.INVOICE, band=booking.band)
    with transaction.atomic():
        invoice_series_lock(issuer_key=key, kind=Kind.CREDIT_NOTE, prefix=credit_prefix)
        invoice_series_lock(issuer_key=key, kind=Kind.INVOICE, prefix=invoice_prefix)
        old = current_invoice(booking)
        values = _invoice_fields(booking)
        if old is None or values is None or values["total_minor"] == old.total_minor:
            return None
        series, sequence, number = invoice_number_next(issuer_key=key, kind=Kind.CREDIT_NOTE, prefix=credit_prefix)
        credit = Invoice.objects.create(
            kind=Kind.CREDIT_NOTE,
            series=series,
            sequence=sequence,
            number=number,
            band=booking.band,
            booking=booking,
            corrects=old,
            recipient=old.recipient,
            content={
                "issuer": old.content["issuer"],
                "recipient": old.content["recipient"],
                "booking": old.content["booking"],
                "lines": [{"what": "replaced", "amount_minor": -old.net_minor}],
                "notes": [],
                "invoice_number": old.number,
            },
            currency=old.currency,
            net_minor=-old.net_minor,
            vat_minor=-old.vat_minor,
            total_minor=-old.total_minor,
            vat_rate_bp=old.vat_rate_bp,
            reverse_charge=old.reverse_charge,
            issued_at=timezone.now(),
        )
        series, sequence, number = invoice_number_next(issuer_key=key, kind=Kind.INVOICE, prefix=invoice_prefix)
        new = Invoice.objects.create(
            kind=Kind.INVOICE, series=series, sequence=sequence, number=number, band=booking.band, **values
        )
        transaction.on_commit(lambda: invoice_send_queue(invoice_id=credit.pk))
        transaction.on_commit(lambda: invoice_send_queue(invoice_id=new.pk))
    return credit, new


def _billed_before(booking: Booking, settlement: Settlement) -> int:
    """What the band's fee invoice (the guarantee's, not cancelled) already bills, less its refunds' credit
    notes: paid or not, it is not billed a second time on the settlement's invoice."""
    invoice = current_invoice(booking)
    if invoice is None or invoice.currency != settlement.currency:
        return 0
    credited = Invoice.objects.filter(corrects=invoice, kind=Kind.CREDIT_NOTE).aggregate(n=Sum("total_minor"))["n"]
    return invoice.total_minor + (credited or 0)  # a credit note's total is negative


def _settlement_invoice_fields(booking: Booking, settlement: Settlement) -> dict | None:
    """The columns of the band's invoice for what the approved settlement owes beyond what was paid
    before it (its guarantee's parts): the band's amount with its bonus, less the venue's merchandise
    cut, less that. None when nothing more is owed."""
    payments = list(Payment.objects.filter(booking=booking))
    total = settlement.payable_minor - max(paid_before_settlement(payments), _billed_before(booking, settlement))
    if total <= 0:
        return None
    issuer = party_of_band(booking.band)
    recipient, person = payer_of(booking)
    rate = 0 if issuer["reverse_charge"] else issuer["vat_rate_bp"]
    net, vat = vat_split(total, rate)
    return {
        "booking": booking,
        "settlement": settlement,
        "recipient": person,
        "content": {
            "issuer": issuer,
            "recipient": recipient,
            "booking": _booking_facts(booking),
            "lines": [{"what": "settlement", "amount_minor": net}],
            "notes": [issuer["invoice_note"]] if issuer["invoice_note"] else [],
        },
        "currency": settlement.currency,
        "net_minor": net,
        "vat_minor": vat,
        "total_minor": total,
        "vat_rate_bp": rate,
        "reverse_charge": issuer["reverse_charge"],
        "issued_at": timezone.now(),
    }


def settlement_invoice_issue(*, booking: Booking) -> Invoice | None:
    """The band's invoice for the extra a door deal's approved settlement owes (the band's amount, bonus
    included, less the venue's merchandise cut, beyond what was paid before it), issued once per
    settlement: under the series lock and the unique constraint, so a second catch-up, or an approval
    submitted twice, finds the one issued. None without an approved settlement, or nothing beyond."""
    booking = _booking_for_paper(booking)
    settlement = Settlement.objects.filter(booking=booking, status=Settlement.Status.APPROVED).first()
    if settlement is None or payer_side(booking) is None:
        return None
    return _issue(
        issuer_key=band_key(booking.band_id),
        kind=Kind.INVOICE,
        band=booking.band,
        existing=lambda: Invoice.objects.filter(kind=Kind.INVOICE, settlement=settlement).first(),
        fields=lambda: _settlement_invoice_fields(booking, settlement),
    )


def receipt_issue(*, payment: Payment) -> Invoice:
    """The receipt of a payment that succeeded, issued once. Paid by card, StageSlot received the money
    (for the band) and issues it in its own series; paid outside StageSlot, the band received it and
    issues it in its own receipt series. A receipt carries no VAT of its own: the band's invoice does.
    Raises PaperError for a payment not (yet) paid or not of a booking."""
    payment = Payment.objects.select_related("booking__band", "booking__venue", "booking__client").get(pk=payment.pk)
    if payment.status != Payment.Status.SUCCEEDED or payment.booking_id is None:
        raise PaperError("Only a payment of a booking that succeeded gets a receipt")
    booking = payment.booking
    outside = payment.method == Payment.Method.OUTSIDE
    issuer_key = band_key(booking.band_id) if outside else PLATFORM

    def fields() -> dict:
        recipient, person = payer_of(booking)
        invoice = current_invoice(booking)
        return {
            "booking": booking,
            "payment": payment,
            "recipient": payment.payer or person,
            "content": {
                "issuer": party_of_band(booking.band) if outside else platform_party(),
                "recipient": recipient,
                "booking": _booking_facts(booking),
                "lines": [{"what": "payment", "purpose": payment.purpose, "amount_minor": payment.amount_minor}],
                "notes": [],
                "paid": {
                    "method": payment.method,
                    "paid_at": (payment.paid_at or payment.updated_at).isoformat(),
                    "reference": payment.reference,
                },
                "invoice_number": invoice.number if invoice else "",
                "on_behalf_of": "" if outside else booking.band.name,
            },
            "currency": payment.currency,
            "net_minor": payment.amount_minor,
            "vat_minor": 0,
            "total_minor": payment.amount_minor,
            "issued_at": timezone.now(),
        }

    return _issue(
        issuer_key=issuer_key,
        kind=Kind.RECEIPT,
        band=booking.band if outside else None,
        existing=lambda: Invoice.objects.filter(kind=Kind.RECEIPT, payment=payment).first(),
        fields=fields,
    )


def credit_note_issue(*, refund: Refund) -> Invoice:
    """The band's credit note for a refund that succeeded, issued once: it corrects the booking's
    invoice (issued first if it is missing) by the refunded amount, VAT split at that invoice's rate.
    Raises PaperError for a refund not (yet) made or not of a booking's payment."""
    refund = Refund.objects.select_related("payment__booking__band").get(pk=refund.pk)
    booking = refund.payment.booking
    if refund.status != Refund.Status.SUCCEEDED or booking is None:
        raise PaperError("Only a refund of a booking's payment that succeeded gets a credit note")
    corrected = invoice_issue(booking=booking)

    def fields() -> dict:
        if corrected is not None:
            issuer, recipient = corrected.content["issuer"], corrected.content["recipient"]
            rate, reverse, person = corrected.vat_rate_bp, corrected.reverse_charge, corrected.recipient
        else:
            issuer = party_of_band(booking.band)
            recipient, person = payer_of(booking)
            reverse = issuer["reverse_charge"]
            rate = 0 if reverse else issuer["vat_rate_bp"]
        total = -refund.amount_minor
        net, vat = vat_split(total, rate)
        return {
            "booking": booking,
            "refund": refund,
            "payment": refund.payment,
            "corrects": corrected,
            "recipient": person,
            "content": {
                "issuer": issuer,
                "recipient": recipient,
                "booking": _booking_facts(booking),
                "lines": [{"what": "refund", "reason": refund.reason, "amount_minor": net}],
                "notes": [],
                "invoice_number": corrected.number if corrected else "",
            },
            "currency": refund.currency,
            "net_minor": net,
            "vat_minor": vat,
            "total_minor": total,
            "vat_rate_bp": rate,
            "reverse_charge": reverse,
            "issued_at": timezone.now(),
        }

    return _issue(
        issuer_key=band_key(booking.band_id),
        kind=Kind.CREDIT_NOTE,
        band=booking.band,
        existing=lambda: Invoice.objects.filter(kind=Kind.CREDIT_NOTE, refund=refund).first(),
        fields=fields,
    )


# ---- Catching up --------------------------------------------------------------------------------


def _receipt_missing() -> Q:
    return ~Exists(Invoice.objects.filter(kind=Kind.RECEIPT, payment=OuterRef("pk")))


def _credit_note_missing() -> Q:
    return ~Exists(Invoice.objects.filter(kind=Kind.CREDIT_NOTE, refund=OuterRef("pk")))


def _invoice_missing() -> Q:
    return ~Exists(Invoice.objects.filter(kind=Kind.INVOICE, booking=OuterRef("pk"), settlement__isnull=True))


def _settlement_invoice_missing() -> Q:
    """An approved settlement without its invoice (one with nothing beyond what was paid never gets one,
    and is looked at again: a cheap indexed look-up)."""
    return ~Exists(Invoice.objects.filter(kind=Kind.INVOICE, settlement=OuterRef("pk")))


def _current_total() -> Subquery:
    """The total of the booking's current invoice (none cancelled it as a whole)."""
    cancelled = Invoice.objects.filter(corrects=OuterRef("pk"), kind=Kind.CREDIT_NOTE, refund__isnull=True)
    current = Invoice.objects.filter(booking=OuterRef("pk"), kind=Kind.INVOICE, settlement__isnull=True)
    current = current.filter(~Exists(cancelled))
    return Subquery(current.order_by("-sequence").values("total_minor")[:1])


def _fee_now() -> Case:
    """payments' fee_minor_of in SQL: the agreed terms' guarantee, else the booking's fee in minor units."""
    return Case(
        When(agreed_quote__isnull=True, then=F("fee") * 100),
        default=F("agreed_quote__fee_minor"),
        output_field=BigIntegerField(),
    )


def _fee_of(booking: Booking) -> int | None:
    """The booking's fee in minor units as the database holds it now (not as the caller's copy does)."""
    return Booking.objects.filter(pk=booking.pk).annotate(fee_now=_fee_now()).values_list("fee_now", flat=True).first()


def _fee_q() -> Q:
    """A booking with a payer and a fee (its agreed terms' guarantee, else its own fee)."""
    payer = Q(client__isnull=False) | Q(venue__isnull=False)
    fee = Q(agreed_quote__isnull=False, agreed_quote__fee_minor__gt=0) | Q(agreed_quote__isnull=True, fee__gt=0)
    return payer & fee


def paper_catch_up(*, booking: Booking) -> list[Invoice]:
    """Issue what one booking is missing: its invoice (or, when its fee changed since, a credit note for
    the old one and a new one), its payments' receipts, its refunds' credit notes. Three cheap reads
    when nothing is missing. Returns what it issued."""
    issued: list[Invoice] = []
    paid = Payment.objects.filter(booking_id=booking.pk, status=Payment.Status.SUCCEEDED)
    current = current_invoice(booking)
    if current is None and (booking.status in INVOICED_STATUSES or paid.exists()):
        invoice = invoice_issue(booking=booking)
        if invoice is not None:
            issued.append(invoice)
    elif current is not None and booking.status in INVOICED_STATUSES and current.total_minor != _fee_of(booking):
        issued.extend(invoice_reissue(booking=booking) or ())
    if Settlement.objects.filter(booking_id=booking.pk, status=Settlement.Status.APPROVED).filter(
        _settlement_invoice_missing()
    ):
        invoice = settlement_invoice_issue(booking=booking)
        if invoice is not None:
            issued.append(invoice)
    for payment in paid.filter(_receipt_missing()).order_by("pk"):
        issued.append(receipt_issue(payment=payment))
    refunds = Refund.objects.filter(payment__booking_id=booking.pk, status=Refund.Status.SUCCEEDED)
    for refund in refunds.filter(_credit_note_missing()).order_by("pk"):
        issued.append(credit_note_issue(refund=refund))
    return issued


# The round and the Invoices page catch up the invoices of gigs that end from this long ago on: they are
# there to mend a failed or interrupted issue within minutes, not to invoice years of history at once (a
# booking imported or written before invoicing gets its invoice when its Paper card is opened).
CATCH_UP_WINDOW = dt.timedelta(days=14)


def _issue_missing(*, scope: Callable[[str], Q], limit: int) -> dict[str, int]:
    """Issue the documents missing on the bookings in `scope` (a Q over bookings with the given field
    prefix), at most `limit` of each kind: three set-based look-ups when nothing is missing."""
    counts = {"invoices": 0, "receipts": 0, "credit_notes": 0}
    recent = Q(ends_at__gte=timezone.now() - CATCH_UP_WINDOW)
    bookings = (
        Booking.objects.filter(_fee_q(), scope(""), recent, status__in=INVOICED_STATUSES)
        .filter(_invoice_missing())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for booking_id in list(bookings):
        if invoice_issue(booking=Booking(pk=booking_id)) is not None:
            counts["invoices"] += 1
    changed = (
        Booking.objects.filter(_fee_q(), scope(""), recent, status__in=INVOICED_STATUSES)
        .annotate(invoiced=_current_total(), fee_now=_fee_now())
        .filter(invoiced__isnull=False)
        .exclude(invoiced=F("fee_now"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for booking_id in list(changed):
        if invoice_reissue(booking=Booking(pk=booking_id)) is not None:
            counts["invoices"] += 1
    settled = (
        Settlement.objects.filter(scope("booking__"), status=Settlement.Status.APPROVED)
        .filter(approved_at__gte=timezone.now() - CATCH_UP_WINDOW)
        .filter(_settlement_invoice_missing())
        .order_by("pk")
        .values_list("booking_id", flat=True)[:limit]
    )
    for booking_id in list(settled):
        if settlement_invoice_issue(booking=Booking(pk=booking_id)) is not None:
            counts["invoices"] += 1
    payments = Payment.objects.filter(scope("booking__"), status=Payment.Status.SUCCEEDED, booking__isnull=False)
    for payment in list(payments.filter(_receipt_missing()).order_by("pk")[:limit]):
        receipt_issue(payment=payment)
        counts["receipts"] += 1
    refunds = Refund.objects.filter(
        scope("payment__booking__"), status=Refund.Status.SUCCEEDED, payment__booking__isnull=False
    )
    for refund in list(refunds.filter(_credit_note_missing()).order_by("pk")[:limit]):
        credit_note_issue(refund=refund)
        counts["credit_notes"] += 1
    return counts


def paper_catch_up_for(*, user: User, limit: int = 50) -> dict[str, int]:
    """Issue what is missing on the bookings whose paper `user` sees (their Invoices page). Staff see
    every booking: for them the paper round does it."""
    if user.is_staff:
        return {"invoices": 0, "receipts": 0, "credit_notes": 0}
    return _issue_missing(scope=lambda prefix: bookings_q(user, prefix), limit=limit)


def paper_round(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Each minute: issue every missing invoice, receipt and credit note (set-based look-ups: a booked
    booking with a fee and no invoice; a payment that succeeded and a refund made without their
    document; at most `limit` of each a run) and queue again the emails still unsent (never queued, or
    whose try failed or whose worker stopped, after the claim ran out). Returns the counts."""
    now = now or timezone.now()
    counts = _issue_missing(scope=lambda prefix: Q(), limit=limit)
    unsent = (
        Invoice.objects.filter(emailed_at__isnull=True, email_attempts__lt=EMAIL_ATTEMPTS)
        .filter(
            Q(email_claimed_at__isnull=True, issued_at__lt=now - EMAIL_GRACE)
            | Q(email_claimed_at__lt=now - EMAIL_CLAIM)
        )
        .order_by("issued_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts["emails"] = 0
    for invoice_id in list(unsent):
        invoice_send_queue(invoice_id=invoice_id)
        counts["emails"] += 1
    return counts


# ---- The PDF and the email ------------------------------------------------------------------------


def invoice_pdf(*, invoice: Invoice) -> RenderedPdf:
    """The document's PDF in the active language (kept by its content: rendered once)."""
    context = invoice_pdf_context(invoice)
    return pdf_render("documents/pdf/invoice.html", context, zone=context["zone"])


def invoice_message_id(invoice: Invoice) -> str:
    """The same Message-ID for every try of one document's email, so a rare re-send folds into one."""
    domain = urlsplit(site_url()).hostname or "stageslot.local"
    return f"<invoice-{invoice.uid}@{domain}>"


def invoice_addresses(invoice: Invoice) -> tuple[list[str], list[str]]:
    """(to, cc): the recipient (their address for paper, else their account's), and for a band's own
    documents the band (its address for paper, else its leaders')."""
    to = [invoice.content.get("recipient", {}).get("email") or (invoice.recipient.email if invoice.recipient else "")]
    cc: list[str] = []
    if invoice.band_id:
        band_email = invoice.content.get("issuer", {}).get("email", "")
        if band_email:
            cc = [band_email]
        else:
            cc = list(
                Membership.objects.filter(band_id=invoice.band_id, role=Membership.Role.LEADER)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
    to = [a for a in to if a]
    return to, [a for a in cc if a and a not in to]


def _message(invoice: Invoice, to: list[str], cc: list[str]) -> EmailMessage:
    context = {"invoice": invoice, "site_url": site_url()}
    subject = render_to_string("documents/invoices/email_subject.txt", context).strip()
    body = render_to_string("documents/invoices/email_body.txt", context)
    message = EmailMessage(
        subject=subject, body=body, to=to, cc=cc, headers={"Message-ID": invoice_message_id(invoice)}
    )
    return message


def invoice_send(*, invoice_id: int, now: dt.datetime | None = None) -> bool:
    """Email a document with its PDF attached: at least once, with one Message-ID for every try.

    1. Claim the row (locked, skipping one another run holds) if it is unsent and unclaimed, or its
       claim ran out (the worker died); a claim taken over counts as a try.
    2. Render the PDF in the recipient's language (kept on the row: the PDF that was sent) and send it,
       holding no lock.
    3. Mark it emailed. A failed send counts the try and keeps the claim: the paper round tries again
       once the claim runs out, EMAIL_ATTEMPTS times at most. Returns whether an email went out now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_CLAIM))
            .filter(pk=invoice_id, emailed_at__isnull=True, email_attempts__lt=EMAIL_ATTEMPTS)
            .first()
        )
        if invoice is None:
            return False
        if invoice.email_claimed_at is not None:
            invoice.email_attempts += 1
        invoice.email_claimed_at = now
        invoice.save(update_fields=["email_claimed_at", "email_attempts"])
    to, cc = invoice_addresses(invoice)
    if not to and not cc:
        Invoice.objects.filter(pk=invoice.pk).update(
            email_attempts=EMAIL_ATTEMPTS, email_error="Nobody to send it to: no email address on it."
        )
        return False
    mail = get_connection()
    try:
        with translation.override(language_for(invoice.recipient)):
            pdf = invoice_pdf(invoice=invoice)
            message = _message(invoice, to, cc)
        message.attach(f"{invoice.number}.pdf", bytes(pdf.data), "application/pdf")
        if mail.send_messages([message]) != 1:
            raise RuntimeError("The mail server took no message")
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"[:300]
        Invoice.objects.filter(pk=invoice.pk).update(email_attempts=invoice.email_attempts + 1, email_error=text)
        logger.warning("Emailing %s failed (try %d): %s", invoice, invoice.email_attempts + 1, text)
        return False
    Invoice.objects.filter(pk=invoice.pk).update(emailed_at=timezone.now(), pdf=pdf, email_error="")
    return True


INVOICE_SEND_TASK = "documents.tasks.invoice_send_task"


def invoice_send_queue(*, invoice_id: int) -> None:
    """Hand the email to the worker; a broker that is down leaves it to the paper round."""
    try:
        task_queue(INVOICE_SEND_TASK, invoice_id=invoice_id)
    except OperationalError:
        logger.warning("Broker unreachable; invoice %s is emailed by the next paper round", invoice_id)


# ---- The booking page's paper card ------------------------------------------------------------------


def paper_card_invoices(*, booking: Booking, user: User) -> list[Invoice]:
    """The paper card's documents, once what the booking is missing is issued (reading its paper is one
    of the catch-ups): for the band's leaders and admins, the payer and staff; nothing for anyone else
    (a member, the headliner of a support act)."""
    if not may_see_money(booking, user):
        return []
    paper_catch_up(booking=booking)
    return booking_invoices(booking=booking)
