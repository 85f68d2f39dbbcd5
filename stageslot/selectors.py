"""Reads for the pages that compose several apps."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from accounts.models import User
from accounts.prepared import CompiledSQL
from bands.models import Band, BandInvite, Membership
from bookings.models import Booking
from bookings.selectors.bookings import bookings_of
from holds.selectors import live_hold_counts
from reviews.models import REVIEW_WINDOW
from reviews.selectors import to_write_q
from teams.models import LinkStatus, Organisation, OrgInvite, OrgMember, Representation
from teams.selectors import acting_band_ids_query
from venues.models import VenueInvite, VenueStaff


def dashboard_memberships(*, user: User) -> QuerySet[Membership]:
    """The bands this person plays in, with the band loaded (one query)."""
    return Membership.objects.filter(user=user).select_related("band").order_by("band__name")


def dashboard_venue_roles(*, user: User) -> QuerySet[VenueStaff]:
    """The venues this person runs, with the venue loaded (one query)."""
    return VenueStaff.objects.filter(user=user).select_related("venue").order_by("venue__name")


# ---- Joining by invite link ------------------------------------------------------------------------


def invite_by_token(*, kind: str, token: str) -> BandInvite | VenueInvite | OrgInvite | None:
    """The band or venue invite (`kind`) with this token, with its band or venue and who created it."""
    models = {"band": BandInvite, "venue": VenueInvite, "team": OrgInvite}
    if kind not in models:
        return None
    related = "organisation" if kind == "team" else kind
    return models[kind].objects.select_related(related, "created_by").filter(token=token).first()


def invite_membership_of(
    *, kind: str, invite: BandInvite | VenueInvite | OrgInvite, user: User
) -> Membership | VenueStaff | OrgMember | None:
    """`user`'s place in the band or venue the invite leads into, if they have one already."""
    if kind == "band":
        return Membership.objects.filter(band_id=invite.band_id, user=user).first()
    if kind == "team":
        return OrgMember.objects.filter(organisation_id=invite.organisation_id, user=user).first()
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
    mine = Booking.objects.filter(
        bookings_of(user_id=user_id, band_ids=band_ids, venue_ids=venue_ids)
        | Q(band_id__in=acting_band_ids_query(user_id=user_id))
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
# compile than the database takes to answer it.
_RANKED_SQL = (
    "SELECT b_id, b_bucket, in_bucket, place, b_review, review_rank, reviews, as_client FROM ("
    " SELECT b_id, b_bucket, b_review,"
    " COUNT(*) OVER (PARTITION BY b_bucket) AS in_bucket,"
    " CASE WHEN b_bucket IN ({descending})"
    "  THEN ROW_NUMBER() OVER (PARTITION BY b_bucket ORDER BY b_starts DESC, b_id DESC)"
    "  ELSE ROW_NUMBER() OVER (PARTITION BY b_bucket ORDER BY b_starts, b_id) END AS place,"
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


def dashboard_roster(*, user: User, now: dt.datetime) -> list[RosterBand]:
    """The bands the agencies `user` belongs to (any role) act for now, by agency and band name, each
    with its next booked gigs, its pending bookings and its live holds. Four queries whatever the
    number of bands (one when `user` is in no agency): the roster, the next gigs, the pending counts
    and the holds."""
    links = list(
        Representation.objects.filter(
            status=LinkStatus.ACTIVE,
            organisation__kind=Organisation.Kind.AGENCY,
            organisation__members__user_id=user.pk,
        )
        .select_related("organisation", "band")
        .order_by("organisation__name", "band__name", "pk")
    )
    if not links:
        return []
    band_ids = sorted({link.band_id for link in links})
    gigs: dict[int, list[Booking]] = {band_id: [] for band_id in band_ids}
    rank = Window(RowNumber(), partition_by=[F("band_id")], order_by=[F("starts_at").asc(), F("pk").asc()])
    upcoming = (
        Booking.objects.filter(band_id__in=band_ids, status__in=Booking.ON, ends_at__gt=now)
        .select_related("band", "venue", "slot__stage")
        .annotate(rank=rank)
        .filter(rank__lte=ROSTER_GIGS)
        .order_by("band_id", "starts_at", "pk")
    )
    for booking in upcoming:
        gigs[booking.band_id].append(booking)
    band_side = (Booking.Kind.OFFER, Booking.Kind.REQUEST)
    pending = {
        row["band_id"]: row
        for row in Booking.objects.filter(band_id__in=band_ids, status=Booking.Status.PENDING, ends_at__gt=now)
        .order_by()
        .values("band_id")
        .annotate(
            to_answer=Count("pk", filter=Q(kind__in=band_side)),
            waiting=Count("pk", filter=Q(kind=Booking.Kind.APPLICATION)),
        )
    }
    holds = live_hold_counts(band_ids=band_ids, now=now)
    return [
        RosterBand(
            agency=link.organisation,
            band=link.band,
            next_gigs=gigs[link.band_id],
            to_answer=pending.get(link.band_id, {}).get("to_answer", 0),
            waiting=pending.get(link.band_id, {}).get("waiting", 0),
            holds=holds.get(link.band_id, 0),
        )
        for link in links
    ]
