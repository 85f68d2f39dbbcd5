"""A booked gig's day sheet: the page and its PDF for the booking's parties and staff, the details the
side running the day writes, and its checklist of items marked advanced or reopened. Anyone else gets
a 404 (an anonymous visitor the login page); a gig that is not booked has no day sheet (404). A refusal
by the services is a 403, 409 or 400 with its reason on the page, and nothing changes."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.idempotency import replayable
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.bookings import manages_band_of
from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial, render_page
from core.web.offline import kept_offline
from gigs.models import AdvanceItem, Side
from gigs.selectors.day_sheets import contact_people, day_sheet_of, day_sheet_page
from gigs.services import day_sheets as services

from ..forms.daysheets import AdvanceCommentForm, AdvanceForm, AdvancePlanForm, BandContactForm, DaySheetForm
from ..pdf import pdf_render
from ..selectors.daysheets import day_sheet_booking_for_viewer

TEMPLATE = "documents/daysheets/day_sheet.html"
COMMENTS_TEMPLATE = "documents/daysheets/_comments.html"
PDF_TEMPLATE = "documents/pdf/day_sheet.html"


def _booking_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = day_sheet_booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such day sheet.")
    return booking


def _context(
    request: HtmxHttpRequest,
    booking: Booking,
    *,
    form=None,
    band_form=None,
    error: str = "",
    notice: str = "",
    comment_item: str = "",
    comment_text: str = "",
) -> dict:
    page = day_sheet_page(booking=booking, user=request.user, now=timezone.now())
    if form is None and page.runs_the_day and page.editable:
        form = DaySheetForm(
            instance=page.sheet or None,
            booking=booking,
            people=contact_people(booking, Side.VENUE),
            auto_id="ds_%s",
        )
    # The band's leaders write their own contact; the side that runs the day writes it in its form.
    if band_form is None and not page.runs_the_day and page.editable and manages_band_of(booking, request.user):
        band_form = BandContactForm(
            instance=page.sheet or None, people=contact_people(booking, Side.BAND), auto_id="dsb_%s"
        )
    return {
        "band_form": band_form,
        "booking": booking,
        "title": booking_title(booking),
        "page": page,
        "when": when_text(booking.starts_at, booking.ends_at, page.zone),
        "form": form,
        "error": error,
        "notice": notice,
        "comment_item": comment_item,
        "comment_text": comment_text,
        "late_rows": page.late_rows,
    }


def _render(
    request: HtmxHttpRequest, booking: Booking, *, partial: str = "sheet", status: int = 200, **extra
) -> HttpResponse:
    return render_page(request, TEMPLATE, _context(request, booking, **extra), partial=partial, status=status)


def _refused(request: HtmxHttpRequest, booking: Booking, exc: BookingError, *, partial: str, **extra) -> HttpResponse:
    status = 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400
    return _render(request, booking, partial=partial, status=status, error=str(exc), **extra)


def _done(request: HtmxHttpRequest, booking: Booking, notice: str, *, partial: str) -> HttpResponse:
    if is_partial(request):
        return _render(request, booking, partial=partial, notice=notice)
    messages.success(request, notice)
    return redirect("documents:day_sheet", uid=booking.uid)


@login_required
@require_GET
@kept_offline
def day_sheet(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The day sheet: where, who, when, what is there, what is agreed, the files; each item advanced or open."""
    return _render(request, _booking_or_404(request, uid))


@login_required
@require_GET
def day_sheet_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The day sheet on paper (A4), rendered once per content."""
    booking = _booking_or_404(request, uid)
    pdf = pdf_render(PDF_TEMPLATE, _context(request, booking))
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="day-sheet-{booking.uid}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def day_sheet_edit(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The side running the day writes the sheet's details."""
    booking = _booking_or_404(request, uid)
    form = DaySheetForm(
        request.POST,
        instance=day_sheet_of(booking),
        booking=booking,
        people=contact_people(booking, Side.VENUE),
        auto_id="ds_%s",
    )
    if not form.is_valid():
        return _render(request, booking, status=400, form=form, error=gettext("Some details need a fix: see below."))
    try:
        services.day_sheet_update(booking=booking, by=request.user, **form.service_values())
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render(request, booking, status=400, form=form, error=gettext("Some details need a fix: see below."))
    except BookingError as exc:
        return _refused(request, booking, exc, partial="sheet", form=form)
    return _done(request, booking, gettext("The day sheet is saved; the band sees it now."), partial="sheet")


@login_required
@require_POST
def day_sheet_advance(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The side running the day marks one item advanced (confirmed) or reopens it."""
    booking = _booking_or_404(request, uid)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
        return _render(request, booking, partial="checklist", status=400, error=error)
    item, advanced = form.cleaned_data["item"], form.cleaned_data["advanced"]
    try:
        services.advance_item_set(
            booking=booking, item=item, by=request.user, advanced=advanced, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        return _render(request, booking, partial="checklist", status=400, error=" ".join(exc.messages))
    except BookingError as exc:
        return _refused(request, booking, exc, partial="checklist")
    label = AdvanceItem.Item(item).label
    if advanced:
        notice = gettext("%(item)s: advanced.") % {"item": label}
    else:
        notice = gettext("%(item)s: open again.") % {"item": label}
    return _done(request, booking, notice, partial="checklist")


@login_required
@require_POST
def day_sheet_band_contact(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders write who to call on their side on the day."""
    booking = _booking_or_404(request, uid)
    form = BandContactForm(request.POST, people=contact_people(booking, Side.BAND), auto_id="dsb_%s")
    if not form.is_valid():
        return _render(request, booking, status=400, band_form=form, error=gettext("Check the contact: see below."))
    try:
        services.day_sheet_band_contact_set(
            booking=booking,
            by=request.user,
            name=form.cleaned_data["band_contact_name"],
            phone=form.cleaned_data["band_contact_phone"],
            email=form.cleaned_data["band_contact_email"],
            person=form.cleaned_data["band_contact_person"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _render(request, booking, status=400, band_form=form, error=gettext("Check the contact: see below."))
    except BookingError as exc:
        return _refused(request, booking, exc, partial="sheet", band_form=form)
    return _done(request, booking, gettext("Your contact is on the day sheet."), partial="sheet")


def _errors(form) -> str:
    return " ".join(message for messages_ in form.errors.values() for message in messages_)


@login_required
@require_POST
def day_sheet_plan(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The side running the day says whose an item is to confirm and by when."""
    booking = _booking_or_404(request, uid)
    form = AdvancePlanForm(request.POST)
    if not form.is_valid():
        return _render(request, booking, partial="checklist", status=400, error=_errors(form))
    data = form.cleaned_data
    try:
        services.advance_item_plan_set(
            booking=booking, item=data["item"], by=request.user, owner=data["owner"], due_on=data["due_on"]
        )
    except ValidationError as exc:
        return _render(request, booking, partial="checklist", status=400, error=" ".join(exc.messages))
    except BookingError as exc:
        return _refused(request, booking, exc, partial="checklist")
    notice = gettext("%(item)s: who confirms it and by when is saved.") % {"item": AdvanceItem.Item(data["item"]).label}
    return _done(request, booking, notice, partial="checklist")


def _comments(request: HtmxHttpRequest, booking: Booking, item: str, *, status: int = 200, **extra) -> HttpResponse:
    """One item's comments: the part an htmx post swaps, or the whole page."""
    context = _context(request, booking, **extra)
    if not is_partial(request):
        return render(request, TEMPLATE, context, status=status)
    context["row"] = next(row for row in context["page"].rows if row.key == item)
    return render(request, COMMENTS_TEMPLATE, context, status=status)


@login_required
@require_POST
@replayable
def day_sheet_comment(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Either side writes a comment on one item; the other side is told."""
    booking = _booking_or_404(request, uid)
    form = AdvanceCommentForm(request.POST)
    item = request.POST.get("item", "")
    known = item in AdvanceItem.Item.values
    if not form.is_valid():
        if not known:  # no item's comments to swap: the whole sheet comes back with the reason
            response = _render(request, booking, status=400, error=_errors(form))
            response["HX-Retarget"], response["HX-Reswap"] = "#day-sheet", "outerHTML"
            return response
        text = request.POST.get("text", "")[:2000]
        return _comments(request, booking, item, status=400, error=_errors(form), comment_item=item, comment_text=text)
    try:
        services.advance_comment_post(booking=booking, item=item, by=request.user, text=form.cleaned_data["text"])
    except ValidationError as exc:
        return _comments(request, booking, item, status=400, error=" ".join(exc.messages), comment_item=item)
    except BookingError as exc:
        status = 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400
        return _comments(request, booking, item, status=status, error=str(exc), comment_item=item)
    if is_partial(request):
        return _comments(request, booking, item, notice=gettext("Your comment is posted."), comment_item=item)
    messages.success(request, gettext("Your comment is posted."))
    return redirect(reverse("documents:day_sheet", args=[booking.uid]) + f"#item-{item}")
