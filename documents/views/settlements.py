"""The settlement sheet of a door deal and the offer letter of a venue's offer, as PDFs for the two
sides. Anyone else gets a 404 (an anonymous visitor the login page)."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from core.web.htmx import HtmxHttpRequest

from ..pdf import pdf_render
from ..selectors.settlements import (
    offer_letter,
    offer_letter_booking_for_viewer,
    settlement_sheet,
    settlement_sheet_booking_for_viewer,
    zone_of,
)


def _pdf(pdf, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def settlement_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The settlement sheet: marked DRAFT until both sides approved it."""
    booking = settlement_sheet_booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such settlement.")
    pdf = pdf_render("documents/pdf/settlement.html", settlement_sheet(booking=booking), zone=zone_of(booking))
    return _pdf(pdf, f"settlement-{booking.uid}.pdf")


@login_required
@require_GET
def offer_letter_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A venue's offer on one page: the parties, the date, the stage, the times, the terms, the expiry."""
    booking = offer_letter_booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such offer.")
    pdf = pdf_render("documents/pdf/offer_letter.html", offer_letter(booking=booking), zone=zone_of(booking))
    return _pdf(pdf, f"offer-{booking.uid}.pdf")
