"""The treasurer's exports: the members' statements as CSV (whoever reads the statements page, each their
own lines), the band's yearly totals as CSV and PDF (its leaders and its agency). A period that is not
right answers 400 with what is wrong, and no file. docs/decisions/0071-the-treasurers-year.md"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from bands.models import Band
from payments.forms import PeriodForm
from payments.selectors import band_of, band_today, band_year_totals, statement_access, year_totals_access

from ..exports import csv_response
from ..pdf import pdf_render
from ..selectors.treasury import band_statements_export, band_year_export

NOT_YOURS = "Only the band's leaders, and each member for their own, read these statements."
NOT_FOR_YOU = "Only the band's leaders and admins, and its agency, read the band's yearly totals."


def _refused(request: HttpRequest, problems: list[str], back: str) -> HttpResponse:
    return render(request, "documents/exports/refused.html", {"problems": problems, "back": back}, status=400)


def _pdf_response(pdf, *, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _period(request: HttpRequest, band: Band, back: str):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return None, _refused(request, form.messages(), back)
    return form.period(band=band, today=band_today(band)), None


@login_required
@require_GET
def band_statements_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The members' statements over a period: everyone's for the band's leaders, one's own for a member or
    a stand-in."""
    band = band_of(slug=slug)
    access = statement_access(band=band, user=request.user)
    if access is False:
        raise PermissionDenied(NOT_YOURS)
    period, refusal = _period(request, band, reverse("payments:band_statements", args=[band.slug]))
    if refusal:
        return refusal
    export = band_statements_export(band=band, period=period, member_id=None if access is True else access)
    return csv_response(name=export.name, header=export.header, rows=export.rows)


@login_required
@require_GET
def band_year_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's yearly totals per currency as CSV."""
    band = band_of(slug=slug)
    if not year_totals_access(band=band, user=request.user):
        raise PermissionDenied(NOT_FOR_YOU)
    period, refusal = _period(request, band, reverse("payments:band_year", args=[band.slug]))
    if refusal:
        return refusal
    export = band_year_export(band=band, period=period)
    return csv_response(name=export.name, header=export.header, rows=export.rows)


@login_required
@require_GET
def band_year_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's yearly totals per currency as a PDF (kept by content: asked again, the same bytes)."""
    band = band_of(slug=slug)
    if not year_totals_access(band=band, user=request.user):
        raise PermissionDenied(NOT_FOR_YOU)
    period, refusal = _period(request, band, reverse("payments:band_year", args=[band.slug]))
    if refusal:
        return refusal
    context = {
        "band": band,
        "period": period,
        "totals": band_year_totals(band=band, period=period),
        "today": band_today(band),
    }
    pdf = pdf_render("documents/pdf/band_year.html", context)
    return _pdf_response(pdf, filename=f"{band.slug}-year-{period.slug}.pdf")
