"""Shows with places that bands run: a show a band hosts, the support places a headliner fills on a
venue's slot (when the venue lets it), and the show's tickets.

A hosted show is a `venues.Slot` without a venue or stage, with its `host_band`; the host's own place
is a Booking of kind HOST, BOOKED as the show is made (docs/decisions/0020) through book.booking_book,
the one path to BOOKED. Everything that fills or frees a place goes through the booking services
(book, answering, ending), so the same locks (band, then slot, then people, then bookings), checks, constraints,
counters, events with their `sequence` and automatic declines hold for both kinds of show.
"""

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.services import WHEN, lazy_text, notifications_create
from bands.links import link_clean
from bands.models import ApprovalStatus, Band, Currency, Genre
from bands.selectors import band_managers
from core.fields.scheduling import scheduling_day_problem, scheduling_today
from core.fields.timezones import validate_time_zone, zone_name
from places.models import City
from places.selectors import city_names
from venues.models import Slot, Ticket, Venue

from ..errors import BookingError, BookingPermissionError
from ..models import BillMessage, Booking
from ..selectors.bookings import can_manage_band, is_venue_staff, venue_team
from ..selectors.shows import bill_people, on_the_bill
from . import book, locks, moves
from .ending import booking_status_stamps_bump, booking_transition
from .notices import booking_notify, booking_people, booking_summary
from .webhooks import show_event_emit

Status = Booking.Status
Role = Booking.Role


def _show_times_check(*, starts_at: dt.datetime, ends_at: dt.datetime, zone, now: dt.datetime) -> dict:
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > Slot.MAX_LENGTH:
        errors["ends_at"] = [_("A show can be at most 24 hours long.")]
    if starts_at <= now:
        errors["starts_at"] = [_("This start is in the past. Choose a time from now on.")]
    elif problem := scheduling_day_problem(starts_at.astimezone(zone).date(), today=scheduling_today(zone, now=now)):
        errors["starts_at"] = [problem]
    return errors


def show_host(
    *,
    band: Band,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    title: str,
    genres: Iterable[Genre] = (),
    place_venue: Venue | None = None,
    place_name: str = "",
    place_address: str = "",
    place_city: str = "",
    place: City | None = None,
    fee: int | None = None,
    currency: str = Currency.EUR,
    support_terms: str = "",
    support_places: int = 0,
    doors_at: dt.datetime | None = None,
    stand_in: bool = False,
    now=None,
) -> Slot:
    """The band hosts a show of its own (a DIY show, a house concert, a festival): a public show it
    headlines, with `support_places` places for support acts it picks itself.

    Leaders and admins only (BookingPermissionError). Raises ValidationError by field (times, place,
    places, zone, fee) and BookingConflict when the band is already booked at an overlapping time, or
    MembersBusy when a required member is busy then with the load-in and pack-down (unless `stand_in`:
    the band will find a stand-in, recorded in the audit log). The band's own place is booked at once
    through book.booking_book, the one path to BOOKED (the show's slot is made under the band lock,
    BookPlan.show): its members are busy for it, it shows in the feeds with its event and sequence 1,
    and the band's pending bookings at overlapping times are declined after the commit, as after an
    accept.
    """
    now = now or timezone.now()
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can host a show for it.") % {"band": band.name}
        )
    errors: dict[str, list[str]] = {}
    try:
        validate_time_zone(time_zone)
        zone = zoneinfo.ZoneInfo(time_zone)
    except ValidationError as exc:
        errors["time_zone"] = exc.messages
        zone = dt.UTC
    errors.update(_show_times_check(starts_at=starts_at, ends_at=ends_at, zone=zone, now=now))
    if doors_at is not None and not (starts_at - dt.timedelta(hours=6) <= doors_at <= starts_at):
        errors["doors_at"] = [_("Doors open at the start of the show or up to six hours before it.")]
    title = title.strip()
    if not title:
        errors["title"] = [_("Give the show a title people will recognise.")]
    if place_venue is None and not place_name.strip():
        errors["place_name"] = [_("Choose a venue on StageSlot or type the name of the place.")]
    if place_venue is not None and place_venue.status != ApprovalStatus.APPROVED:
        errors["place_venue"] = [_("Choose a venue that is listed on StageSlot.")]
    if not 0 <= support_places <= Slot.MAX_SUPPORT_PLACES:
        errors["support_places"] = [
            ngettext(
                "A show can have 0 to %(count)d support act.",
                "A show can have 0 to %(count)d support acts.",
                Slot.MAX_SUPPORT_PLACES,
            )
            % {"count": Slot.MAX_SUPPORT_PLACES}
        ]
    if fee is not None and fee < 0:
        errors["fee"] = [_("A fee cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    if band.status != ApprovalStatus.APPROVED:
        raise BookingError(
            _("%(band)s is waiting for approval by StageSlot staff; it can host shows once approved.")
            % {"band": band.name}
        )

    def show(band: Band, booking: Booking) -> Slot:
        # Under the band lock: the show's slot, whose headliner place the band's own booking takes.
        slot = Slot(
            host_band=band,
            place_venue=place_venue,
            place_name=place_name.strip()[:120],
            place_address=place_address.strip()[:200],
            # A city of the gazetteer names the show's city (and gives it its point, see Slot.save).
            place=place,
            place_city=(city_names(place)["city"] if place is not None else place_city.strip())[:80],
            time_zone=time_zone,
            starts_at=starts_at,
            ends_at=ends_at,
            doors_at=doors_at,
            title=title[:120],
            fee=fee,
            currency=currency,
            support_terms=support_terms.strip()[:200],
            support_places=support_places,
            support_picker=Slot.SupportPicker.HEADLINER,
            visibility=Slot.Visibility.PUBLIC,
            created_by=by,
        )
        slot.full_clean(exclude=["venue", "stage", "genres"])
        slot.save()
        slot.genres.set(list(genres))
        booking.location = slot.place_label
        return slot

    plan = book.BookPlan(
        booking=Booking(
            kind=Booking.Kind.HOST,
            role=Role.HEADLINER,
            band=band,
            requested_by=by,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=time_zone,
            currency=currency,
        ),
        by=by,
        text=lambda booking: lazy_text(
            gettext_lazy("Booked: %(band)s hosts “%(title)s” – %(gig)s."),
            band=band.name,
            title=booking.slot.title,
            gig=booking_summary(booking),
        ),
        stand_in=stand_in,
        show=show,
        taken=_("%(band)s is already booked at an overlapping time.") % {"band": band.name},
    )
    return book.booking_book(plan=plan, now=now).slot


# Where a show without a title is, read in each recipient's language (Slot.place_label).
place_label_lazy = lazy(lambda slot: slot.place_label, str)


# ---- Who fills the support places ----------------------------------------------------------------


def slot_headliner(slot: Slot) -> Booking | None:
    """The slot's booked headliner (the host's own place on a hosted show), with its band."""
    return (
        Booking.objects.filter(slot_id=slot.pk, role=Role.HEADLINER, status__in=Booking.ON)
        .select_related("band")
        .first()
    )


def show_support_ask(*, slot: Slot, by: User, places: int, now=None) -> Slot:
    """The headliner of a venue's slot asks the venue to let it fill `places` support places.

    Its leaders and admins only (BookingPermissionError). Raises ValidationError("places") for more
    places than the venue allows (or are still open), BookingError when the slot is a hosted show, is
    cancelled or over, or the headliner already fills them.
    """
    now = now or timezone.now()
    headliner = slot_headliner(slot)
    if headliner is None or not can_manage_band(headliner.band_id, by):
        raise BookingPermissionError(_("Only the leaders and admins of the slot's booked headliner can ask for this."))
    if slot.is_hosted:
        raise BookingError(_("You host this show, so you fill its support places already."))
    if slot.is_cancelled or slot.ends_at <= now:
        raise BookingError(_("This slot is cancelled or over."))
    if slot.headliner_picks_support:
        raise BookingError(_("The venue already lets you fill the support places of this slot."))
    open_places = slot.support_places - slot.supports_booked
    if places < 1 or places > open_places:
        raise ValidationError(
            {
                "places": [
                    ngettext(
                        "The venue allows %(count)d more support act on this slot; ask for 1 to %(count)d.",
                        "The venue allows %(count)d more support acts on this slot; ask for 1 to %(count)d.",
                        open_places,
                    )
                    % {"count": open_places}
                    if open_places
                    else _("Every support place the venue allows on this slot is taken.")
                ]
            }
        )
    with transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(support_pick_asked_at=now)
        notifications_create(
            recipients=venue_team(slot.venue_id),
            kind="show_support_asked",
            text=lazy_text(
                # Translators: %(title)s is the slot's title (or "your slot"), %(when)s its times.
                ngettext_lazy(
                    "%(band)s asks to fill %(count)s support place of “%(title)s” on %(when)s.",
                    "%(band)s asks to fill %(count)s support places of “%(title)s” on %(when)s.",
                    places,
                ),
                band=headliner.band.name,
                count=places,
                title=slot.title or pgettext_lazy("a slot without a title", "your slot"),
                when=WHEN,
            ),
            link=f"/shows/{slot.pk}/manage/",
            key=f"show:{slot.pk}:support_asked:{now.isoformat()}",
            actor=by,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )
    slot.support_pick_asked_at = now
    return slot


def show_support_picker_set(*, slot: Slot, by: User, picker: str, now=None) -> Slot:
    """The venue lets the headliner fill the support places of its slot, or keeps that to itself.

    Venue staff only (BookingPermissionError). The pending support applications move to whoever now
    answers them. Raises BookingError for a hosted show, a cancelled slot, or handing over a slot
    without a booked headliner; ValidationError("picker") for an unknown choice.
    """
    now = now or timezone.now()
    if slot.is_hosted or not is_venue_staff(slot.venue_id, by):
        raise BookingPermissionError(_("Only this venue's staff can decide who fills its support places."))
    if picker not in Slot.SupportPicker.values:
        raise ValidationError({"picker": [_("Choose the venue or the headliner.")]})
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.is_cancelled:
            raise BookingError(_("This slot is cancelled."))
        headliner = slot_headliner(slot)
        if picker == Slot.SupportPicker.HEADLINER and headliner is None:
            raise BookingError(_("This slot has no booked headliner yet to hand the support places to."))
        slot.support_picker = picker
        slot.support_pick_asked_at = None
        slot.save(update_fields=["support_picker", "support_pick_asked_at", "updated_at"])
        pending = Booking.objects.filter(slot_id=slot.pk, role=Role.SUPPORT, kind=Booking.Kind.APPLICATION)
        waiting = pending.filter(status=Status.PENDING)
        booking_status_stamps_bump(list(waiting.values("uid", "sequence")))  # who answers them changes
        waiting.update(picker_band_id=headliner.band_id if picker == Slot.SupportPicker.HEADLINER else None)
        if headliner is not None:
            allowed = picker == Slot.SupportPicker.HEADLINER
            if slot.open_support_places:
                opened = "show.support_call_opened" if allowed else "show.support_call_closed"
                show_event_emit(event=opened, slot=slot)
            notifications_create(
                recipients=band_managers(headliner.band_id),
                kind="show_support_asked",
                text=lazy_text(
                    # Translators: %(title)s is the slot's title (or "the slot"), %(when)s its times.
                    gettext_lazy("%(venue)s lets you fill the support places of “%(title)s” on %(when)s.")
                    if allowed
                    else gettext_lazy("%(venue)s fills the support places of “%(title)s” on %(when)s."),
                    venue=slot.venue.name,
                    title=slot.title or pgettext_lazy("a slot without a title", "the slot"),
                    when=WHEN,
                ),
                link=f"/shows/{slot.pk}/manage/",
                key=f"show:{slot.pk}:picker:{picker}:{now.isoformat()}",
                actor=by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
            )
    return slot


def show_support_call_set(*, slot: Slot, by: User, places: int, now=None) -> Slot:
    """The host of a show opens its support call with `places` support places open besides those
    already filled, or closes it (`places` 0): the pending applications are then declined, each band
    told why. The acts booked keep their places.

    The host's leaders and admins only (BookingPermissionError; on a venue's slot the venue hands its
    support places to the headliner, show_support_picker_set). Raises ValidationError("places") for
    a number below 0 or more places than a show has, BookingError once the show is cancelled or over;
    nothing changes then. Locks the slot, then its pending applications.
    """
    now = now or timezone.now()
    if not slot.is_hosted:
        raise BookingPermissionError(
            _("On a venue's slot the venue decides about support places; the headliner can ask it to hand them over.")
        )
    if not can_manage_band(slot.host_band_id, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of the band hosting this show can change its support call.")
        )
    if places < 0:
        raise ValidationError({"places": [_("Give 0 (to close the support call) or more open places.")]})
    with transaction.atomic():
        slot = Slot.objects.select_for_update(of=("self",)).select_related("host_band").get(pk=slot.pk)
        if slot.is_cancelled or slot.ends_at <= now:
            raise BookingError(_("This show is cancelled or over, so its support call stays as it was."))
        total = slot.supports_booked + places
        if total > Slot.MAX_SUPPORT_PLACES:
            most = Slot.MAX_SUPPORT_PLACES - slot.supports_booked
            raise ValidationError(
                {"places": [_("A show has at most %(max)d support acts; you can open up to %(most)d more places.")
                            % {"max": Slot.MAX_SUPPORT_PLACES, "most": most}]}
            )  # fmt: skip
        if total == slot.support_places:
            return slot
        Slot.objects.filter(pk=slot.pk).update(support_places=total, updated_at=now)
        slot.support_places = total
        if places == 0:
            note = _("The host closed the support call of “%(title)s”.") % {"title": slot.title}
            closed = lazy_text(gettext_lazy("The host closed the support call of “%(title)s”."), title=slot.title)
            pending = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("band", "venue")
                .filter(slot_id=slot.pk, role=Role.SUPPORT, status=Status.PENDING)
                .order_by("pk")
            )
            for booking in pending:
                booking_transition(booking, Status.DECLINED, actor=by, note=note, now=now)
                booking_notify(
                    booking,
                    band_managers(booking.band_id),
                    lazy_text(
                        gettext_lazy("Declined: %(band)s to %(what)s. %(note)s"),
                        band=booking.band.name,
                        what=booking_summary(booking),
                        note=closed,
                    ),
                    actor=by,
                    event="declined",
                )
        show_event_emit(event="show.support_call_opened" if places else "show.support_call_closed", slot=slot)
    return slot


# ---- Tickets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketLine:
    label: str
    url: str
    price_min: Decimal | None = None
    price_max: Decimal | None = None


def can_edit_show(slot: Slot, user: User) -> bool:
    """The host's leaders and admins (a hosted show), or the venue's staff and the headliner's leaders
    and admins (a venue's slot)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if slot.is_hosted:
        return can_manage_band(slot.host_band_id, user)
    if is_venue_staff(slot.venue_id, user):
        return True
    headliner = slot_headliner(slot)
    return headliner is not None and can_manage_band(headliner.band_id, user)


def show_tickets_set(
    *, slot: Slot, by: User, entry: str, sold_out: bool, tickets: Sequence[TicketLine], currency: str | None = None
) -> Slot:
    """Say how people get in: ticket links (label, address, price range), free entry, or pay at the
    door; and whether it is sold out. Replaces the show's ticket links.

    The host and the venue only (BookingPermissionError). Raises ValidationError by field for an
    unknown entry, an address that is not an http(s) link (`javascript:`, unknown schemes), a price
    range upside down or negative, tickets missing for "Tickets", too many links; nothing changes.
    """
    if not can_edit_show(slot, by):
        raise BookingPermissionError(_("Only the show's host and its venue can change its tickets."))
    errors: dict[str, list[str]] = {}
    if entry not in Slot.Entry.values:
        errors["entry"] = [_("Choose tickets, free entry or pay at the door.")]
    if len(tickets) > Ticket.MAX_PER_SHOW:
        errors["tickets"] = [
            ngettext(
                "At most %(count)d ticket link, please.", "At most %(count)d ticket links, please.", Ticket.MAX_PER_SHOW
            )
            % {"count": Ticket.MAX_PER_SHOW}
        ]
    urls: list[str] = []
    for i, line in enumerate(tickets, start=1):
        if not line.label.strip():
            errors.setdefault("tickets", []).append(f"Ticket link {i}: give it a label.")
        try:
            urls.append(link_clean("ticket", line.url))
        except ValidationError as exc:
            errors.setdefault("tickets", []).append(f"Ticket link {i}: {' '.join(exc.messages)}")
        for price in (line.price_min, line.price_max):
            if price is not None and price < 0:
                errors.setdefault("tickets", []).append(f"Ticket link {i}: a price cannot be negative.")
        if line.price_min is not None and line.price_max is not None and line.price_min > line.price_max:
            errors.setdefault("tickets", []).append(f"Ticket link {i}: the lowest price is above the highest.")
    if entry == Slot.Entry.TICKETS and not tickets and "entry" not in errors:
        errors["tickets"] = [_("Add a ticket link, or choose free entry or pay at the door.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        Ticket.objects.filter(slot_id=slot.pk).delete()
        if entry == Slot.Entry.TICKETS:
            Ticket.objects.bulk_create(
                Ticket(
                    slot=slot,
                    label=line.label.strip()[:60],
                    url=urls[i],
                    price_min=line.price_min,
                    price_max=line.price_max,
                    currency=currency or slot.currency,
                    position=i,
                )
                for i, line in enumerate(tickets)
            )
        Slot.objects.filter(pk=slot.pk).update(entry=entry, sold_out=bool(sold_out), updated_at=timezone.now())
        slot.refresh_from_db()
        show_event_emit(event="show.changed", slot=slot)
    return slot


def show_sequence_bump(slot_id: int) -> None:
    """A change the show's calendar events must carry (their SEQUENCE grows)."""
    Slot.objects.filter(pk=slot_id).update(sequence=F("sequence") + 1)


# ---- The running order --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActTimes:
    """One act's place in the running order: when it loads in, and its set."""

    booking_id: int
    load_in_at: dt.datetime
    set_starts_at: dt.datetime
    set_ends_at: dt.datetime


MAX_LOAD_IN_BEFORE = dt.timedelta(hours=10)


def _running_order_errors(
    slot: Slot, acts: Sequence[ActTimes], doors_at: dt.datetime | None, curfew_at: dt.datetime | None, names: dict
) -> list[str]:
    zone = slot.zone

    def hm(moment: dt.datetime) -> str:
        return f"{moment.astimezone(zone):%H:%M}"

    show = f"{hm(slot.starts_at)}–{hm(slot.ends_at)} ({zone_name(zone)})"
    errors = []
    for act in acts:
        name = names[act.booking_id]
        if act.set_ends_at <= act.set_starts_at:
            errors.append(_("%(act)s: the set must end after it starts.") % {"act": name})
        elif act.set_starts_at < slot.starts_at or act.set_ends_at > slot.ends_at:
            errors.append(
                _("%(act)s: the set %(start)s–%(end)s is outside the show, %(show)s.")
                % {"act": name, "start": hm(act.set_starts_at), "end": hm(act.set_ends_at), "show": show}
            )
        if act.load_in_at > act.set_starts_at:
            errors.append(_("%(act)s: load-in must be before the set.") % {"act": name})
        elif act.set_starts_at - act.load_in_at > MAX_LOAD_IN_BEFORE:
            errors.append(_("%(act)s: load-in can be at most 10 hours before the set.") % {"act": name})
    ordered = sorted(acts, key=lambda a: a.set_starts_at)
    for before, after in itertools.pairwise(ordered):
        if after.set_starts_at < before.set_ends_at:
            errors.append(
                _("%(first)s (%(first_start)s–%(first_end)s) and %(second)s (%(second_start)s–%(second_end)s) overlap.")
                % {
                    "first": names[before.booking_id],
                    "first_start": hm(before.set_starts_at),
                    "first_end": hm(before.set_ends_at),
                    "second": names[after.booking_id],
                    "second_start": hm(after.set_starts_at),
                    "second_end": hm(after.set_ends_at),
                }
            )
    if doors_at is not None and ordered and doors_at > ordered[0].set_starts_at:
        errors.append(_("Doors (%(doors)s) must open before the first set.") % {"doors": hm(doors_at)})
    if curfew_at is not None:
        if curfew_at > slot.ends_at + dt.timedelta(hours=2) or curfew_at < slot.starts_at:
            sentence = _("The curfew (%(curfew)s) must be within the show, %(show)s.")
            errors.append(sentence % {"curfew": hm(curfew_at), "show": show})
        elif ordered and curfew_at < ordered[-1].set_ends_at:
            errors.append(_("The last set ends after the curfew (%(curfew)s).") % {"curfew": hm(curfew_at)})
    return errors


def show_running_order_set(
    *,
    slot: Slot,
    by: User,
    acts: Sequence[ActTimes],
    doors_at: dt.datetime | None = None,
    curfew_at: dt.datetime | None = None,
    now=None,
) -> Slot:
    """Set the bill: doors, each booked act's load-in and set, the curfew (gaps between sets are the
    changeovers). Each act's members are then busy from its load-in to the end of its set, and each
    changed act's booking and the show's SEQUENCE grow, so the feeds update.

    The host, or the venue's staff and the headliner's leaders (BookingPermissionError). Raises
    ValidationError("acts") for a set outside the show, sets that overlap, a load-in after its set, an
    act missing or not booked on the show; BookingError once the show is over or cancelled; MembersBusy
    when a moved act's members cannot play its new set (moves.gig_move). Locks the acts' bands (in id
    order), then the slot, then the people of every act whose set moves (locks.gigs_people_lock), then
    their bookings: the one order of locks.py (0007, 0115).
    """
    now = now or timezone.now()
    if not can_edit_show(slot, by):
        raise BookingPermissionError(_("Only the show's host and its venue can set the running order."))
    with transaction.atomic():
        booked = list(Booking.objects.filter(slot_id=slot.pk, status=Status.BOOKED).values_list("pk", "band_id"))
        band_ids = sorted({band_id for _, band_id in booked})
        list(Band.objects.select_for_update().filter(pk__in=band_ids).order_by("pk").values_list("pk", flat=True))
        slot = Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot.pk)
        if slot.is_cancelled or slot.ends_at <= now:
            raise BookingError(_("This show is cancelled or over, so its running order stays as it was."))
        # Under the slot lock no act joins or leaves the bill and no set moves (only this door writes the
        # sets, under it); a gig's block changes only under its band's lock, which we hold.
        acts_now = {
            pk: (band_id, block_id, (load_in_at, set_starts_at, set_ends_at))
            for pk, band_id, block_id, load_in_at, set_starts_at, set_ends_at in Booking.objects.filter(
                slot_id=slot.pk, status=Status.BOOKED
            ).values_list("pk", "band_id", "block_id", "load_in_at", "set_starts_at", "set_ends_at")
        }
        if {band_id for band_id, _block_id, _times in acts_now.values()} - set(band_ids):
            # An act booked after the bands were locked: its band and people are not locked here.
            raise ValidationError({"acts": [_("Give every act booked on the show its times, once each.")]})
        # The people of every act whose set moves, after the bands and the slot and before the bookings
        # (locks.py: the one order), so a member's other band booked at the same moment queues on them and
        # the members' check below (moves.gig_move) sees its gig, or it sees the moved set.
        locks.gigs_people_lock(
            (acts_now[a.booking_id][0], acts_now[a.booking_id][1])
            for a in acts
            if a.booking_id in acts_now and acts_now[a.booking_id][2] != (a.load_in_at, a.set_starts_at, a.set_ends_at)
        )
        bookings = {
            b.pk: b
            for b in Booking.objects.select_for_update(of=("self",))
            .select_related("band")
            .filter(slot_id=slot.pk, status=Status.BOOKED)
            .order_by("pk")
        }
        given = [a.booking_id for a in acts]
        if len(set(given)) != len(given) or set(given) != set(bookings):
            raise ValidationError({"acts": [_("Give every act booked on the show its times, once each.")]})
        names = {pk: b.band.name for pk, b in bookings.items()}
        errors = _running_order_errors(slot, acts, doors_at, curfew_at, names)
        if errors:
            raise ValidationError({"acts": errors})
        changed = []
        for act in acts:
            booking = bookings[act.booking_id]
            new = (act.load_in_at, act.set_starts_at, act.set_ends_at)
            if (booking.load_in_at, booking.set_starts_at, booking.set_ends_at) == new:
                continue
            # The act's members move to its set (moves.gig_move, the one place a booked gig moves): a band
            # with a minimum line-up is checked at the set's times and who sits it out is recomputed; any
            # band is checked when its load-in and set reach beyond the time its gig took before.
            moves.gig_move(
                band=booking.band,
                booking=booking,
                starts_at=act.set_starts_at,
                ends_at=act.set_ends_at,
                load_in_minutes=int((act.set_starts_at - act.load_in_at).total_seconds() // 60),
                pack_down_minutes=0,
                times_change=False,
            )
            booking.load_in_at, booking.set_starts_at, booking.set_ends_at = new
            booking.sequence += 1
            booking.save(update_fields=["load_in_at", "set_starts_at", "set_ends_at", "sequence", "updated_at"])
            changed.append(booking)
        moved = changed or (slot.doors_at, slot.curfew_at) != (doors_at, curfew_at)
        Slot.objects.filter(pk=slot.pk).update(
            doors_at=doors_at,
            curfew_at=curfew_at,
            sequence=F("sequence") + (1 if moved else 0),
            updated_at=timezone.now(),
        )
        for booking in changed:
            zone = slot.zone
            notifications_create(
                recipients=booking_people(booking),
                kind="show_bill",
                text=lazy_text(
                    # Translators: a band's place in a show's running order; %(zone)s is the time zone of the times.
                    gettext_lazy("%(band)s plays %(start)s–%(end)s (%(zone)s), load-in %(load_in)s: %(gig)s."),
                    band=booking.band.name,
                    start=time_format(booking.set_starts_at.astimezone(zone), "CLOCK_FORMAT"),
                    end=time_format(booking.set_ends_at.astimezone(zone), "CLOCK_FORMAT"),
                    zone=zone_name(zone),
                    load_in=time_format(booking.load_in_at.astimezone(zone), "CLOCK_FORMAT"),
                    gig=booking_summary(booking),
                ),
                link=f"/shows/{slot.pk}/",
                key=f"show:{slot.pk}:bill:{booking.pk}:{booking.sequence}",
                actor=by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
            )
        slot.refresh_from_db()
        if moved:
            show_event_emit(event="show.changed", slot=slot)
    return slot


# ---- The bill thread ----------------------------------------------------------------------------


def bill_message_post(*, slot: Slot, by: User, body: str, now=None) -> BillMessage:
    """Write to the show's bill thread: everyone on the bill (every act's members, host included, and
    the venue's staff) reads it and is told, the writer excepted.

    Raises BookingPermissionError for anyone not on the bill, ValidationError("body") for an empty or
    too long message.
    """
    now = now or timezone.now()
    if not on_the_bill(slot=slot, user=by):
        raise BookingPermissionError(_("Only the acts on the bill, the host and the venue write in this thread."))
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write a message first.")]})
    if len(body) > BillMessage.MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    ngettext(
                        "A message can be at most %(count)d character.",
                        "A message can be at most %(count)d characters.",
                        BillMessage.MAX_LENGTH,
                    )
                    % {"count": BillMessage.MAX_LENGTH}
                ]
            }
        )
    with transaction.atomic():
        message = BillMessage.objects.create(slot=slot, author=by, body=body)
        notifications_create(
            recipients=bill_people(slot),
            kind="bill_message",
            text=lazy_text(
                # Translators: a new message in the thread of a show's bill; %(message)s is its first words.
                gettext_lazy("%(name)s on the bill of “%(show)s”: %(message)s"),
                name=by.name,
                show=slot.title or place_label_lazy(slot),
                message=body[:120],
            ),
            link=f"/shows/{slot.pk}/bill/#bill-{message.pk}",
            key=f"bill:{message.pk}",
            actor=by,
        )
    return message
