"""Reads for the pages that compose several apps."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext

from accounts.models import HereFor, User
from availability.models import ExternalCalendar, Rule
from bands.calendar import bands_availability
from bands.models import Band, BandInvite, Membership
from bookings.models import Booking
from bookings.selectors.bookings import (
    InSubquery,
    band_answers_q,
    bands_next_gigs,
    bands_waiting_answers,
    bookings_of,
)
from calendars.models import ConnectedCalendar
from core.db.prepared import CompiledSQL
from documents.models import Contract
from documents.selectors.contracts import contracts_waiting_for_bands
from fans.models import Ask, FanProfile, Follow
from festivals.models import Festival, OpenCall
from gigs.models import TourInvite, TourTraveller
from holds.models import Hold
from holds.selectors import bands_held_days, live_hold_counts, live_holds_of_bands
from payments.selectors import RosterMoney, bands_money
from reviews.models import REVIEW_WINDOW
from reviews.selectors import to_write_q
from teams.models import ACTING_ROLES, LinkStatus, Organisation, OrgInvite, OrgMember, Representation
from teams.selectors import acting_band_ids_query, agency_roster
from venues.models import Slot, Venue, VenueInvite, VenuePhoto, VenueStaff
from venues.selectors import venue_suggestions


def _memberships(*, user_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user_id).select_related("band").order_by("band__name")


def _venue_roles(*, user_id: int) -> QuerySet[VenueStaff]:
    return VenueStaff.objects.filter(user_id=user_id).select_related("venue").order_by("venue__name")


# Asked on every dashboard: compiled once.
_MEMBERSHIPS = CompiledSQL(_memberships)
_VENUE_ROLES = CompiledSQL(_venue_roles)


def dashboard_memberships(*, user: User) -> list[Membership]:
    """The bands this person plays in, with the band loaded (one query)."""
    return _MEMBERSHIPS.instances(user_id=user.pk)


def dashboard_venue_roles(*, user: User) -> list[VenueStaff]:
    """The venues this person runs, with the venue loaded (one query)."""
    return _VENUE_ROLES.instances(user_id=user.pk)


# ---- Joining by invite link ------------------------------------------------------------------------


def invite_by_token(*, kind: str, token: str) -> BandInvite | VenueInvite | OrgInvite | TourInvite | None:
    """The band, venue, organisation or tour invite (`kind`) with this token, with what it leads into and who
    created it."""
    models = {"band": BandInvite, "venue": VenueInvite, "team": OrgInvite, "tour": TourInvite}
    if kind not in models:
        return None
    related = {"team": "organisation", "tour": "tour__band"}.get(kind, kind)
    return models[kind].objects.select_related(related, "created_by").filter(token=token).first()


def invite_membership_of(
    *, kind: str, invite: BandInvite | VenueInvite | OrgInvite | TourInvite, user: User
) -> Membership | VenueStaff | OrgMember | TourTraveller | None:
    """`user`'s place in the band, venue or organisation the invite leads into, if they have one already; for a
    tour, their place in its party (a traveller, or a member of its band)."""
    if kind == "band":
        return Membership.objects.filter(band_id=invite.band_id, user=user).first()
    if kind == "team":
        return OrgMember.objects.filter(organisation_id=invite.organisation_id, user=user).first()
    if kind == "tour":
        return (
            TourTraveller.objects.filter(tour_id=invite.tour_id, user=user).first()
            or Membership.objects.filter(band_id=invite.tour.band_id, user=user).first()
        )
    return VenueStaff.objects.filter(venue_id=invite.venue_id, user=user).first()


# ---- Bookings on the dashboard -------------------------------------------------------------------

DASHBOARD_ROWS = 5
# What a dashboard row shows of a booking (its title, time, place, state and who answers it): the rest of
# its many columns stays unread.
DASHBOARD_ROW_FIELDS = (
    *("uid", "kind", "role", "status", "event_type", "location", "starts_at", "ends_at", "client_id"),
    *("band_id", "venue_id", "picker_band_id", "band__name", "venue__name", "picker_band__name"),
)
MANAGING_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)


def _answerable_by(user_id: int, *, managed_band_ids: list[int], venue_ids: list[int]) -> Q:
    """Pending bookings `user` may accept or decline (Booking.answering_side): the venue's staff answer
    applications, the band's leaders and admins (and the agents of its agency) offers and requests –
    never what they sent themselves."""
    answering = Q(
        kind__in=(Booking.Kind.OFFER, Booking.Kind.REQUEST), band_id__in=acting_band_ids_query(user_id=user_id)
    )
    if venue_ids:
        answering |= Q(kind=Booking.Kind.APPLICATION, venue_id__in=venue_ids, picker_band__isnull=True)
    if managed_band_ids:
        answering |= Q(kind__in=(Booking.Kind.OFFER, Booking.Kind.REQUEST), band_id__in=managed_band_ids)
        answering |= Q(kind=Booking.Kind.APPLICATION, picker_band_id__in=managed_band_ids)
    return answering & ~Q(requested_by_id=user_id) & ~Q(client_id=user_id)


@dataclass(frozen=True)
class DashboardBookings:
    """The first few of each list and how many there are in all."""

    upcoming: list[Booking]
    needs_answer: list[Booking]
    waiting: list[Booking]
    past: list[Booking]
    cancelled: list[Booking]
    to_review: list[Booking]
    counts: dict[str, int]


def dashboard_bookings(
    *,
    user: User,
    now: dt.datetime,
    memberships: list[Membership] | None = None,
    venue_roles: list[VenueStaff] | None = None,
    limit: int = DASHBOARD_ROWS,
) -> DashboardBookings:
    """The bookings of `user`'s bands, venues and private events, in six lists: booked gigs to come,
    pending ones waiting for `user`'s answer, pending ones waiting for the other side, past gigs
    (played, or cancelled once their date has gone, latest first), cancelled gigs whose date is still
    to come, and completed gigs whose review `user`'s side has still to write (closing soonest first).
    `counts["as_client"]` says how many private events `user` asked for. Two queries (one when none),
    whatever the number of bookings; and each starts from the person's own bands, venues and requests
    (bookings_of), so its cost follows their bookings, not the site's. `memberships` and `venue_roles`
    are the person's, when the page has them already (otherwise read here)."""
    if memberships is None:
        memberships = list(Membership.objects.filter(user=user))
    if venue_roles is None:
        venue_roles = list(VenueStaff.objects.filter(user=user))
    sql, params = _FLAGS(
        user_id=user.pk,
        band_ids=sorted({m.band_id for m in memberships}),
        venue_ids=sorted({r.venue_id for r in venue_roles}),
        managed=sorted({m.band_id for m in memberships if m.role in MANAGING_ROLES}),
        now=now,
        ended_after=now - REVIEW_WINDOW,
    )
    buckets = _BUCKETS
    counts = dict.fromkeys([*buckets, "to_review", "as_client"], 0)
    firsts: dict[str, list[tuple[int, int]]] = {name: [] for name in [*buckets, "to_review"]}
    names = list(buckets)
    descending = [n for n, order in enumerate(buckets.values(), start=1) if order == DESCENDING]
    for pk, n, in_bucket, rank, reviews, review_rank, to_review_count, as_client in _ranked(
        sql, params, limit, descending
    ):
        if n:
            counts[names[n - 1]] = in_bucket
            if rank <= limit:
                firsts[names[n - 1]].append((rank, pk))
        counts["to_review"], counts["as_client"] = to_review_count or 0, as_client or 0
        if reviews and review_rank <= limit:
            firsts["to_review"].append((review_rank, pk))
    wanted = sorted({pk for pairs in firsts.values() for _rank, pk in pairs})
    by_pk = {b.pk: b for b in _ROWS.instances(ids=wanted)} if wanted else {}
    lists = {name: [by_pk[pk] for _rank, pk in sorted(pairs) if pk in by_pk] for name, pairs in firsts.items()}
    return DashboardBookings(**lists, counts=counts)


def _flags(
    *,
    user_id: int,
    band_ids: list[int],
    venue_ids: list[int],
    managed: list[int],
    now: dt.datetime,
    ended_after: dt.datetime,
) -> QuerySet:
    """Each booking of the person (their bands', venues', agencies' bands' and their own requests) with
    its start, end, list (_BUCKETS, tried in order; 0 for none), whether its review is theirs to write and
    whether they asked for it as a client."""
    # The bands `user` acts for through an agency come in as a subquery of the same query: no extra one.
    # As `= ANY(ARRAY(…))`, so that each branch of the OR stays an index scan (decision 0088).
    mine = Booking.objects.filter(
        bookings_of(user_id=user_id, band_ids=band_ids, venue_ids=venue_ids)
        | Q(InSubquery(F("band_id"), Subquery(acting_band_ids_query(user_id=user_id))))
    )
    upcoming = Q(status__in=Booking.ON, ends_at__gt=now)
    pending = Q(status=Booking.Status.PENDING)
    answerable = _answerable_by(user_id, managed_band_ids=managed, venue_ids=venue_ids)
    # One status list first, so that the (band | venue | client, status, …) indexes take it whole.
    past = Q(status__in=(*Booking.PLAYED, Booking.Status.CANCELLED)) & (
        Q(status__in=(Booking.Status.COMPLETED, Booking.Status.DISPUTED)) | Q(ends_at__lte=now)
    )
    cancelled = Q(status=Booking.Status.CANCELLED, ends_at__gt=now)
    to_review = to_write_q(user_id=user_id, managed_band_ids=managed, venue_ids=venue_ids, ended_after=ended_after)
    # Each booking falls in at most one of the first five lists (tried in this order); to_review is a
    # part of the past ones.
    conditions = [upcoming, pending & answerable, pending, past, cancelled]
    bucket = Case(
        *(When(condition, then=Value(n)) for n, condition in enumerate(conditions, start=1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return mine.order_by().values(
        b_id=F("pk"),
        b_starts=F("starts_at"),
        b_ends=F("ends_at"),
        b_bucket=bucket,
        b_review=ExpressionWrapper(to_review, output_field=BooleanField()),
        b_client=ExpressionWrapper(Q(client_id=user_id), output_field=BooleanField()),
    )


# The flags query compiled once per shape (how many bands, venues and managed bands the person has).
_FLAGS = CompiledSQL(_flags)


def _rows(*, ids: list[int]) -> QuerySet[Booking]:
    """The bookings the dashboard's lists show, with what their rows draw."""
    return Booking.objects.select_related("band", "venue", "picker_band").only(*DASHBOARD_ROW_FIELDS).filter(pk__in=ids)


# Compiled once per number of rows (at most DASHBOARD_ROWS for each list).
_ROWS = CompiledSQL(_rows)


ASCENDING, DESCENDING = "asc", "desc"
# The dashboard's lists, in the order _flags numbers them, and the order each is shown in.
_BUCKETS = {
    "upcoming": ASCENDING,
    "needs_answer": ASCENDING,
    "waiting": ASCENDING,
    "past": DESCENDING,
    "cancelled": ASCENDING,
}

# The dashboard's lists from the person's bookings (the ORM's query, each rule compiled once, as a
# subquery): each booking with its list, its place in it (soonest first; latest first for the
# descending lists), the list's size, its place among the reviews to write (closing soonest first) and
# the totals of reviews and private requests; only the first `limit` of each list come back. Written out:
# the same through the ORM (a window per list, each repeating its rule) costs several times more to
# compile than the database takes to answer it. Each list's place is one window, sorted once: in a
# descending list the first two keys order it (latest first), in the others they are all null and the last
# two do (soonest first).
_RANKED_SQL = (
    "SELECT b_id, b_bucket, in_bucket, place, b_review, review_rank, reviews, as_client FROM ("
    " SELECT b_id, b_bucket, b_review,"
    " COUNT(*) OVER (PARTITION BY b_bucket) AS in_bucket,"
    " ROW_NUMBER() OVER (PARTITION BY b_bucket ORDER BY CASE WHEN b_bucket IN ({descending}) THEN b_starts END DESC,"
    "  CASE WHEN b_bucket IN ({descending}) THEN b_id END DESC, b_starts, b_id) AS place,"
    " ROW_NUMBER() OVER (PARTITION BY b_review ORDER BY b_ends, b_id) AS review_rank,"
    " SUM(CASE WHEN b_review THEN 1 ELSE 0 END) OVER () AS reviews,"
    " SUM(CASE WHEN b_client THEN 1 ELSE 0 END) OVER () AS as_client"
    " FROM ({flags}) flags"
    ") ranked WHERE place <= %s OR (b_review AND review_rank <= %s)"
)


def _ranked(sql: str, params: list, limit: int, descending: list[int]) -> list[tuple]:
    """Run _RANKED_SQL over the flags query `sql` (one query): rows of (pk, list number, list size, place in
    the list, whether its review is to write, place among those, reviews to write, private requests)."""
    outer = _RANKED_SQL.format(descending=", ".join(str(int(n)) for n in descending) or "NULL", flags=sql)
    with connection.cursor() as cursor:
        cursor.execute(outer, [*params, limit, limit])
        return [
            (pk, n, in_bucket, rank, bool(review), review_rank, reviews, as_client)
            for pk, n, in_bucket, rank, review, review_rank, reviews, as_client in cursor.fetchall()
        ]


# ---- An agent's roster on the dashboard ----------------------------------------------------------

ROSTER_GIGS = 2  # the next booked gigs shown for each band


@dataclass(frozen=True)
class RosterBand:
    """A band an agency acts for, as the agent's dashboard lists it."""

    agency: Organisation
    band: Band
    next_gigs: list[Booking]  # its next ROSTER_GIGS booked gigs, soonest first
    to_answer: int  # offers and requests waiting for the band's side
    waiting: int  # its applications waiting for the venues
    holds: int  # holds that stand on it


def _roster_links(*, user_id: int) -> QuerySet[Representation]:
    return (
        Representation.objects.filter(
            status=LinkStatus.ACTIVE,
            organisation__kind=Organisation.Kind.AGENCY,
            organisation__members__user_id=user_id,
        )
        .select_related("organisation", "band")
        .order_by("organisation__name", "band__name", "pk")
    )


def _roster_pending(*, band_ids: list[int], now: dt.datetime) -> QuerySet:
    band_side = (Booking.Kind.OFFER, Booking.Kind.REQUEST)
    return (
        Booking.objects.filter(band_id__in=band_ids, status=Booking.Status.PENDING, ends_at__gt=now)
        .order_by()
        .values("band_id")
        .annotate(
            to_answer=Count("pk", filter=Q(kind__in=band_side)),
            waiting=Count("pk", filter=Q(kind=Booking.Kind.APPLICATION)),
        )
    )


# Asked on every dashboard (the first for everyone, the other for agents): compiled once per shape.
_ROSTER_LINKS = CompiledSQL(_roster_links)
_ROSTER_PENDING = CompiledSQL(_roster_pending)


def dashboard_roster(*, user: User, now: dt.datetime) -> list[RosterBand]:
    """The bands the agencies `user` belongs to (any role) act for now, by agency and band name, each
    with its next booked gigs, its pending bookings and its live holds. Four queries whatever the
    number of bands (one when `user` is in no agency): the roster, the next gigs, the pending counts
    and the holds."""
    links = _ROSTER_LINKS.instances(user_id=user.pk)
    if not links:
        return []
    band_ids = sorted({link.band_id for link in links})
    gigs = bands_next_gigs(band_ids=band_ids, now=now, per_band=ROSTER_GIGS, lines=True)
    pending = {row["band_id"]: row for row in _ROSTER_PENDING.instances(band_ids=band_ids, now=now)}
    holds = live_hold_counts(band_ids=band_ids, now=now)
    return [
        RosterBand(
            agency=link.organisation,
            band=link.band,
            next_gigs=gigs.get(link.band_id, []),
            to_answer=pending.get(link.band_id, {}).get("to_answer", 0),
            waiting=pending.get(link.band_id, {}).get("waiting", 0),
            holds=holds.get(link.band_id, 0),
        )
        for link in links
    ]


# ---- An agency's roster page -----------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One band of an agency's roster with what waits on it: its next gigs, the holds that stand on it, the
    offers and requests it must answer, the contracts waiting for its signature and its money."""

    representation: Representation
    band: Band
    gigs: list[Booking]
    holds: list[Hold]
    answers: list[Booking]
    contracts: list[Contract]
    money: RosterMoney | None

    @property
    def nearest_hold(self) -> Hold | None:
        return self.holds[0] if self.holds else None


def agency_roster_rows(*, organisation: Organisation, now: dt.datetime) -> list[RosterRow]:
    """The bands an agency acts for now, by name, each with its next booked gigs, live holds, offers to
    answer, contracts to sign and money (each read by its own app's selector for all bands at once).
    Seven queries whatever the number of bands: the roster, gigs, holds, answers, contracts and two for
    money."""
    roster = agency_roster(organisation=organisation)
    band_ids = [entry.band.pk for entry in roster]
    gigs = bands_next_gigs(band_ids=band_ids, now=now)
    holds = live_holds_of_bands(band_ids=band_ids, now=now)
    answers = bands_waiting_answers(band_ids=band_ids, now=now)
    contracts = contracts_waiting_for_bands(band_ids=band_ids)
    money = bands_money(band_ids=band_ids, now=now)
    return [
        RosterRow(
            representation=entry.representation,
            band=entry.band,
            gigs=gigs.get(entry.band.pk, []),
            holds=holds.get(entry.band.pk, []),
            answers=answers.get(entry.band.pk, []),
            contracts=contracts.get(entry.band.pk, []),
            money=money.get(entry.band.pk),
        )
        for entry in roster
    ]


ROSTER_STATES = ("free", "partly", "busy", "booked", "held")
# The band calendar's day statuses as the roster's month names them.
_ROSTER_STATE_OF = {"green": "free", "amber": "partly", "partial": "partly", "red": "busy", "booked": "booked"}


@dataclass(frozen=True)
class RosterCell:
    day: dt.date
    state: str  # one of ROSTER_STATES
    label: str  # what the day is, in words: "Free", "2 of 3 free", "Held 1st: Kellerbar"
    is_past: bool


@dataclass(frozen=True)
class RosterMonthRow:
    band: Band
    cells: list[RosterCell]


def _cell_label(state: str, day, held: list) -> str:
    if state == "free":
        label = gettext("Free")
    elif state == "partly":
        label = gettext("%(free)s of %(needed)s needed free") % {"free": day.free_count, "needed": day.required_count}
    elif state == "busy":
        label = gettext("No one free")
    else:
        label = gettext("Booked")
    for mark in held:
        # Translators: e.g. "Held 1st: Kellerbar – Free".
        label = gettext("%(held)s: %(venue)s – %(day)s") % {"held": mark.label, "venue": mark.venue, "day": label}
    return label


def roster_month(*, bands: list[Band], month: dt.date, today: dt.date, now: dt.datetime) -> list[RosterMonthRow]:
    """The roster's green zones side by side for the month of `month`: for each band (in order) a cell a day,
    free, partly, busy or booked as the band's availability reads it (bands.calendar.bands_availability, in
    the band's own zone and gig hours), or held where a venue holds the band that day and it is not booked.
    Only whether a day works, never why: no member's busy time is named. Five queries whatever the number
    of bands: the members, their busy time, their gigs elsewhere, the bands' gigs, the holds."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    zones = bands_availability(bands=bands, first_day=first, last_day=last, today=today, month=first.month)
    held = bands_held_days(bands=bands, first_day=first, last_day=last, now=now)
    rows = []
    for band in bands:
        marks = held.get(band.pk, {})
        cells = []
        for day in zones[band.pk].days:
            state = _ROSTER_STATE_OF[day.status]
            on_day = marks.get(day.day, [])
            if on_day and state != "booked":
                state = "held"
            label = _cell_label(_ROSTER_STATE_OF[day.status], day, on_day if state == "held" else [])
            cells.append(RosterCell(day=day.day, state=state, label=label, is_past=day.is_past))
        rows.append(RosterMonthRow(band=band, cells=cells))
    return rows


ROSTER_PICKS = 8


def roster_band_matches(*, organisation: Organisation, text: str) -> list[Band]:
    """The bands of the agency's roster whose name contains `text` (all of them, up to a few, for no
    text; none for more than sixty characters). One query."""
    text = text.strip()
    if len(text) > 60:
        return []
    bands = [entry.band for entry in agency_roster(organisation=organisation)]
    folded = text.casefold()
    return [band for band in bands if folded in band.name.casefold()][:ROSTER_PICKS]


def roster_venue_matches(*, text: str) -> list[Venue]:
    """Approved venues whose name or city contains `text` (venues.selectors.venue_suggestions)."""
    return list(venue_suggestions(text=text, limit=ROSTER_PICKS))


def roster_booking(*, organisation: Organisation, uid: str) -> Booking | None:
    """A pending offer or request waiting for the answer of a band the agency acts for now (None otherwise),
    with what its answer reads."""
    return (
        Booking.objects.filter(
            band_answers_q(),
            uid=uid,
            band__representations__organisation=organisation,
            band__representations__status=LinkStatus.ACTIVE,
        )
        .select_related("band", "venue", "slot__stage", "client")
        .first()
    )


# ---- A newcomer's first steps (the dashboard) --------------------------------------------------------


def first_steps_done(*, user: User, here_for: str) -> dict:
    """What a newcomer has done of the first steps of `here_for` (accounts.HereFor), read in one query:
    each flag an EXISTS over the rows the step makes, and for an organiser their first organisation's slug
    (the address of its calls and festivals). Asked only for someone still getting started
    (stageslot/newcomers.py); the dashboards of everyone else never ask it."""
    mine = {"user_id": OuterRef("pk")}
    if here_for == HereFor.BAND:
        flags = {
            "busy": Exists(Rule.objects.filter(**mine))
            | Exists(ExternalCalendar.objects.filter(**mine))
            | Exists(ConnectedCalendar.objects.filter(**mine)),
        }
    elif here_for == HereFor.VENUE:
        flags = {
            "photo": Exists(VenuePhoto.objects.filter(venue__staff_roles__user_id=OuterRef("pk"))),
            "slot": Exists(Slot.objects.filter(venue__staff_roles__user_id=OuterRef("pk"))),
        }
    elif here_for == HereFor.BOOK:
        flags = {"follows": Exists(Follow.objects.filter(**mine))}
    elif here_for == HereFor.FESTIVAL:
        acting = {"organisation__members__user_id": OuterRef("pk"), "organisation__members__role__in": ACTING_ROLES}
        flags = {
            "org_slug": Subquery(
                Organisation.objects.filter(members__user_id=OuterRef("pk"), members__role__in=ACTING_ROLES)
                .order_by("name", "pk")
                .values("slug")[:1]
            ),
            "call": Exists(OpenCall.objects.filter(**acting)),
            "festival": Exists(Festival.objects.filter(**acting)),
        }
    elif here_for == HereFor.FAN:
        flags = {
            "follows": Exists(Follow.objects.filter(**mine)),
            "city": Exists(FanProfile.objects.filter(city__isnull=False, **mine)),
            "asks": Exists(Ask.objects.filter(**mine)),
        }
    else:
        return {}
    # Named apart from the user's own fields and relations ("follows" is one).
    row = User.objects.filter(pk=user.pk).values(**{f"step_{name}": flag for name, flag in flags.items()}).get()
    return {name.removeprefix("step_"): value for name, value in row.items()}
