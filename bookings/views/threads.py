"""A booking's message thread on the booking's page: the section, its polled new messages, sending.

The thread exists only for the booking's people (booking_for_viewer): anyone else gets a 404, an
anonymous visitor the login page. The list asks every few seconds for the messages after the last
one it shows, with the thread's change stamp its last answer carried (core/caching/stamps.py): while the
stamp stands the answer is 204 from one cache read, without a query (a stamp is a random word only the
thread's people were given, so a stranger's guess takes the usual path and its 404); the form sends
with HTMX and gets itself back empty, with the new messages to append. Without JavaScript the form posts
and the page comes back at #thread.
"""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.ratelimit import LimitReached, rate_limited
from core.caching.stamps import stamp_current, stamp_seen
from core.web.htmx import HtmxHttpRequest, is_partial

from ..errors import BookingPermissionError, ContactRefused
from ..forms.threads import AFTER_ERROR, MessageForm, ThreadAfterForm
from ..pages import booking_or_404, render_detail, thread_form_context
from ..selectors.threads import PAGE_LIMIT, thread_can_read, thread_messages, thread_stamp_key
from ..services import threads
from ..services.threads import thread_mark_read

TEMPLATE = "bookings/threads/_thread.html"


@login_required
@require_GET
def thread(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The messages after `?after=<id>`, to append to the list (with the new last id and stamp for the
    form); 204 while `?stamp=` is the thread's current stamp, or when there are none and no stamp was
    sent. A plain visit goes to the thread on the booking's page."""
    key = thread_stamp_key(uid)
    sent_stamp = request.GET.get("stamp", "")
    if is_partial(request) and stamp_seen(key, sent_stamp):
        return HttpResponse(status=204)
    booking = booking_or_404(request, uid)
    if not thread_can_read(booking=booking, user=request.user):
        raise PermissionDenied(gettext("Only the people of this booking's thread read it."))
    if not is_partial(request):
        return redirect(reverse("bookings:detail", args=[booking.uid]) + "#thread")
    after = ThreadAfterForm(request.GET).after_id()
    if after is None:
        return HttpResponse(AFTER_ERROR, status=400)
    stamp = stamp_current(key)  # before the messages: one sent meanwhile moves it on
    messages = thread_messages(booking=booking, after_id=after)
    if not messages and not sent_stamp:
        return HttpResponse(status=204)
    if len(messages) >= PAGE_LIMIT:
        stamp = ""  # more may wait: the next poll reads on from the last one
    if messages:
        thread_mark_read(booking=booking, user=request.user, up_to_id=messages[-1].pk)
    context = {
        "thread_messages": messages,
        "thread_after": messages[-1].pk if messages else after,
        "thread_stamp": stamp,
    }
    return render(request, f"{TEMPLATE}#polled", context)


def _refused(request: HtmxHttpRequest, booking, *, error: str, body: str, after: int, status: int) -> HttpResponse:
    """The form again with the reason and the text as typed; nothing was saved."""
    if is_partial(request):
        context = thread_form_context(booking, body=body, error=error, after=after, focus=True)
        return render(request, f"{TEMPLATE}#form", context, status=status)
    return render_detail(request, booking, status=status, thread={"body": body, "error": error})


@login_required
@require_POST
@rate_limited("message")
def message_post(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Send a message. HTMX: the form comes back empty, with the messages since the page's last one
    to append; bad input (empty, too long, too many at once) gets the form back with the reason and
    the text, status 400 (429 with Retry-After for too many at once), and nothing is saved."""
    booking = booking_or_404(request, uid)
    form = MessageForm(request.POST)
    valid = form.is_valid()
    # Shown again as typed when refused (the template escapes it); only the cleaned text is saved.
    body = form.data.get("body", "")
    after = form.cleaned_data.get("after") or 0
    try:
        if not valid:
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        message = threads.message_post(booking=booking, by=request.user, body=form.cleaned_data["body"])
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ContactRefused as exc:
        return _refused(request, booking, error=str(exc), body=body, after=after, status=403)
    except ValidationError as exc:
        return _refused(request, booking, error=" ".join(exc.messages), body=body, after=after, status=400)
    except LimitReached as exc:
        response = _refused(request, booking, error=str(exc), body=body, after=after, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not is_partial(request):
        return redirect(reverse("bookings:detail", args=[booking.uid]) + "#thread")
    # Everything since the page's last message: this one, and any that others sent meanwhile.
    stamp = stamp_current(thread_stamp_key(booking.uid))
    messages = thread_messages(booking=booking, after_id=after)
    last_id = max(message.pk, messages[-1].pk if messages else 0)
    if last_id > message.pk:
        thread_mark_read(booking=booking, user=request.user, up_to_id=last_id)
    if len(messages) >= PAGE_LIMIT:
        stamp = ""
    context = {**thread_form_context(booking, after=last_id, focus=True, stamp=stamp), "thread_messages": messages}
    return render(request, f"{TEMPLATE}#sent", context)
