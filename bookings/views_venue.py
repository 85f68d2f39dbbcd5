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
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_GET, require_POST

from bands.models import ApprovalStatus, Band, BandPhoto, Membership
from bands.selectors import genres_all
from bands.views import HtmxHttpRequest, wants_results_only
from venues import services as venue_services
from venues.models import Slot, Venue, VenueStaff
from venues.selectors import venue_for_staff, venue_stages

from . import services
from .forms_venue import (
    ClaimForm,
    DeclineForm,
    OfferInviteForm,
    SlotCancelForm,
    SlotForm,
    SlotOfferForm,
    SlotPickForm,
    SlotSeriesForm,
    band_suggestions,
)
from .models import Booking, OfferInvite
from .selectors import booking_for_viewer, bookings_with_band_free
from .services import BookingConflict, BookingError, BookingPermissionError

Status = Booking.Status
PAGE_SIZE = 50
INVITES_SHOWN = 50
NOT_STAFF = "Only this venue's owners and bookers can manage its slots."
TABS = [
    ("upcoming", "Upcoming"),
    (Slot.Status.OPEN, "Booking open"),
    (Slot.Status.NEED_SUPPORT, "Need support"),
    (Slot.Status.BOOKED, "Booked"),
    (Slot.Status.CANCELLED, "Cancelled"),
    ("past", "Past"),
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
    slot = get_object_or_404(
        Slot.objects.select_related("stage").prefetch_related(Prefetch("genres", queryset=genres_all())),
        pk=pk,
        venue=venue,
    )
    slot.venue = venue
    return slot


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
        day=dateformat.format(start, "D j M Y"),
        hours=f"{start:%H:%M}–{end:%H:%M}",
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


def _pending_count(kind: str) -> Coalesce:
    """A correlated count of a slot's pending bookings of `kind`: one subquery on the list, not one query per row."""
    rows = (
        Booking.objects.filter(slot=OuterRef("pk"), kind=kind, status=Status.PENDING)
        .order_by()
        .values("slot")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _inbox_rows(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Bookings with what an inbox row shows: the band's press kit summary and whether its green zone covers them."""
    return (
        bookings.select_related("band", "slot__stage")
        .annotate(band_free=bookings_with_band_free())
        .prefetch_related(
            Prefetch("band__genres", queryset=genres_all()),
            Prefetch("band__photos", queryset=BandPhoto.objects.order_by("position", "id")[:1], to_attr="cover_photos"),
        )
    )


def _with_when(rows, zone: ZoneInfo):
    for row in rows:
        row.when = _when(row.starts_at, row.ends_at, zone)
    return rows


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---- The slot list -------------------------------------------------------------------------


def _tab_counts(venue: Venue, now: dt.datetime) -> dict[str, int]:
    """How many slots each tab holds, in one query."""
    upcoming = Q(ends_at__gt=now)
    live = upcoming & Q(cancelled_at__isnull=True)
    counts = Slot.objects.filter(venue=venue).aggregate(
        upcoming=Count("pk", filter=live),
        open=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.OPEN)),
        need_support=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.NEED_SUPPORT)),
        booked=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.BOOKED)),
        cancelled=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.CANCELLED)),
        past=Count("pk", filter=~upcoming),
    )
    return counts


def _slot_rows(venue: Venue, show: str, now: dt.datetime) -> QuerySet[Slot]:
    slots = Slot.objects.filter(venue=venue).select_related("stage")
    if show == "past":
        slots = slots.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    else:
        slots = slots.filter(ends_at__gt=now).order_by("starts_at", "pk")
        slots = slots.filter(cancelled_at__isnull=True) if show == "upcoming" else slots.filter(Slot.status_q(show))
    return slots.annotate(
        pending_applications=_pending_count(Booking.Kind.APPLICATION),
        pending_offers=_pending_count(Booking.Kind.OFFER),
    )


def _service_on_form(form, call: Callable[[], Any], *, on_validation=None) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200), or (None, status) with the refusal on the
    form – a conflict is a 409, other refusals 400; someone who may not act gets the 403 page."""
    try:
        return call(), 200
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingConflict as exc:
        form.add_error(None, str(exc))
        return None, 409
    except BookingError as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        (on_validation or form.add_service_errors)(exc)
    return None, 400


@login_required
@require_GET
def venue_slots(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
    show = request.GET.get("show", "upcoming")
    if show not in dict(TABS):
        show = "upcoming"
    now = timezone.now()
    page = Paginator(_slot_rows(venue, show, now), PAGE_SIZE).get_page(request.GET.get("page"))
    zone = ZoneInfo(venue.time_zone)
    _with_when(page.object_list, zone)
    counts = _tab_counts(venue, now)
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
    if wants_results_only(request):
        return render(request, "bookings/venue/slots.html#list", context)
    return render(request, "bookings/venue/slots.html", context)


# ---- Posting slots -------------------------------------------------------------------------


def _posted_message(slots: list[Slot], zone: ZoneInfo) -> str:
    if len(slots) == 1:
        when = _when(slots[0].starts_at, slots[0].ends_at, zone)
        return f"Posted 1 slot: {when.day}, {when.hours}{' (ends the next day)' if when.next_day else ''}."
    return f"Posted {len(slots)} slots."


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
            try:
                slot = venue_services.slot_create(
                    venue=venue,
                    by=request.user,
                    stage=data["stage"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    genres=data["genres"],
                    **form.slot_fields(),
                )
            except venue_services.SlotPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _posted_message([slot], zone))
                return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
        status = 400
    else:
        form = SlotForm(stages=stages, zone=zone, initial={"stage": stages.first()})
    return render(request, "bookings/venue/slot_new.html", {**_base(request, venue), "form": form}, status=status)


@login_required
def venue_slot_series(request: HttpRequest, slug: str) -> HttpResponse:
    """Post the same slot on chosen weekdays between two dates; "Preview" lists the dates without posting."""
    venue = _venue(request, slug)
    zone = ZoneInfo(venue.time_zone)
    stages = venue_stages(venue=venue)
    status, preview = 200, None
    if request.method == "POST":
        form = SlotSeriesForm(request.POST, stages=stages, zone=zone)
        if form.is_valid():
            data = form.cleaned_data
            if "preview" in request.POST:
                preview = [_when(start, end, zone) for start, end in data["times"]]
            else:
                try:
                    slots = venue_services.slot_series_create(
                        venue=venue,
                        by=request.user,
                        stage=data["stage"],
                        times=data["times"],
                        genres=data["genres"],
                        **form.slot_fields(),
                    )
                except venue_services.SlotPermissionError as exc:
                    raise PermissionDenied(str(exc)) from exc
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, _posted_message(slots, zone))
                    for skipped in data["skipped"]:
                        messages.warning(
                            request, f"Skipped {dateformat.format(skipped.day, 'D j M Y')}: {skipped.reason}"
                        )
                    return redirect("bookings:venue_slots", slug=venue.slug)
        if preview is None:
            status = 400
    else:
        form = SlotSeriesForm(stages=stages, zone=zone, initial={"stage": stages.first(), "weekdays": ["4"]})
    context = {
        **_base(request, venue),
        "form": form,
        "preview": preview,
        "skipped": form.cleaned_data.get("skipped", []) if form.is_bound and form.is_valid() else [],
    }
    return render(request, "bookings/venue/slot_series.html", context, status=status)


# ---- One slot: edit, inbox, lineup, offers ---------------------------------------------------


def _slot_bookings(slot: Slot, zone: ZoneInfo) -> dict:
    """The slot's live bookings split for the page: applications, lineup, pending offers."""
    rows = list(_inbox_rows(Booking.objects.filter(slot=slot, status__in=Booking.LIVE)).order_by("-created_at", "-pk"))
    _with_when(rows, zone)
    applications = [b for b in rows if b.kind == Booking.Kind.APPLICATION and b.status == Status.PENDING]
    applications.sort(key=lambda b: not b.shortlisted)
    lineup = sorted((b for b in rows if b.status == Status.BOOKED), key=lambda b: b.role != Booking.Role.HEADLINER)
    offers = [b for b in rows if b.kind == Booking.Kind.OFFER and b.status == Status.PENDING]
    return {"applications": applications, "lineup": lineup, "offers": offers, "has_live": bool(rows)}


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
    bookings = _slot_bookings(slot, zone)
    invites = list(OfferInvite.objects.filter(slot=slot).select_related("booking__band")[:INVITES_SHOWN])
    for invite in invites:
        invite.state = services.offer_invite_state(invite, now=now)
    if edit_form is None and not slot.is_cancelled:
        edit_form = SlotForm(
            initial=SlotForm.initial_for(slot, zone),
            stages=venue_stages(venue=venue),
            zone=zone,
            lock_time=bookings["has_live"],
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
    return render(request, "bookings/venue/slot.html", _slot_context(request, venue, slot, **forms), status=status)


@login_required
def slot_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The slot's page; a POST saves the edit form."""
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    if request.method != "POST":
        return _slot_page(request, venue, slot)
    if slot.is_cancelled:
        return _slot_page(request, venue, slot, status=409, error="This slot was cancelled; it can no longer change.")
    zone = ZoneInfo(venue.time_zone)
    locked = slot.bookings.filter(status__in=Booking.LIVE).exists()
    form = SlotForm(
        request.POST,
        initial=SlotForm.initial_for(slot, zone),
        stages=venue_stages(venue=venue),
        zone=zone,
        lock_time=locked,
    )
    if form.is_valid():
        data = form.cleaned_data
        fields = form.slot_fields()
        if not locked:
            fields.update(stage=data["stage"], starts_at=data["starts_at"], ends_at=data["ends_at"])
        try:
            venue_services.slot_update(slot=slot, by=request.user, genres=data["genres"], **fields)
        except venue_services.SlotPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The slot is saved.")
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    return _slot_page(request, venue, _slot(venue, pk), status=400, edit_form=form)


@login_required
@require_POST
def slot_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    venue = _venue(request, slug)
    slot = _slot(venue, pk)
    form = SlotCancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    told = Booking.objects.filter(slot=slot, status__in=Booking.LIVE).count()
    try:
        services.slot_cancel(slot=slot, by=request.user, reason=form.cleaned_data["reason"])
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingConflict as exc:
        return _slot_page(request, venue, _slot(venue, pk), status=409, error=str(exc))
    except BookingError as exc:
        form.add_error(None, str(exc))
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    except ValidationError as exc:
        form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        return _slot_page(request, venue, slot, status=400, cancel_form=form)
    bands = f" {told} band{'s' if told != 1 else ''} booked or waiting were told why." if told else ""
    messages.success(request, f"The slot is cancelled.{bands}")
    return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)


def _hidden_form_error(form: SlotOfferForm | OfferInviteForm, slot: Slot) -> str:
    """An offer form's refusal for the top of the page when the slot (cancelled or started) shows no offer forms."""
    if slot.is_cancelled or slot.starts_at <= timezone.now():
        return " ".join(form.non_field_errors())
    return ""


@login_required
@require_POST
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
            lambda: services.booking_offer(
                slot=slot,
                band=data["band"],
                by=request.user,
                role=data["role"],
                fee=data["fee"],
                message=data["message"],
            ),
        )
        if booking is not None:
            messages.success(request, f"Offered to {booking.band.name}. They answer from their bookings.")
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    fresh = _slot(venue, pk)
    return _slot_page(request, venue, fresh, status=status, offer_form=form, error=_hidden_form_error(form, fresh))


@login_required
@require_POST
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
            lambda: services.offer_invite_create(
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
            messages.success(request, f"The offer is on its way to {invite.email}. The link works for 14 days.")
            return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    fresh = _slot(venue, pk)
    return _slot_page(request, venue, fresh, status=status, invite_form=form, error=_hidden_form_error(form, fresh))


# ---- Answering: the inbox actions (HTMX or plain POST) ----------------------------------------


def _applications_context(request: HttpRequest, venue: Venue, *, notice: str = "", error: str = "") -> dict:
    now = timezone.now()
    pending = Booking.objects.filter(
        venue=venue, kind=Booking.Kind.APPLICATION, status=Status.PENDING, slot__starts_at__gt=now
    )
    page = Paginator(_inbox_rows(pending).order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_when(page.object_list, ZoneInfo(venue.time_zone))
    return {
        **_base(request, venue),
        "page": page,
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
    """Every pending application to the venue's upcoming slots, newest first."""
    venue = _venue(request, slug)
    context = _applications_context(request, venue)
    if wants_results_only(request):
        return render(request, "bookings/venue/applications.html#list", context)
    return render(request, "bookings/venue/applications.html", context)


def _act(request: HttpRequest, booking: Booking, action: str) -> str:
    """Run one inbox action; the notice for the page. Raises the services' errors."""
    band = booking.band.name
    if action == "accept":
        services.booking_accept(booking=booking, by=request.user)
        return f"Booked: {band} plays this slot. Applications that no longer fit were declined with a reason."
    if action == "decline":
        form = DeclineForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.booking_decline(booking=booking, by=request.user, reason=reason)
        return f"Declined {band}'s application." + (" They can read your reason." if reason else "")
    if action == "withdraw":
        services.booking_withdraw(booking=booking, by=request.user)
        return f"Withdrew the offer to {band}."
    shortlisted = request.POST.get("shortlisted") == "1"
    services.booking_shortlist(booking=booking, by=request.user, shortlisted=shortlisted)
    return f"{band} is on the shortlist." if shortlisted else f"{band} is off the shortlist."


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
    booking = get_object_or_404(Booking.objects.select_related("band"), uid=uid, slot=slot)
    notice, error, status = "", "", 200
    try:
        notice = _act(request, booking, action)
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingConflict as exc:
        error, status = str(exc), 409
    except BookingError as exc:
        error, status = str(exc), 400
    except ValidationError as exc:
        error, status = _error_text(exc), 400
    on_applications = request.POST.get("panel") == "applications"
    if request.htmx:
        if on_applications:
            context = _applications_context(request, venue, notice=notice, error=error)
            return render(request, "bookings/venue/applications.html#list", context, status=status)
        context = _slot_context(request, venue, _slot(venue, pk), notice=notice, error=error)
        return render(request, "bookings/venue/slot.html#bookings", context, status=status)
    if status == 200:
        messages.success(request, notice)
        if on_applications:
            return redirect("bookings:venue_applications", slug=venue.slug)
        return redirect("bookings:slot_manage", slug=venue.slug, pk=slot.pk)
    if on_applications:
        context = _applications_context(request, venue, error=error)
        return render(request, "bookings/venue/applications.html", context, status=status)
    return _slot_page(request, venue, _slot(venue, pk), status=status, error=error)


@login_required
@require_GET
def slot_band_options(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Suggestions for the offer form's band field (HTMX): approved bands matching what was typed."""
    venue = _venue(request, slug)
    _slot(venue, pk)
    bands = band_suggestions(request.GET.get("offer-band", ""))
    return render(request, "bookings/venue/slot.html#band-options", {"band_options": bands})


# ---- From a band's page: offer one of your slots ---------------------------------------------


def _slot_label(slot: Slot, *, with_venue: bool) -> str:
    """ "Fri 5 Dec 2026, 21:00–01:00 next day (Europe/Berlin) · Main stage · Indie night", the date first."""
    parts = [services.when_text(slot.starts_at, slot.ends_at, ZoneInfo(slot.venue.time_zone)), slot.stage.name]
    if slot.title:
        parts.append(slot.title)
    if with_venue:
        parts.append(slot.venue.name)
    return " · ".join(parts)


def _open_slots(venue_ids: list[int], now: dt.datetime) -> QuerySet[Slot]:
    """Upcoming slots of these venues that are not cancelled and still have a place open."""
    return (
        Slot.objects.filter(venue_id__in=venue_ids, cancelled_at__isnull=True, starts_at__gt=now)
        .filter(Q(headliner_booked=0) | Q(supports_booked__lt=F("support_places")))
        .select_related("venue", "stage")
        .order_by("starts_at", "pk")
    )


@login_required
def offer_band(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's staff offer one of their open slots to the band whose page they came from."""
    band = get_object_or_404(Band.objects.filter(status=ApprovalStatus.APPROVED), slug=slug)
    venues = list(Venue.objects.filter(staff_roles__user=request.user).order_by("name"))
    if not venues:
        raise PermissionDenied(
            f"Only a venue's staff can offer slots to bands. If you run a venue, add it to StageSlot and post "
            f"a slot; then you can offer it to {band.name}."
        )
    slots = _open_slots([v.pk for v in venues], timezone.now())
    label = partial(_slot_label, with_venue=len(venues) > 1)
    status = 200
    if request.method == "POST":
        form = SlotPickForm(request.POST, slots=slots, label=label)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            booking, status = _service_on_form(
                form,
                lambda: services.booking_offer(
                    slot=data["slot"],
                    band=band,
                    by=request.user,
                    role=data["role"],
                    fee=data["fee"],
                    message=data["message"],
                ),
            )
            if booking is not None:
                messages.success(request, f"Offered to {band.name}. They answer from their bookings.")
                return redirect("bookings:detail", uid=booking.uid)
    else:
        form = SlotPickForm(slots=slots, label=label)
    context = {"band": band, "venues": venues, "form": form, "has_slots": slots.exists()}
    return render(request, "bookings/venue/offer_band.html", context, status=status)


# ---- The link in an emailed offer --------------------------------------------------------------

INVITE_GONE = {
    "claimed": ("This offer has already been taken.", 409),
    "revoked": ("The venue withdrew this offer, or cancelled the slot.", 410),
    "expired": ("This offer has expired. Ask the venue to send it again.", 410),
}


def _claim_page(request: HttpRequest, invite: OfferInvite, *, status: int = 200, **extra) -> HttpResponse:
    slot = invite.slot
    venue_zone = ZoneInfo(slot.venue.time_zone)
    viewer_zone = timezone.get_current_timezone()
    context = {
        "invite": invite,
        "slot": slot,
        "venue": slot.venue,
        "when": services.when_text(slot.starts_at, slot.ends_at, venue_zone),
        "when_viewer": (
            services.when_text(slot.starts_at, slot.ends_at, viewer_zone)
            if request.user.is_authenticated and str(viewer_zone) != venue_zone.key
            else ""
        ),
        "fee": invite.fee,
        "currency": slot.currency,
        **extra,
    }
    return render(request, "bookings/venue/offer_claim.html", context, status=status)


def _managed_bands(user) -> QuerySet[Band]:
    roles = (Membership.Role.LEADER, Membership.Role.ADMIN)
    return Band.objects.filter(memberships__user=user, memberships__role__in=roles).order_by("name", "pk")


def offer_claim(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed offer links to: sign up or log in, pick your band, and the offer waits for it."""
    invite = (
        OfferInvite.objects.select_related("slot__venue", "slot__stage", "booking").filter(token=token[:64]).first()
    )
    if invite is None:
        raise Http404("No offer at this link. Check that the whole link was copied.")
    state = services.offer_invite_state(invite)
    if state != "open":
        text, status = INVITE_GONE[state]
        booking = None
        if state == "claimed" and invite.booking_id and request.user.is_authenticated:
            booking = booking_for_viewer(uid=invite.booking.uid, user=request.user)
        return _claim_page(request, invite, status=status, gone=text, booking=booking)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        query = urlencode({"next": request.path})
        return _claim_page(request, invite, login_query=query)
    bands = _managed_bands(request.user)
    status = 200
    if request.method == "POST":
        form = ClaimForm(request.POST, bands=bands)
        status = 400
        if form.is_valid():
            booking, status = _service_on_form(
                form,
                lambda: services.offer_invite_claim(invite=invite, band=form.cleaned_data["band"], by=request.user),
                on_validation=lambda exc: form.add_error(None, _error_text(exc)),
            )
            if booking is not None:
                messages.success(request, f"The offer from {invite.slot.venue.name} is waiting for your answer.")
                return redirect("bookings:detail", uid=booking.uid)
    else:
        first_two = list(bands[:2])
        form = ClaimForm(bands=bands, initial={"band": first_two[0]} if len(first_two) == 1 else None)
    return _claim_page(request, invite, status=status, form=form, has_bands=bands.exists())
