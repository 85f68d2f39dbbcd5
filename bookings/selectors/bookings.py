"""Reads shared by the booking pages and services."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from availability import engine
from availability.models import BusyInterval
from bands.models import Band, BandBlock, Membership
from bands.selectors import BusyOverlaps
from bands.services import gig_window
from bands.travel import Point, journey, located_gigs, travel_clash
from core.db.prepared import CompiledSQL, fetch_rows
from teams.models import ACTING_ROLES, LinkStatus, OrgMember, Representation
from venues.models import Slot, Venue, VenueStaff

from ..models import Booking, BookingEvent


def status_stamp_key(booking_uid) -> str:
    """The name of a booking's status change stamp (core/caching/stamps.py): its words begin with the
    booking's sequence, and every change of status draws a new one (ending.booking_status_stamps_bump)."""
    return f"booking-status:{booking_uid}"


def required_member_ids(*, band_id: int) -> list[int]:
    """The members a band cannot play without (its green zone is theirs)."""
    return list(Membership.objects.filter(band_id=band_id, required=True).values_list("user_id", flat=True))


class FreeOfBusy(Func):
    """PostgreSQL: the row's [start, end) overlaps none of the members' busy time, merged once per query.

    The uncorrelated sub-select runs once (an InitPlan) and merges every busy interval of the members
    into one multirange; each row then costs one range-vs-multirange test instead of an index probe.
    """

    output_field = BooleanField()

    def __init__(self, start_ref: str, end_ref: str, member_ids: Collection[int]) -> None:
        super().__init__(F(start_ref), F(end_ref))
        self.member_ids = sorted(int(pk) for pk in member_ids)

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.get_source_expressions())
        table = connection.ops.quote_name(BusyInterval._meta.db_table)
        # Only compiled column names and our own table name are formatted in; values are parameters.
        merged = f"SELECT RANGE_AGG(TSTZRANGE(b.starts_at, b.ends_at)) FROM {table} b WHERE b.user_id = ANY(%s)"  # noqa: S608
        sql = f"NOT COALESCE(TSTZRANGE({start}, {end}) && ({merged}), FALSE)"
        return sql, [*start_params, *end_params, self.member_ids]


def free_for_band(*, member_ids: Collection[int], start_ref: str = "starts_at", end_ref: str = "ends_at"):
    """An annotation/filter for rows with a time span (slots, bookings): True when none of `member_ids`
    is busy at any moment of the row's [start, end) – the band's green zone covers it.

    On PostgreSQL the members' busy time is merged once per query (FreeOfBusy); elsewhere one
    NOT EXISTS per row over the busy intervals' (user, starts_at, ends_at) index.
    """
    if connection.vendor == "postgresql":
        return FreeOfBusy(start_ref, end_ref, member_ids)
    busy = BusyInterval.objects.filter(BusyOverlaps(OuterRef(start_ref), OuterRef(end_ref)), user_id__in=member_ids)
    return ~Exists(busy)


def band_free_between(
    *, band_id: int, start: dt.datetime, end: dt.datetime, exclude_block_id: int | None = None
) -> bool:
    """Whether every required member of the band is free for all of [start, end). One query."""
    busy = BusyInterval.objects.filter(
        BusyOverlaps(start, end),
        user_id__in=Membership.objects.filter(band_id=band_id, required=True).values("user_id"),
    )
    if exclude_block_id is not None:
        busy = busy.exclude(source__in=("band_block", "gig"), source_id=exclude_block_id)
    return not busy.exists()


def band_free_for_gig(*, band, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether every required member of `band` is free for a gig from `start` to `end` with the band's
    load-in before and pack-down after: what accepting it checks (bands.services.gig_window). One query."""
    padded_start, padded_end = gig_window(band, start, end)
    return band_free_between(band_id=band.pk, start=padded_start, end=padded_end)


@dataclass(frozen=True)
class MemberBusy:
    """A required member who is busy during a gig's window: who, and their first busy time in it."""

    user_id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    gig: bool  # the busy time is another gig (of this band or any other they play in)
    travel: dt.timedelta | None = None  # busy for the journey to or from another gig elsewhere
    required: bool = True  # a required member of the band (read with `everyone`)


def booking_point(booking: Booking) -> Point | None:
    """Where the gig is played: its slot's point (the venue's, or a hosted show's place), else its
    venue's; None for a client's own place, which has no point."""
    for where in (booking.slot if booking.slot_id else None, booking.venue if booking.venue_id else None):
        if where is not None and where.latitude is not None and where.longitude is not None:
            return (where.latitude, where.longitude)
    return None


GIG_SOURCES = ("band_block", "gig")


def members_busy_between(
    *,
    band_id: int,
    start: dt.datetime,
    end: dt.datetime,
    exclude_block_id: int | None = None,
    point: Point | None = None,
    speed_kmh: int = 70,
    everyone: bool = False,
) -> list[MemberBusy]:
    """The band's required members (`everyone`: all its members, each with whether they are required,
    bookings.services.checks.gig_fit) who are busy at some moment of [start, end), in name order, each
    with the first of their busy intervals there. Empty when the band can play then. One query; with
    the gig's `point`, their gigs elsewhere count with the journey from or to it (bands.travel), two
    more (and the names of members kept only by a journey, one more).

    What the busy time comes from beyond "another gig" is the member's own (a private calendar, a
    weekly rule) and is not said."""
    members = Membership.objects.filter(band_id=band_id)
    required = (members if everyone else members.filter(required=True)).values("user_id")
    needed: set[int] | None = None
    if point is not None:
        pairs = list((members if everyone else members.filter(required=True)).values_list("user_id", "required"))
        required = [user_id for user_id, _required in pairs]
        needed = {user_id for user_id, is_required in pairs if is_required}
    busy = (
        BusyInterval.objects.filter(
            BusyOverlaps(start, end),
            user_id__in=required,
        )
        .select_related("user")
        .order_by("user_id", "starts_at")
    )
    if everyone:  # who of them is required, read in the same query
        busy = busy.annotate(
            member_required=Exists(members.filter(user_id=OuterRef("user_id"), required=True)),
        )
    if exclude_block_id is not None:
        busy = busy.exclude(source__in=GIG_SOURCES, source_id=exclude_block_id)
    first: dict[int, MemberBusy] = {}
    for row in busy:
        is_gig = row.source == BusyInterval.Source.GIG
        # Each member's first busy time, or their first other gig where they have one: a member who plays
        # another gig then is named with it (and sits a gig booked anyway out: checks.gig_fit).
        if row.user_id not in first or (is_gig and not first[row.user_id].gig):
            first[row.user_id] = MemberBusy(
                user_id=row.user_id,
                name=row.user.name,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                gig=is_gig,
                required=getattr(row, "member_required", True),
            )
    if point is not None:
        gigs = located_gigs(user_ids=required, start=start, end=end, exclude_block_id=exclude_block_id)
        by_user: dict[int, list] = {}
        for gig in gigs:
            if gig.user_id not in first:
                by_user.setdefault(gig.user_id, []).append(gig)
        clashes = {
            user_id: clash
            for user_id, mine in by_user.items()
            if (clash := travel_clash(mine, point=point, speed_kmh=speed_kmh, start=start, end=end))
        }
        names = {user.pk: user.name for user in User.objects.filter(pk__in=list(clashes))} if clashes else {}
        for user_id, clash in clashes.items():
            first[user_id] = MemberBusy(
                user_id=user_id,
                name=names.get(user_id, ""),
                starts_at=clash.starts_at,
                ends_at=clash.ends_at,
                gig=True,
                travel=journey(clash.point, point, speed_kmh),
                required=needed is None or user_id in needed,
            )
    return sorted(first.values(), key=lambda member: member.name.casefold())


def person_gig_overlapping(
    *,
    user_id: int,
    start: dt.datetime,
    end: dt.datetime,
    exclude_block_id: int | None = None,
    exclude_band_id: int | None = None,
) -> BusyInterval | None:
    """The first of the person's gigs (of any band they play in, as a member or a stand-in) that takes
    their time at some moment of [start, end), the gig of `exclude_block_id` and the gigs of
    `exclude_band_id` aside; None when they play no other gig then. One query."""
    busy = BusyInterval.objects.filter(BusyOverlaps(start, end), user_id=user_id, source=BusyInterval.Source.GIG)
    if exclude_block_id is not None:
        busy = busy.exclude(source_id=exclude_block_id)
    if exclude_band_id is not None:
        busy = busy.exclude(source_id__in=BandBlock.objects.filter(band_id=exclude_band_id).values("pk"))
    return busy.order_by("starts_at").first()


def gig_days_taken(
    *, band_ids: Collection[int], start: dt.datetime, end: dt.datetime | None = None
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Per band that takes one gig a day: the local days (in the band's zone, as UTC [start, end)
    intervals) on which one of its booked gigs starts, for gigs starting in [start, end) (no end: from
    `start` on). A slot
    starting in one of them is not one the band can play, even when its members are free then: the
    calendar's "any time" rule (availability.engine.gig_days), where a gig belongs to the day it
    starts on. One query; bands that take two gigs a day are left out."""
    if not band_ids:
        return {}
    rows = Booking.objects.filter(
        band_id__in=list(band_ids),
        band__two_gigs_a_day=False,
        status__in=Booking.PLAYED,
        starts_at__gte=start,
    )
    if end is not None:
        rows = rows.filter(starts_at__lt=end)
    rows = rows.values_list("band_id", "starts_at", "band__time_zone")
    out: dict[int, set] = {}
    for band_id, starts_at, zone in rows:
        tz = engine.zone(zone)
        out.setdefault(band_id, set()).add(engine.day_bounds(starts_at.astimezone(tz).date(), tz))
    return {band_id: sorted(days) for band_id, days in out.items()}


def starts_in(days: Collection[tuple[dt.datetime, dt.datetime]], field: str = "starts_at") -> Q:
    """Rows whose `field` falls in one of the [start, end) `days`; matches nothing when there are none."""
    q = Q(pk__in=[])
    for start, end in days:
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def bookings_with_band_free() -> Q:
    """For bookings: True when the band's required members are all free during the booking.

    The band of each row differs, so the member set is a correlated subquery.
    """
    members = Membership.objects.filter(band_id=OuterRef(OuterRef("band_id")), required=True).values("user_id")
    busy = BusyInterval.objects.filter(BusyOverlaps(OuterRef("starts_at"), OuterRef("ends_at")), user_id__in=members)
    return ~Exists(busy)


# What the booking's page shows of its neighbours (an action reads less: booking_for_action).
PAGE_RELATED = ("band", "venue", "slot__stage", "client", "requested_by")


@dataclass(frozen=True)
class Standing:
    """Where one person stands in one booking: their role in its band (None: not a member), whether
    they staff its venue, and whether they lead or run the headliner that picks this support act (a
    show whose support places its headliner fills). Read in one query beside the booking by
    booking_for_viewer, so the checks of who may see and who may answer ask the database nothing more."""

    user_id: int
    band_role: str | None
    venue_staff: bool
    picks_support: bool = False
    agent: bool = False  # acts for the band through an agency (teams), as its leaders do

    @property
    def manages_band(self) -> bool:
        return self.agent or self.band_role in (Membership.Role.LEADER, Membership.Role.ADMIN)


def standing_of(booking: Booking, user: User) -> Standing | None:
    """The Standing read with `booking` if it is `user`'s, else None (then ask the database)."""
    standing = getattr(booking, "standing", None)
    return standing if standing is not None and standing.user_id == user.pk else None


# Where the viewer stands, in one round trip of two indexed lookups. Written out: the same question
# through the ORM (a subquery and an Exists annotated on the booking) costs more to compile than the
# booking's own query, and every action on a booking asks it first.
_STANDING_SQL = (
    "SELECT (SELECT m.role FROM {membership} m WHERE m.band_id = %s AND m.user_id = %s), "
    "EXISTS (SELECT 1 FROM {staff} s WHERE s.venue_id = %s AND s.user_id = %s), "
    "EXISTS (SELECT 1 FROM {membership} p WHERE p.band_id = %s AND p.user_id = %s AND p.role IN (%s, %s)), "
    "EXISTS (SELECT 1 FROM {representation} r JOIN {org_member} om ON om.organisation_id = r.organisation_id "
    "WHERE r.band_id = %s AND r.status = %s AND om.user_id = %s AND om.role IN (%s, %s))"
)


def standing_in(booking: Booking, user: User) -> Standing:
    """`user`'s Standing in `booking`: one query."""
    qn = connection.ops.quote_name
    sql = _STANDING_SQL.format(
        membership=qn(Membership._meta.db_table),
        staff=qn(VenueStaff._meta.db_table),
        representation=qn(Representation._meta.db_table),
        org_member=qn(OrgMember._meta.db_table),
    )
    params = [booking.band_id, user.pk, booking.venue_id, user.pk, booking.picker_band_id, user.pk]
    params += [Membership.Role.LEADER, Membership.Role.ADMIN, booking.band_id]
    params += [LinkStatus.ACTIVE.value, user.pk, *(role.value for role in ACTING_ROLES)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        role, staff, picks, agent = cursor.fetchone()
    return Standing(user.pk, role, bool(staff), bool(picks), bool(agent))


def _part_of(booking: Booking, standing: Standing, user: User) -> bool:
    """Whether `user` is part of `booking`: its client, a member of its band, its venue's staff, or a
    leader or admin of the headliner that picks it."""
    return (
        booking.client_id == user.pk
        or standing.band_role is not None
        or standing.venue_staff
        or standing.picks_support
        or standing.agent
    )


def booking_for_viewer(*, uid, user: User, related: tuple[str, ...] = PAGE_RELATED) -> Booking | None:
    """The booking if `user` is part of it (a member of the band, the venue's staff, the client), else None;
    with their Standing in it kept as `booking.standing` for the checks that follow."""
    if not user.is_authenticated:
        return None
    booking = Booking.objects.select_related(*related).filter(uid=uid).first()
    if booking is None:
        return None
    standing = booking.standing = standing_in(booking, user)
    return booking if _part_of(booking, standing, user) else None


# An action's booking with the viewer's standing and the names its answer shows, in one round trip.
# Written out: through the ORM (select_related of the band, then the standing) the same read cost
# 2–3 ms of CPU to compile and unpack, on every click of every racer; this costs about 0.5 ms.
_ACTION_SQL = (
    "SELECT {fields}, band.name AS band_name_, venue.name AS venue_name_, "
    "client.display_name AS client_display_name_, client.email AS client_email_, "
    "(SELECT m.role FROM {membership} m WHERE m.band_id = b.band_id AND m.user_id = %s) AS viewer_band_role_, "
    "EXISTS (SELECT 1 FROM {staff} s WHERE s.venue_id = b.venue_id AND s.user_id = %s) AS viewer_venue_staff_, "
    "EXISTS (SELECT 1 FROM {membership} p WHERE p.band_id = b.picker_band_id AND p.user_id = %s "
    "AND p.role IN (%s, %s)) AS viewer_picks_support_, "
    "EXISTS (SELECT 1 FROM {representation} r JOIN {org_member} om ON om.organisation_id = r.organisation_id "
    "WHERE r.band_id = b.band_id AND r.status = %s AND om.user_id = %s AND om.role IN (%s, %s)) AS viewer_agent_ "
    "FROM {booking} b JOIN {band} band ON band.id = b.band_id "
    "LEFT JOIN {venue} venue ON venue.id = b.venue_id LEFT JOIN {user} client ON client.id = b.client_id "
    "WHERE b.uid = %s"
)
_ACTION_EXTRA = (
    "band_name_",
    "venue_name_",
    "client_display_name_",
    "client_email_",
    "viewer_band_role_",
    "viewer_venue_staff_",
    "viewer_picks_support_",
    "viewer_agent_",
)


def _loaded(model, db: str, **values):
    """A `model` row with only these fields read (as .only() would give it: the rest is read when first used)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


# The action read's SQL and its columns, by database vendor: the booking's columns are named one by one (in
# the model's order) so that neither the driver nor the ORM works out what a row holds on each read.
_ACTION_READS: dict[str, tuple[str, tuple[str, ...]]] = {}


def _action_sql(connection) -> tuple[str, tuple[str, ...]]:
    read = _ACTION_READS.get(connection.vendor)
    if read is None:
        qn = connection.ops.quote_name
        own = tuple(field.column for field in Booking._meta.concrete_fields)
        sql = _ACTION_SQL.format(
            fields=", ".join(f"b.{qn(column)}" for column in own),
            booking=qn(Booking._meta.db_table),
            band=qn(Band._meta.db_table),
            venue=qn(Venue._meta.db_table),
            user=qn(User._meta.db_table),
            membership=qn(Membership._meta.db_table),
            staff=qn(VenueStaff._meta.db_table),
            representation=qn(Representation._meta.db_table),
            org_member=qn(OrgMember._meta.db_table),
        )
        read = _ACTION_READS[connection.vendor] = (sql, own + _ACTION_EXTRA)
    return read


def booking_for_action(*, uid, user: User) -> Booking | None:
    """booking_for_viewer for an action on the booking (accept, decline, withdraw, cancel…): the booking
    if `user` is part of it, with their Standing as `booking.standing`, in one query. Its band, venue
    and client carry only their names (booking_title; any other field is read when first used): the
    services lock and read again what they change, and the page drawn after an action reads anew."""
    if not user.is_authenticated:
        return None
    sql, columns = _action_sql(connection)
    uid_value = Booking._meta.get_field("uid").get_db_prep_value(uid, connection)
    leading = [Membership.Role.LEADER.value, Membership.Role.ADMIN.value]
    acting = [LinkStatus.ACTIVE.value, user.pk, *(role.value for role in ACTING_ROLES)]
    params = [user.pk, user.pk, user.pk, *leading, *acting, uid_value]
    found = fetch_rows(sql, params, model=Booking, columns=columns)
    if not found.rows:
        return None
    (booking,) = found.instances(Booking)
    row = found.rows[0]
    read = dict(zip(_ACTION_EXTRA, row[len(columns) - len(_ACTION_EXTRA) :], strict=True))  # beside the booking's
    standing = booking.standing = Standing(
        user.pk,
        read["viewer_band_role_"],
        bool(read["viewer_venue_staff_"]),
        bool(read["viewer_picks_support_"]),
        bool(read["viewer_agent_"]),
    )
    db = booking._state.db
    booking.band = _loaded(Band, db, id=booking.band_id, name=read["band_name_"])
    if booking.venue_id:
        booking.venue = _loaded(Venue, db, id=booking.venue_id, name=read["venue_name_"])
    if booking.client_id:
        name, email = read["client_display_name_"], read["client_email_"]
        booking.client = _loaded(User, db, id=booking.client_id, display_name=name, email=email)
    return booking if _part_of(booking, standing, user) else None


# The band's first gig on at some moment of a time span: booking checks ask it before and again under
# the locks, and every loser of an accept race asks it; written out, as the ORM's compile of the
# same query cost ten times its run.
_BAND_ON_SQL = (
    "SELECT id, starts_at, ends_at FROM {booking} WHERE band_id = %s AND status IN (%s, %s) "
    "AND ends_at > %s AND starts_at < %s ORDER BY starts_at, id LIMIT 1"
)
_BAND_ON_COLUMNS = ("id", "starts_at", "ends_at")


def band_gig_overlapping(*, band_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> Booking | None:
    """The band's earliest booking that is on (BOOKED or IN_PROGRESS) at some moment of [starts_at,
    ends_at), else None; only its id and times are read. One query over the (band, status,
    starts_at) index."""
    sql = _BAND_ON_SQL.format(booking=connection.ops.quote_name(Booking._meta.db_table))
    params = [band_id, *(status.value for status in Booking.ON), starts_at, ends_at]
    found = fetch_rows(sql, params, model=Booking, columns=_BAND_ON_COLUMNS).instances(Booking)
    return found[0] if found else None


def booking_events(*, booking: Booking) -> QuerySet[BookingEvent]:
    return BookingEvent.objects.filter(booking=booking).select_related("actor").order_by("created_at", "pk")


class InSubquery(Func):
    """`column IN (subquery)` that an OR beside other indexed columns can still answer from indexes.

    PostgreSQL plans `a = 1 OR b IN (SELECT …)` as a hashed subplan tested on every row of the table (a
    sequential scan, decision 0088); written `b = ANY(ARRAY(SELECT …))` the subquery runs once first (an
    InitPlan) and each branch of the OR is an index scan. Elsewhere it is the plain IN. Use as a filter:
    `Q(InSubquery(F("band_id"), Subquery(ids)))`."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (column, subquery) = self.get_source_expressions()
        lhs, lhs_params = compiler.compile(column)
        rhs, rhs_params = compiler.compile(subquery)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def bookings_of(*, user_id: int, band_ids: Collection[int], venue_ids: Collection[int]) -> Q:
    """The bookings of these bands and venues and the person's own private requests: a plain OR over
    three indexed columns, no join. The database answers it from the (band, …), (venue, …) and
    (client, …) indexes, so its cost follows the person's bookings, not the site's; and a booking
    that is both (one's own band at one's own venue) comes once."""
    q = Q(client_id=user_id)
    if band_ids:
        q |= Q(band_id__in=sorted(band_ids))
    if venue_ids:
        q |= Q(venue_id__in=sorted(venue_ids))
    return q


def slots_public() -> QuerySet[Slot]:
    """Slots anyone may see: public, at approved venues or hosted by approved bands."""
    return Slot.objects.filter(
        Q(venue__status="approved") | Q(host_band__status="approved"), visibility=Slot.Visibility.PUBLIC
    )


def band_players(band_id: int) -> list[User]:
    """Every member of a band: a booked or cancelled gig concerns them all."""
    return list(User.objects.filter(memberships__band_id=band_id).order_by("pk"))


def venue_team(venue_id: int) -> list[User]:
    return list(User.objects.filter(venue_roles__venue_id=venue_id).order_by("pk"))


def venue_teams(venue_ids: Collection[int]) -> dict[int, list[User]]:
    """venue_team of many venues in one query: {venue id: its staff} (every id a key)."""
    found: dict[int, list[User]] = {pk: [] for pk in venue_ids}
    people = (
        User.objects.filter(venue_roles__venue_id__in=list(found))
        .annotate(of_venue=F("venue_roles__venue_id"))
        .order_by("pk")
    )
    for user in people:
        found[user.of_venue].append(user)
    return found


def can_manage_band(band_id: int, user: User) -> bool:
    """`user` leads or runs the band, or acts for it through an agency (teams) on the booking side."""
    if not getattr(user, "is_authenticated", False):
        return False
    leads = Membership.objects.filter(
        band_id=band_id, user_id=user.pk, role__in=(Membership.Role.LEADER, Membership.Role.ADMIN)
    )
    acts = Representation.objects.filter(
        band_id=band_id,
        status=LinkStatus.ACTIVE,
        organisation__members__user_id=user.pk,
        organisation__members__role__in=ACTING_ROLES,
    )
    return Band.objects.filter(pk=band_id).filter(Exists(leads) | Exists(acts)).exists()


def is_venue_staff(venue_id: int, user: User) -> bool:
    return VenueStaff.objects.filter(venue_id=venue_id, user_id=user.pk).exists()


def side_of(booking: Booking, user: User) -> str | None:
    """Which side of the booking `user` may act for: "band" (leaders, admins), "venue", "client", or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if booking.client_id == user.pk:
        return "client"
    if booking.venue_id and staffs_venue_of(booking, user):
        return "venue"
    if manages_band_of(booking, user):
        return "band"
    if booking.picker_band_id and picks_support_of(booking, user):
        return "headliner"
    return None


def manages_band_of(booking: Booking, user: User) -> bool:
    """`user` leads or runs the booking's band (from its Standing when read with it)."""
    standing = standing_of(booking, user)
    return standing.manages_band if standing is not None else can_manage_band(booking.band_id, user)


def picks_support_of(booking: Booking, user: User) -> bool:
    """`user` leads or runs the headliner that answers this support application (from its Standing)."""
    if not booking.picker_band_id:
        return False
    standing = standing_of(booking, user)
    return standing.picks_support if standing is not None else can_manage_band(booking.picker_band_id, user)


def staffs_venue_of(booking: Booking, user: User) -> bool:
    """`user` is on the staff of the booking's venue (from its Standing when read with it)."""
    if not booking.venue_id:
        return False
    standing = standing_of(booking, user)
    return standing.venue_staff if standing is not None else is_venue_staff(booking.venue_id, user)


# ---- An agency's roster: many bands at once ----------------------------------------------------------

ROSTER_GIGS = 3


# What a line naming a gig reads (its title, time, place and state), for bands_next_gigs(lines=True).
GIG_LINE_FIELDS = (
    *("uid", "kind", "role", "status", "event_type", "location", "starts_at", "ends_at", "client_id"),
    *("band_id", "venue_id", "picker_band_id", "band__name", "venue__name"),
)


def _next_gigs(*, band_ids: list[int], now: dt.datetime, per_band: int, lines: bool) -> QuerySet[Booking]:
    rank = Window(RowNumber(), partition_by=[F("band_id")], order_by=[F("starts_at").asc(), F("pk").asc()])
    gigs = Booking.objects.filter(band_id__in=band_ids, status__in=Booking.ON, ends_at__gt=now)
    if lines:
        gigs = gigs.select_related("band", "venue").only(*GIG_LINE_FIELDS)
    else:
        gigs = gigs.select_related("band", "venue", "slot__stage", "client")
    return gigs.annotate(rank=rank).filter(rank__lte=per_band).order_by("band_id", "starts_at", "pk")


# Compiled once per number of bands: an agent's dashboard and roster ask on every request.
_NEXT_GIGS = CompiledSQL(_next_gigs)


def bands_next_gigs(
    *, band_ids: Collection[int], now: dt.datetime, per_band: int = ROSTER_GIGS, lines: bool = False
) -> dict[int, list]:
    """The next `per_band` booked gigs of each band (on now or to come), soonest first, with band, venue,
    slot and client (bands with none are left out); with `lines`, only what a line naming the gig reads
    (GIG_LINE_FIELDS, with band and venue). One query, whatever the number of bands and gigs."""
    if not band_ids:
        return {}
    out: dict[int, list[Booking]] = {}
    for booking in _NEXT_GIGS.instances(band_ids=sorted(band_ids), now=now, per_band=per_band, lines=lines):
        out.setdefault(booking.band_id, []).append(booking)
    return out


def band_answers_q() -> Q:
    """Pending bookings the band answers (Booking.answering_side == "band"): a venue's offer or a client's
    request, not a support application its headliner picks."""
    return Q(
        status=Booking.Status.PENDING,
        kind__in=(Booking.Kind.OFFER, Booking.Kind.REQUEST),
        picker_band__isnull=True,
    )


def bands_waiting_answers(*, band_ids: Collection[int], now: dt.datetime) -> dict[int, list[Booking]]:
    """Offers and requests still waiting for each band's answer, soonest gig first, with venue, slot and
    client (bands with none are left out). One query."""
    if not band_ids:
        return {}
    rows = (
        Booking.objects.filter(band_answers_q(), band_id__in=band_ids, starts_at__gt=now)
        .select_related("band", "venue", "slot__stage", "client", "requested_by")
        .order_by("starts_at", "pk")
    )
    out: dict[int, list[Booking]] = {}
    for booking in rows:
        out.setdefault(booking.band_id, []).append(booking)
    return out
