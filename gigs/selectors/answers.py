"""Reads of who plays: a gig's line-up for its band's members, the band's who-is-in table, my open answers."""

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, field
from itertools import groupby
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from bands.models import Band, Membership
from bookings.models import Booking
from core.db.prepared import CompiledSQL

from ..models import Answer, GigAnswer, GigDeadline

Status = Booking.Status
# The gigs whose page shows their line-up: booked, playing, played, disputed, and cancelled ones as history.
SHOWN_STATUSES = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED, Status.DISPUTED, Status.CANCELLED)
GIG_RELATED = ("band", "venue", "client", "slot__stage", "slot__place_venue", "block")
# Rows of the who-is-in table per page.
TABLE_PAGE = 50
MANAGING_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)


def membership_of(*, band_id: int, user: User) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(band_id=band_id, user_id=user.pk).first()


def member_band(*, slug: str, user: User) -> Membership | None:
    """`user`'s membership of the band at `slug`, with the band (one query); None for a stranger or no band."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(band__slug=slug, user_id=user.pk).select_related("band").first()


def place_of_member(*, booking_id: int, member_id: int) -> GigAnswer | None:
    """A member's place in a gig's line-up, or None."""
    return GigAnswer.objects.filter(booking_id=booking_id, member_id=member_id).first()


def place_of_link(*, uid: str, member_id: int) -> GigAnswer | None:
    """The place a signed answer link names (gig and member), with what its page shows, or None."""
    return (
        GigAnswer.objects.filter(booking__uid=uid, member_id=member_id)
        .select_related("booking__band", "booking__venue", "booking__client", "booking__slot", "member")
        .first()
    )


def gig_for_member(*, uid: UUID, user: User) -> Booking | None:
    """The gig `uid` when `user` is a member of its band (one query), else None: nobody else sees who plays."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = Membership.objects.filter(band_id=OuterRef("band_id"), user_id=user.pk)
    return (
        Booking.objects.filter(uid=uid, status__in=SHOWN_STATUSES)
        .filter(Exists(member))
        .select_related(*GIG_RELATED)
        .first()
    )


@dataclass
class InstrumentGroup:
    instrument: str
    places: list[GigAnswer]


def lineup_of(*, booking: Booking) -> list[GigAnswer]:
    """The gig's places, by instrument then name, with each member and stand-in (one query)."""
    return list(
        GigAnswer.objects.filter(booking_id=booking.pk)
        .select_related("member", "stand_in", "part")
        .order_by("instrument", "member__display_name", "pk")
    )


def answer_by_moment(*, booking: Booking, answer_by: dt.date) -> dt.datetime:
    """When answers are due: the end of the answer-by day in the band's zone, or the gig's start if sooner."""
    zone = zoneinfo.ZoneInfo(booking.band.time_zone)
    end = dt.datetime.combine(answer_by + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return min(end, booking.starts_at)


def sitting_out(booking: Booking) -> frozenset[int]:
    """The members who sit the gig out (its block's `absent`: a band with a minimum line-up booked or moved
    while they were busy, decision 0112): they keep a place and may answer, but nobody asks or reminds them.
    Reads the block (no query when the booking came with it)."""
    block = booking.block if booking.block_id else None
    return frozenset(block.absent) if block is not None and block.absent else frozenset()


@dataclass(frozen=True)
class AnswerBy:
    """A gig's answer-by block: the day (None: not set) in the band's zone, whether it has passed, whether
    the answers are locked, the places still without an answer (nobody standing in, not sitting the gig
    out) and those without one who sit it out."""

    day: dt.date | None
    zone: str
    passed: bool
    locked: bool
    missing: list[GigAnswer]
    sitting_out: list[GigAnswer] = field(default_factory=list)


def answer_by_of(*, booking: Booking, places: list[GigAnswer], now: dt.datetime) -> AnswerBy:
    """The gig's answer-by block from its places already read (one query, for the date)."""
    deadline = GigDeadline.objects.filter(booking_id=booking.pk).first()
    day = deadline.answer_by if deadline is not None else None
    out = sitting_out(booking)
    unanswered = [p for p in places if not p.answer and not p.stand_in_id]
    return AnswerBy(
        day=day,
        zone=booking.band.time_zone,
        passed=day is not None and now >= answer_by_moment(booking=booking, answer_by=day),
        locked=bool(deadline and deadline.locked),
        missing=[p for p in unanswered if p.member_id not in out],
        sitting_out=[p for p in unanswered if p.member_id in out],
    )


def lineup_groups(places: list[GigAnswer]) -> list[InstrumentGroup]:
    return [InstrumentGroup(instrument=k, places=list(v)) for k, v in groupby(places, key=lambda p: p.instrument)]


def lineup_counts(places: list[GigAnswer]) -> dict:
    """The line-up's numbers: sure places, all places, how many of each answer, whether it is at risk."""
    counts = dict.fromkeys(Answer.values, 0)
    unanswered = 0
    for place in places:
        if place.answer:
            counts[place.answer] += 1
        else:
            unanswered += 1
    return {
        "in": sum(1 for p in places if p.stand_in_id or p.answer == Answer.DEFINITELY),
        "of": len(places),
        "at_risk": any(p.required and p.answer == Answer.CANT and not p.stand_in_id for p in places),
        "by_answer": counts,
        "unanswered": unanswered,
    }


# ---- The who-is-in table ------------------------------------------------------------------------


@dataclass
class TableRow:
    gig: Booking
    cells: list[GigAnswer | None]
    sure: int = 0
    at_risk: bool = False
    mine: GigAnswer | None = None


@dataclass
class WhoIsIn:
    band: Band
    members: list[Membership]
    rows: list[TableRow]
    has_more: bool
    page: int
    viewer: Membership
    instruments: list[tuple[str, int]] = field(default_factory=list)
    answer_choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def previous_page(self) -> int | None:
        """The page of sooner gigs, or None on the first."""
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        """The page of later gigs, or None when this one is the last."""
        return self.page + 1 if self.has_more else None


def band_gigs_ahead(*, band: Band, now: dt.datetime) -> QuerySet[Booking]:
    """The band's booked gigs that are not over, soonest first."""
    return (
        Booking.objects.filter(band_id=band.pk, status__in=(Status.BOOKED, Status.IN_PROGRESS), ends_at__gt=now)
        .select_related("venue", "client", "slot__place_venue")
        .order_by("starts_at", "pk")
    )


def who_is_in(*, band: Band, viewer: Membership, now: dt.datetime, page: int = 1) -> WhoIsIn:
    """The band's who-is-in table: its gigs ahead as rows (TABLE_PAGE a page), its members as columns by
    instrument with the viewer's own column first, each cell a member's place. Three queries whatever the
    number of gigs and members."""
    members = list(
        Membership.objects.filter(band_id=band.pk).select_related("user").order_by("instrument", "user__display_name")
    )
    # The reader's own column first (first read aloud, in view on a phone): their instrument's group leads,
    # with them first in it, so each instrument still heads one group. The sort is stable: the rest keep
    # their order.
    members.sort(key=lambda m: (m.instrument != viewer.instrument, m.user_id != viewer.user_id))
    start = (page - 1) * TABLE_PAGE
    gigs = list(band_gigs_ahead(band=band, now=now)[start : start + TABLE_PAGE + 1])
    has_more = len(gigs) > TABLE_PAGE
    gigs = gigs[:TABLE_PAGE]
    places: dict[tuple[int, int], GigAnswer] = {
        (p.booking_id, p.member_id): p
        for p in GigAnswer.objects.filter(booking_id__in=[g.pk for g in gigs]).select_related("stand_in")
    }
    # Each answer's words once for the page, not once a cell (get_answer_display translates every time).
    labels = {value: str(label) for value, label in Answer.choices}
    for place in places.values():
        place.answer_label = labels.get(place.answer, "")
    rows = []
    for gig in gigs:
        cells = [places.get((gig.pk, m.user_id)) for m in members]
        present = [c for c in cells if c is not None]
        rows.append(
            TableRow(
                gig=gig,
                cells=cells,
                sure=sum(1 for c in present if c.stand_in_id or c.answer == Answer.DEFINITELY),
                at_risk=any(c.required and c.answer == Answer.CANT and not c.stand_in_id for c in present),
                mine=places.get((gig.pk, viewer.user_id)),
            )
        )
    instruments = [(k, len(list(v))) for k, v in groupby(members, key=lambda m: m.instrument)]
    return WhoIsIn(
        band=band,
        members=members,
        rows=rows,
        has_more=has_more,
        page=page,
        viewer=viewer,
        instruments=instruments,
        answer_choices=list(labels.items()),
    )


# What the dashboard's "Can you play?" row shows of the gig (its title, time, place and state): the rest
# of the booking's many columns stays unread.
OPEN_ANSWER_BOOKING_FIELDS = (
    *("uid", "kind", "role", "status", "event_type", "location", "starts_at", "ends_at"),
    *("band_id", "venue_id", "picker_band_id", "band__name", "venue__name"),
)


def _open_answers(*, member_id: int, now: dt.datetime, limit: int) -> QuerySet[GigAnswer]:
    return (
        GigAnswer.objects.filter(
            member_id=member_id, answer="", booking__status=Status.BOOKED, booking__ends_at__gt=now
        )
        .select_related("booking__band", "booking__venue")
        .only(*(f"booking__{name}" for name in OPEN_ANSWER_BOOKING_FIELDS))
        .order_by("booking__starts_at")[:limit]
    )


@functools.cache
def _open_answers_of_length(limit: int) -> CompiledSQL:
    """The "Can you play?" query compiled once per `limit` (the LIMIT is written into the SQL, not bound)."""
    return CompiledSQL(functools.partial(_open_answers, limit=limit))


def my_open_answers(*, user: User, now: dt.datetime, limit: int = 10) -> list[GigAnswer]:
    """The gigs ahead `user` has not answered yet, soonest first (one query): the dashboard's "Can you play?"."""
    return _open_answers_of_length(limit).instances(member_id=user.pk, now=now)
