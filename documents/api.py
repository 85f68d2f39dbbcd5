"""Paper through the API: a booking's contract (its state, who signed and when, the hashes, the PDFs), its
invoices, receipts and credit notes with their PDFs, and its day sheet, whose checklist the side that
runs the day advances. Mounted on the one API object by stageslot/urls.py, since documents sits above
bookings.

A booking the caller takes part in nowhere does not exist for them (404). Signing stays in the browser
on purpose: it asks for the signer's typed name, their consent and their password again, which a token
cannot give.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from accounts.models import ApiToken
from bookings.api.bookings import ONE_ERRORS, WRITE_ERRORS
from bookings.api.core import ApiProblem, caller, field_errors, token_auth
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from core.fields.api_fields import ApiText
from gigs.models import AdvanceItem
from gigs.selectors.day_sheets import ITEMS, advance_items_of, day_sheet_of, runs_the_day
from gigs.services.day_sheets import advance_item_set
from payments.selectors import may_see_money

from .models import Contract, Invoice
from .selectors.contracts import contract_booking, contract_latest, contract_signatures, contract_waiting_for
from .selectors.daysheets import day_sheet_booking_for_viewer
from .selectors.invoices import booking_invoices, invoice_for_viewer
from .services.contracts import contract_check_current
from .services.invoices import invoice_pdf, paper_catch_up

router = Router(auth=token_auth, tags=["documents"])


# ---- What goes out ---------------------------------------------------------------------------


class SignatureOut(Schema):
    side: str = Field(description="band, venue or client")
    full_name: str
    signed_at: dt.datetime
    pdf_sha256: str = Field(description="The SHA-256 of the exact PDF bytes signed")


class ContractOut(Schema):
    id: uuid.UUID
    booking: uuid.UUID
    version: int
    status: str = Field(description="awaiting, partly (signed by one side), signed (and sealed) or void")
    waiting_for: list[str] = Field(description="The sides that have not signed yet")
    signatures: list[SignatureOut]
    draft_sha256: str = Field(description="The SHA-256 of the PDF both sides sign")
    final_sha256: str = Field(description="The SHA-256 of the signed and sealed PDF, once both have signed")
    sealed_at: dt.datetime | None
    void_reason: str
    pdf_url: str = Field(description="The PDF to sign (a page of the site, for a signed-in browser)")
    signed_pdf_url: str | None = Field(description="The sealed PDF, once both have signed")
    sign_url: str = Field(description="Where each side signs, in the browser")


class InvoiceOut(Schema):
    id: uuid.UUID
    kind: str = Field(description="invoice (the band's fee), receipt (a payment) or credit (a refund)")
    number: str
    booking: uuid.UUID
    currency: str
    net_minor: int
    vat_minor: int
    total_minor: int = Field(description="Minor units (cents); negative on a credit note")
    vat_rate_bp: int = Field(description="Basis points: 1900 is 19 %")
    reverse_charge: bool
    issued_at: dt.datetime
    pdf_url: str


class DaySheetItemOut(Schema):
    item: str
    label: str
    advanced: bool
    advanced_at: dt.datetime | None
    note: str


class DaySheetOut(Schema):
    booking: uuid.UUID
    may_edit: bool = Field(description="The caller runs the day (the venue, the client or the host band)")
    venue_contact_name: str = ""
    venue_contact_phone: str = ""
    venue_contact_email: str = ""
    band_contact_name: str = ""
    band_contact_phone: str = ""
    band_contact_email: str = ""
    load_in_at: dt.datetime | None = None
    soundcheck_at: dt.datetime | None = None
    doors_at: dt.datetime | None = None
    curfew_at: dt.datetime | None = None
    backline: str = ""
    hospitality: str = ""
    accommodation: str = ""
    parking: str = ""
    notes: str = ""
    open_items: int
    items: list[DaySheetItemOut]
    page_url: str
    pdf_url: str


class AdvanceIn(Schema):
    advanced: bool = Field(description="true: confirmed; false: open again")
    note: ApiText(300) = Field("")


def _url(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def contract_out(request: HttpRequest, contract: Contract) -> ContractOut:
    signatures = contract_signatures(contract)
    return ContractOut(
        id=contract.uid,
        booking=contract.booking.uid,
        version=contract.version,
        status=contract.status,
        waiting_for=contract_waiting_for(contract, signatures),
        signatures=[
            SignatureOut(side=s.side, full_name=s.full_name, signed_at=s.signed_at, pdf_sha256=s.pdf_sha256)
            for s in signatures
        ],
        draft_sha256=contract.draft_sha256,
        final_sha256=contract.final_sha256,
        sealed_at=contract.sealed_at,
        void_reason=contract.void_reason,
        pdf_url=_url(request, f"/documents/contracts/{contract.uid}/contract.pdf"),
        signed_pdf_url=_url(request, f"/documents/contracts/{contract.uid}/signed.pdf") if contract.final_id else None,
        sign_url=_url(request, f"/documents/contracts/{contract.uid}/"),
    )


def invoice_out(request: HttpRequest, invoice: Invoice, booking_uid: uuid.UUID) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.uid,
        kind=invoice.kind,
        number=invoice.number,
        booking=booking_uid,
        currency=invoice.currency,
        net_minor=invoice.net_minor,
        vat_minor=invoice.vat_minor,
        total_minor=invoice.total_minor,
        vat_rate_bp=invoice.vat_rate_bp,
        reverse_charge=invoice.reverse_charge,
        issued_at=invoice.issued_at,
        pdf_url=_url(request, f"/api/v1/invoices/{invoice.uid}/pdf"),
    )


# ---- Contracts ---------------------------------------------------------------------------------


@router.get("/bookings/{uuid:uid}/contract", response={200: ContractOut, **ONE_ERRORS})
def booking_contract(request: HttpRequest, uid: uuid.UUID):
    """The booking's contract: the live one, else the latest void one (drawn anew in the browser). 404
    when the caller takes no part in the booking or no contract has been drawn yet."""
    user = caller(request, ApiToken.Scope.READ)
    booking = contract_booking(uid=uid, user=user)
    if booking is None:
        raise Http404(_("No such booking."))
    contract = contract_latest(booking)
    if contract is None:
        raise Http404(_("No contract has been drawn for this booking yet."))
    if contract.status in Contract.LIVE:
        contract = contract_check_current(contract=contract)
    contract.booking = booking
    return contract_out(request, contract)


# ---- Invoices, receipts and credit notes -------------------------------------------------------


@router.get("/bookings/{uuid:uid}/invoices", response={200: list[InvoiceOut], **ONE_ERRORS})
def booking_invoices_list(request: HttpRequest, uid: uuid.UUID):
    """The booking's invoice for the band's fee, a receipt for each payment and a credit note for each
    refund, newest first, once what is missing is issued. For the payer, the band's leaders and admins,
    and staff."""
    user = caller(request, ApiToken.Scope.READ)
    booking = contract_booking(uid=uid, user=user)
    if booking is None:
        raise Http404(_("No such booking."))
    if not may_see_money(booking, user):
        raise ApiProblem(403, _("A booking's invoices are for its payer and the band's leaders."))
    paper_catch_up(booking=booking)
    return [invoice_out(request, invoice, booking.uid) for invoice in booking_invoices(booking=booking)]


@router.get("/invoices/{uuid:uid}/pdf", response={200: None, **ONE_ERRORS})
def invoice_pdf_get(request: HttpRequest, uid: uuid.UUID):
    """One invoice, receipt or credit note as its PDF (the bytes it was issued or sent with)."""
    user = caller(request, ApiToken.Scope.READ)
    invoice = invoice_for_viewer(uid=uid, user=user)
    if invoice is None:
        raise Http404(_("No such document."))
    pdf = invoice_pdf(invoice=invoice)
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


# ---- Day sheets ---------------------------------------------------------------------------------


def _day_sheet_out(request: HttpRequest, booking, user) -> DaySheetOut:
    sheet = day_sheet_of(booking)
    marks = advance_items_of(booking)
    fields = {}
    if sheet is not None:
        fields = {name: getattr(sheet, name) for name in DaySheetOut.model_fields if hasattr(sheet, name)}
        fields.pop("booking", None)
        # A contact who is someone's account reads as they keep their name and email now (decision 0134).
        for side, contact in (("venue", sheet.venue_contact), ("band", sheet.band_contact)):
            fields |= {f"{side}_contact_{part}": getattr(contact, part) for part in ("name", "phone", "email")}
    items = [
        DaySheetItemOut(
            item=item.value,
            label=str(item.label),
            advanced=bool(marks.get(item.value) and marks[item.value].advanced_at),
            advanced_at=marks[item.value].advanced_at if item.value in marks else None,
            note=marks[item.value].note if item.value in marks else "",
        )
        for item in ITEMS
    ]
    return DaySheetOut(
        booking=booking.uid,
        may_edit=runs_the_day(booking, user),
        open_items=sum(not row.advanced for row in items),
        items=items,
        page_url=_url(request, f"/documents/bookings/{booking.uid}/day-sheet/"),
        pdf_url=_url(request, f"/documents/bookings/{booking.uid}/day-sheet.pdf"),
        **fields,
    )


def _day_sheet_booking(request: HttpRequest, uid: uuid.UUID, scope: str):
    user = caller(request, scope)
    booking = day_sheet_booking_for_viewer(uid=uid, user=user)
    if booking is None:
        raise Http404(_("No such gig: a day sheet is for a booked gig's parties."))
    return booking, user


@router.get("/bookings/{uuid:uid}/day-sheet", response={200: DaySheetOut, **ONE_ERRORS})
def day_sheet_get(request: HttpRequest, uid: uuid.UUID):
    """A booked gig's day sheet: contacts, times, what is provided, and which of its checklist's items
    the side that runs the day has confirmed. For the gig's parties (the band's members too) and staff."""
    booking, user = _day_sheet_booking(request, uid, ApiToken.Scope.READ)
    return _day_sheet_out(request, booking, user)


@router.post("/bookings/{uuid:uid}/day-sheet/items/{item}", response={200: DaySheetOut, **WRITE_ERRORS})
def day_sheet_advance(request: HttpRequest, uid: uuid.UUID, item: str, body: AdvanceIn):
    """Confirm one item of the checklist (advanced: true) or open it again. For the side that runs the
    day: the venue's staff, the client of a private event, the leaders of a band hosting its own show;
    the band reads (403). 422 for an item the checklist does not have, 409 once the gig is over."""
    booking, user = _day_sheet_booking(request, uid, ApiToken.Scope.BOOKINGS)
    if item not in AdvanceItem.Item.values:
        raise ApiProblem(
            422,
            _("The checklist has no item “%(item)s”.") % {"item": item[:40]},
            errors={"item": [_("One of: %(items)s.") % {"items": ", ".join(AdvanceItem.Item.values)}]},
        )
    try:
        advance_item_set(booking=booking, item=item, by=user, advanced=body.advanced, note=body.note)
    except ValidationError as exc:
        raise ApiProblem(422, _("Check the marked fields."), errors=field_errors(exc)) from exc
    except BookingPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    except (BookingConflict, BookingError) as exc:
        raise ApiProblem(409, str(exc)) from exc
    return _day_sheet_out(request, booking, user)
