"""Exports: the CSV of a page's rows for whoever sees that page, with its filters; a band's month of
availability as a one-page PDF, for its members and for a share link's holder.

A filter the export does not know answers 400 with what is wrong, and no file: never a file that holds
something else than was asked.
"""

import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from bands.permissions import band_for
from bookings.selectors.inbox import inbox_roles
from bookings.selectors.share import share_link_live
from gigs.selectors.tours import tour_access, tour_get
from venues.selectors import venue_for_staff

from ..availability_pdf import availability_month_allowed, availability_pdf, band_live_share_link
from ..exports import csv_response
from ..forms.exports import (
    SLOT_TABS,
    AvailabilityMonthForm,
    BookingsExportForm,
    GigsExportForm,
    LedgerExportForm,
    PaymentsExportForm,
    SlotsExportForm,
)
from ..selectors.exports import (
    Export,
    band_gigs_export,
    band_ledger_export,
    band_payments_export,
    bookings_export,
    payer_payments_export,
    tour_money_export,
    venue_slots_export,
)

NOT_VENUE_STAFF = "Only the venue's owners and bookers can export its slots."


def refused(request: HttpRequest, problems: list[str], back: str) -> HttpResponse:
    """The 400 page: what was wrong with the export's filters, and the way back."""
    return render(request, "documents/exports/refused.html", {"problems": problems, "back": back}, status=400)


def _send(export: Export) -> HttpResponse:
    return csv_response(name=export.name, header=export.header, rows=export.rows)


# ---- CSV ------------------------------------------------------------------------------------------


@login_required
@require_GET
def bookings_csv(request: HttpRequest) -> HttpResponse:
    """The inbox's bookings with its filters (tab, whose), a status and the days they start on."""
    roles = inbox_roles(user=request.user)
    form = BookingsExportForm(request.GET, shows=roles.show_choices())
    if not form.is_valid():
        return refused(request, form.messages(), reverse("bookings:inbox"))
    zone = timezone.get_current_timezone()
    start, end = form.span(zone)
    data = form.cleaned_data
    export = bookings_export(
        roles=roles,
        show=data["show"] or None,
        tab=data["tab"] or None,
        status=data["status"] or None,
        start=start,
        end=end,
        zone=zone,
    )
    return _send(export)


@login_required
@require_GET
def band_gigs_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A band's booked and played gigs, for its leaders and admins."""
    band, _ = band_for(request, slug)
    form = GigsExportForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), reverse("payments:band_money", args=[band.slug]))
    zone = timezone.get_current_timezone()
    start, end = form.span(zone)
    status = form.cleaned_data["status"] or None
    return _send(band_gigs_export(band=band, status=status, start=start, end=end, zone=zone))


@login_required
@require_GET
def tour_money_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A tour's money per show and in total, for those of its party who see the money."""
    tour = tour_get(pk=pk)
    if not tour_access(tour=tour, user=request.user).money:
        raise PermissionDenied(gettext("Only the touring party allowed to see the tour's money can export it."))
    return _send(tour_money_export(tour=tour))


@login_required
@require_GET
def band_payments_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every payment of a band's bookings, for its leaders and admins."""
    band, _ = band_for(request, slug)
    form = PaymentsExportForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), reverse("payments:band_money", args=[band.slug]))
    zone = timezone.get_current_timezone()
    start, end = form.span(zone)
    status = form.cleaned_data["status"] or None
    return _send(band_payments_export(band=band, status=status, start=start, end=end, zone=zone))


@login_required
@require_GET
def band_ledger_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A band's ledger entries, for its leaders and admins."""
    band, _ = band_for(request, slug)
    form = LedgerExportForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), reverse("payments:band_money", args=[band.slug]))
    zone = timezone.get_current_timezone()
    start, end = form.span(zone)
    data = form.cleaned_data
    export = band_ledger_export(
        band=band, kind=data["kind"] or None, currency=data["currency"] or None, start=start, end=end, zone=zone
    )
    return _send(export)


@login_required
@require_GET
def paid_csv(request: HttpRequest) -> HttpResponse:
    """What the viewer paid, as a client and for their venues (the "Paid" page)."""
    form = PaymentsExportForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), reverse("payments:paid"))
    zone = timezone.get_current_timezone()
    start, end = form.span(zone)
    status = form.cleaned_data["status"] or None
    return _send(payer_payments_export(user=request.user, status=status, start=start, end=end, zone=zone))


@login_required
@require_GET
def venue_slots_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's slots in the slot list's tab, for its owners and bookers."""
    venue = venue_for_staff(slug=slug, user=request.user)
    if venue is None:
        raise Http404("No venue at this address.")
    if venue.my_role is None:
        raise PermissionDenied(NOT_VENUE_STAFF)
    form = SlotsExportForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), reverse("bookings:venue_slots", args=[venue.slug]))
    show = form.cleaned_data["show"] or SLOT_TABS[0]
    zone = timezone.get_current_timezone()
    return _send(venue_slots_export(venue=venue, show=show, now=timezone.now(), zone=zone))


# ---- The availability PDF -------------------------------------------------------------------------


def _pdf_response(pdf, *, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _availability(request: HttpRequest, band, link, *, shared: bool, back: str) -> HttpResponse:
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    form = AvailabilityMonthForm(request.GET)
    if not form.is_valid():
        return refused(request, form.messages(), back)
    month_start = form.month_start(today=today)
    if not availability_month_allowed(month_start, today=today, shared=shared):
        problem = gettext("%(month)s is too far away: choose a month of the calendar you can page through.")
        return refused(request, [problem % {"month": form.cleaned_data["month"]}], back)
    pdf = availability_pdf(band=band, month_start=month_start, today=today, link=link)
    return _pdf_response(pdf, filename=f"{band.slug}-availability-{month_start:%Y-%m}.pdf")


@login_required
@require_GET
def band_availability_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's month of availability as a PDF, for its members (with its live share link on it)."""
    band, _ = band_for(request, slug, manage=False)
    back = reverse("bands:calendar", args=[band.slug])
    return _availability(request, band, band_live_share_link(band=band), shared=False, back=back)


@require_GET
def share_availability_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The same PDF for a share link's holder: public by its token, as the share page is."""
    link = share_link_live(token=token)
    response = _availability(request, link.band, link, shared=True, back=reverse("bookings:share", args=[token]))
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
