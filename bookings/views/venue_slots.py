"""The venue's side of booking: its slots, the applications inbox, offers to bands and emailed offers.

Slot pages belong to the venue's staff (owners and bookers): an unknown venue is a 404, anybody else
a 403, as on the other venue manage pages. Slot times are read and typed in the venue's zone, which
every page names. A conflict (the band is booked, the place is taken, the page was stale) answers
409 with the message; the pages tell htmx to swap 400 and 409 answers so the message shows in place.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.links import LinkPerson, link_for_a_person
from accounts.ratelimit import rate_limited
from bands.models import Band
from core.fields.timezones import known_zone, when_text
from core.web.htmx import HtmxHttpRequest, render_page
from venues import services as venue_services
from venues.models import Slot, Venue, VenueStaff
from venues.selectors import SlotClash, stage_slot_clashes, venue_for_staff, venue_stages

from ..errors import BookingError
from ..forms.venue_slots import (
    ClaimForm,
    DeclineForm,
    InboxActionForm,
    OfferInviteForm,
    SlotCancelForm,
    SlotForm,
    SlotOfferForm,
    SlotPickForm,
    SlotSeriesForm,
)
from ..models import Booking, OfferInvite
from ..pages import refusal_status
from ..selectors.bookings import booking_for_viewer
from ..selectors.venue_slots import (
    band_suggestions,
    has_managed_bands,
    has_offerable_slots,
    managed_bands,
    offer_invite_for_token,
    offerable_band_or_404,
    offerable_slots,
    only_managed_band,
    slot_booking_or_404,
    slot_bookings,
    slot_has_live_bookings,
    slot_live_booking_count,
    slot_offer_invites,
    staff_venues,
    venue_application_counts,
    venue_application_rows,
    venue_first_stage,
    venue_slot_or_404,
    venue_slot_rows,
    venue_tab_counts,
)
from ..services import answering, asking
from ..services import venue_slots as slot_services

Status = Booking.Status
PAGE_SIZE = 50
INVITES_SHOWN = 50
NOT_STAFF = gettext_lazy("Only this venue's owners and bookers can manage its slots.")
TABS = [
    ("upcoming", gettext_lazy("Upcoming")),
    (Slot.Status.OPEN, gettext_lazy("Booking open")),
    (Slot.Status.NEED_SUPPORT, gettext_lazy("Need support")),
    (Slot.Status.BOOKED, gettext_lazy("Booked")),
    (Slot.Status.CANCELLED, gettext_lazy("Cancelled")),
    ("past", gettext_lazy("Past")),
]
ACTIONS = ("accept", "decline", "shortlist", "withdraw")


# ---- Shared --------------------------------------------------------------------------------


def _venue(request: HttpRequest, slug: str) -> Venue:
    """The venue if the user is on its staff; 404 if there is no such venue, else 403."""
    venue = venue_for_staff(slug=slug, user=request.user)
    if venue is None:
        raise Http404("No venue at this address.")
    if venue.my_role is None:
        raise PermissionDenied(NOT_STAFF)
    return venue


def _slot(venue: Venue, pk: int) -> Slot:
    return venue_slot_or_404(venue=venue, pk=pk)


@dataclass(frozen=True)
class When:
    """A span as a venue's people read it: the day, the hours, and whether it ends the next day."""

    day: str
    hours: str
    next_day: bool
    iso: str


def _when(starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> When:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return When(
        day=date_format(start, "WEEKDAY_FORMAT"),
        hours=pgettext("time range", "%(start)s–%(end)s")
        % {"start": time_format(start, "CLOCK_FORMAT"), "end": time_format(end, "CLOCK_FORMAT")},
        next_day=end.date() > start.date(),
        iso=starts_at.isoformat(),
    )


def _base(request: HttpRequest, venue: Venue) -> dict:
    zone = ZoneInfo(venue.time_zone)
    return {
        "venue": venue,
        "is_owner": venue.my_role == VenueStaff.Role.OWNER,
        "zone_name": zone.key,
        "viewer_zone": request.user.time_zone if request.user.time_zone != zone.key else "",
    }


def _with_when(rows, zone: ZoneInfo):
    for row in rows:
        row.when = _when(row.starts_at, row.ends_at, zone)
    return rows


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _service_on_form(form, call: Callable[[], Any], *, on_validation=None) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200), or (None, status) with the refusal on the
    form – a conflict is a 409, other refusals 400; someone who may not act gets the 403 page."""
    try:
        return call(), 200
    except BookingError as exc:
        status = refusal_status(exc)
        form.add_error(None, str(exc))
        return None, status
    except ValidationError as exc:
        (on_validation or form.add_service_errors)(exc)
    return None, 400


def _slot_service(form, call: Callable[[], Any]) -> tuple[Any, int]:
    """Run a venue's slot service for a valid form: (its result, 200), or (None, status) with the
    refusal on the form – another show on the stage then is a 409 (kept as `form.clash`), other
    refusals 400; someone who may not change the venue's slots gets the 403 page."""
    try:
        return call(), 200
    except venue_services.SlotPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except venue_services.SlotClashError as exc:
        form.clash = exc
        form.add_error(None, exc)
        return None, 409
    except ValidationError as exc:
        form.add_service_errors(exc)
    return None, 400


def _posted_before(form, by) -> Slot | None:
    """The slot a refused post clashed with if it is this same slot, posted before by the same person
    (a double click, a resubmitted form, a second tab); else None."""
    clash = getattr(form, "clash", None)
    if clash is None or len(clash.clashes) != 1:
        return None
    [first] = clash.clashes
    return first.slot if first.repeats(title=form.cleaned_data.get("title", "").strip(), by=by) else None


# ---- The slot list -------------------------------------------------------------------------


@login_required
@require_GET
def venue_slots(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
    show = request.GET.get("show", "upcoming")
    if show not in dict(TABS):
        show = "upcoming"
    now = timezone.now()
    page = Paginator(venue_slot_rows(venue=venue, show=show, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_when(page.object_list, ZoneInfo(venue.time_zone))
    counts = venue_tab_counts(venue=venue, now=now)
    list_url = reverse("bookings:venue_slots", args=[venue.slug])
    context = {
        **_base(request, venue),
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "show": show,
        "tabs": [(key, label, counts[key], f"{list_url}?{urlencode({'show': key})}") for key, label in TABS],
        "list_url": list_url,
        "has_slots": any(counts.values()),
    }
    return render_page(request, "bookings/venue_slots/slots.html", context, partial="list")


# ---- Posting slots -------------------------------------------------------------------------


def _posted_message(slots: list[Slot], zone: ZoneInfo) -> str:
    if len(slots) == 1:
        when = _when(slots[0].starts_at, slots[0].ends_at, zone)
        if when.next_day:
            return gettext("Posted 1 slot: %(day)s, %(hours)s (ends the next day).") % {
                "day": when.day,
                "hours": when.hours,
            }
        return gettext("Posted 1 slot: %(day)s, %(hours)s.") % {"day": when.day, "hours": when.hours}
    return ngettext("Posted %(n)s slot.", "Posted %(n)s slots.", len(slots)) % {"n": len(slots)}


@login_required
def venue_slot_new(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
    zone = ZoneInfo(venue.time_zone)
    stages = venue_stages(venue=venue)
    status = 200
    if request.method == "POST":
        form = SlotForm(request.POST, stages=stages, zone=zone)
        if form.is_valid():
            data = form.cleaned_data
            fields = {"stage": data["stage"], "starts_at": data["starts_at"], "ends_at": data["ends_at"]}
            create = partial(venue_services.slot_create, venue=venue, by=request.user, genres=data["genres"])
            slot, status = _slot_service(form, partial(create, **fields, **form.slot_fields()))
            if slot is not None:
                messages.success(request, _posted_message([slot], zone))
                return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
            if before := _posted_before(form, request.user):
                when = _when(before.starts_at, before.ends_at, zone)
                messages.info(
                    request,
                    gettext("This slot is already posted: %(day)s, %(hours)s.")
                    % {"day": when.day, "hours": when.hours},
                )
                return redirect("bookings:slot_manage", slug=venue.slug, pk=before.pk)
        else:
            status = 400
    else:
        form = SlotForm(stages=stages, zone=zone, initial={"stage": venue_first_stage(venue=venue)})
    return render(request, "bookings/venue_slots/slot_new.html", {**_base(request, venue), "form": form}, status=status)


@dataclass(frozen=True)
class PreviewDate:
    """One date of a series preview; `clash` says why it is left out (another show on the stage then)."""

    when: When
    clash: str = ""


def _series_preview(times: list, clashes: list[SlotClash], zone: ZoneInfo) -> list[PreviewDate]:
    in_the_way = {(clash.starts_at, clash.ends_at): clash.message for clash in clashes}
    return [PreviewDate(_when(start, end, zone), in_the_way.get((start, end), "")) for start, end in times]


def _series_page(
    request: HttpRequest,
    venue: Venue,
    form: SlotSeriesForm,
    *,
    preview: list[PreviewDate] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        **_base(request, venue),
        "form": form,
        "preview": preview,
        "posting": sum(1 for row in preview or () if not row.clash),
        "clashing": sum(1 for row in preview or () if row.clash),
        "skipped": form.cleaned_data.get("skipped", []) if form.is_bound and form.is_valid() else [],
    }
    return render(request, "bookings/venue_slots/slot_series.html", context, status=status)


@login_required
def venue_slot_series(request: HttpRequest, slug: str) -> HttpResponse:
    """Post the same slot on chosen weekdays between two dates; "Preview" lists the dates without posting,
    marking the ones another show on the stage is in the way of (posting leaves those out and names them)."""
    venue = _venue(request, slug)
    zone = ZoneInfo(venue.time_zone)
    stages = venue_stages(venue=venue)
    if request.method != "POST":
        initial = {"stage": venue_first_stage(venue=venue), "weekdays": ["4"]}
        return _series_page(request, venue, SlotSeriesForm(stages=stages, zone=zone, initial=initial))
    form = SlotSeriesForm(request.POST, stages=stages, zone=zone)
    if not form.is_valid():
        return _series_page(request, venue, form, status=400)
    data = form.cleaned_data
    clashes = stage_slot_clashes(stage=data["stage"], times=data["times"])
    if "preview" in request.POST:
        return _series_page(request, venue, form, preview=_series_preview(data["times"], clashes, zone))
    return _series_post(request, venue, form, clashes)


def _series_post(request: HttpRequest, venue: Venue, form: SlotSeriesForm, clashes: list[SlotClash]) -> HttpResponse:
    """Post the dates nothing is in the way of and name the others; when every date clashes, post nothing
    (409), unless they are all this same series posted before (a double click), which is shown instead."""
    data, zone = form.cleaned_data, ZoneInfo(venue.time_zone)
    in_the_way = {(clash.starts_at, clash.ends_at) for clash in clashes}
    times = [span for span in data["times"] if span not in in_the_way]
    if clashes and not times:
        if all(clash.repeats(title=data["title"].strip(), by=request.user) for clash in clashes):
            messages.info(
                request,
                ngettext("This %(n)s slot is already posted.", "These %(n)s slots are already posted.", len(clashes))
                % {"n": len(clashes)},
            )
            return redirect("bookings:venue_slots", slug=venue.slug)
        form.add_error(
            None,
            gettext("Every date clashes with a show already on %(stage)s; nothing was posted.")
            % {"stage": data["stage"].name},
        )
        return _series_page(request, venue, form, preview=_series_preview(data["times"], clashes, zone), status=409)
    fields = {"stage": data["stage"], "times": times, "genres": data["genres"], **form.slot_fields()}
    call = partial(venue_services.slot_series_create, venue=venue, by=request.user, **fields)
    slots, status = _slot_service(form, call)
    if slots is None:
        return _series_page(request, venue, form, status=status)
    messages.success(request, _posted_message(slots, zone))
    for skipped in data["skipped"]:
        messages.warning(
            request,
            gettext("Skipped %(day)s: %(reason)s")
            % {"day": date_format(skipped.day, "WEEKDAY_FORMAT"), "reason": skipped.reason},
        )
    for clash in clashes:
        day = date_format(clash.starts_at.astimezone(zone), "WEEKDAY_FORMAT")
        messages.warning(request, gettext("Skipped %(day)s: %(reason)s") % {"day": day, "reason": clash.message})
    return redirect("bookings:venue_slots", slug=venue.slug)


# ---- One slot: edit, inbox, lineup, offers ---------------------------------------------------


def _split_bookings(slot: Slot, zone: ZoneInfo) -> dict:
    """The slot's live bookings split for the page: applications, lineup, pending offers."""
    rows = _with_when(slot_bookings(slot=slot), zone)
    applications = [b for b in rows if b.kind == Booking.Kind.APPLICATION and b.status == Status.PENDING]
    applications.sort(key=lambda b: not b.shortlisted)
    lineup = sorted((b for b in rows if b.status == Status.BOOKED), key=lambda b: b.role != Booking.Role.HEADLINER)
    offers = [b for b in rows if b.kind == Booking.Kind.OFFER and b.status == Status.PENDING]
    return {"applications": applications, "lineup": lineup, "offers": offers, "has_live": bool(rows)}


def _invites(slot: Slot, now: dt.datetime) -> list[OfferInvite]:
    """The slot's emailed offers, each with its state ("open", "claimed", …)."""
    invites = slot_offer_invites(slot=slot, limit=INVITES_SHOWN)
    for invite in invites:
        invite.state = slot_services.offer_invite_state(invite, now=now)
    return invites


def _slot_context(
    request: HttpRequest,
    venue: Venue,
    slot: Slot,
    *,
    edit_form: SlotForm | None = None,
    offer_form: SlotOfferForm | None = None,
    invite_form: OfferInviteForm | None = None,
    cancel_form: SlotCancelForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    zone = ZoneInfo(venue.time_zone)
    now = timezone.now()
    bookings = _split_bookings(slot, zone)
    invites = _invites(slot, now)
    if edit_form is None and not slot.is_cancelled:
        initial = SlotForm.initial_for(slot, zone)
        edit_form = SlotForm(
            initial=initial, stages=venue_stages(venue=venue), zone=zone, lock_time=bookings["has_live"]
        )
    return {
        **_base(request, venue),
        **bookings,
        "slot": slot,
        "when": _when(slot.starts_at, slot.ends_at, zone),
        "is_past": slot.starts_at <= now,
        "invites": invites,
        "edit_form": edit_form,
        "offer_form": _with_suggestions(offer_form or SlotOfferForm(prefix="offer"), venue, slot),
        "invite_form": invite_form or OfferInviteForm(prefix="invite"),
        "cancel_form": cancel_form or SlotCancelForm(prefix="cancel"),
        "decline_form": DeclineForm(),
        "panel": "slot",
        "notice": notice,
        "error": error,
    }


def _with_suggestions(form: SlotOfferForm, venue: Venue, slot: Slot) -> SlotOfferForm:
    """Band names are suggested while typing (a datalist filled by htmx); without JavaScript the name is typed."""
    form.fields["band"].widget.attrs.update(
        {
            "hx-get": reverse("bookings:slot_band_options", args=[venue.slug, slot.pk]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#offer-band-options",
            "hx-swap": "outerHTML",
        }
    )
    return form


def _slot_page(request: HttpRequest, venue: Venue, slot: Slot, *, status: int = 200, **forms) -> HttpResponse:
    return render(
        request, "bookings/venue_slots/slot.html", _slot_context(request, venue, slot, **forms), status=status
    )


@login_required
def slot_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The slot's page; a POST saves the edit form."""
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    if request.method != "POST":
        return _slot_page(request, venue, slot)
    if slot.is_cancelled:
        return _slot_page(
            request, venue, slot, status=409, error=gettext("This slot was cancelled; it can no longer change.")
        )
    zone = ZoneInfo(venue.time_zone)
    locked = slot_has_live_bookings(slot=slot)
    initial = SlotForm.initial_for(slot, zone)
    form = SlotForm(request.POST, initial=initial, stages=venue_stages(venue=venue), zone=zone, lock_time=locked)
    if form.is_valid():
        data = form.cleaned_data
        fields = form.slot_fields()
        if not locked:
            fields.update(stage=data["stage"], starts_at=data["starts_at"], ends_at=data["ends_at"])
        call = partial(venue_services.slot_update, slot=slot, by=request.user, genres=data["genres"], **fields)
        saved, status = _slot_service(form, call)
        if saved is not None:
            messages.success(request, gettext("The slot is saved."))
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    else:
        status = 400
    return _slot_page(request, venue, _slot(venue, pk), status=status, edit_form=form)


@login_required
@require_POST
def slot_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    form = SlotCancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    told = slot_live_booking_count(slot=slot)
    try:
        slot_services.slot_cancel(slot=slot, by=request.user, reason=form.cleaned_data["reason"])
    except BookingError as exc:
        if refusal_status(exc) == 409:
            return _slot_page(request, venue, _slot(venue, pk), status=409, error=str(exc))
        form.add_error(None, str(exc))
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    except ValidationError as exc:
        form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    if told:
        notice = ngettext(
            "The slot is cancelled. %(n)s band booked or waiting were told why.",
            "The slot is cancelled. %(n)s bands booked or waiting were told why.",
            told,
        ) % {"n": told}
    else:
        notice = gettext("The slot is cancelled.")
    messages.success(request, notice)
    return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)


def _hidden_form_error(form: SlotOfferForm | OfferInviteForm, slot: Slot) -> str:
    """An offer form's refusal for the top of the page when the slot (cancelled or started) shows no offer forms."""
    if slot.is_cancelled or slot.starts_at <= timezone.now():
        return " ".join(form.non_field_errors())
    return ""


@login_required
@require_POST
@rate_limited("offer")
def slot_offer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Offer the slot to a band on StageSlot."""
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    form = SlotOfferForm(request.POST, prefix="offer")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        booking, status = _service_on_form(
            form,
            lambda: asking.booking_offer(
                slot=slot,
                band=data["band"],
                by=request.user,
                role=data["role"],
                fee=data["fee"],
                message=data["message"],
            ),
        )
        if booking is not None:
            messages.success(
                request, gettext("Offered to %(band)s. They answer from their bookings.") % {"band": booking.band.name}
            )
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    fresh = _slot(venue, pk)
    return _slot_page(request, venue, fresh, status=status, offer_form=form, error=_hidden_form_error(form, fresh))


@login_required
@require_POST
@rate_limited("offer")
def slot_offer_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Offer the slot by email to a band that is not on StageSlot yet."""
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    form = OfferInviteForm(request.POST, prefix="invite")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        invite, status = _service_on_form(
            form,
            lambda: slot_services.offer_invite_create(
                slot=slot,
                by=request.user,
                email=data["email"],
                band_name=data["band_name"],
                role=data["role"],
                fee=data["fee"],
                message=data["message"],
                site_url=request.build_absolute_uri("/"),
            ),
        )
        if invite is not None:
            messages.success(
                request,
                gettext("The offer is on its way to %(email)s. The link works for 14 days.") % {"email": invite.email},
            )
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    fresh = _slot(venue, pk)
    return _slot_page(request, venue, fresh, status=status, invite_form=form, error=_hidden_form_error(form, fresh))


# ---- Answering: the inbox actions (HTMX or plain POST) ----------------------------------------


@dataclass
class SlotGroup:
    """One slot of the applications inbox: its applications waiting, and those declined automatically."""

    slot: Slot
    when: Any
    pending: list[Booking]
    declined: list[Booking]


def _by_slot(rows) -> list[SlotGroup]:
    groups: dict[int, SlotGroup] = {}
    for row in rows:
        group = groups.setdefault(row.slot_id, SlotGroup(slot=row.slot, when=row.when, pending=[], declined=[]))
        (group.pending if row.status == Booking.Status.PENDING else group.declined).append(row)
    return list(groups.values())


def _applications_context(request: HttpRequest, venue: Venue, *, notice: str = "", error: str = "") -> dict:
    rows = venue_application_rows(venue=venue, now=timezone.now())
    counts = venue_application_counts(rows=rows)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts["all"]  # the aggregate counted them already
    page = paginator.get_page(request.GET.get("page"))
    _with_when(page.object_list, ZoneInfo(venue.time_zone))
    return {
        **_base(request, venue),
        "page": page,
        "pending_count": counts["pending"],
        "slot_groups": _by_slot(page.object_list),
        "page_range": page.paginator.get_elided_page_range(page.number),
        "applications": page.object_list,
        "decline_form": DeclineForm(),
        "panel": "applications",
        "notice": notice,
        "error": error,
    }


@login_required
@require_GET
def venue_applications(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The applications to the venue's upcoming slots, by slot: those waiting, and those declined automatically."""
    venue = _venue(request, slug)
    context = _applications_context(request, venue)
    return render_page(request, "bookings/venue_slots/applications.html", context, partial="list")


def _act(request: HttpRequest, booking: Booking, action: str) -> str:
    """Run one inbox action; the notice for the page. Raises the services' errors."""
    band = booking.band.name
    if action == "accept":
        answering.booking_accept(booking=booking, by=request.user)
        return gettext(
            "Booked: %(band)s plays this slot. Applications that no longer fit were declined with a reason."
        ) % {"band": band}
    if action == "decline":
        form = DeclineForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        answering.booking_decline(booking=booking, by=request.user, reason=reason)
        if reason:
            return gettext("Declined %(band)s's application. They can read your reason.") % {"band": band}
        return gettext("Declined %(band)s's application.") % {"band": band}
    if action == "withdraw":
        answering.booking_withdraw(booking=booking, by=request.user)
        return gettext("Withdrew the offer to %(band)s.") % {"band": band}
    shortlisted = bool(InboxActionForm(request.POST).value("shortlisted"))
    answering.booking_shortlist(booking=booking, by=request.user, shortlisted=shortlisted)
    if shortlisted:
        return gettext("%(band)s is on the shortlist.") % {"band": band}
    return gettext("%(band)s is off the shortlist.") % {"band": band}


def _answer(request: HttpRequest, booking: Booking, action: str) -> tuple[str, str, int]:
    """(notice, error, status) of one inbox action: a conflict is a 409, other refusals 400;
    someone who may not act gets the 403 page."""
    try:
        return _act(request, booking, action), "", 200
    except BookingError as exc:
        return "", str(exc), refusal_status(exc)
    except ValidationError as exc:
        return "", _error_text(exc), 400


def _answer_part(
    request: HttpRequest, venue: Venue, pk: int, *, on_applications: bool, notice: str, error: str, status: int
) -> HttpResponse:
    """The list that an HTMX inbox action redraws: the applications inbox's, or the slot page's bookings."""
    if on_applications:
        context = _applications_context(request, venue, notice=notice, error=error)
        return render(request, "bookings/venue_slots/applications.html#list", context, status=status)
    context = _slot_context(request, venue, _slot(venue, pk), notice=notice, error=error)
    return render(request, "bookings/venue_slots/slot.html#bookings", context, status=status)


@login_required
@require_POST
def venue_booking_action(request: HtmxHttpRequest, slug: str, pk: int, uid, action: str) -> HttpResponse:
    """Accept, decline, shortlist an application, or withdraw an offer; the inbox is drawn again.

    `panel` ("slot" or "applications") says which page the buttons are on, so that the same page
    comes back, with every row that the action changed (accepting declines the rivals).
    """
    if action not in ACTIONS:
        raise Http404("No such action.")
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    notice, error, status = _answer(request, slot_booking_or_404(slot=slot, uid=uid), action)
    on_applications = InboxActionForm(request.POST).value("panel") == "applications"
    if request.htmx:
        return _answer_part(
            request, venue, pk, on_applications=on_applications, notice=notice, error=error, status=status
        )
    if status == 200:
        messages.success(request, notice)
        if on_applications:
            return redirect("bookings:venue_applications", slug=venue.slug)
        return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    if on_applications:
        context = _applications_context(request, venue, error=error)
        return render(request, "bookings/venue_slots/applications.html", context, status=status)
    return _slot_page(request, venue, _slot(venue, pk), status=status, error=error)


@login_required
@require_GET
def slot_band_options(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Suggestions for the offer form's band field (HTMX): approved bands matching what was typed."""
    venue = _venue(request, slug)
    _slot(venue, pk)
    bands = band_suggestions(text=request.GET.get("offer-band", ""))
    return render(request, "bookings/venue_slots/slot.html#band-options", {"band_options": bands})


# ---- From a band's page: offer one of your slots ---------------------------------------------


def _slot_label(slot: Slot, *, with_venue: bool) -> str:
    """ "Fri 5 Dec 2026, 21:00–01:00 next day (Europe/Berlin) · Main stage · Indie night", the date first."""
    parts = [when_text(slot.starts_at, slot.ends_at, ZoneInfo(slot.venue.time_zone)), slot.stage.name]
    if slot.title:
        parts.append(slot.title)
    if with_venue:
        parts.append(slot.venue.name)
    return " · ".join(parts)


def _offer_picked(request: HttpRequest, band: Band, form: SlotPickForm) -> tuple[Booking | None, int]:
    """Offer the slot picked on `form` to `band`: (the booking, 200), or (None, status) with the refusal on the form."""
    if not form.is_valid():
        return None, 400
    data = form.cleaned_data
    return _service_on_form(
        form,
        lambda: asking.booking_offer(
            slot=data["slot"], band=band, by=request.user, role=data["role"], fee=data["fee"], message=data["message"]
        ),
    )


@login_required
@rate_limited("offer")
def offer_band(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's staff offer one of their open slots to the band whose page they came from."""
    band = offerable_band_or_404(slug=slug)
    venues = staff_venues(user=request.user)
    if not venues:
        raise PermissionDenied(
            gettext(
                "Only a venue's staff can offer slots to bands. If you run a venue, add it to StageSlot and post "
                "a slot; then you can offer it to %(band)s."
            )
            % {"band": band.name}
        )
    venue_ids, now = [v.pk for v in venues], timezone.now()
    slots = offerable_slots(venue_ids=venue_ids, now=now)
    label = partial(_slot_label, with_venue=len(venues) > 1)
    status = 200
    if request.method == "POST":
        form = SlotPickForm(request.POST, slots=slots, label=label)
        booking, status = _offer_picked(request, band, form)
        if booking is not None:
            messages.success(
                request, gettext("Offered to %(band)s. They answer from their bookings.") % {"band": band.name}
            )
            return redirect("bookings:detail", uid=booking.uid)
    else:
        form = SlotPickForm(slots=slots, label=label)
    has_slots = has_offerable_slots(venue_ids=venue_ids, now=now)
    context = {"band": band, "venues": venues, "form": form, "has_slots": has_slots}
    return render(request, "bookings/venue_slots/offer_band.html", context, status=status)


# ---- The link in an emailed offer --------------------------------------------------------------

INVITE_GONE = {
    "claimed": (gettext_lazy("This offer has already been taken."), 409),
    "revoked": (gettext_lazy("The venue withdrew this offer, or cancelled the slot."), 410),
    "expired": (gettext_lazy("This offer has expired. Ask the venue to send it again."), 410),
}


def _claim_page(request: HttpRequest, invite: OfferInvite, *, status: int = 200, **extra) -> HttpResponse:
    slot = invite.slot
    venue_zone = ZoneInfo(slot.venue.time_zone)
    viewer_zone = known_zone(request)
    context = {
        "invite": invite,
        "slot": slot,
        "venue": slot.venue,
        "when": when_text(slot.starts_at, slot.ends_at, venue_zone),
        "when_viewer": (
            when_text(slot.starts_at, slot.ends_at, viewer_zone)
            if viewer_zone and viewer_zone.key != venue_zone.key
            else ""
        ),
        "fee": invite.fee,
        "currency": slot.currency,
        **extra,
    }
    return render(request, "bookings/venue_slots/offer_claim.html", context, status=status)


def _claim_gone(request: HttpRequest, invite: OfferInvite, state: str) -> HttpResponse:
    """An offer that can no longer be taken; one already taken links its booking for whoever may see it."""
    text, status = INVITE_GONE[state]
    booking = None
    if state == "claimed" and invite.booking_id and request.user.is_authenticated:
        booking = booking_for_viewer(uid=invite.booking.uid, user=request.user)
    return _claim_page(request, invite, status=status, gone=text, booking=booking)


def _claim(request: HttpRequest, invite: OfferInvite, form: ClaimForm) -> tuple[Booking | None, int]:
    """Take the emailed offer for the band picked on `form`: (the booking, 200), or (None, status) with the refusal."""
    if not form.is_valid():
        return None, 400
    return _service_on_form(
        form,
        lambda: slot_services.offer_invite_claim(invite=invite, band=form.cleaned_data["band"], by=request.user),
        on_validation=lambda exc: form.add_error(None, _error_text(exc)),
    )


def _offered_to(request: HttpRequest, token: str) -> LinkPerson | None:
    """The address an offer was emailed to."""
    invite = offer_invite_for_token(token=token)
    return LinkPerson(name=invite.email, email=invite.email) if invite is not None else None


# The offer goes to the band of whoever takes it (the address is often the band's, not a person's), so
# someone logged in with another address is asked on the page, not refused.
@link_for_a_person(_offered_to, refuse=False)
def offer_claim(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed offer links to: sign up or log in, pick your band, and the offer waits for it."""
    invite = offer_invite_for_token(token=token)
    if invite is None:
        raise Http404("No offer at this link. Check that the whole link was copied.")
    state = slot_services.offer_invite_state(invite)
    if state != "open":
        return _claim_gone(request, invite, state)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return _claim_page(request, invite, login_query=urlencode({"next": request.path}))
    bands = managed_bands(user=request.user)
    status = 200
    if request.method == "POST":
        form = ClaimForm(request.POST, bands=bands)
        booking, status = _claim(request, invite, form)
        if booking is not None:
            messages.success(
                request,
                gettext("The offer from %(venue)s is waiting for your answer.") % {"venue": invite.slot.venue.name},
            )
            return redirect("bookings:detail", uid=booking.uid)
    else:
        only = only_managed_band(user=request.user)
        form = ClaimForm(bands=bands, initial={"band": only} if only is not None else None)
    return _claim_page(
        request,
        invite,
        status=status,
        form=form,
        has_bands=has_managed_bands(user=request.user),
        link_check=request.link_check,
    )
