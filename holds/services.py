"""Writes of holds: placing one at a level, challenging the 1st, confirming it into an offer, letting go, and
the round that lets expired holds and unanswered challenges go.

Every write on a date's ladder locks the stage row first, then settles the ladder (what expired or lapsed
by now goes, everyone below moves up), then checks and writes: two people acting on one date at once take
turns, and the ladder is always 1, 2, 3 … without gaps. The partial unique indexes (one act per level, a
band once per date) are the last line. Only the venue's staff may act – including the bookers of a venue
group that runs the venue, who are on its staff through the group (teams).
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.people import person_ref
from accounts.services import lazy_text, notifications_create
from bands.models import Band
from bookings.errors import ContactRefused
from bookings.models import Booking, FeedMark, Webhook
from bookings.selectors.blocks import side_parties
from bookings.services.asking import booking_offer
from bookings.services.checks import contact_check
from bookings.services.webhooks import webhook_emit
from core.fields.dates import Bound, date_problem
from core.fields.scheduling import scheduling_today
from core.web.site import site_url
from teams.models import Organisation
from teams.selectors import band_managers, organisation_people, representing_agency_ids
from venues.models import Slot, Stage, Venue, VenueStaff
from venues.selectors import SlotClash, stage_slot_clashes
from venues.services import slot_create

from .models import MAX_LEVEL, ClosedDay, Hold, HoldEvent
from .selectors import hold_challenge_refusal

NOTIFY_KIND = "hold"
MAX_LENGTH = dt.timedelta(hours=24)
What = HoldEvent.What


class HoldError(ValidationError):
    """A hold the ladder's rules refuse; its message says why, for the person who asked."""


def _refuse_out_of_bound(day: dt.date, zone: ZoneInfo) -> None:
    """A day a hold or a closing goes to: from today on in the venue's zone, up to the horizon
    (core/fields/dates.py)."""
    problem = date_problem(day, bound=Bound.AHEAD, today=scheduling_today(zone))
    if problem:
        raise HoldError(problem, code="date")


class HoldPermissionError(PermissionError):
    """Only the venue's staff act on its holds."""


def challenge_hours() -> int:
    return settings.HOLD_CHALLENGE_HOURS


# ---- Checks and helpers ------------------------------------------------------------------------


def _staff_row(venue_id: int, user: User) -> VenueStaff:
    row = VenueStaff.objects.filter(venue_id=venue_id, user_id=user.pk).first()
    if row is None:
        raise HoldPermissionError(_("Only the venue's staff and the bookers of its venue group act on its holds."))
    return row


def on_behalf_of(row: VenueStaff, venue_name: str) -> str:
    """Who acted for whom, in words: "Rafael Costa, Riverside Rooms, for Kellerbar" or "Petra Vogel, Kellerbar";
    the person by reference (accounts/people.py, docs/decisions/0131), drawn when shown."""
    group = (
        Organisation.objects.filter(pk=row.group_id).values_list("name", flat=True).first() if row.group_id else None
    )
    if group:
        return _("%(person)s, %(group)s, for %(venue)s") % {
            "person": person_ref(row.user_id),
            "group": group,
            "venue": venue_name,
        }
    return _("%(person)s, %(venue)s") % {"person": person_ref(row.user_id), "venue": venue_name}


def _lock(stage_id: int) -> Stage:
    return Stage.objects.select_for_update(of=("self",)).select_related("venue").get(pk=stage_id)


def _refuse_closed(venue_id: int, date: dt.date) -> None:
    """Nothing is held or moved onto a day the venue is closed (under a lock of the stage: closing a day locks
    every stage of the venue, so the two take turns)."""
    closed = ClosedDay.objects.filter(venue_id=venue_id, date=date).first()
    if closed is not None:
        why = f" ({closed.note})" if closed.note else ""
        raise HoldError(
            _("The venue is closed on %(day)s%(why)s; pick another date, or open the day first.")
            % {"day": date_format(date, "WEEKDAY_FORMAT"), "why": why},
            code="closed",
        )


def _ladder(stage_id: int, date: dt.date) -> list[Hold]:
    return list(
        Hold.objects.filter(stage_id=stage_id, date=date, status=Hold.Status.HELD)
        .select_related("band", "venue", "stage", "held_by")
        .order_by("level", "pk")
    )


def _event(hold: Hold, what: str, *, actor: User | None = None, on_behalf: str = "", note: str = "") -> None:
    """Log a step of the hold, and mark the band's and the venue's calendar feeds changed: every change a
    feed shows (placed, a level move, challenged, ended) is a step, and a feed's SEQUENCE counts them."""
    HoldEvent.objects.create(hold=hold, what=what, actor=actor, on_behalf=on_behalf, level=hold.level, note=note[:300])
    FeedMark.objects.bulk_create([FeedMark(band_id=hold.band_id), FeedMark(venue_id=hold.venue_id)])


def _when(hold: Hold) -> str:
    zone = ZoneInfo(hold.venue.time_zone)
    return date_format(hold.starts_at.astimezone(zone), "WEEKDAY_FORMAT")


def _people(hold: Hold) -> tuple[list[User], list[User]]:
    """Who hears of a hold: the venue's staff, and on the band's side its leaders and the owners and bookers of
    each agency that acts for the band now (a challenge, a lapse or a confirmation is theirs to act on too).
    Each person once, on the venue's side where they are on both."""
    staff = [s.user for s in VenueStaff.objects.filter(venue_id=hold.venue_id).select_related("user")]
    agents = [
        user
        for organisation_id in representing_agency_ids(band_id=hold.band_id)
        for user in organisation_people(organisation_id=organisation_id, acting=True)
    ]
    seen: set[int] = set()
    sides: tuple[list[User], list[User]] = ([], [])
    for side, users in ((0, staff), (1, [*band_managers(band_id=hold.band_id), *agents])):
        for user in users:
            if user.pk not in seen:
                seen.add(user.pk)
                sides[side].append(user)
    return sides


def _notify(hold: Hold, text, *, key: str, actor: User | None) -> None:
    """Tell both sides: the venue's people with a link to the date's ladder, the band's to where it is held."""
    venue_side, band_side = _people(hold)
    links = (
        reverse("holds:venue", args=[hold.venue.slug]) + f"?date={hold.date.isoformat()}",
        reverse("holds:band", args=[hold.band.slug]),
    )
    for recipients, link in zip((venue_side, band_side), links, strict=True):
        if recipients:
            notifications_create(recipients=recipients, kind=NOTIFY_KIND, text=text, link=link, key=key, actor=actor)


def _utc(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def hold_payload(hold: Hold) -> dict:
    """What a webhook event and the API say about a hold (no note: it is the venue's own)."""
    return {
        "id": hold.pk,
        "venue": hold.venue.slug,
        "venue_name": hold.venue.name,
        "stage_id": hold.stage_id,
        "stage": hold.stage.name,
        "band": hold.band.slug,
        "band_name": hold.band.name,
        "date": hold.date.isoformat(),
        "starts_at": _utc(hold.starts_at),
        "ends_at": _utc(hold.ends_at),
        "level": hold.level,
        "status": hold.status,
        "ended": hold.ended,
        "expires_at": _utc(hold.expires_at),
        "challenge_ends_at": _utc(hold.challenge_ends_at),
        "booking": str(hold.booking.uid) if hold.booking_id else None,
        "url": f"{site_url()}{reverse('holds:venue', args=[hold.venue.slug])}?date={hold.date.isoformat()}",
    }


def _emit(event: str, hold: Hold, now: dt.datetime | None = None, **extra: dict) -> None:
    """A hold's event to its venue's and its band's webhooks, in the caller's transaction (sent after commit)."""
    webhook_emit(
        event=event,
        data={"hold": hold_payload(hold), **extra},
        band_ids=[hold.band_id],
        venue_ids=[hold.venue_id],
        now=now,
    )


def _end(hold: Hold, status: str, how: str, now: dt.datetime) -> None:
    hold.status, hold.ended, hold.ended_at = status, how, now
    hold.challenged_by, hold.challenge_ends_at = None, None
    hold.save(update_fields=["status", "ended", "ended_at", "challenged_by", "challenge_ends_at"])


def _close_up(stage_id: int, date: dt.date, *, actor: User | None = None) -> list[Hold]:
    """Number the date's holds 1, 2, 3 … in their order: everyone below a gap moves up one level. A
    challenge whose 1st hold went ends with it; the challenger keeps its new level. Returns the ladder."""
    ladder = _ladder(stage_id, date)
    for position, hold in enumerate(ladder, start=1):
        if hold.level != position:
            hold.level = position
            hold.save(update_fields=["level"])  # ascending, so the new level is always free
            _event(hold, What.MOVED_UP, note=_("Now the %(level)s hold.") % {"level": hold.level_name})
            _notify(
                hold,
                lazy_text(
                    gettext_lazy("%(band)s moves up to the %(level)s hold on %(day)s at %(venue)s."),
                    band=hold.band.name,
                    level=hold.level_name,
                    day=_when(hold),
                    venue=hold.venue.name,
                ),
                key=f"hold:{hold.pk}:level:{hold.level}",
                actor=actor,
            )
    first = ladder[0] if ladder else None
    if first is not None and first.challenged_by_id and first.challenged_by_id not in {h.pk for h in ladder}:
        first.challenged_by, first.challenge_ends_at = None, None
        first.save(update_fields=["challenged_by", "challenge_ends_at"])
    return ladder


def _settle(stage_id: int, date: dt.date, now: dt.datetime) -> list[Hold]:
    """Let go what has expired or let a challenge lapse by `now` on this date, then close up (under the
    stage's lock). Returns the ladder as it stands."""
    for hold in _ladder(stage_id, date):
        if hold.challenge_ends_at and hold.challenge_ends_at <= now:
            _end(hold, Hold.Status.LAPSED, Hold.End.CHALLENGE_LAPSED, now)
            _event(hold, What.LAPSED, note=_("Did not answer the challenge in time."))
            text = gettext_lazy("%(band)s's 1st hold on %(day)s at %(venue)s lapsed: the challenge was not answered.")
        elif hold.expires_at <= now:
            _end(hold, Hold.Status.LAPSED, Hold.End.EXPIRED, now)
            _event(hold, What.LAPSED, note=_("Expired."))
            text = gettext_lazy("%(band)s's hold on %(day)s at %(venue)s expired.")
        else:
            continue
        _notify(
            hold,
            lazy_text(text, band=hold.band.name, day=_when(hold), venue=hold.venue.name),
            key=f"hold:{hold.pk}:lapsed",
            actor=None,
        )
        _emit(Webhook.Event.HOLD_LAPSED, hold, now)
    return _close_up(stage_id, date)


# ---- Placing a hold ----------------------------------------------------------------------------------


def hold_place(
    *,
    by: User,
    stage: Stage,
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    expires_at: dt.datetime,
    level: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Hold:
    """Hold a date on one of the venue's stages for a band, at `level` (None: the next free one). Venue staff
    only. Raises HoldError by reason: times out of order or past, an expiry after the start, a level taken
    or beyond the ladder's end, the band held on that date already, a booked show on the stage then, the
    venue's side and the band's blocked one another (the contact check).

    A slot on the stage at that time that nobody is booked on yet (a tentative event) does not stop the
    hold, but the hold cannot be confirmed while it stands: the returned hold's `clashes` (SlotClash, by
    the rule confirming applies, venues.selectors.stage_slot_clashes) name it, for the person to be told."""
    now = now or timezone.now()
    row = _staff_row(stage.venue_id, by)
    if ends_at <= starts_at or ends_at - starts_at > MAX_LENGTH:
        raise HoldError(_("The end must be after the start, at most 24 hours later."), code="times")
    if starts_at <= now:
        raise HoldError(_("The date has begun or passed; hold a date ahead."), code="past")
    if not now < expires_at <= starts_at:
        raise HoldError(_("A hold expires after now and at the latest when the date begins."), code="expiry")
    note = " ".join(note.split())[:300]
    try:  # a hold is contact: the band is told of it (decision 0096)
        contact_check(
            asking=side_parties(venue_ids=[stage.venue_id], user_ids=[by.pk]),
            asked=side_parties(band_ids=[band.pk]),
            name=band.name,
        )
    except ContactRefused as exc:
        raise HoldError(str(exc), code="contact") from exc
    with transaction.atomic():
        stage = _lock(stage.pk)
        venue = stage.venue
        date = starts_at.astimezone(ZoneInfo(venue.time_zone)).date()
        ladder = _settle(stage.pk, date, now)
        _refuse_closed(venue.pk, date)
        if any(h.band_id == band.pk for h in ladder):
            raise HoldError(_("%(band)s is held on this date already.") % {"band": band.name}, code="band_held")
        taken = {h.level: h for h in ladder}
        free = len(ladder) + 1
        level = level or free
        if level in taken:
            raise HoldError(
                _(
                    "The %(level)s hold on this date is %(band)s's. One act per level: hold at level %(free)s, "
                    "or let the other go first."
                )
                % {"level": taken[level].level_name, "band": taken[level].band.name, "free": free},
                code="level_taken",
            )
        if level > free or level > MAX_LEVEL:
            raise HoldError(
                _("The next free level on this date is %(free)s; a ladder has at most %(max)s.")
                % {"free": free, "max": MAX_LEVEL},
                code="level_gap",
            )
        booked = Booking.objects.filter(
            slot__stage=stage, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        if booked.exists():
            raise HoldError(_("The stage has a booked show then; pick another date or stage."), code="booked")
        clashes: list[SlotClash] = stage_slot_clashes(stage=stage, times=[(starts_at, ends_at)])
        hold = Hold.objects.create(
            venue=venue,
            stage=stage,
            band=band,
            date=date,
            starts_at=starts_at,
            ends_at=ends_at,
            level=level,
            expires_at=expires_at,
            note=note,
            held_by=by,
            on_behalf=on_behalf_of(row, venue.name),
        )
        _event(hold, What.PLACED, actor=by, on_behalf=hold.on_behalf, note=note)
        _notify(
            hold,
            lazy_text(
                gettext_lazy("%(venue)s holds %(day)s for %(band)s: %(level)s hold."),
                venue=venue.name,
                day=_when(hold),
                band=band.name,
                level=hold.level_name,
            ),
            key=f"hold:{hold.pk}:placed",
            actor=by,
        )
        _emit(Webhook.Event.HOLD_PLACED, hold, now)
    hold.clashes = clashes
    return hold


def hold_clash_warning(clashes: list[SlotClash]) -> str:
    """What the person placing a hold is told of the slots in its way: "Main room already has … The hold
    stands, but it cannot be confirmed until that slot moves or is cancelled." Empty when nothing is."""
    if not clashes:
        return ""
    names = " ".join(clash.message for clash in clashes)
    return _("%(clashes)s The hold stands, but it cannot be confirmed until that slot moves or is cancelled.") % {
        "clashes": names
    }


# ---- The ladder's moves ------------------------------------------------------------------------------


def _locked(hold: Hold, by: User, now: dt.datetime) -> tuple[Hold, list[Hold], VenueStaff]:
    """Lock the hold's stage, settle its date and return the hold as it stands now, with the ladder."""
    row = _staff_row(hold.venue_id, by)
    _lock(hold.stage_id)
    ladder = _settle(hold.stage_id, hold.date, now)
    hold = Hold.objects.select_related("band", "venue", "stage").get(pk=hold.pk)
    if not hold.is_held:
        raise HoldError(
            _("This hold is no longer held (%(state)s).")
            % {"state": hold.get_ended_display() or hold.get_status_display()},
            code="not_held",
        )
    return hold, ladder, row


def hold_release(*, hold: Hold, by: User, now: dt.datetime | None = None) -> Hold:
    """Let a hold go (venue staff): everyone below moves up one level; a challenge it made or faced ends."""
    now = now or timezone.now()
    with transaction.atomic():
        hold, _ladder_now, row = _locked(hold, by, now)
        challenged = Hold.objects.filter(challenged_by=hold, status=Hold.Status.HELD)
        challenged.update(challenged_by=None, challenge_ends_at=None)
        _end(hold, Hold.Status.RELEASED, Hold.End.RELEASED, now)
        _event(hold, What.RELEASED, actor=by, on_behalf=on_behalf_of(row, hold.venue.name))
        _notify(
            hold,
            lazy_text(
                gettext_lazy("%(venue)s lets go of %(band)s's hold on %(day)s."),
                venue=hold.venue.name,
                band=hold.band.name,
                day=_when(hold),
            ),
            key=f"hold:{hold.pk}:released",
            actor=by,
        )
        _emit(Webhook.Event.HOLD_RELEASED, hold, now)
        _close_up(hold.stage_id, hold.date, actor=by)
    return hold


def hold_challenge(*, hold: Hold, by: User, now: dt.datetime | None = None) -> Hold:
    """A lower hold wants the date: the 1st hold gets HOLD_CHALLENGE_HOURS to confirm or let go, and
    silence lets it go. Raises HoldError for the 1st hold itself, a challenge already running, or a
    challenge of a 1st hold one placed oneself. Returns the challenged 1st hold."""
    now = now or timezone.now()
    with transaction.atomic():
        hold, ladder, row = _locked(hold, by, now)
        first = ladder[0]
        refusal = hold_challenge_refusal(hold=hold, first=first, by=by)
        if refusal is not None:
            raise HoldError(refusal.message, code=refusal.code)
        first.challenged_by, first.challenge_ends_at = hold, now + dt.timedelta(hours=challenge_hours())
        first.save(update_fields=["challenged_by", "challenge_ends_at"])
        on_behalf = on_behalf_of(row, hold.venue.name)
        _event(hold, What.CHALLENGED, actor=by, on_behalf=on_behalf)
        _event(first, What.WAS_CHALLENGED, actor=by, on_behalf=on_behalf, note=hold.band.name)
        _notify(
            first,
            lazy_text(
                gettext_lazy(
                    "%(band)s's 1st hold on %(day)s at %(venue)s is challenged by %(other)s: confirm or let go "
                    "within %(hours)s hours."
                ),
                band=first.band.name,
                day=_when(first),
                venue=first.venue.name,
                other=hold.band.name,
                hours=challenge_hours(),
            ),
            key=f"hold:{first.pk}:challenged:{hold.pk}",
            actor=by,
        )
        _emit(Webhook.Event.HOLD_CHALLENGED, first, now, challenger=hold_payload(hold))
    return first


def hold_confirm(
    *, hold: Hold, by: User, fee: int | None = None, message: str = "", now: dt.datetime | None = None
) -> Booking:
    """Confirm the 1st hold: the date becomes an invite-only slot on the stage and an offer to the band (it
    answers as any offer, under the booking side's locks), and the other holds on the date are let go.
    Raises HoldError for a hold below the 1st; the booking side's errors (a clash on the stage, the band
    booked elsewhere then) as they are, with nothing changed."""
    now = now or timezone.now()
    with transaction.atomic():
        hold, ladder, row = _locked(hold, by, now)
        if hold.level != 1:
            raise HoldError(
                _("Only the 1st hold can be confirmed; this one is the %(level)s. Challenge the 1st instead.")
                % {"level": hold.level_name},
                code="not_first",
            )
        slot = slot_create(
            venue=hold.venue,
            by=by,
            stage=hold.stage,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
            now=now,
            title=hold.note[:100] or hold.band.name,
            visibility=Slot.Visibility.INVITE,
            support_places=0,
            **({"fee": fee} if fee is not None else {}),
        )
        booking = booking_offer(slot=slot, band=hold.band, by=by, role="headliner", fee=fee, message=message, now=now)
        hold.status, hold.booking = Hold.Status.CONFIRMED, booking
        hold.challenged_by, hold.challenge_ends_at, hold.ended_at = None, None, now
        hold.save(update_fields=["status", "booking", "challenged_by", "challenge_ends_at", "ended_at"])
        on_behalf = on_behalf_of(row, hold.venue.name)
        _event(hold, What.CONFIRMED, actor=by, on_behalf=on_behalf)
        _notify(
            hold,
            lazy_text(
                gettext_lazy("%(venue)s confirms %(day)s for %(band)s: the offer waits for the band's answer."),
                venue=hold.venue.name,
                day=_when(hold),
                band=hold.band.name,
            ),
            key=f"hold:{hold.pk}:confirmed",
            actor=by,
        )
        _emit(Webhook.Event.HOLD_CONFIRMED, hold, now)
        for other in ladder:
            if other.pk != hold.pk:
                _end(other, Hold.Status.RELEASED, Hold.End.DATE_CONFIRMED, now)
                _event(other, What.RELEASED, actor=by, on_behalf=on_behalf, note=hold.band.name)
                _notify(
                    other,
                    lazy_text(
                        gettext_lazy("%(venue)s confirmed %(day)s for another act; %(band)s's hold is let go."),
                        venue=other.venue.name,
                        day=_when(other),
                        band=other.band.name,
                    ),
                    key=f"hold:{other.pk}:released",
                    actor=by,
                )
                _emit(Webhook.Event.HOLD_RELEASED, other, now)
    return booking


# ---- Moving a hold ------------------------------------------------------------------------------------


def _moved_times(hold: Hold, stage: Stage, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The hold's times on `date`, at the same wall-clock time in the target venue's zone."""
    old = ZoneInfo(hold.venue.time_zone)
    new = ZoneInfo(stage.venue.time_zone)
    start = hold.starts_at.astimezone(old)
    starts_at = dt.datetime.combine(date + (start.date() - hold.date), start.time().replace(tzinfo=None), tzinfo=new)
    return starts_at.astimezone(dt.UTC), (starts_at + (hold.ends_at - hold.starts_at)).astimezone(dt.UTC)


def hold_move(
    *,
    hold: Hold,
    by: User,
    stage: Stage,
    date: dt.date,
    level: int | None = None,
    now: dt.datetime | None = None,
) -> Hold:
    """Move a held date to another day or room (of the same venue, or of another venue `by` books for), at
    the same time of day, at `level` (None: the level it has). The ladder it leaves closes up. Raises HoldError:
    a hold in a challenge, nothing to move, a day begun or closed, the band held there already, a level taken
    (naming whose), a booked show on the stage then. A level below the ladder's end lands at the next free
    one (`hold.landed_lower`). The returned hold's `clashes` name unbooked slots in the way, as hold_place's."""
    now = now or timezone.now()
    _staff_row(hold.venue_id, by)
    row = _staff_row(stage.venue_id, by)
    with transaction.atomic():
        for stage_id in sorted({hold.stage_id, stage.pk}):
            _lock(stage_id)
        hold, _ladder_now, _row = _locked(hold, by, now)
        stage = Stage.objects.select_related("venue").get(pk=stage.pk)
        if hold.challenge_ends_at or Hold.objects.filter(challenged_by=hold, status=Hold.Status.HELD).exists():
            raise HoldError(
                _("This hold is in a challenge: let it be answered first, then move it."), code="challenged"
            )
        level = level or hold.level
        if stage.pk == hold.stage_id and date == hold.date:
            raise HoldError(_("The hold is on this date and stage already."), code="same")
        _refuse_out_of_bound(date, ZoneInfo(stage.venue.time_zone))
        starts_at, ends_at = _moved_times(hold, stage, date)
        if starts_at <= now:
            raise HoldError(_("The date has begun or passed; move the hold to a date ahead."), code="past")
        venue = stage.venue
        _refuse_closed(venue.pk, date)
        target = _settle(stage.pk, date, now)
        if any(h.band_id == hold.band_id for h in target):
            raise HoldError(_("%(band)s is held on this date already.") % {"band": hold.band.name}, code="band_held")
        taken = {h.level: h for h in target}
        free = len(target) + 1
        if level in taken:
            raise HoldError(
                _(
                    "The %(level)s hold on %(day)s in %(stage)s is %(band)s's. One act per level: move it to "
                    "level %(free)s, or let the other go first."
                )
                % {
                    "level": taken[level].level_name,
                    "day": date_format(date, "WEEKDAY_FORMAT"),
                    "stage": stage.name,
                    "band": taken[level].band.name,
                    "free": free,
                },
                code="level_taken",
            )
        if level > MAX_LEVEL or free > MAX_LEVEL:
            raise HoldError(
                _("A ladder has at most %(max)s holds; this date's is full.") % {"max": MAX_LEVEL}, code="level_gap"
            )
        landed_lower = level > free
        level = min(level, free)
        booked = Booking.objects.filter(
            slot__stage=stage, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        if booked.exists():
            raise HoldError(_("The stage has a booked show then; pick another date or stage."), code="booked")
        clashes: list[SlotClash] = stage_slot_clashes(stage=stage, times=[(starts_at, ends_at)])
        source = (hold.stage_id, hold.date, hold.venue_id)
        was = _when(hold)
        hold.venue, hold.stage, hold.date, hold.level = venue, stage, date, level
        hold.starts_at, hold.ends_at = starts_at, ends_at
        hold.expires_at = min(hold.expires_at, starts_at)
        hold.save(update_fields=["venue", "stage", "date", "level", "starts_at", "ends_at", "expires_at"])
        if source[2] != venue.pk:
            FeedMark.objects.create(venue_id=source[2])
        _event(
            hold,
            What.MOVED,
            actor=by,
            on_behalf=on_behalf_of(row, venue.name),
            note=_("From %(day)s.") % {"day": was},
        )
        _notify(
            hold,
            lazy_text(
                gettext_lazy("%(venue)s moves %(band)s's hold from %(was)s to %(day)s (%(stage)s): %(level)s hold."),
                venue=venue.name,
                band=hold.band.name,
                was=was,
                day=_when(hold),
                stage=stage.name,
                level=hold.level_name,
            ),
            key=f"hold:{hold.pk}:moved:{hold.stage_id}:{date.isoformat()}:{now.timestamp():.0f}",
            actor=by,
        )
        _emit(Webhook.Event.HOLD_MOVED, hold, now, moved_from={"stage_id": source[0], "date": source[1].isoformat()})
        _close_up(source[0], source[1], actor=by)
    hold.clashes, hold.landed_lower = clashes, landed_lower
    return hold


# ---- Closed days ---------------------------------------------------------------------------------------


def _lock_venue(venue_id: int) -> None:
    list(Stage.objects.select_for_update(of=("self",)).filter(venue_id=venue_id).order_by("pk").values_list("pk"))


def venue_day_close(
    *, venue_id: int, by: User, date: dt.date, note: str = "", now: dt.datetime | None = None
) -> ClosedDay:
    """Mark a day of the venue closed (venue staff), from today on up to the horizon. Refused while a show is booked
    or a hold stands on that day: the message names them, to be moved or let go first."""
    now = now or timezone.now()
    _staff_row(venue_id, by)
    note = " ".join(note.split())[:200]
    zone = ZoneInfo(Venue.objects.values_list("time_zone", flat=True).get(pk=venue_id))
    _refuse_out_of_bound(date, zone)
    with transaction.atomic():
        _lock_venue(venue_id)
        if ClosedDay.objects.filter(venue_id=venue_id, date=date).exists():
            raise HoldError(_("The venue is closed on this day already."), code="closed")
        for stage_id, held_date in (
            Hold.objects.filter(venue_id=venue_id, date=date, status=Hold.Status.HELD)
            .values_list("stage_id", "date")
            .distinct()
        ):
            _settle(stage_id, held_date, now)
        held = list(
            Hold.objects.filter(venue_id=venue_id, date=date, status=Hold.Status.HELD)
            .select_related("band")
            .order_by("level", "pk")
        )
        if held:
            raise HoldError(
                _("%(bands)s held on this day: move or let go of the holds first.")
                % {"bands": ", ".join(h.band.name for h in held)},
                code="held",
            )
        day_starts = dt.datetime.combine(date, dt.time(), tzinfo=zone)
        day_ends = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        shows = list(
            Booking.objects.filter(
                slot__venue_id=venue_id, status__in=Booking.ON, starts_at__lt=day_ends, starts_at__gte=day_starts
            ).select_related("band")
        )
        if shows:
            raise HoldError(
                _("%(bands)s booked on this day: a booked show is moved or cancelled on its booking first.")
                % {"bands": ", ".join(b.band.name for b in shows)},
                code="booked",
            )
        closed = ClosedDay.objects.create(venue_id=venue_id, date=date, note=note, closed_by=by)
        FeedMark.objects.create(venue_id=venue_id)
    return closed


def venue_day_open(*, venue_id: int, by: User, date: dt.date) -> bool:
    """Open a closed day again (venue staff). Returns whether it was closed."""
    _staff_row(venue_id, by)
    with transaction.atomic():
        _lock_venue(venue_id)
        deleted, _rows = ClosedDay.objects.filter(venue_id=venue_id, date=date).delete()
        if deleted:
            FeedMark.objects.create(venue_id=venue_id)
    return bool(deleted)


# ---- The round ---------------------------------------------------------------------------------------


def holds_settle(*, now: dt.datetime | None = None) -> int:
    """Every date with a hold past its expiry or a challenge past its deadline is settled under its stage's
    lock (beat, every minute). Returns how many dates were settled."""
    now = now or timezone.now()
    due = (
        Hold.objects.filter(Q(expires_at__lte=now) | Q(challenge_ends_at__lte=now), status=Hold.Status.HELD)
        .order_by()
        .values_list("stage_id", "date")
        .distinct()
    )
    dates: Iterable[tuple[int, dt.date]] = sorted(due)
    for stage_id, date in dates:
        with transaction.atomic():
            _lock(stage_id)
            _settle(stage_id, date, now)
    return len(dates)
