"""Stand-ins: the band's pool, asking stand-ins to take a member's place, the page behind an ask's link (no
sign-in: the link is personal), and a stand-in's own page and calendar feed of the gigs they play."""

import zoneinfo
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.links import LinkPerson, link_for_a_person
from bookings.errors import BookingConflict, BookingError, BookingPermissionError, ContactRefused
from bookings.ical import FeedEvent, feed_render, feed_response
from bookings.selectors.detail import booking_title
from bookings.selectors.feeds import gig_summary_of
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial

from ..forms.stand_ins import StandInForm, StandInRequestForm
from ..models import StandInAsk
from ..selectors.answers import MANAGING_ROLES, gig_for_member, member_band, membership_of
from ..selectors.set_lists import booked_set_minutes
from ..selectors.stand_ins import (
    ask_by_token,
    place_of_gig,
    place_requests,
    places_of_stand_in,
    stand_in_by_token,
    stand_in_of,
)
from ..selectors.stand_ins import stand_in_pool as pool_of
from ..services.stand_ins import NEEDS_STAND_IN, PlaceFilled, stand_in_add, stand_in_ask_reply, stand_in_remove
from ..services.stand_ins import stand_in_request_create as request_create

POOL_TEMPLATE = "gigs/stand_ins/pool.html"
REQUEST_TEMPLATE = "gigs/stand_ins/request.html"
ASK_TEMPLATE = "gigs/stand_ins/ask.html"
HOME_TEMPLATE = "gigs/stand_ins/home.html"


def _status_of(exc: BookingError) -> int:
    # A block in the way is 403, shown in place, as at every door of contact (decision 0081).
    if isinstance(exc, BookingPermissionError | ContactRefused):
        return 403
    return 409 if isinstance(exc, BookingConflict) else 400


# ---- The pool ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stand_in_pool(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The band's stand-ins by instrument: the members read names and instruments; leaders and admins add
    and remove them (and see emails and notes)."""
    membership = member_band(slug=slug, user=request.user)
    if membership is None:
        raise Http404("No such band.")
    band = membership.band
    leads = membership.role in MANAGING_ROLES
    form = StandInForm(auto_id="si_%s") if leads else None
    status, error = 200, ""
    if request.method == "POST":
        if not leads:
            raise Http404("No such band.")
        form = StandInForm(request.POST, auto_id="si_%s")
        if form.is_valid():
            try:
                added = stand_in_add(band=band, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, gettext("%(name)s is in the pool of stand-ins.") % {"name": added.name})
                return redirect("gigs:stand_ins", slug=band.slug)
        status, error = 400, gettext("Check the musician's details: see below.")
    context = {"band": band, "pool": pool_of(band=band), "leads": leads, "form": form, "error": error}
    return render(request, POOL_TEMPLATE, context, status=status)


@login_required
@require_POST
def stand_in_remove_view(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = member_band(slug=slug, user=request.user)
    stand_in = stand_in_of(band=membership.band, pk=pk) if membership is not None else None
    if stand_in is None or membership.role not in MANAGING_ROLES:
        raise Http404("No such stand-in.")
    band = membership.band
    stand_in_remove(stand_in=stand_in, by=request.user)
    messages.success(request, gettext("%(name)s is out of the pool.") % {"name": stand_in.name})
    return redirect("gigs:stand_ins", slug=band.slug)


# ---- Asking for a place ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stand_in_request_new(request: HtmxHttpRequest, uid: UUID, pk: int) -> HttpResponse:
    """For the band's leaders and admins: ask stand-ins of the pool to take one member's place at a gig."""
    booking = gig_for_member(uid=uid, user=request.user)
    place = place_of_gig(booking_id=booking.pk, place_id=pk) if booking else None
    membership = membership_of(band_id=booking.band_id, user=request.user) if booking else None
    if place is None or membership is None:
        raise Http404("No such place.")
    if membership.role not in MANAGING_ROLES:
        raise Http404("No such place.")
    pool = pool_of(band=booking.band)
    # The stand-ins for the member's instrument first.
    pool.sort(key=lambda s: (s.instrument.casefold() != place.instrument.casefold(), s.instrument, s.name))
    form = StandInRequestForm(pool=pool, auto_id="sr_%s")
    status, error = 200, ""
    if request.method == "POST":
        form = StandInRequestForm(request.POST, pool=pool, auto_id="sr_%s")
        if form.is_valid():
            chosen = [s for s in pool if s.pk in set(form.cleaned_data["stand_ins"])]
            try:
                request_create(place=place, by=request.user, stand_ins=chosen, message=form.cleaned_data["message"])
            except BookingError as exc:
                status, error = _status_of(exc), str(exc)
            except ValidationError as exc:
                status, error = 400, " ".join(exc.messages)
            else:
                notice = gettext("Asked: the first to say yes takes the place. You will be told.")
                messages.success(request, notice)
                return redirect("gigs:stand_in_request", uid=booking.uid, pk=place.pk)
        else:
            status, error = 400, gettext("Choose whom to ask: see below.")
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, timezone.get_current_timezone()),
        "place": place,
        "pool": pool,
        "form": form,
        "requests": place_requests(place=place),
        "can_ask": not place.stand_in_id and place.answer in NEEDS_STAND_IN and booking.ends_at > timezone.now(),
        "error": error,
    }
    return render(request, REQUEST_TEMPLATE, context, status=status)


# ---- The ask's link ---------------------------------------------------------------------------------------


def _ask_context(ask: StandInAsk, **extra) -> dict:
    booking = ask.request.booking
    return {
        "ask": ask,
        "booking": booking,
        "place": ask.request.place,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, booking.zone),
        "set_minutes": booked_set_minutes(booking),
        **extra,
    }


def _ask_page(request: HtmxHttpRequest, ask: StandInAsk, *, status: int = 200, **extra) -> HttpResponse:
    """The ask's page; someone signed out reads it in the gig's zone (the page's note on times names it)."""
    zone = request.user.zone if request.user.is_authenticated else ask.request.booking.zone
    with timezone.override(zone):
        return render(request, ASK_TEMPLATE, _ask_context(ask, **extra), status=status)


def _asked(request: HtmxHttpRequest, token: str) -> LinkPerson | None:
    """The stand-in an ask's link was sent to: their account if they have one, else their address."""
    ask = ask_by_token(token=token)
    if ask is None:
        return None
    stand_in = ask.stand_in
    return LinkPerson(name=stand_in.name, user_id=stand_in.user_id, email=stand_in.email)


@require_http_methods(["GET", "POST"])
@link_for_a_person(_asked, eyebrow=gettext_lazy("Stand in"))
def stand_in_ask(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The page behind a stand-in's ask: the gig, and Yes / No. The link is personal, so no sign-in; once
    someone else said yes it says so and changes nothing. Someone signed in as another person (a leader
    trying the link) changes nothing and is told whom it is for (accounts/links.py)."""
    ask = ask_by_token(token=token)
    if ask is None:
        raise Http404("No such link.")
    if request.method == "GET":
        return _ask_page(request, ask)
    reply = request.POST.get("reply", "")
    try:
        ask = stand_in_ask_reply(ask=ask, reply=reply)
    except PlaceFilled as exc:
        ask = ask_by_token(token=token)
        return _ask_page(request, ask, status=409 if is_partial(request) else 200, error=str(exc))
    except BookingError as exc:
        return _ask_page(request, ask, status=_status_of(exc), error=str(exc))
    except ValidationError as exc:
        return _ask_page(request, ask, status=400, error=" ".join(exc.messages))
    ask = ask_by_token(token=token)
    return _ask_page(request, ask, replied=True)


# ---- A stand-in's own page and feed -------------------------------------------------------------------------


@require_GET
def stand_in_home(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The gigs a stand-in plays for a band, each with its day sheet's essentials, and their feed's address."""
    stand_in = stand_in_by_token(token=token)
    if stand_in is None:
        raise Http404("No such page.")
    places = list(places_of_stand_in(stand_in=stand_in))
    # Each gig in its own zone, named. A signed-in reader also reads it in theirs (the middleware set it)
    # where that differs; a stand-in without an account has no zone of their own, so the page is in the
    # band's, as the band's public pages are in its zone for visitors (never the server's UTC).
    zone = request.user.zone if request.user.is_authenticated else zoneinfo.ZoneInfo(stand_in.band.time_zone)
    gigs = [
        {
            "place": p,
            "booking": p.booking,
            "title": booking_title(p.booking),
            "when": when_text(p.booking.starts_at, p.booking.ends_at, p.booking.zone),
            "when_mine": when_text(p.booking.starts_at, p.booking.ends_at, zone)
            if p.booking.zone.key != zone.key
            else "",
            "sheet": getattr(p.booking, "day_sheet", None),
        }
        for p in places
    ]
    feed_url = request.build_absolute_uri(f"/gigs/stand-in/{stand_in.token}.ics")
    with timezone.override(zone):
        return render(request, HOME_TEMPLATE, {"stand_in": stand_in, "gigs": gigs, "feed_url": feed_url})


@require_GET
def stand_in_feed(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The stand-in's personal calendar: the gigs they play (a cancelled one stays, CANCELLED)."""
    stand_in = stand_in_by_token(token=token)
    if stand_in is None:
        raise Http404("No calendar at this address.")
    events = []
    for place in places_of_stand_in(stand_in=stand_in):
        booking = place.booking
        cancelled = booking.status == booking.Status.CANCELLED
        sheet = getattr(booking, "day_sheet", None)
        lines = [f"Standing in for {place.member.name} ({place.instrument or stand_in.instrument})"]
        if sheet is not None and sheet.venue_contact.name:
            lines.append(f"Contact: {sheet.venue_contact.name} {sheet.venue_contact.phone}".strip())
        lines.append(f"Your page: {request.build_absolute_uri(f'/gigs/stand-in/{stand_in.token}/')}")
        events.append(
            FeedEvent(
                uid=f"stand-in-{place.pk}-{booking.uid}@stageslot",
                summary=gig_summary_of(booking),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                status="CANCELLED" if cancelled else "CONFIRMED",
                sequence=booking.sequence,
                modified_at=max(booking.updated_at, place.updated_at),
                description="\n".join(lines),
                location=booking.location or (booking.venue.name if booking.venue_id else ""),
                url=request.build_absolute_uri(f"/gigs/stand-in/{stand_in.token}/"),
                transparent=cancelled,
            )
        )
    body = feed_render(name=f"{stand_in.band.name} – {stand_in.name}", events=events)
    return feed_response(request, body=body, filename=f"stageslot-{stand_in.band.slug}-stand-in.ics")
