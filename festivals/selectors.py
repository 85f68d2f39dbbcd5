"""Reads the festivals views share: open calls, a call for its organiser or jury, the timetable grid."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from bands.models import Band, Membership
from core.db.prepared import CompiledSQL

from .models import Application, Festival, FestivalStage, OpenCall, Placement
from .services.timetable import GONE, WAS_BOOKED, festival_days, stage_window

# A set on the timetable's grid, as the builder, the published page and its schema.org description read it.
SET_COLUMNS = (
    "festival_stage_id", "starts_at", "ends_at", "booking_id", "band__name", "band__slug", "booking__status",
)  # fmt: skip


def calls_open(*, now: dt.datetime, text: str = "", genre=None) -> QuerySet[OpenCall]:
    """Published calls still taking applications, soonest deadline first, by words and genre."""
    calls = OpenCall.objects.filter(status=OpenCall.Status.OPEN, deadline__gt=now).select_related("organisation")
    if text:
        calls = calls.filter(Q(title__icontains=text) | Q(description__icontains=text) | Q(stages__icontains=text))
    if genre is not None:
        calls = calls.filter(genres=genre)
    return calls.order_by("deadline", "pk")


def call_public(*, slug: str) -> OpenCall:
    """A published call (404 for a draft)."""
    return get_object_or_404(
        OpenCall.objects.select_related("organisation", "festival"), slug=slug, status=OpenCall.Status.OPEN
    )


def call_any(*, slug: str) -> OpenCall:
    return get_object_or_404(OpenCall.objects.select_related("organisation", "festival"), slug=slug)


def bands_managed(*, user: User) -> list[Band]:
    if not user.is_authenticated:
        return []
    return list(
        Band.objects.filter(
            memberships__user=user, memberships__role__in=[Membership.Role.LEADER, Membership.Role.ADMIN]
        ).order_by("name")
    )


def applications_of(*, call: OpenCall, bands: list[Band]) -> dict[int, Application]:
    return {a.band_id: a for a in Application.objects.filter(call=call, band__in=bands)}


def application_by_code(*, call: OpenCall, code: str) -> Application:
    return get_object_or_404(Application.objects.select_related("band", "call"), call=call, code=code)


# ---- The timetable ------------------------------------------------------------------------------------


# The timetable grid's step: a row of the grid is this many minutes.
GRID_MINUTES = 5


@dataclass
class Cell:
    placement: Placement
    start: str
    end: str
    top: int  # minutes after the stage opens
    length: int
    row: int = 1  # the grid's line it starts on: GRID_MINUTES steps after the day's first stage opens, from 1
    span: int = 1  # how many steps it lasts (at least one)


@dataclass
class StageColumn:
    fstage: FestivalStage
    opens: dt.datetime
    closes: dt.datetime
    cells: list[Cell] = field(default_factory=list)
    open_row: int = 1  # the grid's lines of the stage's own hours
    close_row: int = 1


@dataclass
class TimetableDay:
    """A day of the timetable: its stages as columns, and the grid's time axis (rows of GRID_MINUTES from the first
    stage's opening to the last one's closing, each full hour labelled)."""

    day: dt.date
    columns: list[StageColumn]
    rows: int = 0
    hours: list[tuple[str, int]] = field(default_factory=list)  # ("18:00", its row line)

    def grid(self, tz: zoneinfo.ZoneInfo) -> None:
        """Place the day's columns and sets on one time axis, so stages side by side read across at one time."""
        if not self.columns:
            return
        # In UTC: an aware difference within one zone is a wall-clock one, wrong across a change of the clocks.
        first = min(column.opens for column in self.columns).astimezone(dt.UTC)
        last = max(
            max([column.closes, *(cell.placement.ends_at for cell in column.cells)]) for column in self.columns
        ).astimezone(dt.UTC)
        steps = dt.timedelta(minutes=GRID_MINUTES)

        def line(moment: dt.datetime) -> int:
            return int((moment.astimezone(dt.UTC) - first) // steps) + 1

        self.rows = max(1, -(-(last - first) // steps))
        for column in self.columns:
            column.open_row, column.close_row = line(column.opens), line(column.closes)
            for cell in column.cells:
                cell.row = line(cell.placement.starts_at)
                cell.span = max(1, line(cell.placement.ends_at + steps - dt.timedelta(microseconds=1)) - cell.row)
        hour = first.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)
        if hour < first:
            hour += dt.timedelta(hours=1)
        while hour < last:  # in UTC: an hour is an hour across a change of the clocks
            self.hours.append((hour.astimezone(tz).strftime("%H:%M"), line(hour)))
            hour += dt.timedelta(hours=1)


def festival_of(*, slug: str) -> Festival:
    return get_object_or_404(Festival.objects.select_related("venue", "organisation"), slug=slug)


def timetable(*, festival: Festival, booked_only: bool = False) -> list[TimetableDay]:
    """The days × stages grid: each stage's hours and its acts in order; `booked_only`: the sets the acts
    accepted (the public page), else the offers waiting for an answer too (the builder). Two queries,
    whatever the number of days, stages and acts."""
    tz = zoneinfo.ZoneInfo(festival.time_zone)
    stages = list(festival.stages.select_related("stage").order_by("position", "pk"))
    rows = Placement.objects.filter(festival=festival, cancelled_at__isnull=True)
    rows = rows.filter(booking__status__in=WAS_BOOKED) if booked_only else rows.exclude(booking__status__in=GONE)
    # What a set on the grid shows: its act's name and address, and whether the act has said yes; the act's press
    # kit and the booking's other columns stay in the database (a grid of 120 sets read them all before).
    placements = list(rows.select_related("band", "booking").only(*SET_COLUMNS).order_by("starts_at", "pk"))
    days = []
    for day in festival_days(festival):
        columns = []
        for fstage in stages:
            opens, closes = stage_window(fstage, day, festival.time_zone)
            column = StageColumn(fstage=fstage, opens=opens, closes=closes)
            for placement in placements:
                if placement.festival_stage_id == fstage.pk and opens <= placement.starts_at < closes:
                    column.cells.append(
                        Cell(
                            placement=placement,
                            start=placement.starts_at.astimezone(tz).strftime("%H:%M"),
                            end=placement.ends_at.astimezone(tz).strftime("%H:%M"),
                            top=int((placement.starts_at - opens).total_seconds() // 60),
                            length=int((placement.ends_at - placement.starts_at).total_seconds() // 60),
                        )
                    )
            columns.append(column)
        timetable_day = TimetableDay(day=day, columns=columns)
        timetable_day.grid(tz)
        days.append(timetable_day)
    return days


def counters_waiting(*, festival: Festival, days: list[TimetableDay]) -> None:
    """Each offered set on the builder's grid gets `counter`: the terms its act sent back that wait for the
    organiser's answer (an open quote of the band's side), or None; with its deal in words (`counter_deal`).
    One query, only when a set is offered."""
    from bookings.models import Quote
    from bookings.selectors.quotes import deal_text

    offered = [cell.placement for day in days for column in day.columns for cell in column.cells]
    offered = [p for p in offered if p.is_offered]
    if not offered:
        return
    quotes = {
        q.booking_id: q
        for q in Quote.objects.filter(
            booking_id__in=[p.booking_id for p in offered], status=Quote.Status.OPEN, side="band"
        )
    }
    for placement in offered:
        placement.counter = quotes.get(placement.booking_id)
        placement.counter_deal = deal_text(placement.counter) if placement.counter else ""


def _placeable(festival: Festival) -> QuerySet[Application]:
    return Application.objects.filter(
        call__festival=festival, status__in=[Application.Status.SHORTLISTED, Application.Status.OFFERED]
    )


@dataclass(frozen=True)
class Act:
    """An act the builder may offer a set: its address and name."""

    slug: str
    name: str


def placeable_acts(*, festival: Festival) -> list[Act]:
    """The acts of the shortlisted and offered applications of the festival's calls, by name: the builder's act
    list (one query of two columns; an application's answers and scores are not read for it)."""
    rows = _placeable(festival).order_by("band__name", "pk").values_list("band__slug", "band__name")
    return [Act(slug, name) for slug, name in rows]


def placeable_application(*, festival: Festival, band: Band) -> Application | None:
    """The band's shortlisted or offered application to one of the festival's calls, if any (one query)."""
    return _placeable(festival).filter(band=band).select_related("band").order_by("pk").first()


def timetable_query(*, festival: Festival, include_cancelled: bool = False) -> QuerySet[Placement]:
    """The festival's booked placements with their acts and stages, in time order (one query): an offer
    the act has not accepted is in no public list or calendar."""
    rows = Placement.objects.filter(festival=festival, booking__status__in=WAS_BOOKED)
    if not include_cancelled:
        rows = rows.filter(cancelled_at__isnull=True)
    return rows.select_related("band", "festival_stage__stage").order_by("starts_at", "pk")


def organisation_of(*, slug: str):
    from teams.models import Organisation

    return get_object_or_404(Organisation, slug=slug)


def person_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first() if email.strip() else None


def band_by_slug(*, slug: str) -> Band | None:
    return Band.objects.filter(slug=slug).first()


def band_to_invite(*, text: str) -> list[Band]:
    """The approved bands an organiser may offer a set to without an application: by the band's address
    (its slug) or its name, exactly (case aside); at most two, so that a name two bands share is asked
    again by address (one query)."""
    from bands.models import ApprovalStatus

    text = text.strip()
    return list(
        Band.objects.filter(Q(slug=text.lower()) | Q(name__iexact=text), status=ApprovalStatus.APPROVED).order_by("pk")[
            :2
        ]
    )


def placement_of(*, festival: Festival, pk: int) -> Placement:
    return get_object_or_404(Placement.objects.select_related("booking", "band"), festival=festival, pk=pk)


def placements_to_move(*, festival: Festival) -> list[Placement]:
    """The live placements for the builder's one "Move" form: each its act's name, stage and start (one query)."""
    columns = ("starts_at", "band__name", "festival_stage__stage__name")
    return list(timetable_query(festival=festival).only(*columns))


def venues_for_festival(*, organisation, user: User) -> QuerySet:
    """The venues an organisation's festival may play at: the ones it runs, or whose staff `user` is."""
    from teams.models import LinkStatus
    from venues.models import Venue

    return (
        Venue.objects.filter(
            Q(group_links__organisation=organisation, group_links__status=LinkStatus.ACTIVE) | Q(staff_roles__user=user)
        )
        .distinct()
        .order_by("name")
    )


def stages_free_for(*, festival: Festival) -> QuerySet:
    from venues.models import Stage

    return (
        Stage.objects.filter(venue_id=festival.venue_id)
        .exclude(pk__in=festival.stages.values("stage_id"))
        .order_by("pk")
    )


# ---- The organiser's desk -----------------------------------------------------------------------------


@dataclass
class DeskCall:
    call: OpenCall
    waiting: int  # applications sent, not yet decided: the jury's work


@dataclass
class DeskFestival:
    festival: Festival
    to_place: int  # shortlisted or offered acts of its calls not on its timetable
    placed: int


@dataclass
class Desk:
    """An organisation's calls and festivals as its people see them where they land."""

    organisation: object
    calls: list[DeskCall]
    festivals: list[DeskFestival]

    @property
    def calls_open(self) -> int:
        return sum(1 for c in self.calls if c.call.status == OpenCall.Status.OPEN)

    @property
    def waiting(self) -> int:
        return sum(c.waiting for c in self.calls)

    @property
    def to_place(self) -> int:
        return sum(f.to_place for f in self.festivals)


def _organisations(*, user_id: int, organisation_id: int | None) -> QuerySet:
    """The organisations the person runs (owner or booker), each with whether it has calls and festivals."""
    from django.db.models import Exists, OuterRef

    from teams.models import ACTING_ROLES, Organisation

    organisations = Organisation.objects.filter(
        members__user_id=user_id, members__role__in=ACTING_ROLES
    ).annotate(
        has_calls=Exists(OpenCall.objects.filter(organisation_id=OuterRef("pk"))),
        has_festivals=Exists(Festival.objects.filter(organisation_id=OuterRef("pk"))),
    ).order_by("name")  # fmt: skip
    return organisations if organisation_id is None else organisations.filter(pk=organisation_id)


_ORGANISATIONS = CompiledSQL(_organisations)


def organiser_desks(*, user: User, organisation_id: int | None = None, running_only: bool = False) -> list[Desk]:
    """The calls and festivals of every organisation `user` runs (owner or booker), or of one. One query
    for the organisations, then only what they hold: their calls with the applications waiting, their
    festivals with the acts placed, and the acts to place (at most four, whatever their number).
    `running_only` (the dashboard): venue groups, and agencies only once they run a call or a festival."""
    from django.db.models import Count, Exists, OuterRef

    from teams.models import Organisation

    if not user.is_authenticated:
        return []
    # Every dashboard asks, and most readers run no organisation: the question is compiled once.
    organisations = _ORGANISATIONS.instances(user_id=user.pk, organisation_id=organisation_id)
    organisations = [
        o
        for o in organisations
        if not running_only or o.kind == Organisation.Kind.VENUE_GROUP or o.has_calls or o.has_festivals
    ]
    desks = {o.pk: Desk(organisation=o, calls=[], festivals=[]) for o in organisations}
    with_calls = [o.pk for o in organisations if o.has_calls]
    with_festivals = [o.pk for o in organisations if o.has_festivals]
    if with_calls:
        calls = (
            OpenCall.objects.filter(organisation_id__in=with_calls)
            .select_related("festival")
            .annotate(waiting=Count("applications", filter=Q(applications__status=Application.Status.SUBMITTED)))
            .order_by("-status", "deadline", "pk")
        )
        for call in calls:
            desks[call.organisation_id].calls.append(DeskCall(call=call, waiting=call.waiting))
    if with_festivals:
        placed_here = Placement.objects.filter(
            festival_id=OuterRef("call__festival_id"), band_id=OuterRef("band_id"), cancelled_at__isnull=True
        )
        to_place = dict(
            Application.objects.filter(
                call__festival__organisation_id__in=with_festivals,
                status__in=[Application.Status.SHORTLISTED, Application.Status.OFFERED],
            )
            .exclude(Exists(placed_here))
            .values_list("call__festival_id")
            .annotate(n=Count("band_id", distinct=True))
            .order_by()
        )
        festivals = (
            Festival.objects.filter(organisation_id__in=with_festivals)
            .select_related("venue")
            .annotate(placed=Count("placements", filter=Q(placements__cancelled_at__isnull=True)))
            .order_by("first_day", "pk")
        )
        for festival in festivals:
            desks[festival.organisation_id].festivals.append(
                DeskFestival(festival=festival, to_place=to_place.get(festival.pk, 0), placed=festival.placed)
            )
    return list(desks.values())


def festivals_of(*, organisation_id: int) -> QuerySet[Festival]:
    """The organisation's festivals, for a call's "for the festival" choice."""
    return Festival.objects.filter(organisation_id=organisation_id).order_by("-first_day", "pk")


# ---- Releases (decision 0103) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    pk: int
    name: str
    slug: str = ""


@dataclass(frozen=True)
class ReleasedStage:
    pk: int
    stage: Named


@dataclass(frozen=True)
class ReleasedSet:
    """One set of a release, shaped like the placement it froze (the page, the calendars and the running
    order read either)."""

    pk: int
    band: Named
    festival_stage: ReleasedStage
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    sequence: int
    updated_at: dt.datetime
    cancelled_at: dt.datetime | None = None


def released_sets(release) -> list[ReleasedSet]:
    return [
        ReleasedSet(
            pk=e["placement"],
            band=Named(pk=e["band"], name=e["act"], slug=e["slug"]),
            festival_stage=ReleasedStage(pk=e["stage"], stage=Named(pk=e["stage"], name=e["stage_name"])),
            day=dt.date.fromisoformat(e["day"]),
            starts_at=dt.datetime.fromisoformat(e["starts_at"]),
            ends_at=dt.datetime.fromisoformat(e["ends_at"]),
            sequence=e["sequence"],
            updated_at=dt.datetime.fromisoformat(e["changed_at"]),
        )
        for e in release.sets
    ]


def releases_of(*, festival: Festival) -> list:
    """The festival's releases, the last first (one query; the sets are not read)."""
    from .models import Release

    return list(Release.objects.filter(festival=festival).defer("sets").order_by("-number"))


def release_last(*, festival: Festival):
    from .models import Release

    return Release.objects.filter(festival=festival).order_by("-number").first()


def release_of(*, festival: Festival, number: int):
    from .models import Release

    return get_object_or_404(Release, festival=festival, number=number)


def released_with_removed(*, festival: Festival, release) -> list[ReleasedSet]:
    """The release's sets, and every set an earlier release showed that this one no longer has, cancelled
    as of the release that dropped it (calendars keep a removed set's UID and mark it CANCELLED)."""
    from .models import Release

    current = released_sets(release)
    kept = {s.pk for s in current}
    gone: dict[int, ReleasedSet] = {}
    earlier = Release.objects.filter(festival=festival, number__lt=release.number).order_by("number")
    later_numbers = {}
    for older in earlier:
        for s in released_sets(older):
            if s.pk not in kept:
                gone[s.pk] = s
                later_numbers[s.pk] = older.number
    stamps = {r.number: r.published_at for r in Release.objects.filter(festival=festival).defer("sets")}
    removed = []
    for pk, s in gone.items():
        dropped = stamps.get(later_numbers[pk] + 1, release.published_at)
        removed.append(
            ReleasedSet(
                pk=s.pk,
                band=s.band,
                festival_stage=s.festival_stage,
                day=s.day,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                sequence=s.sequence + 1,
                updated_at=dropped,
                cancelled_at=dropped,
            )
        )
    return sorted(current + removed, key=lambda s: (s.starts_at, s.pk))


def release_timetable(*, festival: Festival, release) -> list[TimetableDay]:
    """The days × stages grid of a release: the festival's stages (one query) and the release's sets."""
    tz = zoneinfo.ZoneInfo(festival.time_zone)
    stages = list(festival.stages.select_related("stage").order_by("position", "pk"))
    sets = released_sets(release)
    days = []
    for day in festival_days(festival):
        columns = []
        for fstage in stages:
            opens, closes = stage_window(fstage, day, festival.time_zone)
            column = StageColumn(fstage=fstage, opens=opens, closes=closes)
            for s in sets:
                if s.festival_stage.pk == fstage.pk and s.day == day:
                    column.cells.append(
                        Cell(
                            placement=s,
                            start=s.starts_at.astimezone(tz).strftime("%H:%M"),
                            end=s.ends_at.astimezone(tz).strftime("%H:%M"),
                            top=int((s.starts_at - opens).total_seconds() // 60),
                            length=int((s.ends_at - s.starts_at).total_seconds() // 60),
                        )
                    )
            columns.append(column)
        timetable_day = TimetableDay(day=day, columns=columns)
        timetable_day.grid(tz)
        days.append(timetable_day)
    return days
