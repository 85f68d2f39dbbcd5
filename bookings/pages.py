"""What several bookings views share: finding the viewer's booking, answering a service's refusal,
and drawing the booking's page with its thread (the booking, its email-action and thread views all
end on it). Views import this module; no view module imports another.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import get_language, gettext_lazy
from django_htmx.http import reswap, retarget, trigger_client_event

from availability.weekdays import WEEKDAY_HEADS, WEEKDAY_NAMES
from bands.calendar import length_label
from bands.demand import city_demand_for
from bands.gig_hours import band_gig_hours
from bands.models import Band
from core.caching.stamps import stamp_current
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial

from .errors import BookingConflict, BookingError, BookingPermissionError, ContactRefused
from .forms.detail import CancelForm, DeclineForm, GigTimesForm, PlayedForm
from .models import Booking, Message
from .selectors.bookings import (
    PAGE_RELATED,
    booking_events,
    booking_for_action,
    booking_for_viewer,
    booking_point,
    status_stamp_key,
)
from .selectors.cancellation import cancellation_terms
from .selectors.detail import (
    booking_event_rows,
    booking_fee_label,
    booking_gig_times,
    booking_lineup,
    booking_title,
    booking_viewer,
)
from .selectors.files import booking_deliverables, may_deliver
from .selectors.public import PublicMonth, shift_month
from .selectors.quotes import QUOTED_KINDS, quote_card
from .selectors.requests import request_group_rows
from .selectors.threads import PAGE_LIMIT, thread_can_read, thread_messages, thread_read_up_to, thread_stamp_key
from .services.checks import duration_text, members_busy_for_gig
from .services.life import can_mark_played
from .services.threads import thread_mark_read

# How often the live sections ask for news, in seconds (a setting, so browser tests need not wait).
POLL_SECONDS = 20

# What an action's page says once it is done; "%(band)s" is the band's name.
NOTICES = {
    "accept": gettext_lazy("Accepted: %(band)s is booked. Everyone involved has been told."),
    "accept_stand_in": gettext_lazy(
        "Accepted: %(band)s is booked and will find a stand-in. Everyone involved has been told."
    ),
    "stand_in": gettext_lazy("Noted: %(band)s will find a stand-in, so the other side can accept."),
    "decline": gettext_lazy("Declined. The other side has been told."),
    "withdraw": gettext_lazy("Withdrawn. The other side has been told."),
    "cancel": gettext_lazy("Cancelled. Everyone involved has been told, with your reason."),
    "played": gettext_lazy("Marked as played. Everyone involved has been told."),
}


def poll_seconds() -> int:
    return getattr(settings, "LIVE_POLL_SECONDS", POLL_SECONDS)


def booking_or_404(request: HtmxHttpRequest, uid: UUID, *, related: tuple[str, ...] = PAGE_RELATED) -> Booking:
    """The booking if the viewer is part of it; to anyone else it does not exist."""
    booking = booking_for_viewer(uid=uid, user=request.user, related=related)
    if booking is None:
        raise Http404("No such booking.")
    return booking


def action_booking_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    """The booking an action is about (booking_for_action: one query) if the viewer is part of it; else 404."""
    booking = booking_for_action(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such booking.")
    return booking


def refusal_code(exc: BookingError) -> int:
    """A service's refusal as an HTTP status: not yours to do 403, something in the way 409, bad input 400."""
    if isinstance(exc, BookingPermissionError | ContactRefused):
        return 403
    return 409 if isinstance(exc, BookingConflict) else 400


def refusal_status(exc: BookingError) -> int:
    """As refusal_code, for a page that shows the refusal in place: a 403 becomes the 403 page instead."""
    if isinstance(exc, BookingPermissionError):
        raise PermissionDenied(str(exc)) from exc
    return refusal_code(exc)


# ---- The thread section ---------------------------------------------------------------------


def thread_form_context(
    booking: Booking, *, body: str = "", error: str = "", after: int = 0, focus: bool = False, stamp: str = ""
) -> dict:
    """The thread's form; `after` is the last message the page shows and `stamp` the thread's change
    stamp read before those messages (empty: the next poll reads the messages again)."""
    return {
        "booking": booking,
        "thread_stamp": stamp,
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
    if not thread_can_read(booking=booking, user=request.user):
        return {"thread_hidden": True}
    stamp = stamp_current(thread_stamp_key(booking.uid))  # before the messages: a later one moves it
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
        **thread_form_context(booking, body=body, error=error, after=last_id, stamp=stamp),
    }


# ---- The booking's page ---------------------------------------------------------------------


def detail_context(
    request: HtmxHttpRequest,
    booking: Booking,
    *,
    notice: str = "",
    error: str = "",
    decline_form: DeclineForm | None = None,
    cancel_form: CancelForm | None = None,
    gig_times_form: GigTimesForm | None = None,
    played_form: PlayedForm | None = None,
) -> dict:
    now = timezone.now()
    viewer = booking_viewer(booking=booking, user=request.user)
    delivering = may_deliver(booking, now=now)
    zone = timezone.get_current_timezone()
    gig_times = booking_gig_times(booking=booking, viewer=viewer, zone=zone, now=now)
    band_free, members_busy = None, []
    if booking.is_pending and booking.ends_at > now:
        # With the gig's load-in and pack-down, as the accept checks it.
        busy = members_busy_for_gig(booking.band, booking.starts_at, booking.ends_at, point=booking_point(booking))
        band_free = not busy
        members_busy = [
            {
                "name": member.name,
                "when": when_text(member.starts_at, member.ends_at, zone),
                "gig": member.gig,
                "travel": duration_text(member.travel) if member.travel else "",
            }
            for member in busy
        ]
    detail_url = reverse("bookings:detail", args=[booking.uid])
    return {
        "booking": booking,
        "viewer": viewer,
        "title": booking_title(booking),
        "time_zone": zone.key,
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "when_event": (
            when_text(booking.starts_at, booking.ends_at, booking.zone) if booking.zone.key != zone.key else ""
        ),
        "fee_label": booking_fee_label(booking),
        "lineup": booking_lineup(booking=booking),
        "band_free": band_free,
        "members_busy": members_busy,
        # A venue weighing a band: how many fans asked it to come to the venue's city (counts only).
        "venue_demand": (
            next(iter(city_demand_for(band_id=booking.band_id, city_ids=[booking.venue.place_id])), None)
            if booking.is_pending and "venue" in viewer.sides and booking.venue_id and booking.venue.place_id
            else None
        ),
        "can_plan_stand_in": bool(members_busy) and "band" in viewer.sides and not booking.stand_in_planned,
        "events": booking_event_rows(list(booking_events(booking=booking))),
        "can_accept": viewer.can_accept(now),
        "can_decline": viewer.can_answer(),
        "can_withdraw": viewer.can_withdraw(),
        "can_cancel": viewer.can_cancel(now),
        "can_mark_played": "band" in viewer.sides and can_mark_played(booking, now=now),
        "played_form": played_form or PlayedForm(auto_id="played_%s"),
        # Once the gig has started: what the band handed over, and what its package still owes.
        "deliverables": booking_deliverables(booking=booking) if delivering else None,
        "can_deliver": delivering and viewer.membership is not None,
        "is_live": booking.status in Booking.LIVE,
        "decline_form": decline_form or DeclineForm(auto_id="decline_%s"),
        "cancel_form": cancel_form or CancelForm(auto_id="cancel_%s"),
        "gig_times": gig_times,
        "gig_times_form": gig_times_form or _gig_times_form(gig_times),
        "terms": quote_card(booking=booking, user=request.user, now=now) if booking.kind in QUOTED_KINDS else None,
        # Without agreed quote terms (whose card shows them): the terms a cancellation goes by now.
        "cancellation": (
            cancellation_terms(booking, now=now)
            if booking.kind in QUOTED_KINDS and not booking.agreed_quote_id
            else None
        ),
        # A request the client sent to several bands: the client compares them (the bands never see each other).
        "group_rows": (
            request_group_rows(group_id=booking.request_group_id, current_id=booking.pk)
            if booking.request_group_id and viewer.is_client
            else []
        ),
        "notice": notice,
        "error": error,
        "detail_url": detail_url,
        "status_url": status_poll_url(booking),
    }


def status_poll_url(booking: Booking) -> str:
    """Where the live status block polls: the booking's sequence as drawn and, while it is live, its
    status change stamp when that is the stamp of this very sequence (words begin with the sequence
    they were drawn for, so the order of the reads does not matter: an older page gets no stamp)."""
    query = {"part": "status", "seq": booking.sequence}
    if booking.status in Booking.LIVE:
        stamp = stamp_current(status_stamp_key(booking.uid), tag=str(booking.sequence))
        if stamp.startswith(f"{booking.sequence}."):
            query["stamp"] = stamp
    return f"{reverse('bookings:detail', args=[booking.uid])}?{urlencode(query)}"


def _gig_times_form(gig_times) -> GigTimesForm | None:
    if gig_times is None or not gig_times.can_change:
        return None
    initial = {"load_in_minutes": gig_times.load_in_minutes, "pack_down_minutes": gig_times.pack_down_minutes}
    return GigTimesForm(initial=initial if gig_times.own else {}, auto_id="gig_%s")


def render_detail(
    request: HtmxHttpRequest, booking: Booking, *, status: int = 200, thread: dict | None = None, **extra
) -> HttpResponse:
    """The booking's page, or its #booking part for HTMX. The whole page also has the message thread
    (`thread`: what the thread's form had, e.g. {"body": …, "error": …} after a refused message)."""
    context = detail_context(request, booking, **extra)
    if is_partial(request):
        # An answer to an action replaces the booking; a conflict's alert above it has had its say.
        context["clear_alert"] = request.method == "POST"
        return render(request, "bookings/detail/booking.html#booking", context, status=status)
    context.update(thread_section(request, booking, **(thread or {})))
    return render(request, "bookings/detail/booking.html", context, status=status)


CHANGED = "booking-changed"  # the booking's section redraws itself when this event fires


def render_conflict(request: HtmxHttpRequest, booking: Booking, *, error: str) -> HttpResponse:
    """A 409: the action met a booking that has moved on (taken by another gig, already answered).

    The answer is the reason alone, not the booking drawn again, so the losers of a decided race
    hear it at once however many there are. For HTMX it goes into the alert above the booking, and
    the booking's section redraws itself as it now stands; without JavaScript it is a short page
    that leads back to the booking.
    """
    if is_partial(request):
        response = render(request, "bookings/detail/conflict.html#alert", {"error": error}, status=409)
        retarget(response, "#booking-alert")
        reswap(response, "outerHTML")
        return trigger_client_event(response, CHANGED)
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "error": error,
        "detail_url": reverse("bookings:detail", args=[booking.uid]),
    }
    return render(request, "bookings/detail/conflict.html", context, status=409)


# ---- The public month calendar ----------------------------------------------------------------


def month_url(path: str, month: dt.date) -> str:
    """`path` showing `month` (?month=YYYY-MM)."""
    return f"{path}?{urlencode({'month': f'{month:%Y-%m}'})}"


def month_context(
    *,
    band: Band,
    month: PublicMonth,
    now: dt.datetime,
    path: str,
    states: dict,
    in_range: Callable[[dt.date], bool],
) -> dict:
    """What the public month grid shows, for the band's page and for a share link's page alike:
    the month, its neighbours while `in_range`, and `now` (in the band's zone) as "updated"."""
    month_start, today = month.month, now.date()
    prev_month, next_month = shift_month(month_start, -1), shift_month(month_start, 1)
    this_month = today.replace(day=1)
    context = {
        "band": band,
        "month": month,
        "title": date_format(month_start, "YEAR_MONTH_FORMAT"),
        "time_zone": band.time_zone,
        "hours": band_gig_hours(band),
        "min_label": length_label(month.min_length),
        "weekday_names": WEEKDAY_NAMES,
        "weekday_heads": WEEKDAY_HEADS,
        "states": states,
        "is_this_month": month_start == this_month,
        "self_url": month_url(path, month_start),
        "prev_url": month_url(path, prev_month) if in_range(prev_month) else "",
        "next_url": month_url(path, next_month) if in_range(next_month) else "",
        "today_url": month_url(path, this_month),
        "updated": time_format(now, "CLOCK_FORMAT"),
        "poll_seconds": poll_seconds(),
    }
    context["fragment_key"] = month_fragment_key(context)
    return context


def month_fragment_key(context: dict) -> str:
    """A digest of everything the month grid shows (month_context's values, the band's name and zone, the
    language it is drawn in): the section is kept drawn under it in the process's "fragments" cache
    (bookings/public/band_calendar.html), so a month is drawn again only when something it shows changed,
    and never shown from a drawing of other days, states, gigs, words or clock."""
    band, hours, month = context["band"], context["hours"], context["month"]
    shown = (
        get_language(),
        band.pk,
        band.slug,
        band.name,
        context["time_zone"],
        (hours.key, str(hours.label), str(hours.during), hours.start, hours.end),
        str(context["min_label"]),
        str(context["title"]),
        tuple((key, str(label), mark) for key, (label, mark) in context["states"].items()),
        context["is_this_month"],
        context["self_url"],
        context["prev_url"],
        context["next_url"],
        context["today_url"],
        str(context["updated"]),
        context["poll_seconds"],
        month.month,
        month.time_zone,
        month.min_length,
        tuple(sorted(month.counts.items())),
        tuple(
            (
                d.day,
                d.state,
                d.in_month,
                d.is_today,
                d.is_past,
                tuple((g.venue_name, g.venue_slug, g.start_label, g.venue_url) for g in d.gigs),
            )
            for d in month.days
        ),
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()
