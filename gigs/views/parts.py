"""A gig's parts: who plays which section at the gig. The band's members read them; its leaders and admins
give a place its part for the gig (a doubler on sax tonight). Anyone else: 404, as the gig's page."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.selectors.detail import booking_title
from core.web.htmx import HtmxHttpRequest, is_partial, render_page

from ..forms.parts import PartForm
from ..selectors.answers import MANAGING_ROLES, gig_for_member, lineup_of, membership_of
from ..selectors.parts import band_parts, gig_sections, sections_of
from ..services.parts import OPEN_STATUSES, gig_part_set

PARTS_TEMPLATE = "gigs/parts/parts.html"


def _status_of(exc: BookingError) -> int:
    return 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400


def _context(request: HtmxHttpRequest, booking, *, error: str = "", notice: str = "") -> dict:
    places = lineup_of(booking=booking)
    counted = gig_sections(booking=booking, places=places, parts=band_parts(band=booking.band))
    membership = membership_of(band_id=booking.band_id, user=request.user)
    sections = sections_of(band_id=booking.band_id)
    leads = membership is not None and membership.role in MANAGING_ROLES
    is_open = booking.status in OPEN_STATUSES and booking.ends_at > timezone.now()
    rows = [
        (
            place,
            PartForm(initial={"place": place.pk, "part": place.part_id}, sections=sections, auto_id=f"p{place.pk}_%s"),
        )
        for place in places
    ]
    return {
        "booking": booking,
        "title": booking_title(booking),
        "sections": counted,
        "rows": rows,
        "names": {s.pk: s.name for s in sections},
        "leads": leads and is_open,
        "error": error,
        "notice": notice,
    }


@login_required
@require_http_methods(["GET", "POST"])
def gig_parts(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """GET: each place and the part it plays at the gig. POST (leaders and admins): one place's part."""
    booking = gig_for_member(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such gig.")
    if request.method == "GET":
        return render_page(request, PARTS_TEMPLATE, _context(request, booking), partial="parts")
    sections = sections_of(band_id=booking.band_id)
    form = PartForm(request.POST, sections=sections)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        context = _context(request, booking, error=error)
        return render_page(request, PARTS_TEMPLATE, context, partial="parts", status=400)
    place = next((p for p in lineup_of(booking=booking) if p.pk == form.cleaned_data["place"]), None)
    if place is None:
        context = _context(request, booking, error=gettext("This place is not in the gig's line-up."))
        return render_page(request, PARTS_TEMPLATE, context, partial="parts", status=400)
    part = next((s for s in sections if s.pk == form.cleaned_data["part"]), None)
    try:
        gig_part_set(place=place, by=request.user, section=part)
    except BookingError as exc:
        context = _context(request, booking, error=str(exc))
        return render_page(request, PARTS_TEMPLATE, context, partial="parts", status=_status_of(exc))
    notice = gettext("%(name)s's part is saved.") % {"name": place.member.name}
    if is_partial(request):
        return render_page(request, PARTS_TEMPLATE, _context(request, booking, notice=notice), partial="parts")
    messages.success(request, notice)
    return redirect("gigs:parts", uid=booking.uid)
