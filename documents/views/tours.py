"""A tour's book on paper (decision 0113): the itinerary day by day, the touring party and the contacts of
each day, for whoever sees the itinerary; the money only for those of the party who may see it. Rendered
through the one PDF path (documents.pdf) and kept by content."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from gigs.selectors.tours import tour_access, tour_book, tour_get

from ..pdf import pdf_render

PDF_TEMPLATE = "documents/pdf/tour_book.html"


@login_required
@require_GET
def tour_book_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The tour book (A4): the same people as the itinerary; the money section only for those allowed."""
    tour = tour_get(pk=pk)
    access = tour_access(tour=tour, user=request.user)
    if not access.see:
        raise PermissionDenied(gettext("Only the touring party of this tour can see this page."))
    book = tour_book(tour=tour, money=access.money)
    context = {"tour": tour, "book": book, "made_on": timezone.localdate()}
    pdf = pdf_render(PDF_TEMPLATE, context)
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tour-book-{tour.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
