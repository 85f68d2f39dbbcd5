"""A show's guest list: the page both sides read, each side adding and taking off its own guests, the caps the
side running the day sets, the door's check-in, and the list on paper (a print page and a PDF). Who may read
it is who may read the day sheet; anyone else gets a 404 (an anonymous visitor the login page). A refusal by
the services is a 403, 409 or 400 with its reason on the page, and nothing changes."""

import zoneinfo
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.idempotency import replayable, stale_response
from bookings.errors import BookingConflict, BookingError, BookingPermissionError, StaleEdit
from bookings.models import Booking
from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial, render_page
from core.web.offline import kept_offline
from gigs.selectors.guest_lists import guest_list_page
from gigs.services import guest_lists as services

from ..forms.guestlists import GuestCapsForm, GuestForm
from ..pdf import pdf_render
from ..selectors.daysheets import day_sheet_booking_for_viewer

TEMPLATE = "documents/guestlists/guest_list.html"
PRINT_TEMPLATE = "documents/guestlists/print.html"
PDF_TEMPLATE = "documents/pdf/guest_list.html"


def _booking_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = day_sheet_booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such guest list.")
    return booking


def _context(request: HtmxHttpRequest, booking: Booking, *, form=None, caps_form=None, error="", notice="") -> dict:
    page = guest_list_page(booking=booking, user=request.user, now=timezone.now())
    if form is None and page.can_add:
        form = GuestForm(sides=page.sides, auto_id="gl_%s")
    if caps_form is None and page.runs_the_day and page.editable:
        caps_form = GuestCapsForm(
            initial={"band_cap": page.totals["band"].cap, "venue_cap": page.totals["venue"].cap}, auto_id="glc_%s"
        )
    return {
        "booking": booking,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, zoneinfo.ZoneInfo(booking.time_zone or "UTC")),
        "page": page,
        "form": form,
        "caps_form": caps_form,
        "error": error,
        "notice": notice,
    }


def _render(request: HtmxHttpRequest, booking: Booking, *, status: int = 200, **extra) -> HttpResponse:
    return render_page(request, TEMPLATE, _context(request, booking, **extra), partial="list", status=status)


def _refused(request: HtmxHttpRequest, booking: Booking, exc: BookingError, **extra) -> HttpResponse:
    if isinstance(exc, StaleEdit):
        stale = stale_response(request, message=str(exc), theirs=exc.theirs, yours=exc.yours)
        if stale is not None:
            return stale
    status = 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400
    return _render(request, booking, status=status, error=str(exc), **extra)


def _done(request: HtmxHttpRequest, booking: Booking, notice: str) -> HttpResponse:
    if is_partial(request):
        return _render(request, booking, notice=notice)
    messages.success(request, notice)
    return redirect("documents:guest_list", uid=booking.uid)


@login_required
@require_GET
@kept_offline
def guest_list(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The whole list, sorted by name, with each side's places and cap."""
    return _render(request, _booking_or_404(request, uid))


@login_required
@require_POST
def guest_add(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A side puts one of its guests on the list, within its cap."""
    booking = _booking_or_404(request, uid)
    form = GuestForm(request.POST, auto_id="gl_%s")
    if not form.is_valid():
        return _render(request, booking, status=400, form=form, error=gettext("Check the guest: see below."))
    data = form.cleaned_data
    try:
        entry = services.guest_entry_add(
            booking=booking,
            by=request.user,
            side=data["side"],
            name=data["name"],
            plus_ones=data["plus_ones"],
            note=data["note"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _render(request, booking, status=400, form=form, error=gettext("Check the guest: see below."))
    except BookingError as exc:
        return _refused(request, booking, exc, form=form)
    return _done(request, booking, gettext("%(name)s is on the guest list.") % {"name": entry.name})


@login_required
@require_POST
def guest_remove(request: HtmxHttpRequest, uid: UUID, pk: int) -> HttpResponse:
    """A side takes one of its own guests off the list."""
    booking = _booking_or_404(request, uid)
    try:
        entry = services.guest_entry_remove(booking=booking, by=request.user, entry_id=pk)
    except BookingError as exc:
        return _refused(request, booking, exc)
    return _done(request, booking, gettext("%(name)s is off the guest list.") % {"name": entry.name})


@login_required
@require_POST
@replayable
def guest_check_in_view(request: HtmxHttpRequest, uid: UUID, pk: int) -> HttpResponse:
    """The door ticks a guest in (or out again, for a mistake)."""
    booking = _booking_or_404(request, uid)
    checked_in = request.POST.get("checked_in", "1") != "0"
    seen = {"0": False, "1": True}.get(request.POST.get("seen", ""))
    try:
        entry = services.guest_check_in(booking=booking, by=request.user, entry_id=pk, checked_in=checked_in, seen=seen)
    except BookingError as exc:
        return _refused(request, booking, exc)
    if checked_in:
        notice = gettext("%(name)s is checked in.") % {"name": entry.name}
    else:
        notice = gettext("%(name)s is no longer checked in.") % {"name": entry.name}
    return _done(request, booking, notice)


@login_required
@require_POST
def guest_caps(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The side running the day sets each side's places."""
    booking = _booking_or_404(request, uid)
    form = GuestCapsForm(request.POST, auto_id="glc_%s")
    if not form.is_valid():
        return _render(request, booking, status=400, caps_form=form, error=gettext("Check the places: see below."))
    try:
        services.guest_caps_set(
            booking=booking,
            by=request.user,
            band_cap=form.cleaned_data["band_cap"],
            venue_cap=form.cleaned_data["venue_cap"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _render(request, booking, status=400, caps_form=form, error=gettext("Check the places: see below."))
    except BookingError as exc:
        return _refused(request, booking, exc, caps_form=form)
    return _done(request, booking, gettext("The guest list's places are saved."))


@login_required
@require_GET
def guest_list_print(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The list for the door, to print from the browser: by name, a box to tick, totals per side."""
    booking = _booking_or_404(request, uid)
    return render(request, PRINT_TEMPLATE, _context(request, booking))


@login_required
@require_GET
def guest_list_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The door's list as a PDF (A4)."""
    booking = _booking_or_404(request, uid)
    page = guest_list_page(booking=booking, user=request.user, now=timezone.now())
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, zoneinfo.ZoneInfo(booking.time_zone or "UTC")),
        "page": page,
    }
    pdf = pdf_render(PDF_TEMPLATE, context)
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guest-list-{booking.uid}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
