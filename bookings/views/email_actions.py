"""The page behind an email's one-click Accept / Decline link: confirm, then act.

The link only opens a confirmation page (a mail scanner that follows links changes nothing); the
button on it posts the answer through the same services as the booking page. A link works for
the person it was sent to, for a week, and once: any change of the booking retires it (see
bookings.email_actions). What a link cannot do any more is said plainly: expired (410), sent to
someone else (403, accounts/links.py: whom it is for, and logging out to open it again), outdated because
the booking changed (410, with where it stands now).
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.links import LinkPerson, link_for_a_person, link_person_of_account
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest

from ..errors import BookingError
from ..forms.detail import DeclineForm
from ..models import Booking
from ..pages import NOTICES, refusal_status
from ..selectors.bookings import booking_for_viewer
from ..selectors.detail import Viewer, booking_fee_label, booking_title, booking_viewer
from ..services import answering
from ..services.email_actions import ACTIONS, EmailAction, email_action_read

TEMPLATE = "bookings/email_actions/confirm.html"


def _uid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (TypeError, ValueError, AttributeError):
        return None


def _expired_booking_url(token: str) -> str:
    """The booking an expired link named (its signature still checked), or "" when it cannot be read."""
    try:
        uid = _uid(email_action_read(token, expired_ok=True).booking_uid)
    except signing.BadSignature:
        return ""
    return reverse("bookings:detail", args=[uid]) if uid else ""


def _page(request: HtmxHttpRequest, state: str, *, status: int, **context) -> HttpResponse:
    return render(request, TEMPLATE, {"state": state, **context}, status=status)


def _confirm(
    request: HtmxHttpRequest,
    booking: Booking,
    action: EmailAction,
    *,
    viewer: Viewer | None = None,
    form: DeclineForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The confirmation page: what will happen, to which gig, and the button that does it (while it can work)."""
    zone = timezone.get_current_timezone()
    viewer = viewer or booking_viewer(booking=booking, user=request.user)
    started = action.action == "accept" and viewer.can_answer() and not viewer.can_accept(timezone.now())
    return _page(
        request,
        "confirm",
        status=status,
        booking=booking,
        action=action.action,
        action_label=ACTIONS[action.action],
        title=booking_title(booking),
        when=when_text(booking.starts_at, booking.ends_at, zone),
        when_event=when_text(booking.starts_at, booking.ends_at, booking.zone) if booking.zone.key != zone.key else "",
        fee_label=booking_fee_label(booking),
        detail_url=reverse("bookings:detail", args=[booking.uid]),
        form=form or DeclineForm(auto_id="decline_%s"),
        error=error or (gettext("This date has begun, so it can no longer be accepted.") if started else ""),
        can_act=viewer.can_answer() and not started,
    )


def _booking_of(request: HtmxHttpRequest, action: EmailAction) -> Booking:
    uid = _uid(action.booking_uid)
    booking = booking_for_viewer(uid=uid, user=request.user) if uid else None
    if booking is None:
        raise Http404("No such booking.")
    return booking


def _first_view(request: HtmxHttpRequest, booking: Booking, action: EmailAction) -> HttpResponse:
    viewer = booking_viewer(booking=booking, user=request.user)
    if not viewer.can_answer():
        # The services say the same on POST; the page does not offer a button that cannot work.
        raise PermissionDenied(
            gettext(
                "You cannot answer this booking: the venue's staff answer applications, the band's leaders "
                "and admins answer offers and requests, and nobody answers what they sent themselves."
            )
        )
    return _confirm(request, booking, action, viewer=viewer)


def _answer(request: HtmxHttpRequest, booking: Booking, action: EmailAction) -> HttpResponse:
    """Accept, or decline with the reason typed on the confirmation page; then the booking's page."""
    form = None
    try:
        if action.action == "accept":
            answering.booking_accept(booking=booking, by=request.user)
        else:
            form = DeclineForm(request.POST, auto_id="decline_%s")
            if not form.is_valid():
                return _confirm(request, booking, action, form=form, status=400)
            answering.booking_decline(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
    except BookingError as exc:
        status = refusal_status(exc)
        booking.refresh_from_db()
        return _confirm(request, booking, action, form=form, error=str(exc), status=status)
    messages.success(request, NOTICES[action.action] % {"band": booking.band.name})
    return redirect("bookings:detail", uid=booking.uid)


def _addressee(request: HtmxHttpRequest, token: str) -> LinkPerson | None:
    """The person the link was sent to (an expired link too: its page is theirs as well)."""
    try:
        user_id = email_action_read(token, expired_ok=True).user_id
    except signing.BadSignature:
        return None
    return link_person_of_account(user_id)


@login_required
@require_http_methods(["GET", "POST"])
@link_for_a_person(_addressee, eyebrow=gettext_lazy("Accept or decline"))
def email_action(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """GET: confirm accepting or declining the booking the link names. POST: do it, then show the booking."""
    try:
        action = email_action_read(token)
    except signing.SignatureExpired:
        return _page(request, "expired", status=410, detail_url=_expired_booking_url(token))
    except signing.BadSignature as exc:
        raise Http404("No such link.") from exc
    if action.user_id != request.user.pk:  # the person it was sent to has gone; anyone else is refused above
        raise Http404("No such link.")
    booking = _booking_of(request, action)
    if booking.sequence != action.sequence:
        detail_url = reverse("bookings:detail", args=[booking.uid])
        return _page(
            request, "changed", status=410, booking=booking, title=booking_title(booking), detail_url=detail_url
        )
    if request.method == "GET":
        return _first_view(request, booking, action)
    return _answer(request, booking, action)
