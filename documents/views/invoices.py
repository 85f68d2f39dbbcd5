"""The Invoices page (every invoice, receipt and credit note the viewer may see) and a document's PDF."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_http_methods

from core.web.htmx import HtmxHttpRequest, render_page

from ..forms.invoices import InvoiceFilterForm
from ..selectors.invoices import invoice_for_viewer, invoice_years, invoices_for_viewer
from ..services.invoices import invoice_pdf, paper_catch_up_for

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET"])
def invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    """Newest first, by kind and year; a filter that makes no sense is said so, and ignored."""
    paper_catch_up_for(user=request.user)
    years = invoice_years(user=request.user)
    form = InvoiceFilterForm(request.GET or None, years=years)
    valid = form.is_valid() if request.GET else True
    chosen = form.cleaned_data if request.GET and valid else {}
    documents = invoices_for_viewer(user=request.user, kind=chosen.get("kind") or None, year=chosen.get("year"))
    paginator = Paginator(documents, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filter_errors": not valid,
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "documents": page.object_list,
    }
    return render_page(
        request, "documents/invoices/list.html", context, partial="documents", status=200 if valid else 400
    )


@login_required
@require_http_methods(["GET"])
def invoice_pdf_download(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A document's PDF in the reader's language, named by its number."""
    invoice = invoice_for_viewer(uid=uid, user=request.user)
    if invoice is None:
        raise Http404("No such document.")
    pdf = invoice_pdf(invoice=invoice)
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    response["Content-Length"] = str(pdf.size)
    response["Cache-Control"] = "private, no-store"
    return response
