"""Asking for a gig: a band applies to a venue's slot, a venue offers its slot to a band, a client
requests a band for a private event. Each makes a PENDING booking with its first event and tells the
side that answers.

Locks: booking_apply and booking_offer lock the band, then the slot (locks.band_slot_lock);
booking_request locks the band (a resent request queues for the check that it is the same one).
Checks: checks.slot_booking_check (role, slot open and started, venue and band approved, the place,
the band free, no live booking on the slot), checks.message_check, checks.band_free_check."""

import datetime as dt
import zoneinfo
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text
from bands.models import ApprovalStatus, Band, Membership
from bands.selectors import band_managers
from core.fields.scheduling import scheduling_day_problem, scheduling_today
from core.fields.timezones import validate_time_zone
from venues.models import Slot

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking, BookingEvent
from ..selectors.blocks import side_parties
from ..selectors.bookings import (
    can_manage_band,
    is_venue_staff,
    venue_team,
)
from . import checks, locks
from .notices import (
    booking_notify,
    booking_summary,
)
from .webhooks import show_event_emit

Status = Booking.Status
Kind = Booking.Kind
Role = Booking.Role


MAX_REQUEST_LENGTH = timedelta(hours=24)
# A request the same as one pending from the same client this recently is that one again.
REPEAT_WINDOW = timedelta(minutes=30)


def cancel_terms_of(band: Band, starts_at: dt.datetime) -> dict:
    """The band's cancellation terms as recorded on a client's booking: the words the client read, the
    moment until which cancelling is free and the late fee after it. The booking keeps them whatever the
    band's settings say later (bookings.selectors.cancellation reads them)."""
    return {
        "cancel_terms": "; ".join(band.cancellation_words)[:300],
        "cancel_free_until": starts_at - timedelta(days=band.cancel_free_days),
        "cancel_late_percent": band.cancel_late_percent,
    }


def support_picker_of(slot: Slot) -> int | None:
    """The band that answers support applications on `slot` (locked): its booked headliner when the
    headliner fills the support places, else None (the venue answers)."""
    if not slot.headliner_picks_support:
        return None
    if slot.host_band_id:
        return slot.host_band_id
    return (
        Booking.objects.filter(slot_id=slot.pk, role=Role.HEADLINER, status=Status.BOOKED)
        .values_list("band_id", flat=True)
        .first()
    )


def booking_create(booking: Booking, *, actor: User, note: str) -> Booking:
    """Save a new pending booking and its first event; a racing duplicate becomes a BookingConflict."""
    try:
        with transaction.atomic():
            booking.save()
            BookingEvent.objects.create(
                booking=booking, actor=actor, from_status="", to_status=Status.PENDING, note=note
            )
    except IntegrityError as exc:
        raise BookingConflict(_("This band already has a pending or booked place on this slot.")) from exc
    return booking


def booking_apply(
    *, slot: Slot, band: Band, by: User, role: str, fee: int | None = None, message: str = "", now=None
) -> Booking:
    """The band asks the venue for a place on a public slot. Band leaders and admins only.

    Raises BookingPermissionError (not a manager of the band; staff of the slot's venue; an
    invite-only slot), BookingConflict (the place is taken, the slot cancelled, the band has
    already applied or is booked at an overlapping time), BookingError (the slot has started, the
    band or the venue is not approved), ValidationError (role, fee, message).
    """
    now = now or timezone.now()
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can apply for it.") % {"band": band.name}
        )
    if slot.venue_id and is_venue_staff(slot.venue_id, by):
        raise BookingPermissionError(
            _("You are on the staff of this venue, so you cannot apply to its slots. Offer the slot to a band instead.")
        )
    if fee is not None and fee < 0:
        raise ValidationError({"fee": [_("A fee cannot be negative.")]})
    message = checks.message_check(message)
    with transaction.atomic():
        band, slot = locks.band_slot_lock(band.pk, slot.pk)
        if slot.visibility != Slot.Visibility.PUBLIC:
            raise BookingPermissionError(_("This slot is by invitation only; the venue offers it to bands it chooses."))
        checks.slot_booking_check(slot=slot, band=band, role=role, now=now, by=by)
        picker_id = support_picker_of(slot) if role == Role.SUPPORT else None
        booking = booking_create(
            Booking(
                kind=Kind.APPLICATION,
                role=role,
                band=band,
                slot=slot,
                venue=slot.venue,
                picker_band_id=picker_id,
                requested_by=by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                time_zone=slot.zone_name,
                location="" if slot.venue_id else slot.place_label,
                fee=fee,
                currency=slot.currency,
                message=message,
            ),
            actor=by,
            note="Applied",
        )
        booking_notify(
            booking,
            band_managers(picker_id) if picker_id else venue_team(slot.venue_id),
            lazy_text(gettext_lazy("%(band)s applied to %(gig)s."), band=band.name, gig=booking_summary(booking)),
            actor=by,
            event="created",
            actions=True,
        )
        if picker_id:  # the headliner's webhooks hear of the application to its show
            show_event_emit(event="show.applied", slot=slot, bookings=[booking], also_band_ids=[picker_id])
    return booking


def booking_offer(
    *, slot: Slot, band: Band, by: User, role: str, fee: int | None = None, message: str = "", now=None
) -> Booking:
    """The venue offers a place on its slot to a band. Venue staff only; public or invite-only slots.

    Raises as booking_apply; offering to a band you play in is fine (the band still answers).
    """
    now = now or timezone.now()
    if not is_venue_staff(slot.venue_id, by):
        raise BookingPermissionError(_("Only this venue's staff can offer its slots."))
    if fee is not None and fee < 0:
        raise ValidationError({"fee": [_("A fee cannot be negative.")]})
    message = checks.message_check(message)
    with transaction.atomic():
        band, slot = locks.band_slot_lock(band.pk, slot.pk)
        checks.slot_booking_check(slot=slot, band=band, role=role, now=now, by=by, offered=True)
        booking = booking_create(
            Booking(
                kind=Kind.OFFER,
                role=role,
                band=band,
                slot=slot,
                venue=slot.venue,
                requested_by=by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                time_zone=slot.venue.time_zone,
                fee=fee if fee is not None else slot.fee,
                currency=slot.currency,
                message=message,
            ),
            actor=by,
            note="Offered",
        )
        booking_notify(
            booking,
            band_managers(band.pk),
            lazy_text(
                gettext_lazy("%(venue)s offers %(band)s a slot: %(gig)s."),
                venue=slot.venue.name,
                band=band.name,
                gig=booking_summary(booking),
            ),
            actor=by,
            event="created",
            actions=True,
            # The offer letter (documents renders it): the terms on one page, linked from the email.
            links=(
                {
                    "label": gettext_lazy("The offer letter (PDF)"),
                    "path": reverse("documents:offer_letter_pdf", args=[booking.uid]),
                },
            ),
        )
    return booking


def booking_request(
    *,
    band: Band,
    client: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    event_type: str = "",
    location: str = "",
    guests: int | None = None,
    fee: int | None = None,
    message: str = "",
    package=None,
    setting: str = "",
    power_notes: str = "",
    load_in_notes: str = "",
    now=None,
) -> Booking:
    """A client asks a band to play a private event. Any signed-in person except the band's own members.

    Raises ValidationError by field (end before start, longer than 24 hours, in the past, a negative
    budget, an unknown zone, too long a text), BookingPermissionError (you play in the band),
    ContactRefused (the client and the band's side blocked one another), BookingError (the band is not
    public), BookingConflict (the band is booked at an overlapping time).
    The same request again within REPEAT_WINDOW (same client, band, times and text, still pending)
    returns the pending one: nothing is added and nobody is notified twice.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > MAX_REQUEST_LENGTH:
        errors["ends_at"] = [_("A booking can be at most 24 hours long.")]
    try:
        validate_time_zone(time_zone)
        zone = zoneinfo.ZoneInfo(time_zone)
    except ValidationError as exc:
        errors["time_zone"] = exc.messages
        zone = dt.UTC
    if starts_at <= now:
        errors["starts_at"] = [_("This start is in the past. Choose a time from now on.")]
    elif problem := scheduling_day_problem(starts_at.astimezone(zone).date(), today=scheduling_today(zone, now=now)):
        errors["starts_at"] = [problem]
    if fee is not None and fee < 0:
        errors["fee"] = [_("A budget cannot be negative.")]
    if guests is not None and guests < 0:
        errors["guests"] = [_("The number of guests cannot be negative.")]
    texts = (("event_type", event_type), ("location", location), ("message", message))
    texts += (("power_notes", power_notes), ("load_in_notes", load_in_notes))
    if setting not in ("", *Booking.Setting.values):
        errors["setting"] = [_("Choose indoors or outdoors.")]
    if package is not None and (package.band_id != band.pk or not package.active):
        errors["package"] = [_("Choose one of this band's packages.")]
    for name, value in texts:
        limit = Booking._meta.get_field(name).max_length
        if len(value.strip()) > limit:
            errors[name] = [checks.too_long_text(limit, len(value.strip()))]
    if errors:
        raise ValidationError(errors)
    if band.status != ApprovalStatus.APPROVED:
        raise BookingError(_("%(band)s is not taking requests on StageSlot right now.") % {"band": band.name})
    if Membership.objects.filter(band=band, user=client).exists():
        raise BookingPermissionError(
            _("You play in %(band)s, so you cannot request it. Add the date to your band calendar instead.")
            % {"band": band.name}
        )
    checks.contact_check(
        asking=side_parties(user_ids=[client.pk]), asked=side_parties(band_ids=[band.pk]), name=band.name
    )
    checks.new_contact_check(by=client, asked=("band", band.pk), now=now)
    checks.band_free_check(band, starts_at, ends_at, zoneinfo.ZoneInfo(time_zone))
    with transaction.atomic():
        # The same request sent again (a double click, a resent form, a script): the one already
        # pending, nothing new and no second notice. The band's lock makes resends queue for this check.
        Band.objects.select_for_update().filter(pk=band.pk).values_list("pk", flat=True).get()
        same = Booking.objects.filter(
            kind=Kind.REQUEST,
            band_id=band.pk,
            client_id=client.pk,
            status=Status.PENDING,
            starts_at=starts_at,
            ends_at=ends_at,
            message=message.strip(),
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).first()
        if same is not None:
            return same
        booking = booking_create(
            Booking(
                kind=Kind.REQUEST,
                role=Role.HEADLINER,
                band=band,
                client=client,
                requested_by=client,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=time_zone,
                fee=fee,
                currency=band.currency,
                event_type=event_type.strip(),
                location=location.strip(),
                guests=guests,
                message=message.strip(),
                package=package,
                setting=setting,
                power_notes=power_notes.strip(),
                load_in_notes=load_in_notes.strip(),
                **cancel_terms_of(band, starts_at),
            ),
            actor=client,
            note="Requested",
        )
        booking_notify(
            booking,
            band_managers(band.pk),
            lazy_text(
                gettext_lazy("%(client)s asks %(band)s to %(gig)s."),
                client=client.name,
                band=band.name,
                gig=booking_summary(booking),
            ),
            actor=client,
            event="created",
            actions=True,
        )
    return booking
