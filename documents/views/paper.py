"""The booking page's paper card (loaded into it): its contract, invoices and receipts, and the day
sheet, for the booking's parties and staff; nothing for anyone else."""

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from bookings.pages import booking_or_404
from core.web.htmx import HtmxHttpRequest

from ..selectors.paper import paper_card


@require_http_methods(["GET"])
def booking_paper(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    booking = booking_or_404(request, uid)
    context = paper_card(booking=booking, user=request.user)
    if not context:
        return HttpResponse(status=204)
    return render(request, "documents/paper.html", context)
