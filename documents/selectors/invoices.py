"""Reads of invoices, receipts and credit notes: who may see which, a booking's, the Invoices page's, and
what a document's PDF shows."""

import datetime as dt
import zoneinfo

from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext

from accounts.models import User
from bands.models import Membership
from bookings.models import Booking
from payments.models import Payment, Refund
from venues.models import VenueStaff

from ..models import Invoice

Kind = Invoice.Kind
LIST_RELATED = ("booking__band", "booking__venue", "booking__client", "corrects")


def bookings_q(user: User, prefix: str = "") -> Q:
    """The bookings whose paper `user` may see (fields named after `prefix`, e.g. "booking__"): whose
    band they lead or run, whose venue they staff, whose client they are; staff see all. Subqueries,
    so a list stays one query with no duplicates."""
    if user.is_staff:
        return Q()
    managed = Membership.objects.filter(
        user_id=user.pk, role__in=(Membership.Role.LEADER, Membership.Role.ADMIN)
    ).values("band_id")
    staffed = VenueStaff.objects.filter(user_id=user.pk).values("venue_id")
    return (
        Q(**{f"{prefix}band_id__in": Subquery(managed)})
        | Q(**{f"{prefix}venue_id__in": Subquery(staffed)})
        | Q(**{f"{prefix}client_id": user.pk})
    )


def visible_q(user: User) -> Q:
    """The documents `user` may see: those of bookings_q's bookings."""
    return bookings_q(user, "booking__")


def invoices_for_viewer(*, user: User, kind: str | None = None, year: int | None = None) -> QuerySet[Invoice]:
    """Every document `user` may see, newest first, of one kind and year if given."""
    documents = Invoice.objects.filter(visible_q(user)).select_related(*LIST_RELATED).order_by("-issued_at", "-id")
    if kind:
        documents = documents.filter(kind=kind)
    if year:
        start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
        documents = documents.filter(issued_at__gte=start, issued_at__lt=start.replace(year=year + 1))
    return documents


def invoice_years(*, user: User) -> list[int]:
    """The years `user` has documents in, newest first (the year filter's choices)."""
    dates = Invoice.objects.filter(visible_q(user)).dates("issued_at", "year", order="DESC")
    return [d.year for d in dates]


def invoice_for_viewer(*, uid, user: User) -> Invoice | None:
    """The document at `uid` if `user` may see it, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Invoice.objects.filter(visible_q(user), uid=uid).select_related(*LIST_RELATED).first()


def booking_invoices(*, booking: Booking) -> list[Invoice]:
    """A booking's documents in the order they were issued."""
    return list(Invoice.objects.filter(booking=booking).select_related("corrects").order_by("issued_at", "id"))


def _line_text(line: dict) -> str:
    what = line.get("what")
    if what == "fee":
        return gettext("Performance fee")
    if what == "payment":
        purpose = line.get("purpose")
        label = Payment.Purpose(purpose).label if purpose in Payment.Purpose.values else purpose
        return gettext("Payment received: %(purpose)s") % {"purpose": label}
    if what == "settlement":
        return gettext("The settlement of the door, beyond what was paid before it")
    if what == "replaced":
        return gettext("Invoice cancelled: the agreed fee changed, a new invoice follows")
    if what == "refund":
        reason = line.get("reason")
        label = Refund.Reason(reason).label if reason in Refund.Reason.values else reason
        return gettext("Refund: %(reason)s") % {"reason": label}
    return str(line.get("text", ""))


def _moment(text: str, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text).astimezone(zone)


def invoice_pdf_context(invoice: Invoice) -> dict:
    """What the PDF template shows, all of it copied on the document when it was issued (the booking's
    times in the event's zone), so the same document renders to the same bytes in one language."""
    content = invoice.content
    facts = content.get("booking", {})
    try:
        zone = zoneinfo.ZoneInfo(facts.get("time_zone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    paid = content.get("paid") or {}
    method = paid.get("method", "")
    return {
        "zone": zone,
        "invoice": invoice,
        "kind": invoice.kind,
        "title": invoice.get_kind_display(),
        "issuer": content.get("issuer", {}),
        "recipient": content.get("recipient", {}),
        "booking": {
            **facts,
            "starts_at": _moment(facts.get("starts_at", ""), zone),
            "ends_at": _moment(facts.get("ends_at", ""), zone),
        },
        "lines": [{"text": _line_text(line), "amount_minor": line.get("amount_minor", 0)} for line in content["lines"]],
        "notes": content.get("notes", []),
        "issued_on": invoice.issued_at.astimezone(zone).date(),
        "paid": {
            "method": Payment.Method(method).label if method in Payment.Method.values else method,
            "paid_at": _moment(paid.get("paid_at", ""), zone),
            "reference": paid.get("reference", ""),
        }
        if paid
        else None,
        "invoice_number": content.get("invoice_number", ""),
        "on_behalf_of": content.get("on_behalf_of", ""),
        "vat_percent": invoice.vat_rate_bp / 100,
    }
