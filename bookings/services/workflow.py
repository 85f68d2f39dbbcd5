"""The booking workflow: apply, offer, request, accept, decline, withdraw, cancel, complete.

What must hold, whatever the order of clicks:
- a band is never BOOKED twice at overlapping times;
- a slot never has more acts BOOKED than it has places (one headliner, `support_places` supports).

Every service that creates or fills a place locks the band row, then the slot row, then the
offer invite or booking rows (always in that order, so racers queue instead of deadlocking) and
checks again under the lock. The band row is locked FOR UPDATE (not FOR NO KEY UPDATE) on purpose:
a member joining meanwhile inserts a Membership, which waits for it, so a new gig block and a new
member never miss each other. An accept whose race is already decided is refused before it queues
(a plain read: nothing it can find goes back by itself); the winner holds the locks only for its own
writes, and declines its losers right after its commit, locking just their booking rows.
On PostgreSQL the exclusion and unique constraints of Booking and the check constraints of Slot
stand behind the checks; on SQLite, IMMEDIATE transactions serialise writers.

Every change writes a BookingEvent and notifies the people it concerns (never the actor) in the
same transaction; emails go out after commit.
"""

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.queue import task_queue
from accounts.scheduling import scheduling_day_problem, scheduling_today
from accounts.services import NotificationItem, lazy_text, notifications_create_many
from accounts.timezones import validate_time_zone, when_text, when_text_lazy
from bands.models import ApprovalStatus, Band, Membership
from bands.selectors import band_managers, bands_managers
from bands.services import band_gig_block_add, band_gig_block_remove, gig_window
from bands.travel import Point
from teams.selectors import acting_through
from venues.models import Slot

from ..models import Booking, BookingEvent
from ..selectors.bookings import (
    MemberBusy,
    band_gig_overlapping,
    booking_point,
    can_manage_band,
    is_venue_staff,
    manages_band_of,
    members_busy_between,
    picks_support_of,
    side_of,
    staffs_venue_of,
    venue_team,
    venue_teams,
)
from .notices import (
    answering_people,
    asking_people,
    booking_notify,
    booking_people,
    booking_summary,
    kind_text,
    link_of,
    where_text,
)
from .request_groups import request_group_rivals_withdraw, request_group_taken
from .webhooks import show_event_emit, slot_filled_emit, webhook_events_emit

logger = logging.getLogger(__name__)

Status = Booking.Status
Kind = Booking.Kind
Role = Booking.Role

MAX_REQUEST_LENGTH = timedelta(hours=24)
# A request the same as one pending from the same client this recently is that one again.
REPEAT_WINDOW = timedelta(minutes=30)


class BookingError(Exception):
    """A refusal with a message for the person who asked; `str()` is the message."""


class BookingConflict(BookingError):
    """Something else is in the way (the band is booked, the place is taken, the page was stale): HTTP 409."""


class MembersBusy(BookingConflict):
    """A required member of the band is busy during the gig with its load-in and pack-down. The band's
    leaders may accept anyway, saying they will find a stand-in (`stand_in=True`)."""

    def __init__(self, message: str, *, members: list[MemberBusy]) -> None:
        super().__init__(message)
        self.members = members


class BookingPermissionError(BookingError):
    """The person may not do this to this booking or slot: HTTP 403."""


# ---- Transitions ----------------------------------------------------------------------------


def booking_transition(booking: Booking, to: str, *, actor: User | None, note: str = "", now: dt.datetime) -> Booking:
    """Move a locked booking to `to`, record who did it and why; bumps `sequence`."""
    note = note[:500]
    BookingEvent.objects.create(booking=booking, actor=actor, from_status=booking.status, to_status=to, note=note)
    booking.status = to
    booking.status_note = note
    booking.status_changed_at = now
    booking.sequence += 1
    booking.save(update_fields=["status", "status_note", "status_changed_at", "sequence", "updated_at"])
    return booking


def band_slot_lock(band_id: int, slot_id: int) -> tuple[Band, Slot]:
    """Lock the band, then the slot (see the module docstring); return them fresh."""
    band = Band.objects.select_for_update().get(pk=band_id)
    slot = Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot_id)
    return band, slot


def _lock(booking: Booking) -> tuple[Band, Slot | None, Booking]:
    """Lock band, slot, booking, in that order (see the module docstring); return them fresh."""
    band = Band.objects.select_for_update().get(pk=booking.band_id)
    slot = (
        Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=booking.slot_id)
        if booking.slot_id
        else None
    )
    fresh = Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
    return band, slot, fresh


def _stale(booking: Booking) -> BookingConflict:
    return BookingConflict(
        _("This %(what)s is already %(status)s, so nothing was changed.")
        % {"what": booking.get_kind_display().lower(), "status": booking.get_status_display().lower()}
    )


def slot_place_check(slot: Slot, role: str) -> None:
    if slot.is_cancelled:
        raise BookingConflict(_("The venue cancelled this slot."))
    if not slot.place_open(role):
        if role == Role.HEADLINER:
            raise BookingConflict(_("The headliner place of this slot is already taken."))
        if slot.support_places == 0:
            raise BookingConflict(_("This slot has no support places."))
        raise BookingConflict(_("Every support place of this slot is already taken."))


def _check_band_free(band: Band, starts_at: dt.datetime, ends_at: dt.datetime, zone) -> None:
    # Where the other gig is stays unsaid: it may be another venue's, or a client's private address.
    clash = band_gig_overlapping(band_id=band.pk, starts_at=starts_at, ends_at=ends_at)
    if clash is not None:
        raise BookingConflict(
            _("%(band)s is already booked %(when)s, which overlaps this gig.")
            % {"band": band.name, "when": when_text(clash.starts_at, clash.ends_at, zone)}
        )


def busy_members_text(members: list[MemberBusy], zone) -> str:
    """Who is busy when, for a refusal: "Mara is busy Fri 12 Jun, 19:00–23:00 (another gig)"."""
    parts = []
    for member in members:
        values = {"name": member.name, "when": when_text(member.starts_at, member.ends_at, zone)}
        if member.travel:
            parts.append(
                # Translators: travel is a duration ("1 h 20 min").
                _("%(name)s is busy %(when)s (another gig, %(travel)s of travel away)")
                % {**values, "travel": duration_text(member.travel)}
            )
        elif member.gig:
            parts.append(_("%(name)s is busy %(when)s (another gig)") % values)
        else:
            parts.append(_("%(name)s is busy %(when)s") % values)
    # Translators: between the sentences saying who is busy when.
    return _("; ").join(parts)


def duration_text(span: dt.timedelta) -> str:
    """9 h 20 min, 45 min."""
    hours, minutes = divmod(int(span.total_seconds() // 60), 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes} if minutes else ""


def members_busy_for_gig(
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    exclude_block_id: int | None = None,
    point: Point | None = None,
) -> list[MemberBusy]:
    """The band's required members who are busy at some moment of the gig with its load-in before and
    pack-down after (the window their gig block will take, bands.services.gig_window), or travelling
    between another gig and the gig's `point` (bands.travel)."""
    start, end = gig_window(band, starts_at, ends_at)
    return members_busy_between(
        band_id=band.pk,
        start=start,
        end=end,
        exclude_block_id=exclude_block_id,
        point=point,
        speed_kmh=band.travel_speed_kmh,
    )


def check_members_free(
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    zone,
    *,
    exclude_block_id: int | None = None,
    point: Point | None = None,
) -> list[MemberBusy]:
    """Raise MembersBusy naming each required member who is busy during the gig with its load-in and
    pack-down, or on the journey to or from another gig; return [] when everyone is free."""
    busy = members_busy_for_gig(band, starts_at, ends_at, exclude_block_id=exclude_block_id, point=point)
    if busy:
        raise MembersBusy(
            # Translators: busy lists who is busy when ("Mara is busy Fri 12 Jun, 19:00–23:00").
            _(
                "%(busy)s, which overlaps this gig with its load-in and pack-down. "
                "Nothing was booked: %(band)s's leaders can accept anyway and find a stand-in."
            )
            % {"busy": busy_members_text(busy, zone), "band": band.name},
            members=busy,
        )
    return busy


def stand_in_note(band: Band, members: list[MemberBusy], zone, *, hosted: bool = False) -> str:
    """The audit log's line for a gig booked although required members are busy (`hosted`: the band's
    own show). Stored in the language of the person who acted, as they wrote it."""
    values = {"busy": busy_members_text(members, zone), "band": band.name}
    if hosted:
        return (_("Hosted anyway: %(busy)s; %(band)s will find a stand-in.") % values)[:500]
    return (_("Accepted anyway: %(busy)s; %(band)s will find a stand-in.") % values)[:500]


def _check_band_active(band: Band) -> None:
    if band.status == ApprovalStatus.SUSPENDED:
        raise BookingError(_("%(band)s is suspended on StageSlot, so it cannot be booked.") % {"band": band.name})


def start_check(starts_at: dt.datetime, now: dt.datetime, what: str = "gig") -> None:
    if starts_at <= now:
        if what == "slot":
            raise BookingError(_("This slot has already started, so it can no longer be booked."))
        raise BookingError(_("This gig has already started, so it can no longer be booked."))


# ---- Asking ---------------------------------------------------------------------------------


def cancel_terms_of(band: Band, starts_at: dt.datetime) -> dict:
    """The band's cancellation terms as recorded on a client's booking: the words the client read,
    and the moment until which cancelling is free."""
    return {
        "cancel_terms": band.cancellation_terms[:300],
        "cancel_free_until": starts_at - timedelta(days=band.cancel_free_days),
    }


def too_long_text(limit: int, count: int) -> str:
    """The refusal of a text over `limit` characters: "At most 500 characters, please (this has 512)."."""
    return ngettext(
        "At most %(limit)d character, please (this has %(count)d).",
        "At most %(limit)d characters, please (this has %(count)d).",
        limit,
    ) % {"limit": limit, "count": count}


def message_check(message: str) -> str:
    message = message.strip()
    limit = Booking._meta.get_field("message").max_length
    if len(message) > limit:
        raise ValidationError(
            {
                "message": [
                    ngettext(
                        "A message can be at most %(limit)d character (it has %(count)d).",
                        "A message can be at most %(limit)d characters (it has %(count)d).",
                        limit,
                    )
                    % {"limit": limit, "count": len(message)}
                ]
            }
        )
    return message


def slot_booking_check(*, slot: Slot, band: Band, role: str, now: dt.datetime, new_band_ok: bool = False) -> None:
    """What must hold for a new application or offer of `band` on `slot` (both locked).

    `new_band_ok`: a band still waiting for approval may take an offer a venue emailed to it
    (it has just signed up for it); a suspended band never takes part.
    """
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose headliner or support.")]})
    if slot.is_cancelled:
        raise BookingConflict(_("The venue cancelled this slot."))
    start_check(slot.starts_at, now, "slot")
    if slot.venue_id and slot.venue.status != ApprovalStatus.APPROVED:
        raise BookingError(_("%(venue)s is not taking bookings on StageSlot right now.") % {"venue": slot.venue.name})
    if slot.is_hosted and slot.host_band_id == band.pk:
        raise BookingError(
            _("This is %(band)s's own show: it already headlines it, so it cannot apply to it.") % {"band": band.name}
        )
    if band.status == ApprovalStatus.SUSPENDED or (band.status != ApprovalStatus.APPROVED and not new_band_ok):
        if band.status == ApprovalStatus.PENDING:
            raise BookingError(
                _("%(band)s is waiting for approval by StageSlot staff; it can take part in bookings once approved.")
                % {"band": band.name}
            )
        raise BookingError(
            _("%(band)s is suspended on StageSlot, so it cannot take part in bookings.") % {"band": band.name}
        )
    slot_place_check(slot, role)
    # Asking a band that is booked then makes a booking that can never be accepted.
    _check_band_free(band, slot.starts_at, slot.ends_at, slot.zone)
    live = Booking.objects.filter(band=band, slot=slot, status__in=Booking.LIVE).first()
    if live is not None:
        raise BookingConflict(
            # Translators: status is the booking's state (pending, booked), what its kind (application, offer).
            _("%(band)s already has a %(status)s %(what)s for this slot.")
            % {
                "band": band.name,
                "status": live.get_status_display().lower(),
                "what": live.get_kind_display().lower(),
            }
        )


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
    message = message_check(message)
    with transaction.atomic():
        band, slot = band_slot_lock(band.pk, slot.pk)
        if slot.visibility != Slot.Visibility.PUBLIC:
            raise BookingPermissionError(_("This slot is by invitation only; the venue offers it to bands it chooses."))
        slot_booking_check(slot=slot, band=band, role=role, now=now)
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
    message = message_check(message)
    with transaction.atomic():
        band, slot = band_slot_lock(band.pk, slot.pk)
        slot_booking_check(slot=slot, band=band, role=role, now=now)
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
    BookingError (the band is not public), BookingConflict (the band is booked at an overlapping time).
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
            errors[name] = [too_long_text(limit, len(value.strip()))]
    if errors:
        raise ValidationError(errors)
    if band.status != ApprovalStatus.APPROVED:
        raise BookingError(_("%(band)s is not taking requests on StageSlot right now.") % {"band": band.name})
    if Membership.objects.filter(band=band, user=client).exists():
        raise BookingPermissionError(
            _("You play in %(band)s, so you cannot request it. Add the date to your band calendar instead.")
            % {"band": band.name}
        )
    _check_band_free(band, starts_at, ends_at, zoneinfo.ZoneInfo(time_zone))
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


# ---- Answering ------------------------------------------------------------------------------


def _check_answerer(booking: Booking, by: User) -> None:
    if booking.answering_side == "headliner":
        if not picks_support_of(booking, by):
            raise BookingPermissionError(_("Only the headliner's leaders and admins can answer this application."))
    elif booking.answering_side == "venue":
        if not staffs_venue_of(booking, by):
            raise BookingPermissionError(_("Only the venue's staff can answer this application."))
    elif not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can answer this."))
    if by.pk in (booking.requested_by_id, booking.client_id):
        raise BookingPermissionError(_("You sent this yourself, so you cannot accept or decline it."))


def _auto_decline(*, winner: Booking, band: Band, slot: Slot | None, by: User, now: dt.datetime) -> list[Booking]:
    """Decline every pending booking that `winner` (just booked, committed) has made impossible; each
    loser's row is locked first, so a decline never meets an accept of the same booking half-way."""
    same_band = Q(band_id=band.pk, starts_at__lt=winner.ends_at, ends_at__gt=winner.starts_at)
    place = Q(pk__in=[])
    if slot is not None:
        if winner.role == Role.HEADLINER:
            place = Q(slot_id=slot.pk, role=Role.HEADLINER)
        elif slot.supports_booked >= slot.support_places:
            place = Q(slot_id=slot.pk, role=Role.SUPPORT)
    losers = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("band", "venue", "client")
        .filter(status=Status.PENDING)
        .filter(same_band | place)
        .exclude(pk=winner.pk)
        .order_by("pk")
    )
    if not losers:
        return []
    # Batched: a race's losers are declined in one go, right after the winner's commit, in a fixed
    # number of queries whatever their number and however many venues and bands they come from.
    teams = venue_teams({loser.venue_id for loser in losers if loser.venue_id})
    managers = bands_managers(
        {loser.band_id for loser in losers} | {lo.picker_band_id for lo in losers if lo.picker_band_id}
    )
    events, items = [], []
    # Who declined them, and for whom (an agent for the band, a venue group's booker for the venue): read
    # once for the winner, whose side the losers share.
    acting_org, acting_for = acting_through(booking=winner, user_id=by.pk) if by is not None else ("", "")
    booked_when: dict[str, str] = {}  # the winner's times, written once per zone the losers are in
    for loser in losers:
        if loser.band_id == band.pk:
            if loser.time_zone not in booked_when:
                booked_when[loser.time_zone] = when_text(winner.starts_at, winner.ends_at, loser.zone)
            # Both sides of the loser read this: the time, not where (another venue, a private address).
            note = f"Declined automatically: {band.name} is now booked {booked_when[loser.time_zone]}, which overlaps."
            reason = lazy_text(
                # Translators: why a booking was declined automatically; %(when)s are the times of the gig booked.
                gettext_lazy("%(band)s is now booked %(when)s, which overlaps."),
                band=band.name,
                when=when_text_lazy(winner.starts_at, winner.ends_at, loser.zone),
            )
        elif loser.role == Role.HEADLINER:
            note = "Declined automatically: the headliner place went to another band."
            reason = gettext_lazy("the headliner place went to another band.")
        else:
            note = "Declined automatically: every support place has been filled."
            reason = gettext_lazy("every support place has been filled.")
        note = note[:500]
        events.append(
            BookingEvent(
                booking=loser,
                actor=by,
                from_status=loser.status,
                to_status=Status.DECLINED,
                note=note,
                acting_org=acting_org,
                acting_for=acting_for,
            )
        )
        loser.status, loser.status_note, loser.status_changed_at, loser.updated_at = Status.DECLINED, note, now, now
        loser.sequence += 1
        team = teams.get(loser.venue_id, [])
        client = [loser.client] if loser.client_id else []
        asking = {"band": managers[loser.band_id], "venue": team, "client": client}[loser.asking_side]
        answering = {"venue": team, "headliner": managers.get(loser.picker_band_id, [])}.get(
            loser.answering_side, managers[loser.band_id]
        )
        items.append(
            NotificationItem(
                recipients=asking + answering,
                kind="booking_declined",
                text=kind_text(
                    loser,
                    application=gettext_lazy(
                        "Declined automatically: the application for %(band)s to %(gig)s – %(reason)s"
                    ),
                    offer=gettext_lazy("Declined automatically: the offer for %(band)s to %(gig)s – %(reason)s"),
                    request=gettext_lazy(
                        "Declined automatically: the private request for %(band)s to %(gig)s – %(reason)s"
                    ),
                    band=loser.band.name,
                    gig=booking_summary(loser),
                    reason=reason,
                ),
                link=link_of(loser),
                key=f"booking:{loser.uid}:declined:{loser.sequence}",
                starts_at=loser.starts_at,
                ends_at=loser.ends_at,
            )
        )
    BookingEvent.objects.bulk_create(events)
    # One UPDATE per distinct note (a handful: the zones the losers' times are written in), not a
    # CASE per row as bulk_update builds, which took seconds for a thousand losers under their locks.
    by_note: dict[str, list[int]] = defaultdict(list)
    for loser in losers:
        by_note[loser.status_note].append(loser.pk)
    for note, ids in by_note.items():
        for start in range(0, len(ids), 500):
            Booking.objects.filter(pk__in=ids[start : start + 500]).update(
                status=Status.DECLINED,
                status_note=note,
                status_changed_at=now,
                updated_at=now,
                sequence=F("sequence") + 1,
            )
    notifications_create_many(items=items, actor=by)
    webhook_events_emit(event="booking.declined", bookings=losers, now=now)
    return losers


def _check_not_decided(booking: Booking) -> None:
    """Refuse at once, without the locks, an accept whose race a plain read shows already decided:
    the booking is no longer PENDING, the band is BOOKED at an overlapping time, or the place is gone.

    Nothing of this goes back by itself (no way leads back to PENDING; a gig or a place is only freed
    by a cancel, after which accepting is a new question), so the refusal was true when it was read,
    and the loser need not queue on the band lock to hear it. A read that finds nothing in the way
    decides nothing: the same checks run again under the locks.
    """
    if booking.status != Status.PENDING:
        raise _stale(booking)
    _check_band_free(booking.band, booking.starts_at, booking.ends_at, booking.zone)
    if booking.slot_id:
        slot_place_check(booking.slot, booking.role)


def _decline_losers(*, winner: Booking, band: Band, slot: Slot | None, by: User, now: dt.datetime) -> None:
    """Right after the winner's commit, in a short transaction of its own: decline what it made impossible.

    Until this commits, a loser may still read PENDING; its own accept is refused all the same by the
    checks under the band and slot locks, which now find the gig (or the full place). The winner is
    read again first: should it have been cancelled in between, its losers stay open. Should this
    transaction fail, the accept stands and its losers stay PENDING, still impossible to accept, until
    someone declines them or their date passes (bookings_expire).
    """
    try:
        with transaction.atomic():
            if not Booking.objects.filter(pk=winner.pk, status=Status.BOOKED).exists():
                return
            _auto_decline(winner=winner, band=band, slot=slot, by=by, now=now)
            # A request the client sent to several bands: the other bands' requests are withdrawn.
            request_group_rivals_withdraw(winner=winner, now=now)
    except DatabaseError:
        logger.exception("Booking %s was accepted, but declining the bookings it made impossible failed", winner.uid)


DECLINE_LOSERS_TASK = "bookings.tasks.booking_losers_decline_task"


def _decline_losers_soon(*, winner: Booking, band: Band, slot: Slot | None, by: User | None, now: dt.datetime) -> None:
    """Hand the declines of what `winner` made impossible to the worker, so the winner's answer does
    not wait for them and their notifications; inline when the broker cannot be reached (or Celery
    is eager). A task that is lost anyway is caught up by the periodic sweep (booking_losers_sweep)."""
    kwargs = {"winner_id": winner.pk, "by_id": by.pk if by is not None else None, "now": now.isoformat()}
    try:
        task_queue(DECLINE_LOSERS_TASK, **kwargs)
    except OperationalError:
        logger.warning("Broker unreachable; declining the losers of booking %s inline", winner.uid)
        _decline_losers(winner=winner, band=band, slot=slot, by=by, now=now)


def booking_losers_decline(*, winner_id: int, by_id: int | None, now: str | None = None) -> None:
    """The worker's part of an accept: decline every pending booking the booked `winner_id` made
    impossible (its band at an overlapping time, its slot's place). Nothing when it is no longer
    booked."""
    winner = Booking.objects.select_related("band", "slot").filter(pk=winner_id, status=Status.BOOKED).first()
    if winner is None:
        return
    by = User.objects.filter(pk=by_id).first() if by_id is not None else None
    when = dt.datetime.fromisoformat(now) if now else timezone.now()
    _decline_losers(winner=winner, band=winner.band, slot=winner.slot, by=by, now=when)


def booking_losers_sweep(*, now=None) -> int:
    """Periodic: decline the pending bookings that a booked gig has made impossible and that are still
    pending (their decline task was lost): the same band at an overlapping time, or a slot whose
    place is filled. Returns how many winners were swept for."""
    now = now or timezone.now()
    booked = Booking.objects.filter(
        band_id=OuterRef("band_id"),
        status=Status.BOOKED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    stuck = Booking.objects.filter(status=Status.PENDING, starts_at__gt=now).filter(
        Exists(booked)
        | Q(role=Role.HEADLINER, slot__headliner_booked__gte=1)
        | Q(role=Role.SUPPORT, slot__supports_booked__gte=F("slot__support_places"), slot__support_places__gt=0)
    )
    winners: set[int] = set()
    for pk, band_id, slot_id, starts_at, ends_at in stuck.values_list(
        "pk", "band_id", "slot_id", "starts_at", "ends_at"
    ):
        winner = (
            Booking.objects.filter(
                Q(band_id=band_id, starts_at__lt=ends_at, ends_at__gt=starts_at) | Q(slot_id=slot_id),
                status=Status.BOOKED,
            )
            .exclude(pk=pk)
            .order_by("status_changed_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if winner is not None and winner not in winners:
            winners.add(winner)
            booking_losers_decline(winner_id=winner, by_id=None, now=now.isoformat())
    return len(winners)


def booking_stand_in_plan(*, booking: Booking, by: User, now=None) -> Booking:
    """The band's leaders or admins say they will find a stand-in for the required members who are busy
    during a pending booking, so the other side may accept it all the same. Recorded in the audit log
    with the members named. Raises BookingPermissionError (not the band's leader or admin),
    BookingConflict (no longer pending)."""
    now = now or timezone.now()
    if not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can plan a stand-in."))
    with transaction.atomic():
        band, _slot, booking = _lock(booking)
        if booking.status != Status.PENDING:
            raise _stale(booking)
        if booking.stand_in_planned:
            return booking
        busy = members_busy_for_gig(band, booking.starts_at, booking.ends_at, point=booking_point(booking))
        who = busy_members_text(busy, booking.zone) if busy else "Nobody is busy right now"
        booking.stand_in_planned = True
        booking.updated_at = now
        booking.save(update_fields=["stand_in_planned", "updated_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note=f"{band.name} will find a stand-in if needed: {who}."[:500],
        )
    return booking


def booking_accept(
    *,
    booking: Booking,
    by: User,
    now=None,
    stand_in: bool = False,
    terms: Callable[[Booking], None] | None = None,
) -> Booking:
    """Accept a pending booking on behalf of the side that did not ask (the venue for an application,
    the band's leaders and admins for an offer or a request).

    A loser of a race that is already decided (see _check_not_decided) is refused before any lock.
    Otherwise locks the band, then the slot, then the booking, so concurrent accepts queue, and checks
    again. Raises BookingPermissionError (not the answering side, or your own request), BookingConflict
    (the booking is no longer pending, the band is booked at an overlapping time, the place is taken,
    the slot cancelled; MembersBusy when a required member is busy during the gig with its load-in and
    pack-down), BookingError (the gig has started). `stand_in`: the band's leaders accept anyway and
    will find a stand-in for the busy members (as does booking.stand_in_planned, which they set
    earlier for the other side's accept); recorded in the audit log. On success the booking, the slot's place
    and the band's members' busy time commit in one transaction, which holds the band lock briefly;
    every pending booking it makes impossible is declined right after, in a second one.

    `terms`: the accept is the acceptance of a quote (bookings.services.quotes.quote_accept), which has
    checked that `by` answers the other side's terms; so the side that asked may accept too, since the
    answering side agreed by quoting or accepts now. `terms(booking)` runs under the same locks, after
    every check and before the booking is booked; a BookingError it raises refuses the accept whole.
    """
    now = now or timezone.now()
    if terms is None:
        _check_answerer(booking, by)
    if stand_in and not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can accept with a stand-in."))
    _check_not_decided(booking)
    with transaction.atomic():
        band, slot, booking = _lock(booking)
        if booking.status != Status.PENDING:
            raise _stale(booking)
        start_check(booking.starts_at, now)
        _check_band_active(band)
        _check_band_free(band, booking.starts_at, booking.ends_at, booking.zone)
        if slot is not None:
            slot_place_check(slot, booking.role)
        note = "Accepted"
        point = booking_point(booking)
        busy = members_busy_for_gig(band, booking.starts_at, booking.ends_at, point=point)
        if busy:
            if not (stand_in or booking.stand_in_planned):
                check_members_free(band, booking.starts_at, booking.ends_at, booking.zone, point=point)
            note = stand_in_note(band, busy, booking.zone)
        # A request the client sent to several bands: one of them is booked, never two.
        if booking.request_group_id and (taken := request_group_taken(booking)):
            raise BookingConflict(taken)
        if terms is not None:
            terms(booking)
        try:
            with transaction.atomic():
                booking_transition(booking, Status.BOOKED, actor=by, note=note, now=now)
                if slot is not None:
                    counter = "headliner_booked" if booking.role == Role.HEADLINER else "supports_booked"
                    Slot.objects.filter(pk=slot.pk).update(**{counter: F(counter) + 1})
                    slot.refresh_from_db(fields=["headliner_booked", "supports_booked"])
                block = band_gig_block_add(
                    band_id=band.pk,
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    title=f"Gig: {band.name} at {where_text(booking)}",
                    point=point,
                )
                booking.block = block
                booking.save(update_fields=["block", "updated_at"])
        except IntegrityError as exc:
            # The constraints caught what the checks above should have: say so plainly.
            logger.warning("Booking %s hit a constraint on accept: %s", booking.uid, exc)
            raise BookingConflict(
                _("%(band)s is already booked at an overlapping time, or the place is taken.") % {"band": band.name}
            ) from exc
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(gettext_lazy("Booked: %(band)s will %(gig)s."), band=band.name, gig=booking_summary(booking)),
            actor=by,
            event="booked",
        )
        if slot is not None:
            slot_filled_emit(slot=slot, booking=booking)
            if booking.role == Role.SUPPORT and booking.picker_band_id:  # the headliner picked its opener
                show_event_emit(
                    event="show.opener_picked", slot=slot, bookings=[booking], also_band_ids=[booking.picker_band_id]
                )
    # The band and slot locks are released here: the racers that queued behind them find the gig and
    # leave with a 409, while the bookings it has made impossible are declined by the worker, in a
    # transaction of their own, after the winner has its answer.
    _decline_losers_soon(winner=booking, band=band, slot=slot, by=by, now=now)
    return booking


def booking_decline(*, booking: Booking, by: User, reason: str = "", now=None) -> Booking:
    """Decline a pending booking (the answering side), with an optional reason for the other side."""
    now = now or timezone.now()
    _check_answerer(booking, by)
    reason = reason.strip()[:300]
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status != Status.PENDING:
            raise _stale(booking)
        booking_transition(booking, Status.DECLINED, actor=by, note=reason or "Declined", now=now)
        if reason:
            text = lazy_text(
                gettext_lazy("Declined: %(band)s to %(gig)s. Reason: %(reason)s"),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            )
        else:
            text = lazy_text(
                gettext_lazy("Declined: %(band)s to %(gig)s."), band=booking.band.name, gig=booking_summary(booking)
            )
        booking_notify(
            booking,
            asking_people(booking),
            text,
            actor=by,
            event="declined",
        )
        if booking.slot_id and booking.answering_side == "headliner":
            show_event_emit(
                event="show.opener_declined",
                slot=booking.slot,
                bookings=[booking],
                also_band_ids=[booking.picker_band_id],
            )
    return booking


def _check_asker(booking: Booking, by: User) -> None:
    side = booking.asking_side
    allowed = (
        (side == "band" and manages_band_of(booking, by))
        or (side == "venue" and staffs_venue_of(booking, by))
        or (side == "client" and booking.client_id == by.pk)
    )
    if not allowed:
        raise BookingPermissionError(_("Only the side that asked can withdraw this."))


def booking_withdraw(*, booking: Booking, by: User, now=None) -> Booking:
    """Take back a pending application, offer or request (the side that asked)."""
    now = now or timezone.now()
    _check_asker(booking, by)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        if booking.status != Status.PENDING:
            raise _stale(booking)
        booking_transition(booking, Status.WITHDRAWN, actor=by, note="Withdrawn", now=now)
        booking_notify(
            booking,
            answering_people(booking),
            kind_text(
                booking,
                application=gettext_lazy("Withdrawn: the application for %(band)s to %(gig)s."),
                offer=gettext_lazy("Withdrawn: the offer for %(band)s to %(gig)s."),
                request=gettext_lazy("Withdrawn: the private request for %(band)s to %(gig)s."),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=by,
            event="withdrawn",
        )
    return booking


def slot_place_free(booking: Booking, slot: Slot | None) -> None:
    """Give back the place and the members' time of a booking that stops being BOOKED.

    A venue's slot whose headliner goes gives the picking of its support acts back to the venue:
    the pending support applications are the venue's to answer again."""
    if slot is not None:
        counter = "headliner_booked" if booking.role == Role.HEADLINER else "supports_booked"
        Slot.objects.filter(pk=slot.pk, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})
        if booking.role == Role.HEADLINER and slot.venue_id and slot.headliner_picks_support:
            Slot.objects.filter(pk=slot.pk).update(support_picker=Slot.SupportPicker.VENUE, support_pick_asked_at=None)
            Booking.objects.filter(slot_id=slot.pk, status=Status.PENDING, picker_band__isnull=False).update(
                picker_band=None
            )
    if booking.block_id:
        band_gig_block_remove(block_id=booking.block_id)
        booking.block = None
        booking.save(update_fields=["block", "updated_at"])


def _headliner_ids(slot: Slot) -> list[int]:
    """The band hosting `slot`, or its booked headliner's."""
    if slot.host_band_id:
        return [slot.host_band_id]
    return list(
        Booking.objects.filter(slot_id=slot.pk, role=Role.HEADLINER, status=Status.BOOKED).values_list(
            "band_id", flat=True
        )
    )


def booking_cancel(*, booking: Booking, by: User, reason: str, now=None, refund_handled: bool = False) -> Booking:
    """Call off a booked gig: either side (band leaders and admins, venue staff, the client), with a reason.

    Frees the place on the slot and the band members' time. Raises ValidationError("reason") when
    no reason is given, BookingConflict when it is not booked (any more), BookingError once it is over.
    A gig with money paid through StageSlot is refused unless `refund_handled`: the payments app
    cancels it (payments.services.refunds.booking_cancel_refund) and refunds what the terms give back.
    """
    now = now or timezone.now()
    reason = reason.strip()[:300]
    if side_of(booking, by) is None:
        raise BookingPermissionError(
            _("Only the band's leaders and admins, the venue or the client can cancel this gig.")
        )
    if not reason:
        raise ValidationError({"reason": [_("Say why the gig is cancelled; the other side will read it.")]})
    with transaction.atomic():
        _band, slot, booking = _lock(booking)
        if booking.status != Status.BOOKED:
            raise _stale(booking)
        if booking.ends_at <= now:
            raise BookingError(_("This gig is over, so it can no longer be cancelled."))
        if booking.paid_minor and not refund_handled:
            raise BookingConflict(
                _(
                    "Money has been paid for this gig through StageSlot: cancel it from its payments, "
                    "where the refund the terms give back is shown first."
                )
            )
        note = reason
        if booking.cancel_free_until is not None and now >= booking.cancel_free_until:
            # No money moves here: the audit log says the terms applied, for whoever settles it.
            # Stored in the language of the person who cancelled, beside their reason.
            note = _("Late cancellation (terms: %(terms)s) – %(reason)s") % {
                "terms": booking.cancel_terms,
                "reason": reason,
            }
        booking_transition(booking, Status.CANCELLED, actor=by, note=note, now=now)
        slot_place_free(booking, slot)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy("Cancelled: %(band)s to %(gig)s. Reason: %(reason)s"),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            ),
            actor=by,
            event="cancelled",
        )
        if slot is not None:  # the show's headliner (or host) hears that its bill changed
            show_event_emit(
                event="show.line_up_changed", slot=slot, bookings=[booking], also_band_ids=_headliner_ids(slot)
            )
    return booking


def booking_lapse_unpaid(*, booking: Booking, now=None) -> Booking | None:
    """Periodic (payments): a booked gig whose deposit was not paid in time lapses and its time is free
    again. Returns the booking, or None when it was paid, cancelled or started meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        _band, slot, booking = _lock(booking)
        if booking.status != Status.BOOKED or booking.paid_minor or booking.starts_at <= now:
            return None
        booking_transition(booking, Status.CANCELLED, actor=None, note="The deposit was not paid in time", now=now)
        slot_place_free(booking, slot)
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy(
                    "Lapsed: the deposit for %(band)s to %(gig)s was not paid in time, so the date is free again."
                ),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=None,
            event="cancelled",
        )
    return booking


def booking_paid_set(*, booking: Booking, paid_minor: int) -> None:
    """Payments: what the payer has paid through StageSlot for `booking` and kept, after refunds."""
    Booking.objects.filter(pk=booking.pk).update(paid_minor=max(paid_minor, 0), updated_at=timezone.now())
    booking.paid_minor = max(paid_minor, 0)


def booking_shortlist(*, booking: Booking, by: User, shortlisted: bool) -> Booking:
    """Mark a pending application as shortlisted (or not); the venue's own note, the band does not see it."""
    if booking.kind != Kind.APPLICATION or not is_venue_staff(booking.venue_id, by):
        raise BookingPermissionError(_("Only the venue's staff can shortlist applications."))
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != Status.PENDING:
            raise _stale(booking)
        booking.shortlisted = shortlisted
        booking.save(update_fields=["shortlisted", "updated_at"])
    return booking


def bookings_start(*, now=None) -> int:
    """Periodic: every BOOKED gig whose start has passed and whose end has not is IN PROGRESS (both
    sides see it so). Returns how many."""
    now = now or timezone.now()
    done = 0
    rows = Booking.objects.filter(status=Status.BOOKED, starts_at__lte=now, ends_at__gt=now)
    for pk in rows.values_list("pk", flat=True):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("band", "venue")
                .filter(pk=pk, status=Status.BOOKED)
                .first()
            )
            if booking is None:
                continue
            booking_transition(booking, Status.IN_PROGRESS, actor=None, note="The gig has started", now=now)
            webhook_events_emit(event="booking.in_progress", bookings=[booking], now=now)
            done += 1
    return done


def bookings_complete(*, now=None) -> int:
    """Periodic: every BOOKED or IN PROGRESS gig whose end has passed becomes COMPLETED. Returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in Booking.objects.filter(status__in=Booking.ON, ends_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("band", "venue")
                .filter(pk=pk, status__in=Booking.ON)
                .first()
            )
            if booking is None:
                continue
            booking_transition(booking, Status.COMPLETED, actor=None, note="The gig took place", now=now)
            webhook_events_emit(event="booking.completed", bookings=[booking], now=now)
            done += 1
    return done


def bookings_expire(*, now=None) -> int:
    """Periodic: a pending booking whose start has passed can never be accepted; it is declined,
    with the reason, and both sides are told. Returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in Booking.objects.filter(status=Status.PENDING, starts_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("band", "venue", "client")
                .filter(pk=pk, status=Status.PENDING)
                .first()
            )
            if booking is None:
                continue
            note = "Declined automatically: the date passed without an answer."
            booking_transition(booking, Status.DECLINED, actor=None, note=note, now=now)
            booking_notify(
                booking,
                asking_people(booking) + answering_people(booking),
                kind_text(
                    booking,
                    application=gettext_lazy("%(band)s: the application to %(gig)s was never answered and has lapsed."),
                    offer=gettext_lazy("%(band)s: the offer to %(gig)s was never answered and has lapsed."),
                    request=gettext_lazy("%(band)s: the private request to %(gig)s was never answered and has lapsed."),
                    band=booking.band.name,
                    gig=booking_summary(booking),
                ),
                actor=None,
                event="expired",
            )
            done += 1
    return done
