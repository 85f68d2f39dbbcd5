"""The checks a booking must pass, in one place: the slot's place, the band free (no other gig), its
required members free with load-in, pack-down and travel, the band active, the start in the future, a
message's length, a new application's or offer's rules, no block between the sides of a new ask or message
(contact_check and its two forms for slots and bookings) and the new-account limit (new_contact_check);
`bookable()` runs every check a gig must pass to be BOOKED.

Takes no locks: callers hold the band and slot locks (locks.py) when a check decides; a plain read
before the locks may refuse a race already decided (answering._check_not_decided)."""

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import blocks
from accounts.blocks import Side, blocked_between
from accounts.models import User
from accounts.people import person_ref
from availability.lineup import amber, fill
from bands.lineup import band_lineup, band_section_names
from bands.models import ApprovalStatus, Band, Membership
from bands.services import gig_busy_window, gig_window
from bands.travel import Point
from core.fields.timezones import when_text
from venues.models import Slot

from ..errors import BookingConflict, BookingError, ContactRefused, MembersBusy
from ..models import Booking
from ..selectors.blocks import booking_sides, side_parties
from ..selectors.bookings import (
    MemberBusy,
    band_gig_overlapping,
    booking_point,
    members_busy_between,
    person_gig_overlapping,
)
from .radius import radius_check

Role = Booking.Role


def stale_conflict(booking: Booking) -> BookingConflict:
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


def band_free_check(band: Band, starts_at: dt.datetime, ends_at: dt.datetime, zone) -> None:
    # Where the other gig is stays unsaid: it may be another venue's, or a client's private address.
    clash = band_gig_overlapping(band_id=band.pk, starts_at=starts_at, ends_at=ends_at)
    if clash is not None:
        raise BookingConflict(
            _("%(band)s is already booked %(when)s, which overlaps this gig.")
            % {"band": band.name, "when": when_text(clash.starts_at, clash.ends_at, zone)}
        )


def busy_members_text(members: list[MemberBusy], zone, *, kept: bool = False) -> str:
    """Who is busy when, for a refusal: "Mara is busy Fri 12 Jun, 19:00–23:00 (another gig)". `kept`: for a
    text that is kept (a booking's history), each person by reference (accounts/people.py)."""
    parts = []
    for member in members:
        name = person_ref(member.user_id) if kept else member.name
        values = {"name": name, "when": when_text(member.starts_at, member.ends_at, zone)}
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


@dataclass(frozen=True)
class GigFit:
    """What the members' check found for a gig (gig_fit).

    `ok`: the band can play it – every required member free (a band without a minimum line-up), or the
    free members fill the minimum line-up. `busy`: the members in the way (the required ones busy; for a
    line-up the busy ones named or who could fill a short section). `sitting_out`: for a line-up, every
    member busy then; for a band without one, every member who plays another gig then: the gig does without
    them and its block leaves them out (none are double-booked).
    `short`: the line-up's short sections as the refusal names them ("Trumpets (1 of 2)"). `amber`: the
    line-up is filled only with occasional players; the sections that need them (booked, flagged)."""

    ok: bool
    busy: list[MemberBusy]
    sitting_out: tuple[int, ...] = ()
    short: tuple[str, ...] = ()
    amber: tuple[str, ...] = ()


def gig_fit(
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    exclude_block_id: int | None = None,
    point: Point | None = None,
    load_in_minutes: int | None = None,
    pack_down_minutes: int | None = None,
) -> GigFit:
    """Whether the band can play a gig from `starts_at` to `ends_at`, with its load-in before and pack-down
    after (bands.services.gig_window; the gig's own minutes where given, else the band's usual ones) and the
    journey to or from another gig at the gig's `point`.

    A band without a minimum line-up (no section needs, no total: bands.lineup.band_lineup is None) needs
    every required member free, as it always has: one query. A band with one needs its named members
    free and the free members to fill every section (availability.lineup.fill, the green zone's own
    engine, a doubler counting once): one query more, for who plays. See docs/decisions/0112."""
    start, end = gig_window(
        band, starts_at, ends_at, load_in_minutes=load_in_minutes, pack_down_minutes=pack_down_minutes
    )
    if band_lineup(band=band, members=()) is None:
        everyone = members_busy_between(
            band_id=band.pk,
            start=start,
            end=end,
            exclude_block_id=exclude_block_id,
            point=point,
            speed_kmh=band.travel_speed_kmh,
            everyone=True,
        )
        busy = [member for member in everyone if member.required]
        # Whoever plays another gig then (a member nobody checked, or a required one booked anyway) sits this
        # one out: its block takes none of their time, so nobody is shown in two places at once.
        elsewhere = tuple(sorted(member.user_id for member in everyone if member.gig))
        return GigFit(ok=not busy, busy=busy, sitting_out=elsewhere)
    rows = list(Membership.objects.filter(band_id=band.pk).values_list("user_id", "required"))
    lineup = band_lineup(band=band, members=[SimpleNamespace(user_id=u, required=r) for u, r in rows])
    busy = members_busy_between(
        band_id=band.pk,
        start=start,
        end=end,
        exclude_block_id=exclude_block_id,
        point=point,
        speed_kmh=band.travel_speed_kmh,
        everyone=True,
    )
    everyone = [user_id for user_id, _required in rows]
    busy_ids = {member.user_id for member in busy}
    free = set(everyone) - busy_ids
    result = fill(free, lineup, members=everyone)
    names = band_section_names(band=band)
    sitting_out = tuple(sorted(busy_ids))
    if result.ok:
        soft = amber(free, lineup)
        flagged = tuple(names.get(s.section, "") for s in soft.short) if soft is not None else ()
        if soft is not None and not flagged:
            flagged = (_("named members"),) if soft.missing else (_("the total"),)
        return GigFit(ok=True, busy=[], sitting_out=sitting_out, amber=flagged)
    short = tuple(
        _("%(section)s (%(have)d of %(need)d)") % {"section": names.get(s.section, ""), "have": s.have, "need": s.need}
        for s in result.short
    )
    if result.total_short:
        short += (
            ngettext("%(count)d more player in all", "%(count)d more players in all", result.total_short)
            % {"count": result.total_short},
        )
    in_the_way = set(result.missing).union(*(s.could for s in result.short))
    blocking = busy if result.total_short else [m for m in busy if m.user_id in in_the_way]
    return GigFit(ok=False, busy=blocking, sitting_out=sitting_out, short=short)


def members_busy_for_gig(
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    exclude_block_id: int | None = None,
    point: Point | None = None,
) -> list[MemberBusy]:
    """The members in the way of a gig (gig_fit): the band's required members who are busy at some moment
    of the gig with its load-in before and pack-down after (the window their gig block will take,
    bands.services.gig_window), or travelling between another gig and the gig's `point` (bands.travel);
    for a band with a minimum line-up, the busy members it cannot do without. [] when the band can play."""
    fit = gig_fit(band, starts_at, ends_at, exclude_block_id=exclude_block_id, point=point)
    return [] if fit.ok else fit.busy


def members_busy_error(band: Band, fit: GigFit, zone) -> MembersBusy:
    """The refusal of a gig the band cannot play (fit.ok false): who is busy when, and for a line-up the
    short sections by name."""
    if fit.short:
        who = busy_members_text(fit.busy, zone) if fit.busy else ""
        return MembersBusy(
            # Translators: short lists sections with counts ("Trumpets (1 of 2), Tuba (0 of 1)"); who says who is
            # busy when, or is empty.
            _(
                "Too few players are free for the minimum line-up: %(short)s. %(who)s "
                "Nothing was booked: %(band)s's leaders can accept anyway and find a stand-in."
            )
            % {"short": _(", ").join(fit.short), "who": f"{who}." if who else "", "band": band.name},
            members=fit.busy,
        )
    return MembersBusy(
        # Translators: busy lists who is busy when ("Mara is busy Fri 12 Jun, 19:00–23:00").
        _(
            "%(busy)s, which overlaps this gig with its load-in and pack-down. "
            "Nothing was booked: %(band)s's leaders can accept anyway and find a stand-in."
        )
        % {"busy": busy_members_text(fit.busy, zone), "band": band.name},
        members=fit.busy,
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
    pack-down, or on the journey to or from another gig (for a line-up: the short sections and who is
    busy in them); return [] when the band can play."""
    fit = gig_fit(band, starts_at, ends_at, exclude_block_id=exclude_block_id, point=point)
    if not fit.ok:
        raise members_busy_error(band, fit, zone)
    return []


def stand_in_free_check(*, user_id: int, booking: Booking, zone) -> None:
    """A stand-in who takes a place at `booking` (booked, with its gig block) plays no other gig during its
    busy window (the gig with its load-in and pack-down, bands.services.gig_busy_window). Their own busy time
    beyond gigs is theirs to weigh when they say yes. Run under the gig's locks (locks.booking_lock with the
    stand-in `also`). Raises BookingConflict naming the other gig's times."""
    clash = person_gig_clash(user_id=user_id, booking=booking)
    if clash is not None:
        raise BookingConflict(
            _(
                "You play another gig %(when)s, which overlaps this one with its load-in and pack-down, "
                "so you cannot take this place."
            )
            % {"when": when_text(clash.starts_at, clash.ends_at, zone)}
        )


def person_gig_clash(*, user_id: int, booking: Booking):
    """The first other gig `user_id` plays (as a member of any band or a stand-in) during `booking`'s busy
    window (its gig block's window with load-in and pack-down; the gig as booked when it has no block),
    the band's own gigs aside; None when they play nothing else then. The one question every door that
    gives a person a place at a gig asks: a stand-in's yes (stand_in_free_check), joining a band, becoming
    required (gigs.services.joins), a member's own yes (gigs.services.answers.gig_answer_set), a part.
    Run under the gig's band lock and the person's lock (locks.people_lock)."""
    block = booking.block if booking.block_id else None
    start, end = gig_busy_window(block) if block is not None else (booking.starts_at, booking.ends_at)
    # The band's own gig next to this one (their windows may touch with load-in and pack-down) is the same
    # line-up's, never a second place.
    return person_gig_overlapping(
        user_id=user_id, start=start, end=end, exclude_block_id=booking.block_id, exclude_band_id=booking.band_id
    )


def stand_in_note(band: Band, members: list[MemberBusy], zone, *, hosted: bool = False) -> str:
    """The audit log's line for a gig booked although required members are busy (`hosted`: the band's
    own show). Stored in the language of the person who acted, as they wrote it; the busy members by reference
    (docs/decisions/0131), drawn when the history is shown."""
    values = {"busy": busy_members_text(members, zone, kept=True), "band": band.name}
    if hosted:
        return (_("Hosted anyway: %(busy)s; %(band)s will find a stand-in.") % values)[:500]
    return (_("Accepted anyway: %(busy)s; %(band)s will find a stand-in.") % values)[:500]


def amber_note(note: str, fit: GigFit) -> str:
    """The audit log's line of a gig booked with occasional players filling its line-up (fit.amber)."""
    flagged = _("Booked with occasional players for: %(sections)s.") % {"sections": _(", ").join(fit.amber)}
    return (f"{note} {flagged}" if note else flagged)[:500]


def band_active_check(band: Band) -> None:
    if band.status == ApprovalStatus.SUSPENDED:
        raise BookingError(_("%(band)s is suspended on StageSlot, so it cannot be booked.") % {"band": band.name})


def start_check(starts_at: dt.datetime, now: dt.datetime, what: str = "gig") -> None:
    if starts_at <= now:
        if what == "slot":
            raise BookingError(_("This slot has already started, so it can no longer be booked."))
        raise BookingError(_("This gig has already started, so it can no longer be booked."))


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


def contact_check(*, asking: Side, asked: Side, name: str) -> None:
    """Refuse a new ask or message between two sides when either blocked the other: the one contact check
    (accounts.blocks.contact_check), its refusal raised as the booking doors' ContactRefused. `name` is the side
    being asked, as the asker knows it. The words never say who blocked whom (decision 0081)."""
    try:
        blocks.contact_check(asking=asking, asked=asked, name=name)
    except blocks.ContactBlocked as exc:
        raise ContactRefused(str(exc)) from None


def booking_contact_check(*, booking: Booking, band_side_asks: bool) -> None:
    """contact_check for something new on an existing booking (a message, terms, new times): between the
    band's side and the other side (the venue, the hosting band, the client). `band_side_asks`: who writes.
    One query; the other side's name is read only for a refusal."""
    band_side, other_side = booking_sides(booking)
    if not blocked_between(band_side, other_side):
        return
    if not band_side_asks:
        name = booking.band.name
    elif booking.venue_id:
        name = booking.venue.name
    elif booking.picker_band_id:
        name = booking.picker_band.name
    else:
        name = booking.client.name if booking.client_id else ""
    raise ContactRefused(blocks.contact_refusal(name))


def _counterparty(kind: str, band_id: int, venue_id: int | None, host_id: int | None, picker_id: int | None):
    """Who a booking asked: the band for a request or offer, the venue (or the hosting, picking band) for an
    application."""
    if kind != Booking.Kind.APPLICATION:
        return ("band", band_id)
    if venue_id:
        return ("venue", venue_id)
    return ("band", picker_id or host_id)


def new_contact_check(*, by: User, asked: tuple[str, int], now: dt.datetime) -> None:
    """An account younger than NEW_ACCOUNT_DAYS asks at most NEW_ACCOUNT_NEW_CONTACTS_PER_DAY bands, venues
    or people it has never dealt with in a day (decision 0081): a fresh account cannot spam a hundred bands.
    `asked`: ("band", id) or ("venue", id). Parties it asked before today, or that asked it, are not new.
    Raises BookingError with when to try again. No query for an older account."""
    joined = getattr(by, "date_joined", None)
    if joined is None or joined <= now - dt.timedelta(days=settings.NEW_ACCOUNT_DAYS):
        return
    day_ago = now - dt.timedelta(days=1)
    rows = (
        Booking.objects.filter(Q(requested_by_id=by.pk) | Q(client_id=by.pk))
        .exclude(kind=Booking.Kind.HOST)
        .values_list("kind", "band_id", "venue_id", "slot__host_band_id", "picker_band_id", "created_at")
    )
    today, before = set(), set()
    for kind, band_id, venue_id, host_id, picker_id, created_at in rows:
        (today if created_at >= day_ago else before).add(_counterparty(kind, band_id, venue_id, host_id, picker_id))
    if asked in today or asked in before:
        return
    limit = settings.NEW_ACCOUNT_NEW_CONTACTS_PER_DAY
    if len(today - before) >= limit:
        raise BookingError(
            ngettext(
                "A new account can ask %(limit)d band or venue it has not dealt with before in a day, and yours "
                "has. Try again tomorrow; after its first %(days)d days the limit is lifted.",
                "A new account can ask %(limit)d bands or venues it has not dealt with before in a day, and yours "
                "has. Try again tomorrow; after its first %(days)d days the limit is lifted.",
                limit,
            )
            % {"limit": limit, "days": settings.NEW_ACCOUNT_DAYS}
        )


def slot_contact_check(*, slot: Slot, band: Band, role: str, by: User | None, offered: bool) -> None:
    """contact_check between `band` and whoever answers for `slot`: its venue, the band hosting it, and for
    a support place the headliner that picks its support. `by` is on the asking side: the band's when it
    applies, the venue's when it offers (`offered`)."""
    others = {slot.host_band_id} if slot.host_band_id else set()
    if role == Role.SUPPORT and slot.headliner_picks_support and not slot.host_band_id:
        others |= set(
            Booking.objects.filter(slot_id=slot.pk, role=Role.HEADLINER, status=Booking.Status.BOOKED).values_list(
                "band_id", flat=True
            )
        )
    if by is not None:
        if offered:
            new_contact_check(by=by, asked=("band", band.pk), now=timezone.now())
        elif slot.venue_id:
            new_contact_check(by=by, asked=("venue", slot.venue_id), now=timezone.now())
        elif slot.host_band_id:
            new_contact_check(by=by, asked=("band", slot.host_band_id), now=timezone.now())
    by_ids = [by.pk] if by is not None else []
    band_side = side_parties(band_ids=[band.pk], user_ids=[] if offered else by_ids)
    slot_side = side_parties(
        venue_ids=[slot.venue_id] if slot.venue_id else [], band_ids=others, user_ids=by_ids if offered else []
    )
    if offered:
        contact_check(asking=slot_side, asked=band_side, name=band.name)
    else:
        name = slot.venue.name if slot.venue_id else (slot.host_band.name if slot.host_band_id else band.name)
        contact_check(asking=band_side, asked=slot_side, name=name)


def slot_booking_check(
    *,
    slot: Slot,
    band: Band,
    role: str,
    now: dt.datetime,
    new_band_ok: bool = False,
    by: User | None = None,
    offered: bool = False,
) -> None:
    """What must hold for a new application or offer of `band` on `slot` (both locked).

    `new_band_ok`: a band still waiting for approval may take an offer a venue emailed to it
    (it has just signed up for it); a suspended band never takes part. `by` and `offered`: who asks,
    for which side (slot_contact_check); a block between the sides raises ContactRefused.
    """
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose headliner or support.")]})
    slot_contact_check(slot=slot, band=band, role=role, by=by, offered=offered)
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
    band_free_check(band, slot.starts_at, slot.ends_at, slot.zone)
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


def bookable(
    *,
    band: Band,
    slot: Slot | None,
    booking: Booking,
    now: dt.datetime,
    stand_in: bool = False,
    exclude_block_id: int | None = None,
) -> GigFit:
    """Every check a gig must pass to be BOOKED (or moved while booked), run under the band and slot
    locks and every member's time (locks.booking_lock): it starts in the future, the band is not
    suspended and has no other gig then, the slot has the place open, no standing radius clause of the
    band bars it (radius.py), and the band can play it (gig_fit): its required members are free during
    the gig with its load-in and pack-down and the journey to or from another gig – or, for a band with
    a minimum line-up, its free members fill the line-up. `exclude_block_id`: the gig's own block, when
    a booked gig moves.

    Returns the GigFit: its `busy` members are in the way only when `stand_in` (the band's leaders will
    find a stand-in; so does booking.stand_in_planned); `sitting_out` are the members the gig's block
    leaves out; `amber` flags a line-up filled with occasional players. Raises BookingError (started,
    band suspended), BookingConflict (band booked, place taken, slot cancelled) and MembersBusy.
    """
    start_check(booking.starts_at, now)
    band_active_check(band)
    band_free_check(band, booking.starts_at, booking.ends_at, booking.zone)
    if slot is not None:
        slot_place_check(slot, booking.role)
    # A standing radius clause of the band (bookings.services.radius, the rule's one place).
    radius_check(booking=booking)
    point = booking_point(booking)
    fit = gig_fit(band, booking.starts_at, booking.ends_at, exclude_block_id=exclude_block_id, point=point)
    if not fit.ok and not (stand_in or booking.stand_in_planned):
        raise members_busy_error(band, fit, booking.zone)
    return fit
