"""Holds through the API: a venue's ladders by date and stage (for its staff), placing a hold, challenging
the 1st, letting go and confirming (on holds.services, the services the pages call), and where a band is
held (for its members and its agency's people). Mounted on the one API object by stageslot/urls.py, since
holds sits above bookings.

A hold the caller may not see does not exist for them (404); one they see but may not act on is a 403.
A service's refusal of bad input is a 400, one of the ladder's state (a level taken, a challenge running,
a hold no longer held) a 409, with the pages' message."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from bands.models import Band
from bands.selectors import band_for_manage
from bookings.api.bookings import ONE_ERRORS, OUT_OF_RANGE, WRITE_ERRORS, _limited
from bookings.api.core import ApiProblem, caller, field_errors, token_auth
from bookings.api.schemas import utc
from core.fields.api_fields import ApiId, ApiLine, ApiText
from core.fields.dates import ApiDate, ApiDateTime, Bound, date_problem
from core.fields.scheduling import scheduling_last_day, scheduling_today, too_late_message
from teams.models import Organisation
from teams.selectors import group_venues, organisation_for_member, viewing_band_ids
from venues.selectors import venue_for_staff
from venues.services import SlotClashError

from . import requests as hold_requests
from . import selectors, services
from .calendar import VIEWS, BookerCalendar, booker_calendar
from .models import MAX_LEVEL, Hold

router = Router(auth=token_auth, tags=["holds"])

# The ladder's state is in the way: 409. Every other refusal of a hold service is bad input: 400.
CONFLICTS = frozenset(
    {
        "level_taken",
        "band_held",
        "booked",
        "running",
        "not_held",
        "first",
        "own",
        "not_first",
        "answered",
        "asked",
        "closed",
        "challenged",
        "held",
    }
)
LADDER_DAYS_MAX = 366
FIRST_DAY = Query(None, description="The first day (in the venue's zone); today by default")


class HoldOut(Schema):
    id: int
    venue: str
    venue_name: str
    time_zone: str = Field(description="The venue's IANA zone, in which `date` is the day")
    stage_id: int
    stage: str
    band: str
    band_name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    level: int = Field(description="1 for the 1st hold, 2 for the 2nd …")
    status: str = Field(description="held, confirmed, released or lapsed")
    ended: str = Field(description="How it ended: released, expired, challenge_lapsed, date_confirmed; empty if held")
    expires_at: dt.datetime
    challenge_ends_at: dt.datetime | None = Field(description="Set on a challenged 1st hold: its deadline")
    challenged_by: int | None = Field(description="The hold that challenges this 1st hold")
    booking: uuid.UUID | None = Field(description="The offer a confirmed hold became")
    note: str | None = Field(description="The venue's own note (for its staff; null for others)")
    clashes: list[str] | None = Field(
        None,
        description="The slots on the stage that the hold's time meets, named (in ladders and on placing): the hold "
        "stands but cannot be confirmed until they move or are cancelled; null where not told",
    )
    may_challenge: bool | None = Field(
        None, description="In ladders: whether the caller may challenge the 1st hold with this one; null elsewhere"
    )


class LadderOut(Schema):
    date: dt.date
    stage_id: int
    stage: str
    challenged: bool
    holds: list[HoldOut]


class LaddersOut(Schema):
    venue: str
    first_day: dt.date
    days: int
    ladders: list[LadderOut]


class BandHoldsOut(Schema):
    band: str
    holds: list[HoldOut]


class HoldIn(Schema):
    stage_id: ApiId
    band: ApiLine(100) = Field(description="The band's slug")
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    expires_at: ApiDateTime.AHEAD = Field(description="Unconfirmed, the hold lets go by itself then (≤ starts_at)")
    level: int | None = Field(None, ge=1, le=MAX_LEVEL, description="None: the next free level")
    note: ApiText(300) = Field("")


class ConfirmIn(Schema):
    fee: int | None = Field(None, ge=0, le=1_000_000)
    message: ApiText(2000) = Field("")


def hold_out(hold: Hold, *, staff: bool, clashes: list[str] | None = None) -> HoldOut:
    """The hold as the API says it; a ladder's holds (selectors.venue_ladders) also say what clashes and
    whether the caller may challenge with them."""
    if clashes is None and hasattr(hold, "clash_message"):
        clashes = [hold.clash_message] if hold.clash_message else []
    return HoldOut(
        id=hold.pk,
        venue=hold.venue.slug,
        venue_name=hold.venue.name,
        time_zone=hold.venue.time_zone,
        stage_id=hold.stage_id,
        stage=hold.stage.name,
        band=hold.band.slug,
        band_name=hold.band.name,
        date=hold.date,
        starts_at=utc(hold.starts_at),
        ends_at=utc(hold.ends_at),
        level=hold.level,
        status=hold.status,
        ended=hold.ended,
        expires_at=utc(hold.expires_at),
        challenge_ends_at=utc(hold.challenge_ends_at),
        challenged_by=hold.challenged_by_id,
        booking=hold.booking.uid if hold.booking_id else None,
        note=hold.note if staff else None,
        clashes=clashes,
        may_challenge=getattr(hold, "may_challenge", None),
    )


def _refused(exc: Exception) -> ApiProblem:
    """A hold service's refusal as a problem: 403 for who may not, 409 for the ladder's state, else 400."""
    if isinstance(exc, services.HoldPermissionError):
        return ApiProblem(403, str(exc))
    messages = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    if getattr(exc, "code", None) == "contact":  # one side blocked the other (decision 0081)
        return ApiProblem(403, messages)
    if isinstance(exc, SlotClashError) or getattr(exc, "code", None) in CONFLICTS:
        return ApiProblem(409, messages)
    errors = field_errors(exc) if isinstance(exc, ValidationError) else None
    return ApiProblem(400, messages, errors=errors)


def _staff_venue(user, slug: str):
    """The venue at `slug` for its staff (owners and bookers, a venue group's bookers among them): 404 when
    there is none, 403 for anyone else (a venue is public; its holds are its staff's)."""
    venue = venue_for_staff(slug=slug, user=user)
    if venue is None:
        raise Http404(_("No venue at this address."))
    if venue.my_role is None:
        raise PermissionDenied(_("Only the venue's staff and the bookers of its venue group see its holds."))
    return venue


def _hold(user, pk: int) -> Hold:
    hold = selectors.hold_seen_by(pk=pk, user=user)
    if hold is None:
        raise Http404(_("No such hold."))
    return hold


def _bad(field: str, message: str) -> ApiProblem:
    return ApiProblem(400, message, errors={field: [message]})


# ---- Reading -----------------------------------------------------------------------------------------


@router.get("/venues/{slug}/holds", response={200: LaddersOut, **ONE_ERRORS})
def venue_holds(
    request: HttpRequest,
    slug: str,
    date: ApiDate.BROWSE | None = FIRST_DAY,
    days: int = Query(selectors.LADDER_DAYS, ge=1, le=LADDER_DAYS_MAX, description="How many days from it"),
):
    """The venue's held dates from `date` on, each a ladder of holds on one stage, 1st first. For the
    venue's staff and its venue group's bookers."""
    user = caller(request, ApiToken.Scope.READ)
    venue = _staff_venue(user, slug)
    today = scheduling_today(ZoneInfo(venue.time_zone))
    first_day = date or today
    if problem := date_problem(first_day, bound=Bound.AHEAD, today=today):  # held dates begin today, in its zone
        raise _bad("date", problem)
    ladders = selectors.venue_ladders(venue=venue, first_day=first_day, days=days, viewer=user)
    return LaddersOut(
        venue=venue.slug,
        first_day=first_day,
        days=days,
        ladders=[
            LadderOut(
                date=ladder.date,
                stage_id=ladder.stage.pk,
                stage=ladder.stage.name,
                challenged=ladder.challenged is not None,
                holds=[hold_out(hold, staff=True) for hold in ladder.holds],
            )
            for ladder in ladders
        ],
    )


@router.get("/bands/{slug}/holds", response={200: BandHoldsOut, **ONE_ERRORS})
def band_holds(request: HttpRequest, slug: str):
    """Where the band is held from today on, soonest first: for its members and the people of an agency
    that represents it."""
    user = caller(request, ApiToken.Scope.READ)
    band, membership = band_for_manage(slug=slug, user=user)
    if membership is None and band.pk not in viewing_band_ids(user=user):
        raise PermissionDenied(_("Only the band's members and its agency see where it is held."))
    holds = selectors.band_holds(band=band, first_day=timezone.localdate())
    return BandHoldsOut(band=band.slug, holds=[hold_out(_with_band(h, band), staff=False) for h in holds])


def _with_band(hold: Hold, band: Band) -> Hold:
    hold.band = band
    return hold


# ---- Acting ------------------------------------------------------------------------------------------


@router.post("/venues/{slug}/holds", response={201: HoldOut, **WRITE_ERRORS})
def hold_place(request: HttpRequest, slug: str, body: HoldIn):
    """Hold a date on one of the venue's stages for a band, at `level` or the next free one (venue staff).
    400 for times out of order or past, an expiry after the start, a level beyond the ladder's end; 409
    when the level is taken, the band is held on that date already, or the stage has a booked show then.
    A slot nobody is booked on yet at that time does not stop the hold: `clashes` names it."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    venue = _staff_venue(user, slug)
    stage = selectors.venue_stage_of(venue=venue, pk=body.stage_id)
    if stage is None:
        raise _bad("stage_id", _("No such stage at this venue."))
    band = selectors.band_named(slug=body.band)
    if band is None:
        raise _bad("band", _("No band has this address. Copy it from the band's page."))
    try:
        starts_at, ends_at, expires_at = (t.astimezone(dt.UTC) for t in (body.starts_at, body.ends_at, body.expires_at))
        day = starts_at.astimezone(ZoneInfo(venue.time_zone)).date()
    except OverflowError:
        raise _bad("starts_at", str(OUT_OF_RANGE)) from None
    last_day = scheduling_last_day(scheduling_today(ZoneInfo(venue.time_zone)))
    if day > last_day:
        raise _bad("starts_at", too_late_message(last_day))
    with _limited("hold", user):
        try:
            hold = services.hold_place(
                by=user,
                stage=stage,
                band=band,
                starts_at=starts_at,
                ends_at=ends_at,
                expires_at=expires_at,
                level=body.level,
                note=body.note,
            )
        except (services.HoldPermissionError, ValidationError) as exc:
            raise _refused(exc) from exc
    clashes = [clash.message for clash in hold.clashes]
    return Answer(201, hold_out(_hold(user, hold.pk), staff=True, clashes=clashes))


@router.post("/holds/{int:pk}/challenge", response={200: HoldOut, **WRITE_ERRORS})
def hold_challenge(request: HttpRequest, pk: int):
    """A lower hold challenges the 1st (venue staff): the 1st has HOLD_CHALLENGE_HOURS to confirm or let go,
    and silence lets it go. Answers the challenged 1st hold. 409 for the 1st itself, a challenge already
    running, or a 1st hold you placed yourself."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    hold = _hold(user, pk)
    try:
        first = services.hold_challenge(hold=hold, by=user)
    except (services.HoldPermissionError, ValidationError) as exc:
        raise _refused(exc) from exc
    return hold_out(_hold(user, first.pk), staff=True)


@router.post("/holds/{int:pk}/release", response={200: HoldOut, **WRITE_ERRORS})
def hold_release(request: HttpRequest, pk: int):
    """Let a hold go (venue staff): everyone below moves up one level. 409 when it is no longer held."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    hold = _hold(user, pk)
    try:
        services.hold_release(hold=hold, by=user)
    except (services.HoldPermissionError, ValidationError) as exc:
        raise _refused(exc) from exc
    return hold_out(_hold(user, pk), staff=True)


@router.post("/holds/{int:pk}/confirm", response={200: HoldOut, **WRITE_ERRORS})
def hold_confirm(request: HttpRequest, pk: int, body: ConfirmIn | None = None):
    """Confirm the 1st hold (venue staff): the date becomes an invite-only slot and an offer to the band
    (`booking`), and the other holds on the date are let go. 409 for a hold below the 1st, a show on the
    stage then, or the band booked elsewhere."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    hold = _hold(user, pk)
    body = body or ConfirmIn()
    try:
        services.hold_confirm(hold=hold, by=user, fee=body.fee, message=body.message)
    except (services.HoldPermissionError, ValidationError) as exc:
        raise _refused(exc) from exc
    return hold_out(_hold(user, pk), staff=True)


# ---- Holds asked by an agency ----------------------------------------------------------------------------


class HoldRequestIn(Schema):
    venues: list[ApiLine(100)] = Field(min_length=1, max_length=10, description="The venues' slugs")
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    note: ApiText(300) = Field("")


class HoldRequestOut(Schema):
    id: int
    agency: str
    band: str
    venue: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str = Field(description="asked, held, declined or withdrawn")
    hold: int | None = Field(description="The hold the venue placed, once held")
    note: str


class HoldAnswerIn(Schema):
    hold: bool = Field(description="True: hold the date on `stage_id`; false: say no")
    stage_id: ApiId | None = None
    expires_at: ApiDateTime.AHEAD | None = Field(None, description="The hold's expiry; 14 days by default")


def hold_request_out(asked) -> HoldRequestOut:
    return HoldRequestOut(
        id=asked.pk,
        agency=asked.organisation.slug,
        band=asked.band.slug,
        venue=asked.venue.slug,
        starts_at=utc(asked.starts_at),
        ends_at=utc(asked.ends_at),
        status=asked.status,
        hold=asked.hold_id,
        note=asked.note,
    )


def _asked(user, pk: int):
    asked = selectors.hold_request_seen_by(pk=pk, user=user)
    if asked is None:
        raise Http404(_("No such request."))
    return asked


@router.post("/bands/{slug}/hold-requests", response={201: list[HoldRequestOut], **WRITE_ERRORS})
def hold_request_many(request: HttpRequest, slug: str, body: HoldRequestIn):
    """Ask venues to hold a date for the band (the bookers of an agency that represents it). 400 for an
    unknown venue, times out of order or past, or a venue asked for that date already."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    band, membership = band_for_manage(slug=slug, user=user)
    if membership is None and band.pk not in viewing_band_ids(user=user):
        raise PermissionDenied(_("Only the band's members and its agency see where it is held."))
    found = {v.slug: v for v in selectors.venues_named(slugs=body.venues)}
    unknown = [s for s in body.venues if s not in found]
    if unknown:
        raise _bad("venues", _("No venue has the address %(addresses)s.") % {"addresses": ", ".join(unknown)})
    with _limited("hold", user):
        try:
            asked = hold_requests.hold_request_many(
                by=user,
                band=band,
                venues=[found[s] for s in body.venues],
                starts_at=body.starts_at.astimezone(dt.UTC),
                ends_at=body.ends_at.astimezone(dt.UTC),
                note=body.note,
            )
        except (services.HoldPermissionError, ValidationError) as exc:
            raise _refused(exc) from exc
    return Answer(201, [hold_request_out(_asked(user, a.pk)) for a in asked])


@router.post("/hold-requests/{int:pk}/answer", response={200: HoldRequestOut, **WRITE_ERRORS})
def hold_request_answer(request: HttpRequest, pk: int, body: HoldAnswerIn):
    """The asked venue's answer (its staff): hold the date on one of its stages at the next free level, or
    say no. 409 when it was answered or taken back already, or the ladder is in the way."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    asked = _asked(user, pk)
    stage = selectors.venue_stage_of(venue=asked.venue, pk=body.stage_id) if body.stage_id else None
    if body.hold and stage is None:
        raise _bad("stage_id", _("Pick one of the venue's stages."))
    try:
        hold_requests.hold_request_answer(
            request=asked, by=user, accept=body.hold, stage=stage, expires_at=body.expires_at
        )
    except (services.HoldPermissionError, ValidationError) as exc:
        raise _refused(exc) from exc
    return hold_request_out(_asked(user, pk))


@router.post("/hold-requests/{int:pk}/withdraw", response={200: HoldRequestOut, **WRITE_ERRORS})
def hold_request_withdraw(request: HttpRequest, pk: int):
    """The agency takes an open question back (its owners and bookers). 409 once answered."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    asked = _asked(user, pk)
    try:
        hold_requests.hold_request_withdraw(request=asked, by=user)
    except (services.HoldPermissionError, ValidationError) as exc:
        raise _refused(exc) from exc
    return hold_request_out(_asked(user, pk))


# ---- The bookers' calendar ---------------------------------------------------------------------------


class CalendarRoomOut(Schema):
    venue: str
    venue_name: str
    time_zone: str
    stage_id: int | None = Field(description="null: the row of shows bands host at the venue")
    stage: str


class CalendarEntryOut(Schema):
    kind: str = Field(
        description="show, offer (waiting for the band's answer), slot (open), hosted (a band's own show), hold"
    )
    venue: str
    stage_id: int | None
    date: dt.date = Field(description="The day in the venue's zone")
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    band: str | None = Field(description="The band's slug (shows, offers, holds)")
    level: int | None = Field(description="A hold's level: 1 for the 1st")
    hold_id: int | None
    challenged: bool
    booking: uuid.UUID | None
    slot_id: int | None
    clash: str = Field(
        description="What it runs into (a slot or booked show under a hold, a band held 1st twice); empty if nothing"
    )


class ClosedDayOut(Schema):
    venue: str
    date: dt.date
    note: str


class CalendarOut(Schema):
    view: str
    first_day: dt.date
    last_day: dt.date
    rooms: list[CalendarRoomOut]
    entries: list[CalendarEntryOut]
    closed_days: list[ClosedDayOut]


class MoveIn(Schema):
    stage_id: ApiId
    date: ApiDate.AHEAD = Field(description="The day in the target venue's zone; the hold keeps its time of day")
    level: int | None = Field(None, ge=1, le=MAX_LEVEL, description="None: the level it has")


def _calendar_out(calendar: BookerCalendar) -> CalendarOut:
    entries, closed = [], {}
    for row in calendar.rows:
        for cell in row.cells:
            if cell.closed is not None:
                closed[(row.room.venue.slug, cell.date)] = ClosedDayOut(
                    venue=row.room.venue.slug, date=cell.date, note=cell.closed.note
                )
            for entry in cell.entries:
                band = entry.hold.band if entry.hold else entry.booking.band if entry.booking else None
                entries.append(
                    CalendarEntryOut(
                        kind=entry.kind,
                        venue=row.room.venue.slug,
                        stage_id=row.room.stage.pk if row.room.stage else None,
                        date=cell.date,
                        starts_at=utc(entry.starts_at),
                        ends_at=utc(entry.ends_at),
                        title=entry.title,
                        band=band.slug if band else None,
                        level=entry.level,
                        hold_id=entry.hold.pk if entry.hold else None,
                        challenged=bool(entry.hold and entry.hold.challenge_ends_at),
                        booking=entry.booking.uid if entry.booking else None,
                        slot_id=entry.slot.pk if entry.slot else None,
                        clash=entry.clash,
                    )
                )
    rooms = [
        CalendarRoomOut(
            venue=row.room.venue.slug,
            venue_name=row.room.venue.name,
            time_zone=row.room.venue.time_zone,
            stage_id=row.room.stage.pk if row.room.stage else None,
            stage=str(row.room.name),
        )
        for row in calendar.rows
    ]
    return CalendarOut(
        view=calendar.view,
        first_day=calendar.first,
        last_day=calendar.last,
        rooms=rooms,
        entries=entries,
        closed_days=sorted(closed.values(), key=lambda c: (c.date, c.venue)),
    )


def _view(view: str) -> str:
    if view not in VIEWS:
        raise _bad("view", _("Pick month, week or day."))
    return view


CALENDAR_DAY = Query(None, description="A day of the month, week or day shown; today by default")


@router.get("/venues/{slug}/calendar", response={200: CalendarOut, **ONE_ERRORS})
def venue_calendar(request: HttpRequest, slug: str, view: str = "month", date: ApiDate.BROWSE | None = CALENDAR_DAY):
    """The venue's calendar, as the bookers' page shows it: its rooms, and by day their booked shows, offers
    waiting for an answer, open slots, bands' own shows, holds (with level and clash) and closed days."""
    user = caller(request, ApiToken.Scope.READ)
    venue = _staff_venue(user, slug)
    calendar = booker_calendar(venues=[venue], view=_view(view), on=date or timezone.localdate(), now=timezone.now())
    return _calendar_out(calendar)


@router.get("/groups/{slug}/calendar", response={200: CalendarOut, **ONE_ERRORS})
def group_calendar(request: HttpRequest, slug: str, view: str = "month", date: ApiDate.BROWSE | None = CALENDAR_DAY):
    """A venue group's calendar: every room of every venue it runs (for the group's people)."""
    user = caller(request, ApiToken.Scope.READ)
    organisation = organisation_for_member(slug=slug, user=user)
    if organisation is None or organisation.kind != Organisation.Kind.VENUE_GROUP:
        raise Http404(_("No venue group at this address."))
    if organisation.my_role is None:
        raise PermissionDenied(_("Only the group's people see its calendar."))
    venues = list(group_venues(organisation=organisation))
    calendar = booker_calendar(venues=venues, view=_view(view), on=date or timezone.localdate(), now=timezone.now())
    return _calendar_out(calendar)


@router.post("/holds/{int:pk}/move", response={200: HoldOut, **WRITE_ERRORS})
def hold_move(request: HttpRequest, pk: int, body: MoveIn):
    """Move a hold to another day or room (venue staff of both), at the same time of day, keeping its level
    unless `level` says another; the ladder it leaves closes up. 409 when the level is taken, the band is held
    there, the stage has a booked show then, the day is closed or the hold is in a challenge."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    hold = _hold(user, pk)
    stage = (
        selectors.stages_of_venues(venue_ids=selectors.venues_booked_by_query(user=user))
        .filter(pk=body.stage_id)
        .first()
    )
    if stage is None:
        raise _bad("stage_id", _("Pick one of the rooms you book for."))
    with _limited("hold", user):
        try:
            moved = services.hold_move(hold=hold, by=user, stage=stage, date=body.date, level=body.level)
        except (services.HoldPermissionError, ValidationError) as exc:
            raise _refused(exc) from exc
    clashes = [clash.message for clash in moved.clashes]
    return hold_out(_hold(user, pk), staff=True, clashes=clashes)
