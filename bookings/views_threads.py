"""A booking's message thread on the booking's page: the section, its polled new messages, sending.

The thread exists only for the booking's people (booking_for_viewer): anyone else gets a 404, an
anonymous visitor the login page. The list asks every few seconds for the messages after the last
one it shows (204 when there are none); the form sends with HTMX and gets itself back empty, with the
new messages to append. Without JavaScript the form posts and the page comes back at #thread.
"""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import threads
from .models import Booking, Message
from .services import BookingPermissionError
from .threads import PAGE_LIMIT, thread_mark_read, thread_messages, thread_read_up_to
from .views import HtmxHttpRequest, _booking_or_404, _partial, _render_detail

TEMPLATE = "bookings/partials/_thread.html"


def _after(value: str | None) -> int | None:
    """The id of the last message the page shows: a whole number ≥ 0 (missing: 0), else None."""
    if not value:
        return 0
    return int(value) if value.isascii() and value.isdigit() else None


def _form_context(booking: Booking, *, body: str = "", error: str = "", after: int = 0, focus: bool = False) -> dict:
    return {
        "booking": booking,
        "thread_body": body,
        "thread_error": error,
        "thread_after": after,
        "thread_focus": focus,
        "thread_left": Message.MAX_LENGTH - len(body),
        "thread_max": Message.MAX_LENGTH,
        "post_url": reverse("bookings:message_post", args=[booking.uid]),
    }


def thread_section(request: HtmxHttpRequest, booking: Booking, *, body: str = "", error: str = "") -> dict:
    """The context of the thread section on the booking's page, for its viewer.

    The messages from the first one the viewer has not read yet carry a "New" divider; drawing them
    marks them read.
    """
    messages = thread_messages(booking=booking)
    read_up_to = thread_read_up_to(booking=booking, user=request.user) if messages else 0
    first_new = next((m.pk for m in messages if m.pk > read_up_to and m.author_id != request.user.pk), None)
    last_id = messages[-1].pk if messages else 0
    if last_id > read_up_to:
        thread_mark_read(booking=booking, user=request.user, up_to_id=last_id)
    return {
        "thread_messages": messages,
        "thread_first_new": first_new,
        "thread_cut": len(messages) >= PAGE_LIMIT,
        "thread_url": reverse("bookings:thread", args=[booking.uid]),
        **_form_context(booking, body=body, error=error, after=last_id),
    }


@login_required
@require_GET
def thread(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The messages after `?after=<id>`, to append to the list (with the new last id for the form);
    204 when there are none. A plain visit goes to the thread on the booking's page."""
    booking = _booking_or_404(request, uid)
    if not _partial(request):
        return redirect(reverse("bookings:detail", args=[booking.uid]) + "#thread")
    after = _after(request.GET.get("after"))
    if after is None:
        return HttpResponse("“after” must be the id of a message: a whole number.", status=400)
    messages = thread_messages(booking=booking, after_id=after)
    if not messages:
        return HttpResponse(status=204)
    thread_mark_read(booking=booking, user=request.user, up_to_id=messages[-1].pk)
    context = {"thread_messages": messages, "thread_after": messages[-1].pk}
    return render(request, f"{TEMPLATE}#polled", context)


@login_required
@require_POST
def message_post(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Send a message. HTMX: the form comes back empty, with the messages since the page's last one
    to append; bad input (empty, too long, too many at once) gets the form back with the reason and
    the text, status 400, and nothing is saved."""
    booking = _booking_or_404(request, uid)
    body = request.POST.get("body", "")
    after = _after(request.POST.get("after")) or 0
    try:
        message = threads.message_post(booking=booking, by=request.user, body=body)
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if _partial(request):
            context = _form_context(booking, body=body, error=error, after=after, focus=True)
            return render(request, f"{TEMPLATE}#form", context, status=400)
        return _render_detail(request, booking, status=400, thread={"body": body, "error": error})
    if not _partial(request):
        return redirect(reverse("bookings:detail", args=[booking.uid]) + "#thread")
    # Everything since the page's last message: this one, and any that others sent meanwhile.
    messages = thread_messages(booking=booking, after_id=after)
    last_id = max(message.pk, messages[-1].pk if messages else 0)
    if last_id > message.pk:
        thread_mark_read(booking=booking, user=request.user, up_to_id=last_id)
    context = {**_form_context(booking, after=last_id, focus=True), "thread_messages": messages}
    return render(request, f"{TEMPLATE}#sent", context)
