"""A booked gig's later life, each on a page of its own linked from the booking: proposing new times
and answering them, and opening a dispute after the gig. Only the booking's people see these pages
(anyone else: 404); what they may do is the services' call (403, 409 or 400 with the reason)."""

import datetime as dt
import zoneinfo
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from availability.engine import existing_to_utc
from core.fields.dates import Bound, date_problem
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial

from ..errors import BookingError
from ..forms.book import ReasonForm, RescheduleForm
from ..models import Booking, RescheduleProposal
from ..pages import booking_or_404, refusal_status
from ..selectors.bookings import side_of
from ..selectors.detail import booking_title
from ..selectors.reschedule import reschedule_free_times, reschedule_proposal_of, reschedule_proposals_of
from ..services import life as life_services
from ..services import reschedule as services

TEMPLATE = "bookings/life/reschedule.html"


def _render(
    request: HtmxHttpRequest, booking: Booking, *, form=None, status: int = 200, error: str = "", picked: str = ""
) -> HttpResponse:
    proposals = reschedule_proposals_of(booking=booking)
    side = side_of(booking, request.user)
    open_one = next((p for p in proposals if p.status == RescheduleProposal.Status.OPEN), None)
    zone = booking.zone
    can_propose = (
        side is not None
        and open_one is None
        and booking.status == Booking.Status.BOOKED
        and not booking.slot_id
        and booking.starts_at > timezone.now()
    )
    free_times = reschedule_free_times(booking=booking) if can_propose else []
    if form is None:
        # The first free time of the gig's length, ready to propose.
        first = free_times[0] if free_times else None
        initial = {"starts_at": first.start_local, "ends_at": first.end_local} if first else {}
        form = RescheduleForm(initial=initial, auto_id="rs_%s")
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "side": side,
        "proposals": [
            (p, when_text(p.starts_at, p.ends_at, zone), when_text(p.old_starts_at, p.old_ends_at, zone))
            for p in proposals
        ],
        "open_one": open_one,
        "can_answer": open_one is not None and side is not None and side != open_one.side,
        "can_withdraw": open_one is not None and side == open_one.side,
        "can_propose": can_propose,
        "free_times": free_times,
        "picked": picked,
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "zone": zone.key,
        "form": form,
        "error": error,
        "url": reverse("bookings:reschedule", args=[booking.uid]),
    }
    template = f"{TEMPLATE}#panel" if is_partial(request) else TEMPLATE
    return render(request, template, context, status=status)


def _in_zone(value, zone: zoneinfo.ZoneInfo):
    """A datetime-local value read in the event's zone (the form shows it so), as UTC."""
    return existing_to_utc(value.replace(tzinfo=None), zone) if value is not None else None


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The gig's proposals of new times; the form to propose some (either side, one open at a time)."""
    booking = booking_or_404(request, uid)
    if request.method == "GET":
        return _render(request, booking)
    if "pick" in request.POST:
        return _picked(request, booking)
    form = RescheduleForm(request.POST, auto_id="rs_%s")
    if not form.is_valid():
        return _render(request, booking, form=form, status=400)
    starts_at = _in_zone(form.cleaned_data["starts_at"], booking.zone)
    ends_at = _in_zone(form.cleaned_data["ends_at"], booking.zone)
    if starts_at is None or ends_at is None:
        form.add_error("starts_at", gettext("That time does not exist in this zone (the clocks go forward)."))
        return _render(request, booking, form=form, status=400)
    try:
        services.reschedule_propose(
            booking=booking, by=request.user, starts_at=starts_at, ends_at=ends_at, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _render(request, booking, form=form, status=400)
    except BookingError as exc:
        return _render(request, booking, form=form, status=refusal_status(exc), error=str(exc))
    messages.success(request, gettext("Your proposal is sent; the other side has been told."))
    return _done(request, booking)


def _picked(request: HtmxHttpRequest, booking: Booking) -> HttpResponse:
    """One of the free times chosen: the form again with its new start and end filled in (and the reason
    as typed), nothing proposed yet; the focus goes to the reason, what is left to fill."""
    start, _sep, end = request.POST.get("pick", "")[:40].partition("/")
    try:
        local_start, local_end = (dt.datetime.fromisoformat(v).replace(tzinfo=None) for v in (start, end))
    except ValueError:
        local_start = local_end = None
    # Only a time the offered ones could be (core/fields/dates.py): the ends of time would overflow in the zone.
    if local_start is None or any(date_problem(v, bound=Bound.PLAN, slack=1) for v in (local_start, local_end)):
        local_start = local_end = None
    starts_at = _in_zone(local_start, booking.zone)
    ends_at = _in_zone(local_end, booking.zone)
    if starts_at is None or ends_at is None:
        error = gettext("That time could not be read. Choose one of the free times, or type the new start and end.")
        return _render(request, booking, status=400, error=error)
    reason = request.POST.get("reason", "")[:500]
    form = RescheduleForm(initial={"starts_at": local_start, "ends_at": local_end, "reason": reason}, auto_id="rs_%s")
    form.fields["reason"].widget.attrs["data-focus"] = ""
    return _render(request, booking, form=form, picked=when_text(starts_at, ends_at, booking.zone))


def _done(request: HtmxHttpRequest, booking: Booking) -> HttpResponse:
    if is_partial(request):
        return _render(request, booking)
    return redirect("bookings:reschedule", uid=booking.uid)


ANSWERS = {
    "accept": lambda proposal, by, note: services.reschedule_accept(proposal=proposal, by=by),
    "decline": lambda proposal, by, note: services.reschedule_decline(proposal=proposal, by=by, note=note),
    "withdraw": lambda proposal, by, note: services.reschedule_withdraw(proposal=proposal, by=by),
}
NOTICES = {
    "accept": gettext_lazy("Accepted: the gig has moved to the new times. Everyone has been told."),
    "decline": gettext_lazy("Declined: the gig stays on its times. The other side has been told."),
    "withdraw": gettext_lazy("Withdrawn: the gig stays on its times."),
}


@login_required
@require_POST
def reschedule_answer(request: HtmxHttpRequest, uid: UUID, pk: int, action: str) -> HttpResponse:
    """Accept or decline the other side's proposal, or withdraw your own."""
    booking = booking_or_404(request, uid)
    if action not in ANSWERS:
        raise Http404("No such answer.")
    proposal = reschedule_proposal_of(booking=booking, pk=pk)
    if proposal is None:
        raise Http404("No such proposal.")
    try:
        ANSWERS[action](proposal, request.user, request.POST.get("note", "")[:500])
    except BookingError as exc:
        return _render(request, booking, status=refusal_status(exc), error=str(exc))
    messages.success(request, NOTICES[action])
    return _done(request, booking_or_404(request, uid))


@login_required
@require_http_methods(["GET", "POST"])
def dispute(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """Open a dispute about a gig that has ended, within seven days of its end (either side)."""
    booking = booking_or_404(request, uid)
    now = timezone.now()
    form, status, error = ReasonForm(auto_id="dispute_%s"), 200, ""
    if request.method == "POST":
        form = ReasonForm(request.POST, auto_id="dispute_%s")
        status = 400
        if form.is_valid():
            try:
                life_services.booking_dispute(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.message_dict.get("reason", exc.messages))
            except BookingError as exc:
                status, error = refusal_status(exc), str(exc)
            else:
                messages.success(
                    request, gettext("The dispute is open. The other side and StageSlot staff have been told.")
                )
                return redirect("bookings:detail", uid=booking.uid)
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "form": form,
        "error": error,
        "can_dispute": side_of(booking, request.user) is not None and life_services.can_dispute(booking, now=now),
        "until": life_services.dispute_open_until(booking),
        "days": life_services.DISPUTE_DAYS,
        "when": when_text(booking.starts_at, booking.ends_at, timezone.get_current_timezone()),
    }
    return render(request, "bookings/life/dispute.html", context, status=status)
