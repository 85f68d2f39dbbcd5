"""Files on a booking: the list with the upload form, and the download – streamed from the private
storage, only to the booking's people (anyone else gets a 404, as for the booking itself). A file the
storage no longer has is marked in the list and answered with a clear 404 (core.files.stored_files)."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files.stored_files import stored_file_response, stored_files_missing
from core.web.htmx import HtmxHttpRequest, is_partial
from core.web.offline import kept_offline

from ..errors import BookingError
from ..forms.book import FileForm
from ..models import Booking
from ..pages import booking_or_404, refusal_code
from ..selectors.detail import booking_title, booking_viewer
from ..selectors.files import booking_file_of, may_deliver
from ..selectors.files import booking_files as files_of
from ..services.files import booking_file_add, booking_file_road_set

TEMPLATE = "bookings/files/files.html"


def _render(
    request: HtmxHttpRequest, booking: Booking, *, form=None, status: int = 200, notice: str = "", error: str = ""
) -> HttpResponse:
    rows = files_of(booking=booking)
    newest: dict = {}
    for r in rows:
        newest[r.document] = max(newest.get(r.document, 0), r.version)
    latest = [r for r in rows if r.version == newest[r.document]]
    # One listing of the booking's folder: a file the storage lost is shown as such, not linked.
    missing = stored_files_missing(r.file for r in rows)
    for r in rows:
        r.is_latest = r.version == newest[r.document]
        r.missing = r.file.name in missing
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "rows": rows,
        "form": form or FileForm(documents=latest),
        "files_url": reverse("bookings:files", args=[booking.uid]),
        # The band's members hand over deliverables once the gig has started.
        "can_deliver": may_deliver(booking, now=timezone.now())
        and booking_viewer(booking=booking, user=request.user).membership is not None,
        "notice": notice,
        "error": error,
    }
    template = f"{TEMPLATE}#files" if is_partial(request) else TEMPLATE
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def booking_files(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The booking's files, every version, and the form to share one (both sides)."""
    booking = booking_or_404(request, uid)
    if request.method == "GET":
        return _render(request, booking)
    rows = files_of(booking=booking)
    form = FileForm(request.POST, request.FILES, documents=rows)
    if not form.is_valid():
        return _render(request, booking, form=form, status=400)
    replaces = next((r for r in rows if r.pk == form.cleaned_data["replaces"]), None)
    try:
        booking_file_add(
            booking=booking,
            by=request.user,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
            replaces=replaces,
            deliverable=form.cleaned_data.get("deliverable") or "",
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _render(request, booking, form=form, status=400)
    except BookingError as exc:
        return _render(request, booking, form=form, status=refusal_code(exc), error=str(exc))
    if not is_partial(request):
        return redirect("bookings:files", uid=booking.uid)
    return _render(request, booking, notice=gettext("The file is shared; the other side has been told."))


@login_required
@require_GET
@kept_offline
def booking_file_download(request: HtmxHttpRequest, uid: UUID, pk: int) -> StreamingHttpResponse:
    """One file, streamed in chunks from storage (never read whole into memory), as an attachment.
    The booking's people only; a file the storage no longer has is the 404 page saying so."""
    booking = booking_or_404(request, uid, related=())
    row = booking_file_of(booking=booking, pk=pk)
    response = stored_file_response(row.file, filename=row.original_name, content_type=row.content_type)
    response.kept_offline = row.for_the_road  # only a file marked for the road may stay on a device
    return response


@login_required
@require_POST
def booking_file_road(request: HtmxHttpRequest, uid: UUID, pk: int) -> HttpResponse:
    """Keep a document on the devices of the booking's people for the road, or no longer (decision 0091)."""
    booking = booking_or_404(request, uid)
    row = booking_file_of(booking=booking, pk=pk)
    keep = request.POST.get("for_the_road", "1") != "0"
    try:
        booking_file_road_set(booking=booking, by=request.user, row=row, for_the_road=keep)
    except BookingError as exc:
        return _render(request, booking, status=refusal_code(exc), error=str(exc))
    if not is_partial(request):
        return redirect("bookings:files", uid=booking.uid)
    if keep:
        notice = gettext("%(title)s is kept for the road.") % {"title": row.title}
    else:
        notice = gettext("%(title)s is no longer kept for the road.") % {"title": row.title}
    return _render(request, booking, notice=notice)
