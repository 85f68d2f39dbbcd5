"""The festival timetable: stages with hours and changeovers, acts placed on them. A placement starts as an
offer (a pending booking of kind OFFER from the festival's organisation to the act) and is booked only when
the act accepts it, by the one path (bookings.services.book.booking_book) with a plan of its own
(placement_accept; answering.booking_accept sends a festival's offer there through ACCEPT_DOORS).

What a placement must pass (`festival_refusals`, one place for the festival's rules), besides what every
gig passes in checks.bookable (the act has no other gig then; its required members are free, with
load-in, pack-down and travel – its green zone):
- inside a day of the festival and the stage's hours that day;
- no other act on the stage then, with the stage's changeover on each side (and no other slot there);
- no player of the act (every member, required or not) plays in another act of the bill at an
  overlapping time, or without the festival's minutes between two stages; the refusal names both acts.
Allowed but unwise (`festival_warnings`): the act plays twice that day.

Locks (bookings/services/locks.py): booking_book takes the act's band, then everyone whose time the gig
takes (gig_people_lock), in the fixed order; then the plan's door locks the festival stage row and runs
the festival's rules under it, so two bookers placing acts on one stage at once queue, and two acts that
share a player on two stages queue on that player. On PostgreSQL the stage's slots' exclusion constraint
stands behind the stage check.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import ApprovalStatus, Band, Membership
from bands.selectors import band_managers
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking, BookingEvent, Quote
from bookings.selectors.bookings import manages_band_of
from bookings.selectors.quotes import counterpart_side
from bookings.services import book, checks, locks, moves, quotes
from bookings.services.asking import booking_create
from bookings.services.ending import booking_transition
from bookings.services.notices import booking_notify, booking_people
from bookings.services.radius import radius_check, radius_clause_write
from core.fields.dates import Bound, date_problem
from core.fields.scheduling import scheduling_today
from core.fields.timezones import when_text
from teams.models import ACTING_ROLES, Organisation, OrgMember
from teams.selectors import live_link_exists
from venues.models import Slot, Stage, Venue, VenueStaff

from ..models import Application, Festival, FestivalStage, Placement
from .calls import check_organiser, one_line_problem
from .errors import FestivalError

MAX_FESTIVAL_DAYS = 14
MIN_SET, MAX_SET = 10, 360  # minutes


def _free_slug(name: str) -> str:
    base = slugify(name)[:100] or "festival"
    slug, n = base, 1
    while Festival.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def festival_create(
    *,
    organisation: Organisation,
    venue: Venue,
    name: str,
    first_day: dt.date,
    last_day: dt.date,
    by: User,
    transfer_minutes: int = 15,
) -> Festival:
    """A festival of `organisation` on the stages of `venue` (a venue it runs, or whose staff `by` is)."""
    check_organiser(organisation.pk, by)
    runs = (
        live_link_exists(organisation=organisation, venue=venue)
        or VenueStaff.objects.filter(venue=venue, user=by).exists()
    )
    if not runs:
        raise FestivalError(_("Choose a venue your organisation runs, or one you work at."))
    errors = {}
    if not name.strip():
        errors["name"] = [_("Give the festival a name.")]
    elif problem := one_line_problem(name):
        errors["name"] = [problem]
    # A new festival's days are ahead, within the site's horizon (core.fields.dates), counted from today where it is
    # held: past midnight there, its last bookable day is a day further on than it is in a zone behind.
    today = scheduling_today(zoneinfo.ZoneInfo(venue.time_zone))
    for field, day in (("first_day", first_day), ("last_day", last_day)):
        if problem := date_problem(day, bound=Bound.AHEAD, today=today):
            errors[field] = [problem]
    if errors:
        raise ValidationError(errors)
    if last_day < first_day:
        errors["last_day"] = [_("The last day cannot be before the first.")]
    elif (last_day - first_day).days >= MAX_FESTIVAL_DAYS:
        errors["last_day"] = [_("A festival lasts at most %(days)d days.") % {"days": MAX_FESTIVAL_DAYS}]
    if not 0 <= transfer_minutes <= 240:
        errors["transfer_minutes"] = [_("Between 0 and 240 minutes, please.")]
    if errors:
        raise ValidationError(errors)
    return Festival.objects.create(
        organisation=organisation,
        venue=venue,
        name=name.strip()[:120],
        slug=_free_slug(name),
        first_day=first_day,
        last_day=last_day,
        transfer_minutes=transfer_minutes,
        created_by=by,
    )


def festival_stage_add(
    *, festival: Festival, stage: Stage, opens: dt.time, closes: dt.time, changeover_minutes: int, by: User
) -> FestivalStage:
    """Play on one of the site's stages, from `opens` to `closes` each day (past midnight when `closes` is
    at or before `opens`), with `changeover_minutes` between two acts."""
    check_organiser(festival.organisation_id, by)
    if stage.venue_id != festival.venue_id:
        raise ValidationError({"stage": [_("Choose a stage of the festival's site.")]})
    if not 0 <= changeover_minutes <= 240:
        raise ValidationError({"changeover_minutes": [_("Between 0 and 240 minutes, please.")]})
    if opens == closes:
        raise ValidationError({"closes": [_("A stage must be open for some time.")]})
    if FestivalStage.objects.filter(festival=festival, stage=stage).exists():
        raise ValidationError({"stage": [_("This stage is in the festival already.")]})
    return FestivalStage.objects.create(
        festival=festival,
        stage=stage,
        opens=opens,
        closes=closes,
        changeover_minutes=changeover_minutes,
        position=festival.stages.count(),
    )


def festival_publish(*, festival: Festival, by: User) -> Festival:
    """The timetable goes public: its page, its calendars and its running orders."""
    check_organiser(festival.organisation_id, by)
    Festival.objects.filter(pk=festival.pk).update(published=True)
    festival.published = True
    return festival


# ---- The festival's rules -------------------------------------------------------------------------


def stage_window(fstage: FestivalStage, day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The stage's hours on festival `day`, in UTC (a stage closing at or before it opens closes the next
    day). A time skipped by a clock change reads as the moment after it."""
    tz = zoneinfo.ZoneInfo(zone)
    opens = dt.datetime.combine(day, fstage.opens, tzinfo=tz)
    close_day = day + dt.timedelta(days=1) if fstage.closes <= fstage.opens else day
    closes = dt.datetime.combine(close_day, fstage.closes, tzinfo=tz)
    return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)


def festival_days(festival: Festival) -> list[dt.date]:
    """The festival's days; none past what calendars show (a row stored before core.fields.dates' bounds held)."""
    if date_problem(festival.first_day, bound=Bound.BROWSE) or date_problem(festival.last_day, bound=Bound.BROWSE):
        return []
    count = (festival.last_day - festival.first_day).days + 1
    return [festival.first_day + dt.timedelta(days=n) for n in range(count)]


def festival_day_of(fstage: FestivalStage, starts_at: dt.datetime, ends_at: dt.datetime) -> dt.date | None:
    """The festival day whose stage hours hold the whole set, or None."""
    festival = fstage.festival
    for day in festival_days(festival):
        opens, closes = stage_window(fstage, day, festival.time_zone)
        if opens <= starts_at and ends_at <= closes:
            return day
    return None


@dataclass(frozen=True)
class Bill:
    """What the rules read of the festival, once: its live placements with their stages and bands, and
    who plays in every act on the bill (and in the act being placed)."""

    placements: list[Placement]
    members: dict[int, set[int]]  # band id -> user ids


# An offer that was declined, withdrawn or lapsed holds nothing: its placement leaves the bill.
GONE = (Booking.Status.DECLINED, Booking.Status.WITHDRAWN)
# A set the act accepted: booked, played, or cancelled after it was booked (a calendar tells it is off).
WAS_BOOKED = (*Booking.PLAYED, Booking.Status.CANCELLED)


def bill_read(*, festival: Festival, band_ids: set[int], booked_only: bool = False) -> Bill:
    """Two queries: the live placements (booked sets and offers waiting for an answer; `booked_only`: the
    booked ones, what an accept is bound by), and the players of their bands and of `band_ids` (ids only: a
    player is named only when they clash)."""
    rows = Placement.objects.filter(festival=festival, cancelled_at__isnull=True).exclude(booking__status__in=GONE)
    if booked_only:
        rows = rows.exclude(booking__status=Booking.Status.PENDING)
    placements = list(rows.select_related("band", "festival_stage__stage").order_by("starts_at", "pk"))
    ids = band_ids | {p.band_id for p in placements}
    members: dict[int, set[int]] = {band_id: set() for band_id in ids}
    for band_id, user_id in Membership.objects.filter(band_id__in=ids).values_list("band_id", "user_id"):
        members[band_id].add(user_id)
    return Bill(placements=placements, members=members)


def _names(user_ids: set[int]) -> dict[int, str]:
    """The players' names, for a refusal (one query, only when someone clashes)."""
    return {u.pk: u.name for u in User.objects.filter(pk__in=user_ids).only("display_name", "email")}


def festival_refusals(
    *,
    fstage: FestivalStage,
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    bill: Bill,
    moving: Placement | None = None,
) -> list[str]:
    """Why the act may not play on `fstage` from `starts_at` to `ends_at` by the festival's rules; [] when
    it may. `moving`: the placement being moved (left out of the bill). No query (`bill` read before), but
    one to name the players who clash."""
    festival = fstage.festival
    zone = zoneinfo.ZoneInfo(festival.time_zone)
    reasons: list[str] = []
    if not MIN_SET <= (ends_at - starts_at).total_seconds() / 60 <= MAX_SET:
        reasons.append(_("A set lasts from %(min)d to %(max)d minutes.") % {"min": MIN_SET, "max": MAX_SET})
        return reasons
    if festival_day_of(fstage, starts_at, ends_at) is None:
        reasons.append(
            _("%(stage)s is open from %(opens)s to %(closes)s on the festival's days; the set %(when)s is outside.")
            % {
                "stage": fstage.stage.name,
                "opens": fstage.opens.strftime("%H:%M"),
                "closes": fstage.closes.strftime("%H:%M"),
                "when": when_text(starts_at, ends_at, zone),
            }
        )
    changeover = dt.timedelta(minutes=fstage.changeover_minutes)
    transfer = dt.timedelta(minutes=festival.transfer_minutes)
    mine = bill.members.get(band.pk, set())
    for other in bill.placements:
        if moving is not None and other.pk == moving.pk:
            continue
        if (
            other.festival_stage_id == fstage.pk
            and other.starts_at < ends_at + changeover
            and (starts_at < other.ends_at + changeover)
        ):
            reasons.append(
                _("%(act)s plays %(stage)s %(when)s; the stage needs %(minutes)d minutes of changeover between acts.")
                % {
                    "act": other.band.name,
                    "stage": fstage.stage.name,
                    "when": when_text(other.starts_at, other.ends_at, zone),
                    "minutes": fstage.changeover_minutes,
                }
            )
        if other.band_id == band.pk:
            continue
        gap = transfer if other.festival_stage_id != fstage.pk else dt.timedelta(0)
        if not (other.starts_at < ends_at + gap and starts_at < other.ends_at + gap):
            continue
        shared = sorted(mine & bill.members.get(other.band_id, set()))
        names = _names(set(shared)) if shared else {}
        for user_id in shared:
            values = {
                "name": names.get(user_id, ""),
                "other": other.band.name,
                "stage": other.festival_stage.stage.name,
                "when": when_text(other.starts_at, other.ends_at, zone),
                "act": band.name,
                "minutes": festival.transfer_minutes,
            }
            if other.starts_at < ends_at and starts_at < other.ends_at:
                reasons.append(
                    _("%(name)s plays with %(other)s on %(stage)s %(when)s, so cannot play with %(act)s then.") % values
                )
            else:
                reasons.append(
                    _(
                        "%(name)s plays with %(other)s on %(stage)s %(when)s and needs %(minutes)d minutes between "
                        "stages, so cannot play with %(act)s then."
                    )
                    % values
                )
    return reasons


def festival_warnings(
    *, fstage: FestivalStage, band: Band, starts_at: dt.datetime, bill: Bill, moving: Placement | None = None
) -> list[str]:
    """Allowed but unwise: the act plays twice that festival day."""
    tz = zoneinfo.ZoneInfo(fstage.festival.time_zone)
    day = starts_at.astimezone(tz).date()
    for other in bill.placements:
        same = other.band_id == band.pk and (moving is None or other.pk != moving.pk)
        if same and other.starts_at.astimezone(tz).date() == day:
            return [
                _("%(act)s plays twice that day (also %(when)s).")
                % {"act": band.name, "when": when_text(other.starts_at, other.ends_at, tz)}
            ]
    return []


def _stage_slot_clash(fstage: FestivalStage, starts_at: dt.datetime, ends_at: dt.datetime, moving) -> str:
    """Another slot of the venue on the stage then (not one of the festival's own acts)."""
    changeover = dt.timedelta(minutes=fstage.changeover_minutes)
    slots = Slot.objects.filter(
        stage_id=fstage.stage_id,
        cancelled_at__isnull=True,
        starts_at__lt=ends_at + changeover,
        ends_at__gt=starts_at - changeover,
    )
    placed = Placement.objects.filter(festival_stage=fstage).values("booking__slot_id")
    slots = slots.exclude(pk__in=placed)
    if moving is not None:
        slots = slots.exclude(pk=moving.booking.slot_id)
    clash = slots.first()
    if clash is None:
        return ""
    return _("The venue has another show on %(stage)s %(when)s.") % {
        "stage": fstage.stage.name,
        "when": when_text(clash.starts_at, clash.ends_at, zoneinfo.ZoneInfo(fstage.festival.time_zone)),
    }


@dataclass(frozen=True)
class Verdict:
    refusals: list[str]
    warnings: list[str]


def placement_try(
    *,
    fstage: FestivalStage,
    band: Band,
    starts_at: dt.datetime,
    set_minutes: int,
    now: dt.datetime,
    moving=None,
    bill: Bill | None = None,
) -> Verdict:
    """Every reason the act may not be placed there and then, and the warnings, without locks (the
    builder's preview; placement_book decides under the locks). Reads the bill once (or takes it)."""
    ends_at = starts_at + dt.timedelta(minutes=set_minutes)
    bill = bill if bill is not None else bill_read(festival=fstage.festival, band_ids={band.pk})
    zone = zoneinfo.ZoneInfo(fstage.festival.time_zone)
    refusals = festival_refusals(
        fstage=fstage, band=band, starts_at=starts_at, ends_at=ends_at, bill=bill, moving=moving
    )
    if starts_at <= now:
        refusals.append(_("This time has passed."))
    clash = checks.band_gig_overlapping(band_id=band.pk, starts_at=starts_at, ends_at=ends_at)
    if clash is not None and (moving is None or clash.pk != moving.booking_id):
        refusals.append(
            _("%(band)s is already booked %(when)s.")
            % {"band": band.name, "when": when_text(clash.starts_at, clash.ends_at, zone)}
        )
    busy = checks.members_busy_for_gig(
        band, starts_at, ends_at, exclude_block_id=moving.booking.block_id if moving else None
    )
    if busy:
        refusals.append(checks.busy_members_text(busy, zone))
    warnings = festival_warnings(fstage=fstage, band=band, starts_at=starts_at, bill=bill, moving=moving)
    return Verdict(refusals=refusals, warnings=warnings)


# The nearest times offered when a time is refused: starts this far apart, at most this far from the asked one.
NEAREST_STEP = dt.timedelta(minutes=15)
NEAREST_REACH = dt.timedelta(hours=4)
NEAREST_COUNT = 3


def placement_nearest(
    *, fstage: FestivalStage, band: Band, starts_at: dt.datetime, set_minutes: int, now: dt.datetime, moving=None
) -> list[dt.datetime]:
    """The starts nearest to `starts_at` on the same stage and festival day at which the act may be placed (the
    same checks as placement_try: the stage, the changeover, the act's other sets, gigs and players' busy time),
    at most NEAREST_COUNT, sooner first when two are as near; every NEAREST_STEP within NEAREST_REACH. The bill
    is read once; each time tried asks the act's gigs and busy time."""
    tz = zoneinfo.ZoneInfo(fstage.festival.time_zone)
    length = dt.timedelta(minutes=set_minutes)
    day = festival_day_of(fstage, starts_at, starts_at + length) or starts_at.astimezone(tz).date()
    opens, closes = stage_window(fstage, day, fstage.festival.time_zone)
    bill = bill_read(festival=fstage.festival, band_ids={band.pk})
    found: list[dt.datetime] = []
    steps = int(NEAREST_REACH / NEAREST_STEP)
    for n in range(1, steps + 1):
        for when in (starts_at - n * NEAREST_STEP, starts_at + n * NEAREST_STEP):
            if when < opens or when + length > closes or when <= now:
                continue
            verdict = placement_try(
                fstage=fstage, band=band, starts_at=when, set_minutes=set_minutes, now=now, moving=moving, bill=bill
            )
            if not verdict.refusals:
                found.append(when)
                if len(found) == NEAREST_COUNT:
                    return found
    return found


def _refuse(reasons: list[str]) -> None:
    if reasons:
        raise BookingConflict(" ".join(reasons))


def placement_offer(
    *,
    fstage: FestivalStage,
    band: Band,
    starts_at: dt.datetime,
    set_minutes: int,
    by: User,
    now: dt.datetime,
    application: Application | None = None,
    radius: tuple[int, int, int] | None = None,
    fee: int | None = None,
    terms: str = "",
) -> Placement:
    """Offer `band` a set on `fstage` at `starts_at` for `set_minutes`: a pending booking of kind OFFER from
    the festival's organisation to the band, on an invite-only slot that holds the stage while the act
    answers, and a placement. The act's leaders and admins are told (in the app and by email, with accept
    and decline) and answer like any offer: only their accept books it (placement_accept, through
    booking_book with its locks). The builder's refusals run now as well, under the stage lock, so the
    organiser hears of a clash at once. `radius`: the deal's radius clause (km, days before, days after),
    written when the act accepts. Raises BookingConflict naming what is in the way, BookingError,
    FestivalError, ValidationError."""
    festival = fstage.festival
    check_organiser(festival.organisation_id, by)
    if band.status != ApprovalStatus.APPROVED:
        raise FestivalError(_("%(band)s is not approved on StageSlot yet.") % {"band": band.name})
    if application is not None and (
        application.band_id != band.pk
        or application.status not in (Application.Status.SHORTLISTED, Application.Status.OFFERED)
    ):
        raise FestivalError(_("Place acts whose applications are shortlisted or offered."))
    if fee is not None and not 0 <= fee <= 10_000_000:
        raise ValidationError({"fee": [_("A fee from 0 to 10,000,000, please.")]})
    terms = checks.message_check(terms)
    if radius is not None:
        km, before, after = radius
        if not 1 <= km <= 1000 or not 0 <= before <= 365 or not 0 <= after <= 365:
            raise ValidationError({"radius_km": [_("A radius of 1 to 1000 km, for at most 365 days each side.")]})
    ends_at = starts_at + dt.timedelta(minutes=set_minutes)
    venue = festival.venue
    checks.start_check(starts_at, now)
    with transaction.atomic():
        FestivalStage.objects.select_for_update().get(pk=fstage.pk)
        verdict = placement_try(fstage=fstage, band=band, starts_at=starts_at, set_minutes=set_minutes, now=now)
        reasons = list(verdict.refusals)
        if clash := _stage_slot_clash(fstage, starts_at, ends_at, None):
            reasons.append(clash)
        _refuse(reasons)
        # The set's invite-only slot holds the stage while the act answers (an offer is on a slot). Slots of
        # offers declined, withdrawn or lapsed on this stage are cancelled first: they hold nothing.
        gone = Placement.objects.filter(festival_stage=fstage, booking__status__in=GONE).values("booking__slot_id")
        Slot.objects.filter(pk__in=gone, cancelled_at__isnull=True).update(cancelled_at=now)
        fee = fee if fee is not None else (application.fee if application is not None else None)
        slot = Slot(
            venue=venue,
            stage=fstage.stage,
            starts_at=starts_at,
            ends_at=ends_at,
            title=f"{festival.name}: {band.name}"[:120],
            visibility=Slot.Visibility.INVITE,
            support_places=0,
            fee=fee,
            created_by=by,
        )
        try:
            with transaction.atomic():
                slot.save()
        except IntegrityError as exc:
            raise BookingConflict(_("%(stage)s is taken then.") % {"stage": fstage.stage.name}) from exc
        booking = booking_create(
            Booking(
                kind=Booking.Kind.OFFER,
                role=Booking.Role.HEADLINER,
                band=band,
                slot=slot,
                venue=venue,
                requested_by=by,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=venue.time_zone,
                fee=fee,
                message=terms or festival.name[:120],
            ),
            actor=by,
            note="Offered",
        )
        placement = Placement.objects.create(
            festival=festival,
            festival_stage=fstage,
            band=band,
            booking=booking,
            application=application,
            starts_at=starts_at,
            ends_at=ends_at,
            radius_km=radius[0] if radius else None,
            radius_days_before=radius[1] if radius else 0,
            radius_days_after=radius[2] if radius else 0,
            created_by=by,
        )
        booking_notify(
            booking,
            band_managers(band.pk),
            lazy_text(
                gettext_lazy("%(festival)s offers %(band)s a set on %(stage)s – {when}. Accept or decline it."),
                festival=festival.name,
                band=band.name,
                stage=fstage.stage.name,
            ),
            actor=by,
            event="created",
            actions=True,
        )
    return placement


def placement_accept(
    *,
    placement: Placement,
    by: User,
    now: dt.datetime,
    stand_in: bool = False,
    terms: Callable[[Booking], None] | None = None,
) -> Placement:
    """The act accepts the festival's offer (its leaders and admins): the booking is booked through
    booking_book (the act's band and people locked in the fixed order, then the stage; the festival's
    rules against the booked sets and every gig's checks under the locks), the deal's radius clause is
    written and both sides are told. `terms`: a quote's acceptance (answering.booking_accept). Raises
    BookingPermissionError, BookingConflict naming what is in the way (a player now on another stage
    then: the builder's words), BookingError, FestivalError."""
    booking = placement.booking
    if terms is None and not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can answer this."))
    if placement.cancelled_at is not None:
        raise FestivalError(_("This offer was taken back."))
    festival = placement.festival
    fstage = placement.festival_stage
    starts_at, ends_at = placement.starts_at, placement.ends_at

    def door(locked_band: Band, locked: Booking) -> None:
        # After the band and its people (booking_lock): the stage, so accepts on it queue here.
        FestivalStage.objects.select_for_update().get(pk=fstage.pk)
        # Bound by the sets booked: an offer still waiting holds the builder's eye, not another act's accept.
        bill = bill_read(festival=festival, band_ids={locked_band.pk}, booked_only=True)
        reasons = festival_refusals(
            fstage=fstage, band=locked_band, starts_at=starts_at, ends_at=ends_at, bill=bill, moving=placement
        )
        _refuse(reasons)
        if placement.radius_km:
            radius_clause_write(
                booking=locked,
                km=placement.radius_km,
                days_before=placement.radius_days_before,
                days_after=placement.radius_days_after,
                holder=festival.name,
                by=by,
            )

    plan = book.BookPlan(
        booking=booking,
        by=by,
        text=lazy_text(
            gettext_lazy("%(band)s plays %(festival)s on %(stage)s – {when}."),
            band=placement.band.name,
            festival=festival.name,
            stage=fstage.stage.name,
        ),
        note="Accepted",
        stand_in=stand_in,
        terms=terms,
        door=door,
        taken=_("That stage is taken then, or a player of this act is on another stage."),
    )
    placement.booking = book.booking_book(plan=plan, now=now)
    return placement


def placement_accept_door(
    *, booking: Booking, by: User, now: dt.datetime, stand_in: bool, terms: Callable[[Booking], None] | None
) -> Booking | None:
    """answering.booking_accept's door for a festival's offer (festivals.apps adds it): the accept of a
    pending booking that a placement holds goes through placement_accept; None for any other booking (no
    query unless it is an offer on a slot)."""
    if booking.kind != Booking.Kind.OFFER or not booking.slot_id:
        return None
    placement = (
        Placement.objects.filter(booking_id=booking.pk)
        .select_related("festival__venue", "festival_stage__stage", "festival_stage__festival", "band")
        .first()
    )
    if placement is None:
        return None
    placement.booking = booking
    return placement_accept(placement=placement, by=by, now=now, stand_in=stand_in, terms=terms).booking


def placement_withdraw(*, placement: Placement, by: User, now: dt.datetime) -> Placement:
    """The organiser takes back an offer the act has not answered: its booking is withdrawn, the stage is
    free again and the act's leaders are told. Raises FestivalPermissionError (not the festival's
    organisation), BookingConflict (answered already)."""
    check_organiser(placement.festival.organisation_id, by)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue").get(pk=placement.booking_id)
        )
        if booking.status != Booking.Status.PENDING:
            raise checks.stale_conflict(booking)
        booking_transition(booking, Booking.Status.WITHDRAWN, actor=by, note="Withdrawn", now=now)
        Placement.objects.filter(pk=placement.pk).update(cancelled_at=now, updated_at=now)
        Slot.objects.filter(pk=booking.slot_id, cancelled_at__isnull=True).update(cancelled_at=now)
        placement.cancelled_at = now
        booking_notify(
            booking,
            band_managers(booking.band_id),
            lazy_text(
                gettext_lazy("Withdrawn: the offer for %(band)s to play %(festival)s – {when}."),
                band=booking.band.name,
                festival=placement.festival.name,
            ),
            actor=by,
            event="withdrawn",
        )
    placement.booking = booking
    return placement


def placement_quote_notice_door(
    booking: Booking, quote: Quote, text, *, sides: list[str], by: User | None, what: str, told: list[User]
) -> None:
    """agreement.quote_notify's door for a festival's offer (festivals.apps adds it): terms that the venue's
    side answers on a set offered by a festival are told to the festival's organisation too (its owners and
    bookers, who answer them on the builder, placement_counter_answer), with a link to the builder; those
    already told as the venue's staff are not told twice. No query unless it is an offer on a slot."""
    if "venue" not in sides or booking.kind != Booking.Kind.OFFER or not booking.slot_id:
        return
    placement = (
        Placement.objects.filter(booking_id=booking.pk, cancelled_at__isnull=True).select_related("festival").first()
    )
    if placement is None:
        return
    festival = placement.festival
    already = {person.pk for person in told}
    organisers = [
        member.user
        for member in OrgMember.objects.filter(organisation_id=festival.organisation_id, role__in=ACTING_ROLES)
        .select_related("user")
        .order_by("pk")
        if member.user_id not in already and member.user.is_active
    ]
    notifications_create(
        recipients=organisers,
        kind="booking_quote",
        text=text,
        link=reverse("festivals:builder", args=[festival.slug]),
        key=f"quote:{quote.pk}:{what}:organiser",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def placement_counter_answer(
    *, placement: Placement, by: User, accept: bool, now: dt.datetime, note: str = ""
) -> Placement:
    """The festival's organisation (its owners and bookers, staff of the venue or not) answers the terms the
    act sent back on a set it was offered (a quote of the band's side on the offer's booking): accepted, the
    terms are the deal and the set is booked by the one path (quotes.quote_accept → answering.booking_accept
    → placement_accept, with every lock and check); declined, the offer stays open and either side may send
    other terms. The organisation answers for the venue's side, as the venue's staff do on the booking's
    page. Raises FestivalPermissionError (not the festival's organisation), FestivalError (no terms of the
    act's are waiting), BookingConflict and BookingError as the quotes' services do."""
    check_organiser(placement.festival.organisation_id, by)
    if placement.cancelled_at is not None:
        raise FestivalError(_("This offer was taken back."))
    quote = (
        Quote.objects.filter(booking_id=placement.booking_id, status=Quote.Status.OPEN, side="band")
        .select_related("booking")
        .first()
    )
    if quote is None:
        raise FestivalError(_("The act has sent no terms that wait for your answer."))
    side = counterpart_side(quote.booking)
    if accept:
        quotes.quote_accept(quote=quote, by=by, now=now, side=side)
    else:
        quotes.quote_decline(quote=quote, by=by, note=note, now=now, side=side)
    return Placement.objects.select_related("booking", "band").get(pk=placement.pk)


def placement_move(
    *, placement: Placement, fstage: FestivalStage, starts_at: dt.datetime, by: User, now: dt.datetime
) -> Placement:
    """Move a placed act to another stage or time (same set length): its booking, slot and gig block move
    with it under the same locks and rules as placing it, and the act is told."""
    festival = placement.festival
    check_organiser(festival.organisation_id, by)
    if fstage.festival_id != festival.pk:
        raise FestivalError(_("Choose a stage of this festival."))
    if placement.cancelled_at is not None:
        raise FestivalError(_("This act is no longer on the bill."))
    length = placement.ends_at - placement.starts_at
    ends_at = starts_at + length
    with transaction.atomic():
        band, _slot, booking = locks.booking_lock(placement.booking)
        for stage_pk in sorted({fstage.pk, placement.festival_stage_id}):
            FestivalStage.objects.select_for_update().get(pk=stage_pk)
        placement = Placement.objects.select_for_update().select_related("booking").get(pk=placement.pk)
        if booking.status == Booking.Status.PENDING:
            raise BookingConflict(_("The act has not accepted yet: withdraw the offer and offer the new set."))
        if booking.status != Booking.Status.BOOKED:
            raise BookingConflict(_("This act's booking is no longer booked, so it cannot move."))
        checks.start_check(starts_at, now)
        bill = bill_read(festival=festival, band_ids={band.pk})
        reasons = festival_refusals(
            fstage=fstage, band=band, starts_at=starts_at, ends_at=ends_at, bill=bill, moving=placement
        )
        if clash := _stage_slot_clash(fstage, starts_at, ends_at, placement):
            reasons.append(clash)
        other = (
            Booking.objects.filter(band_id=band.pk, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .exclude(pk=booking.pk)
            .first()
        )
        if other is not None:
            reasons.append(
                _("%(band)s is already booked %(when)s.")
                % {"band": band.name, "when": when_text(other.starts_at, other.ends_at, booking.zone)}
            )
        _refuse(reasons)
        moved = Booking(pk=booking.pk, band_id=band.pk, slot=booking.slot, venue=booking.venue)
        moved.starts_at, moved.ends_at, moved.time_zone = starts_at, ends_at, booking.time_zone
        radius_check(booking=moved)
        old = when_text(booking.starts_at, booking.ends_at, booking.zone)
        try:
            with transaction.atomic():
                # The members' check at the new times and who sits the set out (moves.gig_move, the one place a
                # booked gig moves): refused with a clear message when the band cannot play then.
                moves.gig_move(band=band, booking=booking, starts_at=starts_at, ends_at=ends_at)
                Slot.objects.filter(pk=booking.slot_id).update(stage=fstage.stage, starts_at=starts_at, ends_at=ends_at)
                booking.starts_at, booking.ends_at = starts_at, ends_at
                booking.sequence += 1
                booking.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
        except IntegrityError as exc:
            raise BookingConflict(_("That stage is taken then.")) from exc
        placement.festival_stage, placement.starts_at, placement.ends_at = fstage, starts_at, ends_at
        placement.sequence += 1
        placement.save(update_fields=["festival_stage", "starts_at", "ends_at", "sequence", "updated_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note=f"Rescheduled: {old} → {when_text(starts_at, ends_at, booking.zone)}"[:500],
        )
        booking_notify(
            booking,
            booking_people(booking),
            lazy_text(
                gettext_lazy("%(band)s now plays %(festival)s on %(stage)s – {when}."),
                band=band.name,
                festival=festival.name,
                stage=fstage.stage.name,
            ),
            actor=by,
            event="rescheduled",
        )
    return placement


def timetable_grid_query(festival: Festival):
    """The live placements of the timetable (booked and offered), with what the grid shows (one query)."""
    return (
        Placement.objects.filter(festival=festival, cancelled_at__isnull=True)
        .exclude(booking__status__in=GONE)
        .select_related("band", "festival_stage__stage")
        .order_by("starts_at", "pk")
    )
