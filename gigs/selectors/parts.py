"""A gig's line-up by section: who plays which part, counted against the band's minimum line-up with the
same matching as the green zone (availability.lineup), so a doubler counts once, where they are needed.

A place (gigs.GigAnswer) plays the part the leader gave it for the gig; else a member plays the sections
they play in the band, and a stand-in the usual section of the member they cover (any of theirs when
none is usual). A member who left the band, with nobody in their place, counts nowhere.

Each section is "ok" when the confirmed places (a "definitely", or a stand-in) fill its minimum, "short"
when even every place that has not said no (a "can't" or "probably not" without a stand-in) cannot, and
"open" in between: it waits for answers. A section without a minimum is "free".
"""

from dataclasses import dataclass, field

from availability.lineup import Lineup, fill
from bands.models import Band, Membership, MembershipSection, Section
from bookings.models import Booking

from ..models import Answer, GigAnswer

OK, OPEN, SHORT, FREE = "ok", "open", "short", "free"
# A gig's states from best to worst: its verdict is the worst of its total's and its sections'.
VERDICT_ORDER = (FREE, OK, OPEN, SHORT)
# The answers that leave a place empty unless a stand-in takes it (as gigs.services.stand_ins).
SAID_NO = (Answer.CANT, Answer.PROBABLY_NOT)


@dataclass
class SectionCount:
    section_id: int
    name: str
    need: int
    have: int = 0  # confirmed places counted in this section
    maybe: int = 0  # "probably" places in this section
    could: int = 0  # places in this section that have not said no
    state: str = FREE
    places: list[GigAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class TotalCount:
    """A gig's players in all against the band's fewest (Band.min_players): confirmed places, places that
    have not said no, and the state as a section's (ok, open: waiting for answers, short)."""

    need: int
    have: int
    could: int
    state: str


@dataclass
class GigSections:
    rows: list[SectionCount]
    elsewhere: list[GigAnswer]  # places in no section (no section given, or the member left)
    total: int  # the band's fewest players in all (0: none)
    confirmed: int
    total_count: TotalCount | None = None

    @property
    def short(self) -> list[SectionCount]:
        return [row for row in self.rows if row.state == SHORT]

    @property
    def verdict(self) -> str:
        """The gig's one state: the worst of its players in all and each section with a minimum, by the same
        line-up fill the green zone uses (short before open before ok). "16 of at least 16" is not enough
        while Low brass is short."""
        states = [row.state for row in self.rows if row.need]
        if self.total_count is not None:
            states.append(self.total_count.state)
        return max(states, key=VERDICT_ORDER.index, default=FREE)

    @property
    def waiting(self) -> list[SectionCount]:
        return [row for row in self.rows if row.need and row.state == OPEN]


@dataclass(frozen=True)
class BandParts:
    """What the band's tables say of who plays what: section pks by user pk, each member's usual one, the
    members now in the band (two queries)."""

    plays: dict[int, tuple[int, ...]]
    usual: dict[int, int]
    members: frozenset[int]


def band_parts(*, band: Band) -> BandParts:
    plays: dict[int, list[int]] = {}
    usual: dict[int, int] = {}
    for user_id, section_id, is_usual in (
        MembershipSection.objects.filter(section__band=band)
        .order_by("section__order", "section_id")
        .values_list("membership__user_id", "section_id", "usual")
    ):
        plays.setdefault(user_id, []).append(section_id)
        if is_usual:
            usual[user_id] = section_id
    members = frozenset(Membership.objects.filter(band=band).values_list("user_id", flat=True))
    return BandParts(plays={k: tuple(v) for k, v in plays.items()}, usual=usual, members=members)


def place_plays(place: GigAnswer, parts: BandParts, sections: set[int]) -> tuple[int, ...]:
    """The sections a place can fill at the gig (see the module's docstring)."""
    if place.part_id in sections:
        return (place.part_id,)
    if place.stand_in_id:
        usual = parts.usual.get(place.member_id)
        return (usual,) if usual in sections else parts.plays.get(place.member_id, ())
    if place.member_id not in parts.members:
        return ()
    return tuple(s for s in parts.plays.get(place.member_id, ()) if s in sections)


def _home(place: GigAnswer, plays: tuple[int, ...], parts: BandParts) -> int | None:
    if place.part_id and place.part_id in plays:
        return place.part_id
    usual = parts.usual.get(place.member_id)
    if usual in plays:
        return usual
    return plays[0] if plays else None


def _confirmed(place: GigAnswer) -> bool:
    return bool(place.stand_in_id) or place.answer == Answer.DEFINITELY


def gig_sections(*, booking: Booking, places: list[GigAnswer], parts: BandParts | None = None) -> GigSections | None:
    """The gig's places by section with their counts, or None for a band without sections (its page shows
    the line-up by instrument, as before). Two queries (band_parts) unless `parts` is given."""
    band = booking.band
    data = band.lineup or {}
    listed = data.get("sections") or []
    if not listed:
        return None
    parts = parts if parts is not None else band_parts(band=band)
    sections = {s["id"] for s in listed}
    needs = {s["id"]: s["need"] for s in listed if s.get("need")}
    plays = {p.pk: place_plays(p, parts, sections) for p in places}
    lineup = Lineup(needs=needs, plays=plays)
    confirmed = [p.pk for p in places if plays[p.pk] and _confirmed(p)]
    possible = [p.pk for p in places if plays[p.pk] and (p.stand_in_id or p.answer not in SAID_NO)]
    sure = fill(confirmed, lineup, members=())
    could = fill(possible, lineup, members=())
    short_now = {s.section for s in sure.short}
    short_ever = {s.section for s in could.short}
    rows = {s["id"]: SectionCount(section_id=s["id"], name=s["name"], need=s.get("need") or 0) for s in listed}
    elsewhere = []
    for place in places:
        where = sure.assignment.get(place.pk) if _confirmed(place) else None
        where = where or _home(place, plays[place.pk], parts)
        if where is None:
            elsewhere.append(place)
            continue
        row = rows[where]
        row.places.append(place)
        if _confirmed(place):
            row.have += 1
        elif place.answer == Answer.PROBABLY:
            row.maybe += 1
        if place.stand_in_id or place.answer not in SAID_NO:
            row.could += 1
    for row in rows.values():
        if row.need:
            row.state = SHORT if row.section_id in short_ever else OPEN if row.section_id in short_now else OK
    return GigSections(
        rows=list(rows.values()),
        elsewhere=elsewhere,
        total=data.get("total") or 0,
        confirmed=len(confirmed),
        total_count=gig_total(booking=booking, places=places, parts=parts),
    )


def gig_total(*, booking: Booking, places: list[GigAnswer], parts: BandParts | None = None) -> TotalCount | None:
    """The gig's players in all against the band's total (None: the band sets none; no query then). Every
    place counts, in a section or not: a member still in the band, or a stand-in in a place. Short when the
    places that have not said no are fewer than the total; one query (the members) unless `parts` is given."""
    need = (booking.band.lineup or {}).get("total") or 0
    if not need:
        return None
    members = (
        parts.members
        if parts is not None
        else frozenset(Membership.objects.filter(band_id=booking.band_id).values_list("user_id", flat=True))
    )
    playing = [p for p in places if p.stand_in_id or p.member_id in members]
    have = sum(1 for p in playing if _confirmed(p))
    could = sum(1 for p in playing if p.stand_in_id or p.answer not in SAID_NO)
    state = SHORT if could < need else OPEN if have < need else OK
    return TotalCount(need=need, have=have, could=could, state=state)


def section_players(*, band: Band, section_id: int) -> list[int]:
    """The user pks of the band's members who play a section (usual or doubling)."""
    return list(
        MembershipSection.objects.filter(section_id=section_id, section__band=band).values_list(
            "membership__user_id", flat=True
        )
    )


def sections_of(*, band_id: int) -> list[Section]:
    """The band's sections in its order (one query): the parts a place can be given."""
    return list(Section.objects.filter(band_id=band_id))
