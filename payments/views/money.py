"""The money pages: a band's money (its totals, each gig's payments and members' shares, its payouts)
and one gig's money with the split of its fee, for the band's leaders and admins; a member's own
earnings; what a client or a venue has paid and still has to pay."""

from dataclasses import dataclass, field
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts.mfa import second_factor_required
from bands.permissions import add_errors, band_for
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.htmx import render_page

from ..forms import SplitForm
from ..models import Payment
from ..selectors import (
    Due,
    MemberShare,
    band_gig_for_money,
    band_gigs_money,
    band_payouts,
    band_totals,
    bookings_by_id,
    gig_split,
    ledger_of_booking,
    member_gigs_money,
    member_money,
    member_shares_of,
    payer_gigs_money,
    payer_totals,
    payer_venue_ids,
    payments_of,
    schedule_of,
    unpaid_parts,
)
from ..services.splits import member_split_set

PAGE_SIZE = 20
PAYOUTS_SHOWN = 20


@dataclass
class GigRow:
    """A gig on a money page: what and when, and its money."""

    booking: Booking
    title: str
    when: str
    payments: list[Payment] = field(default_factory=list)
    shares: list[MemberShare] = field(default_factory=list)
    unpaid: list[Due] = field(default_factory=list)
    amount_minor: int = 0


def _when(booking: Booking, zone) -> str:
    return when_text(booking.starts_at, booking.ends_at, zone)


def _page(request: HttpRequest, items, per_page: int = PAGE_SIZE):
    paginator = Paginator(items, per_page)
    page = paginator.get_page(request.GET.get("page"))
    return page, paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)


@login_required
@require_http_methods(["GET"])
def band_money(request: HttpRequest, slug: str) -> HttpResponse:
    """A band's money, for its leaders and admins: totals per currency, each gig's payments and members'
    shares, the payouts StageSlot sent."""
    band, membership = band_for(request, slug)
    zone = timezone.get_current_timezone()
    page, page_range = _page(request, band_gigs_money(band=band))
    gigs = list(page.object_list)
    shares = member_shares_of(booking_ids=[b.pk for b in gigs])
    rows = [
        GigRow(
            booking=b,
            title=booking_title(b),
            when=_when(b, zone),
            payments=list(b.payments.all()),
            shares=shares[b.pk],
            unpaid=[d for d in schedule_of(b, list(b.payments.all())) if not d.paid],
        )
        for b in gigs
    ]
    context = {
        "band": band,
        "membership": membership,
        "section": "money",
        "totals": band_totals(band=band),
        "rows": rows,
        "page_obj": page,
        "page_range": page_range,
        "payouts": list(band_payouts(band=band)[:PAYOUTS_SHOWN]),
        "time_zone": zone.key,
    }
    return render_page(request, "payments/money/band.html", context, partial="gigs")


@login_required
@second_factor_required
@require_http_methods(["GET", "POST"])
def band_gig(request: HttpRequest, slug: str, uid: UUID) -> HttpResponse:
    """One gig's money for the band's leaders and admins: what is due and paid, the ledger's entries, and
    the split of the band's share among its members (set here)."""
    band, membership = band_for(request, slug)
    booking = band_gig_for_money(band=band, uid=uid)
    if booking is None:
        raise Http404("No such gig of this band.")
    rows, custom = gig_split(booking=booking)
    form = SplitForm(request.POST or None, rows=rows)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                member_split_set(booking=booking, by=request.user, shares=form.shares())
            except BookingPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                add_errors(form, exc)
            except BookingConflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("The split is saved: payments from now on are shared this way."))
                return redirect("payments:band_gig", slug=band.slug, uid=booking.uid)
        status = 400
    payments = list(payments_of(booking=booking))
    zone = timezone.get_current_timezone()
    context = {
        "band": band,
        "membership": membership,
        "section": "money",
        "booking": booking,
        "title": booking_title(booking),
        "when": _when(booking, zone),
        "schedule": schedule_of(booking, payments),
        "payments": payments,
        "entries": list(ledger_of_booking(booking=booking)),
        "form": form,
        "custom": custom,
        "may_split": booking.status in Booking.PLAYED,
    }
    return render_page(request, "payments/money/gig.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def my_earnings(request: HttpRequest) -> HttpResponse:
    """A member's own shares of their bands' gigs, per gig, and their totals per currency."""
    zone = timezone.get_current_timezone()
    page, page_range = _page(request, member_gigs_money(user=request.user))
    entries = list(page.object_list)
    bookings = bookings_by_id(e["booking_id"] for e in entries)
    rows = [
        GigRow(booking=b, title=booking_title(b), when=_when(b, zone), amount_minor=e["total"] or 0)
        for e in entries
        if (b := bookings.get(e["booking_id"])) is not None
    ]
    context = {
        "totals": member_money(user=request.user),
        "rows": rows,
        "page_obj": page,
        "page_range": page_range,
        "time_zone": zone.key,
    }
    return render_page(request, "payments/money/mine.html", context, partial="gigs")


@login_required
@require_http_methods(["GET"])
def payer_payments(request: HttpRequest) -> HttpResponse:
    """What a client, or a venue's staff for the venue, has paid for each booking and still has to pay."""
    zone = timezone.get_current_timezone()
    venue_ids = payer_venue_ids(user=request.user)
    page, page_range = _page(request, payer_gigs_money(user=request.user, venue_ids=venue_ids))
    rows = [
        GigRow(
            booking=b,
            title=booking_title(b),
            when=_when(b, zone),
            amount_minor=b.paid_in_minor or 0,
            unpaid=unpaid_parts(b) if b.status == Booking.Status.BOOKED else [],
        )
        for b in page.object_list
    ]
    context = {
        "totals": payer_totals(user=request.user, venue_ids=venue_ids),
        "rows": rows,
        "page_obj": page,
        "page_range": page_range,
        "time_zone": zone.key,
    }
    return render_page(request, "payments/money/paid.html", context, partial="gigs")
