"""One booking: its page, the polled status block, and the participants' actions on it.

A booking exists only for its participants (the band's members, the venue's staff, the client):
anyone else gets a 404, an anonymous visitor the login page. Who may act is the services' call;
their refusals become 403 (not yours to do), 409 (something is in the way: another gig, a taken
place, a stale page) or 400 (bad input), each with its message on the page.
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from core.caching.stamps import stamp_seen
from core.web.htmx import HtmxHttpRequest, is_partial

from ..errors import BookingError
from ..forms.detail import CancelForm, DeclineForm, GigTimesForm, PlayedForm
from ..models import Booking
from ..pages import (
    CHANGED,
    NOTICES,
    action_booking_or_404,
    booking_or_404,
    refusal_status,
    render_conflict,
    render_detail,
    status_poll_url,
)
from ..selectors.bookings import status_stamp_key
from ..selectors.detail import booking_viewer
from ..services import answering, ending, life
from ..services import detail as detail_services


@login_required
@require_GET
def detail(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The booking: parties, times, money, lineup, whether the band is free, the audit log, actions."""
    if is_partial(request) and request.GET.get("part") == "status":
        return _status(request, uid)
    return render_detail(request, booking_or_404(request, uid))


def _status(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The polled status block; when the booking moved on since the page was drawn, the page redraws.

    While the stamp the block was drawn with (`?stamp=`, its words begin with the sequence) is the
    booking's current one, nothing changed: 204 from one cache read, no query. The stamp is a random
    word only the booking's people were given, so a stranger's guess takes the usual path and its 404.
    """
    stamp = request.GET.get("stamp", "")
    if stamp.startswith(f"{request.GET.get('seq')}.") and stamp_seen(status_stamp_key(uid), stamp):
        return HttpResponse(status=204)
    booking = booking_or_404(request, uid)
    context = {
        "booking": booking,
        "is_live": booking.status in Booking.LIVE,
        "can_decline": booking.is_pending and booking_viewer(booking=booking, user=request.user).can_answer(),
        "status_url": status_poll_url(booking),
    }
    response = render(request, "bookings/detail/booking.html#status", context)
    if request.GET.get("seq") != str(booking.sequence):
        trigger_client_event(response, CHANGED)
    return response


REASON_FORMS = {"decline": DeclineForm, "cancel": CancelForm}
ACTIONS = {
    "accept": lambda booking, by, reason: answering.booking_accept(booking=booking, by=by),
    # The band's leaders accept although a required member is busy: they will find a stand-in.
    "accept_stand_in": lambda booking, by, reason: answering.booking_accept(booking=booking, by=by, stand_in=True),
    "stand_in": lambda booking, by, reason: answering.booking_stand_in_plan(booking=booking, by=by),
    "decline": lambda booking, by, reason: answering.booking_decline(booking=booking, by=by, reason=reason),
    "withdraw": lambda booking, by, reason: answering.booking_withdraw(booking=booking, by=by),
    "cancel": lambda booking, by, reason: ending.booking_cancel(booking=booking, by=by, reason=reason),
}


def _act(request: HtmxHttpRequest, uid: UUID, action: str) -> HttpResponse:
    """Run one action through its service and answer with the booking as it now stands; a conflict
    (the booking has moved on: the losers of a race) with its reason alone, at once."""
    booking = action_booking_or_404(request, uid)
    forms, reason = {}, ""
    if action in REASON_FORMS:
        form = forms[f"{action}_form"] = REASON_FORMS[action](request.POST, auto_id=f"{action}_%s")
        if not form.is_valid():
            return render_detail(request, booking_or_404(request, uid), status=400, **forms)
        reason = form.cleaned_data["reason"]
    try:
        ACTIONS[action](booking, request.user, reason)
    except BookingError as exc:
        status = refusal_status(exc)
        if status == 409:
            return render_conflict(request, booking, error=str(exc))
        return render_detail(request, booking_or_404(request, uid), status=status, error=str(exc), **forms)
    except ValidationError as exc:
        booking = booking_or_404(request, uid)
        if action == "cancel":
            forms["cancel_form"].add_service_errors(exc)
            return render_detail(request, booking, status=400, **forms)
        return render_detail(request, booking, status=400, error=" ".join(exc.messages), **forms)
    booking = booking_or_404(request, uid)
    notice = NOTICES[action] % {"band": booking.band.name}
    if is_partial(request):
        return render_detail(request, booking, notice=notice)
    messages.success(request, notice)
    return redirect("bookings:detail", uid=booking.uid)


@login_required
@require_POST
def accept(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "accept_stand_in" if request.POST.get("stand_in") == "1" else "accept")


@login_required
@require_POST
def stand_in(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders say they will find a stand-in for busy members, so the other side may accept."""
    return _act(request, uid, "stand_in")


@login_required
@require_POST
def decline(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "decline")


@login_required
@require_POST
def withdraw(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "withdraw")


@login_required
@require_POST
def cancel(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "cancel")


@login_required
@require_POST
def gig_times(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders and admins give a booked gig its own load-in and pack-down (empty: the usual)."""
    booking = booking_or_404(request, uid)
    form = GigTimesForm(request.POST, auto_id="gig_%s")
    if not form.is_valid():
        return render_detail(request, booking, status=400, gig_times_form=form)
    try:
        detail_services.booking_gig_times_set(booking=booking, by=request.user, **form.cleaned_data)
    except BookingError as exc:
        status = refusal_status(exc)
        if status == 409:
            return render_conflict(request, booking, error=str(exc))
        booking.refresh_from_db()
        return render_detail(request, booking, status=status, error=str(exc))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return render_detail(request, booking, status=400, gig_times_form=form)
    notice = gettext("The gig times are saved; the members' busy time moved with them.")
    if is_partial(request):
        return render_detail(request, booking, notice=notice)
    messages.success(request, notice)
    return redirect("bookings:detail", uid=booking.uid)


@login_required
@require_POST
def played(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The band's leaders and admins mark a gig that has started as played, with a note if they like."""
    booking = booking_or_404(request, uid)
    form = PlayedForm(request.POST, auto_id="played_%s")
    if not form.is_valid():
        return render_detail(request, booking, status=400, played_form=form)
    try:
        life.booking_mark_played(booking=booking, by=request.user, note=form.cleaned_data["note"])
    except BookingError as exc:
        status = refusal_status(exc)
        if status == 409:
            return render_conflict(request, booking, error=str(exc))
        return render_detail(request, booking, status=status, error=str(exc))
    except ValidationError as exc:
        for message in exc.message_dict.get("note", exc.messages):
            form.add_error("note", message)
        return render_detail(request, booking, status=400, played_form=form)
    booking = booking_or_404(request, uid)
    notice = str(NOTICES["played"])
    if is_partial(request):
        return render_detail(request, booking, notice=notice)
    messages.success(request, notice)
    return redirect("bookings:detail", uid=booking.uid)
