"""Reads of the gig finder and the public slot page."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan

from accounts.blocks import hidden_from
from accounts.models import PartyKind, User
from availability.models import BusyInterval
from bands.calendar import bands_fielded_between
from bands.models import ApprovalStatus, Band, Membership
from bands.selectors import BusyOverlaps, JourneyMeets, cached_search_list, genres_all
from bands.services import gig_window
from bands.travel import JourneyMinutes, located_gigs, reach_q
from places.near import Near, near_filter
from venues.models import Slot, VenueStaff

from ..models import Booking
from .bookings import free_for_band, gig_days_taken, slots_public, starts_in
from .radius import radius_barred_q

ROLE_HEADLINER = Booking.Role.HEADLINER
ROLE_SUPPORT = Booking.Role.SUPPORT
SUPPORT_CALL = "support_call"
MANAGER_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)
# Slots a band with a minimum line-up has read through it at most, in start order; later ones stay as the
# SQL reads them (its named members free) until the search comes nearer.
MOST_LINEUP_SLOTS = 2000


def _manager_first() -> Case:
    return Case(When(role__in=MANAGER_ROLES, then=Value(0)), default=Value(1), output_field=IntegerField())


def finder_bands_of(*, user: User) -> list[Band]:
    """The bands `user` plays in, the ones they lead or administer first, then by name.

    Each band carries `can_manage`. One query; an anonymous visitor has none.
    """
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(user_id=user.pk)
        .select_related("band")
        .annotate(rank=_manager_first())
        .order_by("rank", "band__name", "band_id")
    )
    bands = []
    for membership in memberships:
        membership.band.can_manage = membership.can_manage
        bands.append(membership.band)
    return bands


def finder_countries(*, now: dt.datetime) -> list[str]:
    """Country codes of the venues that have upcoming public slots, for the country filter (cached, as
    bands.selectors.listing_countries: a slot that started in the last minutes may keep its country)."""
    return cached_search_list(
        "search-lists:countries:slot",
        lambda: (
            slots_public()
            .filter(starts_at__gt=now, venue__isnull=False)
            .exclude(venue__country="")
            .order_by("venue__country")
            .values_list("venue__country", flat=True)
            .distinct()
        ),
    )


def slots_out_of_reach_q(
    *,
    member_ids: list[int],
    start: dt.datetime,
    end: dt.datetime | None,
    load_in: dt.timedelta,
    pack_down: dt.timedelta,
    speed_kmh: int,
) -> Q | None:
    """The slots that a band with these required members cannot play for the journey between them and a
    member's other gig elsewhere, as a condition on the slot's row (None: no such gig): the slot with its
    load-in and pack-down meets a gig widened by the journey from the gig's point to the slot's
    (bands.travel.travel_clash, in SQL: JourneyMinutes, JourneyMeets). Gigs are those near the slots
    starting in [start, end) (no end: from `start` on). One query, for the members' gigs with a point;
    the slots are not read here, so the finder's cost follows the page it shows, not the slots around
    the gigs nationwide (decision 0092)."""
    if not member_ids:
        return None
    far_end = end or start + dt.timedelta(days=3 * 366)
    gigs = located_gigs(user_ids=member_ids, start=start - load_in, end=far_end + pack_down)
    # The same gig is one row per member: one condition each.
    places = sorted({(gig.starts_at, gig.ends_at, gig.point) for gig in gigs})
    if not places:
        return None
    clash = Q(pk__in=[])
    for gig_start, gig_end, (lat, lon) in places:
        trip = JourneyMinutes(lat, lon, F("latitude"), F("longitude"), speed_kmh)
        # [starts_at - load_in, ends_at + pack_down) meets [gig_start - trip, gig_end + trip).
        clash |= Q(GreaterThan(trip, 0)) & Q(JourneyMeets(trip, gig_start - pack_down, gig_end + load_in))
    return clash


def finder_slots(
    *,
    now: dt.datetime,
    starts_from: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    city: str = "",
    region: str = "",
    country: str = "",
    genres: Sequence[str] = (),
    fee_min: int | None = None,
    role: str = "",
    include_booked: bool = False,
    band_id: int | None = None,
    playable: bool = False,
    min_rating: float | None = None,
    sort: str = "soonest",
    near: Near | None = None,
) -> QuerySet[Slot]:
    """Upcoming public slots at approved venues, soonest first, matching every filter given.

    - starts_from / starts_before: aware bounds on the start (the viewer's days, turned into UTC).
    - city / region: the start of the venue's, any case; country: ISO code.
    - genres: slugs; a slot wanting any of them matches, and so does a slot that wants no genre.
    - fee_min: slots offering at least that much; negotiable slots (no fee) stay in, since the fee
      is open to talk. Currencies are not converted.
    - role: "headliner" or "support": slots where that place is still open; "support_call": the
      shows whose headliner is looking for support acts (Slot.support_call_q).
    - include_booked: also fully booked slots; otherwise only "Booking open" and "Need support".
    - band_id: annotate `band_free` (every required member of the band is free for the whole
      slot with the band's load-in before and pack-down after, computed in the database: one NOT
      EXISTS per row, and – unless the band takes two gigs
      a day – the slot does not start on a day the band already plays, one query before) and
      `my_status` / `my_kind` (the band's live booking on the slot, if any). `playable` keeps only
      the slots where `band_free` and that lie within the band's reach: no further from its home than
      its `travel_km` (bands.travel.reach_q; a band that gives neither, or a slot without a point, is
      not held back by it).
    - min_rating: the venue's average stars at least this (venues without reviews are left out).
    - near: a city and a radius (km, or None for any distance): slots whose point (their venue's,
      or a hosted show's city) lies within it, each with `distance_km`; slots without a point are
      left out. On the slot's own indexed point (venues_slot_open_point), not through the venue.
    - sort: "soonest" (default), "rating": the venue's Bayesian score first (docs/decisions/0018),
      unrated venues last, then soonest; or "distance" (with near): nearest first, then soonest.
    """
    qs = slots_public().filter(starts_at__gt=now, cancelled_at__isnull=True)
    wanted = Slot.status_q(Slot.Status.OPEN) | Slot.status_q(Slot.Status.NEED_SUPPORT)
    if include_booked:
        wanted |= Slot.status_q(Slot.Status.BOOKED)
    qs = near_filter(qs.filter(wanted), near)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    # A show a band hosts is where its place is: a venue on StageSlot, or the city typed in.
    if city:
        city = city.strip()
        qs = qs.filter(
            Q(venue__city__istartswith=city)
            | Q(venue__isnull=True, place_venue__city__istartswith=city)
            | Q(venue__isnull=True, place_venue__isnull=True, place_city__istartswith=city)
        )
    if region:
        qs = qs.filter(
            Q(venue__region__istartswith=region.strip())
            | Q(venue__isnull=True, place_venue__region__istartswith=region.strip())
        )
    if country:
        qs = qs.filter(Q(venue__country=country) | Q(venue__isnull=True, place_venue__country=country))
    if genres:
        through = Slot.genres.through
        wants_one = Exists(through.objects.filter(slot_id=OuterRef("pk"), genre__slug__in=list(genres)))
        wants_any = ~Exists(through.objects.filter(slot_id=OuterRef("pk")))
        qs = qs.filter(wants_one | wants_any)
    if fee_min is not None:
        qs = qs.filter(Q(fee__gte=fee_min) | Q(fee__isnull=True))
    if min_rating is not None:
        qs = qs.filter(venue__rating_average__gte=min_rating)
    if role == ROLE_HEADLINER:
        qs = qs.filter(headliner_booked=0)
    elif role == ROLE_SUPPORT:
        qs = qs.filter(supports_booked__lt=F("support_places"))
    elif role == SUPPORT_CALL:
        qs = qs.filter(Slot.support_call_q())
    if band_id is not None:
        live = Booking.objects.filter(slot_id=OuterRef("pk"), band_id=band_id, status__in=Booking.LIVE)
        # The slot with the band's load-in before and pack-down after (bands.services.gig_window):
        # the span the accept check reads, so the finder offers only what can be accepted.
        # One query for the required members and the band's minutes (no required member: nobody busy).
        band_columns = (
            "lineup",
            "load_in_minutes",
            "pack_down_minutes",
            "travel_speed_kmh",
            "latitude",
            "longitude",
            "travel_km",
        )
        rows = list(
            Membership.objects.filter(band_id=band_id, required=True).values_list(
                "user_id", *(f"band__{name}" for name in band_columns)
            )
        )
        member_ids = [row[0] for row in rows]
        if rows:
            lineup, load_in, pack_down, speed_kmh, home_lat, home_lon, travel_km = rows[0][1:]
        else:
            # No required member: nobody is busy, but the band's reach still holds (one more query).
            lineup, load_in, pack_down, speed_kmh, home_lat, home_lon, travel_km = Band.objects.filter(
                pk=band_id
            ).values_list(*band_columns).first() or ({}, 0, 0, 70, None, None, None)
        qs = qs.alias(
            busy_from=ExpressionWrapper(
                F("starts_at") - Value(dt.timedelta(minutes=load_in), output_field=DurationField()),
                output_field=DateTimeField(),
            ),
            busy_until=ExpressionWrapper(
                F("ends_at") + Value(dt.timedelta(minutes=pack_down), output_field=DurationField()),
                output_field=DateTimeField(),
            ),
        )
        free = free_for_band(member_ids=member_ids, start_ref="busy_from", end_ref="busy_until")
        # A slot too far from a member's other gig to get there (or back) in time (bands.travel).
        too_far = slots_out_of_reach_q(
            member_ids=member_ids,
            start=starts_from or now,
            end=starts_before,
            load_in=dt.timedelta(minutes=load_in),
            pack_down=dt.timedelta(minutes=pack_down),
            speed_kmh=speed_kmh,
        )
        if too_far is not None:
            free = Case(When(too_far, then=Value(False)), default=free, output_field=BooleanField())
        # From two days back: a gig that started earlier today still takes the rest of its day.
        taken = gig_days_taken(band_ids=[band_id], start=now - dt.timedelta(days=2), end=None)
        if taken:
            free = Case(When(starts_in(taken[band_id]), then=Value(False)), default=free, output_field=BooleanField())
        if lineup:
            free = _fielded_by_lineup(qs, band_id, free)
        qs = qs.annotate(
            band_free=free,
            my_status=Subquery(live.values("status")[:1]),
            my_kind=Subquery(live.values("kind")[:1]),
        )
        if playable:
            qs = qs.filter(band_free=True)
            # Not where a standing radius clause of the band bars it (bookings.services.radius, its SQL twin).
            qs = qs.exclude(radius_barred_q(band_id=band_id, start=starts_from or now))
            if travel_km is not None and home_lat is not None and home_lon is not None:
                # Not further from home than the band travels (bands.travel.reach_q); a slot without
                # a point is not known to be too far.
                reached = reach_q(
                    home_lat=home_lat, home_lon=home_lon, travel_km=travel_km, lat=F("latitude"), lon=F("longitude")
                )
                qs = qs.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True) | reached)
    order = ("starts_at", "pk")
    if sort == "rating":
        order = ("-venue__rating_score", *order)
    elif sort == "distance" and near is not None:
        order = ("distance_km", *order)
    return (
        qs.select_related("venue", "stage", "host_band", "place_venue")
        .prefetch_related(Prefetch("genres", queryset=genres_all()))
        .order_by(*order)
    )


# ---- The slot page ----------------------------------------------------------------------------


def slots_hidden_from(user) -> Q:
    """What a list of slots shown to `user` leaves out: the slots of venues and hosting bands blocked either way
    (accounts.blocks.hidden_from, decision 0081). Subqueries of the list's own query; nothing for a visitor."""
    return hidden_from(user, PartyKind.VENUE.value, field="venue_id") & hidden_from(
        user, PartyKind.BAND.value, field="host_band_id"
    )


def slot_for_viewer(*, pk: int, user: User) -> Slot | None:
    """The slot if `user` may see it, with its venue, stage and genres; else None.

    Anyone sees a public slot at an approved venue; an invite-only slot (or one at a venue
    still in review) only its venue's staff and the members of a band with a booking on it.
    """
    slot = (
        Slot.objects.select_related("venue", "stage", "host_band", "place_venue")
        .prefetch_related(Prefetch("genres", queryset=genres_all()))
        .filter(pk=pk)
        .first()
    )
    if slot is None:
        return None
    if slot.is_hosted:
        # A show a band hosts is always public while its band is listed (its page is /shows/<pk>/).
        return slot if Band.objects.filter(pk=slot.host_band_id, status=ApprovalStatus.APPROVED).exists() else None
    if slot.visibility == Slot.Visibility.PUBLIC and slot.venue.status == ApprovalStatus.APPROVED:
        return slot
    if not user.is_authenticated:
        return None
    staff = VenueStaff.objects.filter(venue_id=slot.venue_id, user_id=user.pk)
    member = Booking.objects.filter(slot_id=slot.pk, band__memberships__user_id=user.pk)
    seen = Slot.objects.filter(pk=slot.pk).filter(Exists(staff) | Exists(member)).exists()
    return slot if seen else None


def slot_lineup(*, slot: Slot) -> list[Booking]:
    """The acts booked on the slot: the headliner, then the supports in the order they were booked."""
    rank = Case(When(role=ROLE_HEADLINER, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        Booking.objects.filter(slot_id=slot.pk, status=Booking.Status.BOOKED)
        .select_related("band")
        .annotate(rank=rank)
        .order_by("rank", "status_changed_at", "pk")
    )


def _fielded_by_lineup(qs: QuerySet, band_id: int, free):
    """`free` for a band with a minimum line-up: the slots the SQL finds free for its named members are
    read again through the line-up (bands.calendar.bands_fielded_between, as a green moment reads it),
    and those its free members cannot fill are not free. Five queries: the candidates, the band, its
    members, their busy time, their gigs elsewhere."""
    rows = list(
        qs.annotate(candidate=free, low=F("busy_from"), high=F("busy_until"))
        .filter(candidate=True)
        .order_by("starts_at", "pk")
        .values_list("pk", "low", "high")[:MOST_LINEUP_SLOTS]
    )
    if not rows:
        return free
    band = Band.objects.get(pk=band_id)
    spans = {band_id: [(pk, low, high) for pk, low, high in rows]}
    fielded = bands_fielded_between(
        bands=[band], start=min(r[1] for r in rows), end=max(r[2] for r in rows), spans=spans
    )
    short = [pk for pk, _low, _high in rows if (band_id, pk) not in fielded]
    if not short:
        return free
    return Case(When(pk__in=short, then=Value(False)), default=free, output_field=BooleanField())


def slot_bands_of(*, slot: Slot, user: User) -> list[Band]:
    """The bands `user` plays in, each with `can_manage`, `free` (its required members are all free
    for the whole slot with the band's load-in before and pack-down after – the window accepting
    checks, bands.services.gig_window – and, unless it takes two gigs a day, it plays no other gig
    that day; with a minimum line-up, enough players free to fill it, bands.calendar.bands_fielded_between)
    and `booking` (its latest booking on this slot, or None). Three queries, and three for each band with
    a line-up whose named members are free."""
    if not user.is_authenticated:
        return []
    rank = Subquery(
        Membership.objects.filter(band_id=OuterRef("pk"), user_id=user.pk)
        .annotate(rank=_manager_first())
        .values("rank")[:1],
        output_field=IntegerField(),
    )
    bands = list(Band.objects.filter(memberships__user_id=user.pk).annotate(rank=rank).order_by("rank", "name", "pk"))
    if not bands:
        return []
    windows = {band.pk: gig_window(band, slot.starts_at, slot.ends_at) for band in bands}
    widest = (min(start for start, _ in windows.values()), max(end for _, end in windows.values()))
    # The required members' busy time around the slot, by band: one query over the widest window,
    # each band then held to its own.
    busy = BusyInterval.objects.filter(
        BusyOverlaps(*widest),
        user__memberships__band_id__in=list(windows),
        user__memberships__required=True,
    ).values_list("user__memberships__band_id", "starts_at", "ends_at")
    taken = {band_id for band_id, start, end in busy if start < windows[band_id][1] and end > windows[band_id][0]}
    for band in bands:
        band.free = band.pk not in taken
        if band.free and band.lineup:
            # Named members free; with a minimum line-up, enough players too (one reading, three queries).
            band.free = bool(bands_fielded_between(bands=[band], start=windows[band.pk][0], end=windows[band.pk][1]))
    latest, gigs = {}, defaultdict(list)
    # The same query brings the bands' booked gigs around the slot's day: a band that takes one gig
    # a day cannot play a slot on a day (in its zone) on which one of its gigs starts.
    played = Q(status__in=Booking.PLAYED) & Q(
        starts_at__gte=slot.starts_at - dt.timedelta(days=2), starts_at__lt=slot.starts_at + dt.timedelta(days=2)
    )
    bookings = Booking.objects.filter(Q(slot_id=slot.pk) | played, band_id__in=[b.pk for b in bands]).order_by(
        "created_at", "pk"
    )
    for booking in bookings:
        if booking.slot_id == slot.pk:
            latest[booking.band_id] = booking
        else:
            gigs[booking.band_id].append(booking.starts_at)
    for band in bands:
        band.can_manage = band.rank == 0
        band.booking = latest.get(band.pk)
        tz = zoneinfo.ZoneInfo(band.time_zone)
        day = slot.starts_at.astimezone(tz).date()
        if not band.two_gigs_a_day and any(start.astimezone(tz).date() == day for start in gigs[band.pk]):
            band.free = False
    return bands
