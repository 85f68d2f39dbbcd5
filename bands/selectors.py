"""Reads of the bands app that views and services share."""

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from django.core.cache import caches
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from accounts.blocks import hidden_from
from accounts.models import PartyKind, User
from core.db.prepared import Rows, fetch_rows_together
from places.near import Near, near_filter

from .calendar import bands_available_on, bands_fielded_between
from .gig_hours import DEFAULT_HOURS, GIG_HOURS, GigHours
from .invites import invite_link_token
from .lineup import band_section_of as band_section_of
from .lineup import band_sections as band_sections
from .lineup import membership_sections as membership_sections
from .members import band_members as band_members
from .models import (
    ApprovalStatus,
    Band,
    BandBlock,
    BandBusyInterval,
    BandEmbed,
    BandInvite,
    BandPhoto,
    Genre,
    Membership,
)
from .travel import LOOK_AROUND, JourneyMinutes, reach_q

# ---- Manage pages -------------------------------------------------------------------


def band_for_manage(*, slug: str, user: User) -> tuple[Band, Membership | None]:
    """The band at `slug` (404 if none) and `user`'s membership in it, if any."""
    band = get_object_or_404(Band, slug=slug)
    membership = Membership.objects.filter(band=band, user=user).first() if user.is_authenticated else None
    return band, membership


def band_member_of(*, band: Band, pk: int) -> Membership:
    """One membership of the band, with its user and band (404 if the band has no such membership)."""
    return get_object_or_404(Membership.objects.select_related("user", "band"), pk=pk, band=band)


def band_photo_of(*, band: Band, pk: int) -> BandPhoto:
    """One photo of the band (404 if the band has no such photo)."""
    return get_object_or_404(BandPhoto.objects.select_related("band"), pk=pk, band=band)


def band_embed_of(*, band: Band, pk: int) -> BandEmbed:
    """One player of the band (404 if the band has no such player)."""
    return get_object_or_404(BandEmbed.objects.select_related("band"), pk=pk, band=band)


def band_invite_of(*, band: Band, pk: int) -> BandInvite:
    """One invite of the band (404 if the band has no such invite)."""
    return get_object_or_404(BandInvite.objects.select_related("band"), pk=pk, band=band)


def band_block_editable(*, band: Band, pk: int) -> BandBlock:
    """One rehearsal or hold of the band (404 for a gig, which only its booking changes, or no such block)."""
    return get_object_or_404(BandBlock.objects.exclude(kind=BandBlock.Kind.GIG), pk=pk, band=band)


def band_photos(*, band: Band) -> QuerySet[BandPhoto]:
    return BandPhoto.objects.filter(band=band).order_by("position", "pk")


def band_embeds(*, band: Band) -> QuerySet[BandEmbed]:
    return BandEmbed.objects.filter(band=band).order_by("position", "pk")


def band_invites(*, band: Band) -> QuerySet[BandInvite]:
    """The band's invites, newest first, with who created them."""
    return BandInvite.objects.filter(band=band).select_related("created_by").order_by("-created_at", "-pk")


def _usable(now: datetime) -> Q:
    return Q(revoked_at__isnull=True, expires_at__gt=now, uses__lt=F("max_uses"))


def band_invites_active(*, band: Band, now: datetime) -> QuerySet[BandInvite]:
    """Invites whose link still lets someone join: not withdrawn, not expired, uses left."""
    return band_invites(band=band).filter(_usable(now))


def band_invites_past(*, band: Band, now: datetime, limit: int = 20) -> QuerySet[BandInvite]:
    """The most recent invites that can no longer be used (withdrawn, expired or used up)."""
    return band_invites(band=band).exclude(_usable(now))[:limit]


def band_invite_path(*, invite: BandInvite) -> str:
    """The site-relative /join/<token>/ address of a band invite."""
    return reverse("join", kwargs={"token": invite_link_token(kind="band", invite=invite)})


# ---- Public pages: search and the press kit ------------------------------------------


def genres_all() -> QuerySet[Genre]:
    """Every genre by name, for filters and for prefetching a band's or venue's genres."""
    return Genre.objects.order_by("name")


def search_terms(q: str | None) -> list[str]:
    """The words of a search box: at most 8, each cut to 40 characters."""
    return [word[:40] for word in (q or "").split()][:8]


def count_of(model, field: str) -> Coalesce:
    """A correlated COUNT of `model` rows whose `field` is the outer row: no join, no GROUP BY on the list."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def listing_prefetches(*, photos: QuerySet) -> list[Prefetch]:
    """What a search card shows of a band or venue besides its columns: genres and the cover photo."""
    return [
        Prefetch("genres", queryset=genres_all()),
        # Only the first photo of each row: a sliced prefetch is one windowed query.
        Prefetch("photos", queryset=photos.order_by("position", "id")[:1], to_attr="cover_photos"),
    ]


# ---- The search filters' lists: cached --------------------------------------------------------
#
# Every full search page offers the genres and the countries that have something to find. They change
# only when staff edit genres or a band, venue or slot is saved or deleted; until then they are read
# from the "pages" cache (Redis in production), not computed per request (the country list is a DISTINCT over
# every approved row). A save drops them (bands.search_lists, connected in the apps' ready()); a
# bulk update, which sends no signal, is seen after SEARCH_LISTS_SECONDS at most. A country that a
# shared link names is accepted even when the list does not have it (PlaceGenreFields).
SEARCH_LISTS_SECONDS = 300
SEARCH_LIST_KEYS = ("search-lists:genres", "search-lists:countries:band", "search-lists:countries:venue",
                    "search-lists:countries:slot")  # fmt: skip


def cached_search_list(key: str, compute) -> list:
    """The list under `key` in the cache, computed (and kept SEARCH_LISTS_SECONDS) when it is not there."""
    value = caches["pages"].get(key)
    if value is None:
        value = list(compute())
        caches["pages"].set(key, value, SEARCH_LISTS_SECONDS)
    return value


def forget_search_lists() -> None:
    """Drop the cached filter lists: the next search page computes them again."""
    caches["pages"].delete_many(SEARCH_LIST_KEYS)


class GenreChoice(NamedTuple):
    """A genre as the search filters offer it."""

    slug: str
    name: str


def genre_choices() -> list[GenreChoice]:
    """Every genre by name, for the search filters (cached as plain pairs, which read back from the
    cache several times faster than pickled model rows)."""
    return cached_search_list(
        "search-lists:genres", lambda: [GenreChoice(*pair) for pair in genres_all().values_list("slug", "name")]
    )


def listing_countries(model) -> list[str]:
    """Country codes that approved rows of `model` (bands, venues) are in, for the country filter (cached)."""
    return cached_search_list(
        f"search-lists:countries:{model._meta.model_name}",
        lambda: (
            model.objects.filter(status=ApprovalStatus.APPROVED)
            .exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        ),
    )


def listing_filter(
    qs: QuerySet,
    *,
    text_fields: Sequence[str],
    q: str | None,
    genres: Sequence[str] | None,
    city: str | None,
    region: str | None,
    country: str | None,
    min_rating: float | None = None,
    near: Near | None = None,
) -> QuerySet:
    """The filters band and venue searches share, on a queryset of bands or venues.

    Each word of `q` must appear (any case) in one of `text_fields`; a row with any of
    the `genres` (slugs) matches; city and region match the start of the name, any case;
    country is an ISO code; min_rating keeps rows whose average stars are at least that (rows
    without reviews are left out); near keeps rows whose point lies within its radius of its city
    (any row with a point without a radius), each annotated with `distance_km`. A filter left empty
    does not narrow.
    """
    qs = near_filter(qs, near)
    terms = search_terms(q)
    if terms:
        qs = qs.alias(search_text=SearchText(*text_fields))
        for term in terms:
            qs = qs.filter(search_text__icontains=term)
    if genres:
        through = qs.model.genres.through
        owner = f"{qs.model._meta.model_name}_id"
        qs = qs.filter(Exists(through.objects.filter(**{owner: OuterRef("pk")}, genre__slug__in=list(genres))))
    if city:
        qs = qs.filter(city__istartswith=city.strip())
    if region:
        qs = qs.filter(region__istartswith=region.strip())
    if country:
        qs = qs.filter(country=country)
    if min_rating is not None:
        qs = qs.filter(rating_average__gte=min_rating)
    return qs


# Nearest first: the distance that places.near.near_filter annotates.
BY_DISTANCE = ("distance_km", "name", "pk")


def listing_sorted(
    qs: QuerySet, sorts: dict[str, tuple[str, ...]], sort: str | None, *, near: Near | None = None
) -> QuerySet:
    """`qs` in the order named by `sort`, a key of `sorts`; unknown or empty sorts by "name", and so
    does "distance" without a place to measure from."""
    if sort == "distance" and near is None:
        sort = "name"
    return qs.order_by(*sorts.get(sort or "name", sorts["name"]))


class SearchText(Func):
    """Several text columns joined by spaces: what a free-text search looks through.

    On PostgreSQL `icontains` on it compiles to UPPER((a || ' ' || b …)::text), and the
    trigram index of bands.0002 / venues.0002 is on exactly that expression; the columns
    are NOT NULL, so no COALESCE is needed (and none may creep in, or the index is missed).
    """

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


BAND_SEARCH_TEXT = ("name", "tagline", "bio")

# Best rated: the Bayesian score kept on the row (docs/decisions/0018); bands without reviews (score 0)
# last. The order of the rating index, so a page of results is an index scan that stops early.
BY_RATING = ("-rating_score", "name", "pk")

# By fee: the band's lowest fee (its highest when it gives only that), cheapest or dearest first; bands
# that give no fee come last either way. The keys are annotated by `band_search` when one of these sorts
# is asked for (`with_fee_keys`), as whole numbers the API's cursors can carry.
FEE_SORTS = ("fee", "-fee")
# Above any fee (a positive 32-bit column) and below none: where a band without a fee sorts.
_NO_FEE_LAST_ASCENDING = 2**31
_NO_FEE_LAST_DESCENDING = -1

BAND_SORTS = {
    "name": ("name", "pk"),
    "newest": ("-created_at", "-pk"),
    "rating": BY_RATING,
    "fee": ("fee_ascending", "name", "pk"),
    "-fee": ("-fee_descending", "name", "pk"),
    # Only with a place (the distance is annotated then); without one, by name.
    "distance": BY_DISTANCE,
}


def with_fee_keys(qs: QuerySet[Band]) -> QuerySet[Band]:
    """`qs` with the sort keys of BAND_SORTS["fee"] and ["-fee"]: computed in the same query."""
    fee = Coalesce("fee_min", "fee_max", output_field=BigIntegerField())
    return qs.annotate(
        fee_ascending=Coalesce(fee, Value(_NO_FEE_LAST_ASCENDING), output_field=BigIntegerField()),
        fee_descending=Coalesce(fee, Value(_NO_FEE_LAST_DESCENDING), output_field=BigIntegerField()),
    )


def bands_public() -> QuerySet[Band]:
    """Approved bands with what a search card shows: genres, the cover photo and the member count."""
    return (
        Band.objects.filter(status=ApprovalStatus.APPROVED)
        .annotate(member_count=count_of(Membership, "band"))
        .prefetch_related(*listing_prefetches(photos=BandPhoto.objects.all()))
    )


def band_hidden_from(*, band: Band, user) -> bool:
    """Whether `band` is left out of what `user` is shown (accounts.blocks.hidden_from: blocked either way).
    No query for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not Band.objects.filter(hidden_from(user, PartyKind.BAND.value), pk=band.pk).exists()


def band_approved_of(*, slug: str) -> Band:
    """The approved band at `slug`, without what a search card shows (one query); 404 if none."""
    return get_object_or_404(Band, slug=slug, status=ApprovalStatus.APPROVED)


def band_visible_to(*, slug: str, user: User) -> Band | None:
    """The band at `slug` if `user` may see it: a public band, or one they play in. One or two queries."""
    band = Band.objects.filter(slug=slug).first()
    if band is None or band.is_public or Membership.objects.filter(band=band, user_id=user.pk).exists():
        return band
    return None


def genres_by_slug(slugs: list[str]) -> list[Genre]:
    """The genres with these slugs (unknown slugs are left out)."""
    return list(Genre.objects.filter(slug__in=slugs))


def band_countries() -> list[str]:
    """Country codes that approved bands are in, for the country filter."""
    return listing_countries(Band)


class BusyOverlaps(Func):
    """True for a busy interval that overlaps [start, end): both half-open, so touching ends do not overlap.

    On PostgreSQL it is the range test that the GiST indexes of availability.0002 (busy rows) and
    bands.0008 (the long rows of BandBusyInterval) answer: the expression must stay exactly
    `tstzrange(starts_at, ends_at)`. Elsewhere two comparisons that the (user, starts_at, ends_at)
    index serves.
    """

    output_field = BooleanField()

    def __init__(self, start: datetime | Expression, end: datetime | Expression) -> None:
        """`start` and `end` are datetimes, or expressions such as OuterRef("starts_at") of a slot."""

        def wrap(value):
            return value if hasattr(value, "resolve_expression") else Value(value, output_field=DateTimeField())

        super().__init__(F("starts_at"), F("ends_at"), wrap(start), wrap(end))

    def _compiled(self, compiler) -> list[tuple[str, list]]:
        return [compiler.compile(arg) for arg in self.get_source_expressions()]

    def as_sql(self, compiler, connection, **extra_context):
        (starts_at, p1), (ends_at, p2), (start, p3), (end, p4) = self._compiled(compiler)
        return f"({starts_at} < {end} AND {ends_at} > {start})", [*p1, *p4, *p2, *p3]

    def as_postgresql(self, compiler, connection, **extra_context):
        (starts_at, p1), (ends_at, p2), (start, p3), (end, p4) = self._compiled(compiler)
        return (
            f"(TSTZRANGE({starts_at}, {ends_at}) && TSTZRANGE({start}, {end}))",
            [*p1, *p2, *p3, *p4],
        )


# Busy time up to this long is found through a btree on its start, read back this far from the
# window's start; longer busy time through a small GiST index on its range. Migration bands.0008
# builds the two partial indexes on exactly BandBusyLength's predicates: change both together.
LONG_BUSY = dt.timedelta(days=2)
# SQLite compares lengths as floating-point days: read a minute further back than LONG_BUSY, so that a
# rounding error can never leave out busy time that ends inside the window.
_LOOK_BACK = LONG_BUSY + dt.timedelta(minutes=1)


class BandBusyLength(Func):
    """True for a BandBusyInterval at most LONG_BUSY long (`long=False`), or longer (`long=True`)."""

    output_field = BooleanField()

    def __init__(self, *, long: bool) -> None:
        super().__init__(F("starts_at"), F("ends_at"))
        self.long = long

    def _sides(self, compiler) -> tuple[str, str, list]:
        (starts_at, p1), (ends_at, p2) = (compiler.compile(arg) for arg in self.get_source_expressions())
        return starts_at, ends_at, [*p1, *p2]

    def as_sql(self, compiler, connection, **extra_context):
        starts_at, ends_at, params = self._sides(compiler)
        days = LONG_BUSY / dt.timedelta(days=1)
        return f"((JULIANDAY({ends_at}) - JULIANDAY({starts_at})) {'>' if self.long else '<='} {days!r})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        starts_at, ends_at, params = self._sides(compiler)
        length = f"interval '{LONG_BUSY.days} days'"
        return f"(({ends_at} - {starts_at}) {'>' if self.long else '<='} {length})", params


class JourneyMeets(Func):
    """True for a busy row that, widened by `minutes` before and after, overlaps [start, end): half-open,
    so a journey that ends as the window starts leaves it free. `minutes` is an expression (the
    journey of each row, bands.travel.JourneyMinutes)."""

    output_field = BooleanField()

    def __init__(self, minutes: Expression, start: datetime, end: datetime) -> None:
        def at(value: datetime) -> Value:
            return Value(value.astimezone(dt.UTC), output_field=DateTimeField())

        super().__init__(F("starts_at"), F("ends_at"), minutes, at(start), at(end))

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(arg) for arg in self.get_source_expressions()]
        (starts_at, p1), (ends_at, p2), (minutes, p3), (start, p4), (end, p5) = compiled
        # django_timestamp_diff(a, b): Django's own SQLite function, a - b in exact microseconds.
        sql = (
            f"(django_timestamp_diff({starts_at}, {end}) < ({minutes}) * 60000000"
            f" AND django_timestamp_diff({start}, {ends_at}) < ({minutes}) * 60000000)"
        )
        return sql, [*p1, *p5, *p3, *p4, *p2, *p3]

    def as_postgresql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(arg) for arg in self.get_source_expressions()]
        (starts_at, p1), (ends_at, p2), (minutes, p3), (start, p4), (end, p5) = compiled
        sql = (
            f"({starts_at} < {end} + ({minutes}) * INTERVAL '1 minute'"
            f" AND {ends_at} > {start} - ({minutes}) * INTERVAL '1 minute')"
        )
        return sql, [*p1, *p5, *p3, *p2, *p4, *p3]


def _on_the_road(start: datetime, end: datetime) -> Exists:
    """For bands: one of the required members is on the road at some moment of [start, end), on the
    way to or from a gig somewhere else; the journey measured to the band's home, at its speed
    (docs/decisions/0028-travel-and-buffers.md: the rule of bands.travel.journey, in SQL).

    Reads the located copies of busy time (BandBusyInterval with a point: the gigs of every required
    member, copied per band with the gig's point) from LOOK_AROUND before the window to LOOK_AROUND
    after it, no further: a journey is capped there. Gig rows are at most LONG_BUSY long (a gig is at
    most 24 hours, its load-in and pack-down 10 hours each), so they are found by their start, as
    the short busy time is. A wide search reads them once (index-only, `bands_busy_located_start`) and
    checks each band's journey against its own; a band without a home, or a gig without a point,
    counts no journey. The gig itself is the plain busy-time anti-joins': this adds its journey.
    """
    trip = JourneyMinutes(
        F("latitude"), F("longitude"), OuterRef("latitude"), OuterRef("longitude"), OuterRef("travel_speed_kmh")
    )
    located = BandBusyInterval.objects.filter(
        band_id=OuterRef("pk"),
        latitude__isnull=False,
        longitude__isnull=False,
        starts_at__gte=start - LOOK_AROUND - _LOOK_BACK,
        starts_at__lt=end + LOOK_AROUND,
        ends_at__gt=start - LOOK_AROUND,
    ).filter(JourneyMeets(trip, start, end))
    return Exists(located)


def _band_not_busy(start: datetime, end: datetime) -> Q:
    """For bands: none of the required members is busy at any moment of [start, end), nor on the road
    between a gig elsewhere and the band's home.

    Two anti-joins over BandBusyInterval (every required member's busy time, copied per band): the
    short busy time by its start, the long by its range. Each is one anti-join over the window's
    rows for a wide search, or a probe per band (by the primary key, band first) for a few. A third
    over the few located copies (gigs) near the window adds each one's journey (`_on_the_road`).
    """
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    short = BandBusyInterval.objects.filter(
        BandBusyLength(long=False),
        band_id=OuterRef("pk"),
        starts_at__gte=start - _LOOK_BACK,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    long = BandBusyInterval.objects.filter(BandBusyLength(long=True), BusyOverlaps(start, end), band_id=OuterRef("pk"))
    return ~Exists(short) & ~Exists(long) & ~_on_the_road(start, end)


def _filter_free_between(qs: QuerySet[Band], free_between: tuple[datetime, datetime] | None) -> QuerySet[Band]:
    """Keep bands none of whose required members is busy at any moment of `free_between` (start, end).

    Busy time is every BusyInterval of the person: their own rules and calendars, and the blocks
    and gigs of every band they play in. Intervals are half-open (busy until 18:00 is free from
    18:00); a band without required members is free. In the same query as the other filters.
    """
    if free_between is None:
        return qs
    # A band with a minimum line-up needs its named members free too, and then enough players: read exactly.
    not_busy = qs.filter(_band_not_busy(*free_between))
    lined_up = list(not_busy.exclude(lineup={}).order_by())
    fielded = bands_fielded_between(bands=lined_up, start=free_between[0], end=free_between[1])
    return not_busy.filter(Q(lineup={}) | Q(pk__in=fielded))


def local_span(
    day: dt.date, opens: dt.time, closes: dt.time | None, zone: zoneinfo.ZoneInfo
) -> tuple[datetime, datetime]:
    """`opens` to `closes` of a local day (None: the next midnight) as aware UTC (start, end), DST-correct."""
    end_day, end_time = (day + dt.timedelta(days=1), dt.time(0)) if closes is None else (day, closes)
    return (
        datetime.combine(day, opens, tzinfo=zone).astimezone(dt.UTC),
        datetime.combine(end_day, end_time, tzinfo=zone).astimezone(dt.UTC),
    )


FreeOnLocal = tuple[dt.date, dt.time, dt.time | None]


def _no_gig_fits(start: datetime, end: datetime, length: dt.timedelta, touching: bool) -> Exists:
    """For bands: a required member has one busy interval that meets every `length`-long stretch starting
    in [start, end): no day can be green, whatever else is free. `touching`: the next day's hours start
    where these end (a whole day), so a stretch may run on past `end`. Short busy time only (found by
    its start); longer busy time is left to the exact reading."""
    covers = Q(ends_at__gte=end) if touching else Q(ends_at__gt=end - length)
    return Exists(
        BandBusyInterval.objects.filter(
            covers,
            BandBusyLength(long=False),
            band_id=OuterRef("pk"),
            starts_at__gte=start - _LOOK_BACK,
            starts_at__lt=start + length,
        )
    )


def _free_on_hours(free_on: FreeOnLocal) -> GigHours | None:
    """The hours a free-on search reads: the band's own gig hours for the evening, else the part asked."""
    _day, opens, closes = free_on
    evening = GIG_HOURS[DEFAULT_HOURS]
    return None if (opens, closes) == (evening.start, evening.end) else GigHours("asked", "", "", opens, closes)


def _free_on_groups(free_on: FreeOnLocal, now: datetime | None) -> tuple[Q, Q, GigHours | None]:
    """(free, unsure, hours) for a free-on search: `free` the bands SQL finds free (no required member
    busy at any moment of their window, nor on the road), `unsure` the bands not ruled out in SQL (no
    member busy across every possible gig: the free ones and those in between), `hours` what the
    exact reading (bands.calendar.bands_available_on) is given. One query (the approved bands' zones and
    shortest gigs)."""
    day, opens, closes = free_on
    hours = _free_on_hours(free_on)
    touching = opens == (closes or dt.time(0))
    # order_by(): the model's ordering by name would otherwise join DISTINCT, one row per band.
    kinds = (
        Band.objects.filter(status=ApprovalStatus.APPROVED)
        .order_by()
        .values_list("time_zone", "min_gig_minutes")
        .distinct()
    )
    free, unsure = Q(pk__in=[]), Q(pk__in=[])
    for name, minutes in sorted(set(kinds)):
        try:
            start, end = local_span(day, opens, closes, zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OverflowError):
            continue
        length = dt.timedelta(minutes=minutes)
        if (now is not None and end <= now) or end - start < length:
            continue
        group = Q(time_zone=name, min_gig_minutes=minutes)
        # A band with a minimum line-up is never sure in SQL: enough players is read exactly.
        free |= group & _band_not_busy(start, end) & Q(lineup={})
        unsure |= group & ~_no_gig_fits(start, end, length, touching)
    return free, unsure, hours


def bands_free_on_among(
    *, rows: Collection[tuple[int, str, int]], free_on: FreeOnLocal, now: datetime | None
) -> set[int]:
    """Of the bands `rows` – (pk, time_zone, min_gig_minutes), a few pages of a band search – those whose
    day is green on their own clock: what `_filter_free_on_local` keeps, read for these bands alone and
    exactly (bands.calendar.bands_available_on, the reading the SQL there only shortens), a band whose
    window is over by `now` or too short for its shortest gig left out as there. Its cost follows the
    rows given, not the site (decision 0092). Five queries."""
    day, opens, closes = free_on
    keys = []
    for pk, name, minutes in rows:
        try:
            start, end = local_span(day, opens, closes, zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OverflowError):
            continue
        if (now is None or end > now) and end - start >= dt.timedelta(minutes=minutes):
            keys.append(pk)
    if not keys:
        return set()
    bands = list(Band.objects.filter(pk__in=keys))
    today = (now or timezone.now()).date()
    return bands_available_on(bands=bands, day=day, today=today, hours=_free_on_hours(free_on))


def _filter_free_on_local(qs: QuerySet[Band], free_on: FreeOnLocal | None, now: datetime | None) -> QuerySet[Band]:
    """Keep bands whose day is green on their own clock (day, opens, closes), as every other view of a
    band's availability reads it (bands.calendar.bands_available_on), in the part of the day asked for.

    An evening in Berlin and one in New York are different hours: bands are grouped by the window their
    zone gives and by their shortest gig; a band whose window is already over by `now` is left out. In
    SQL, a band whose required members are not busy at any moment of the window (nor on the road) is
    free, and one whose member is busy across every possible gig is not; only the bands in between are
    read exactly, in Python, four queries for all of them. The search page asks `bands_free_on_among`
    the same of a few pages of bands at a time instead (decision 0092).
    """
    if free_on is None:
        return qs
    free, unsure, hours = _free_on_groups(free_on, now)
    day = free_on[0]
    sure = list(qs.filter(free).order_by().values_list("pk", flat=True))
    between = list(Band.objects.filter(pk__in=qs.filter(unsure).exclude(pk__in=sure).order_by().values("pk")))
    today = (now or timezone.now()).date()
    return qs.filter(pk__in=[*sure, *bands_available_on(bands=between, day=day, today=today, hours=hours)])


def band_search(
    *,
    q: str | None = None,
    genres: Sequence[str] | None = None,
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    fee_min: int | None = None,
    fee_max: int | None = None,
    sort: str | None = None,
    min_rating: float | None = None,
    free_between: tuple[datetime, datetime] | None = None,
    free_on_local: FreeOnLocal | None = None,
    now: datetime | None = None,
    near: Near | None = None,
    travels_here: bool = False,
) -> QuerySet[Band]:
    """Approved bands matching every filter given; a filter left empty does not narrow.

    - q: each word must appear (any case) in the name, the tagline or the bio.
    - genres: genre slugs; a band with any of them matches.
    - city / region: the start of the name, any case ("ber" finds Berlin); country: ISO code.
    - fee_min / fee_max: bands whose fee range overlaps [fee_min, fee_max]; a missing end of
      the band's range is open; bands that give no fee at all are left out. Currencies are
      not converted.
    - near: a city and a radius (km, or None for any distance): bands whose home lies within it,
      each with `distance_km`; bands without a place are left out.
    - travels_here: with near, only bands whose reach covers its city (bands.travel.reach_q).
    - sort: "name" (default), "newest", "rating" (best Bayesian score first, bands without
      reviews last), "fee" / "-fee" (lowest fee first / highest first, by the band's lowest fee or,
      without one, its highest; bands without a fee last either way) or "distance" (nearest first,
      with near); unknown values sort by name.
    - min_rating: average stars at least this; bands without reviews are left out.
    - free_between: (start, end), aware: bands whose required members have no busy time
      overlapping it (their own, their other bands' blocks and gigs); see `_filter_free_between`.
    - free_on_local: (day, opens, closes): free for that part of the day on each band's own
      clock (an evening in Berlin is 18:00–24:00 Berlin time); windows over by `now` are left out.
    """
    qs = listing_filter(
        bands_public(),
        text_fields=BAND_SEARCH_TEXT,
        q=q,
        genres=genres,
        city=city,
        region=region,
        country=country,
        min_rating=min_rating,
        near=near,
    )
    if travels_here and near is not None:
        qs = qs.filter(
            reach_q(
                home_lat=F("latitude"),
                home_lon=F("longitude"),
                travel_km=F("travel_km"),
                lat=near.city.latitude,
                lon=near.city.longitude,
            )
        )
    if fee_min is not None or fee_max is not None:
        qs = qs.filter(Q(fee_min__isnull=False) | Q(fee_max__isnull=False))
        if fee_min is not None:
            qs = qs.filter(Q(fee_max__isnull=True) | Q(fee_max__gte=fee_min))
        if fee_max is not None:
            qs = qs.filter(Q(fee_min__isnull=True) | Q(fee_min__lte=fee_max))
    qs = _filter_free_between(qs, free_between)
    qs = _filter_free_on_local(qs, free_on_local, now)
    if sort in FEE_SORTS:
        qs = with_fee_keys(qs)
    return listing_sorted(qs, BAND_SORTS, sort, near=near)


# Leaders first, then admins, then everyone else.
ROLE_RANK = {Membership.Role.LEADER: 0, Membership.Role.ADMIN: 1}


@dataclass(frozen=True, slots=True)
class PressKit:
    """A band's public page: the band and the lists its page shows, each in the page's order."""

    band: Band
    genres: list[Genre]
    photos: list[BandPhoto]
    embeds: list[BandEmbed]
    members: list[Membership]  # with their users: leaders, admins, then the rest, each in order of joining


_BAND_SQL = "SELECT * FROM bands_band WHERE slug = %s"
# Each list by the band's slug (its unique index), so that no statement waits for another's answer.
_BAND_ID = "(SELECT id FROM bands_band WHERE slug = %s)"
_GENRES_SQL = (
    "SELECT g.* FROM bands_genre g JOIN bands_band_genres bg ON bg.genre_id = g.id WHERE bg.band_id = "  # noqa: S608
    f"{_BAND_ID} ORDER BY g.name"
)
_PHOTOS_SQL = f"SELECT * FROM bands_bandphoto WHERE band_id = {_BAND_ID} ORDER BY position, id"  # noqa: S608
_EMBEDS_SQL = f"SELECT * FROM bands_bandembed WHERE band_id = {_BAND_ID} ORDER BY position, id"  # noqa: S608


@lru_cache(maxsize=1)
def _members_sql() -> str:
    """Each membership of a band with its user's columns under the prefix "user__" (names from the models)."""
    q = connection.ops.quote_name
    members = ", ".join(f"m.{q(f.column)}" for f in Membership._meta.concrete_fields)
    users = ", ".join(f"u.{q(f.column)} AS {q('user__' + f.attname)}" for f in User._meta.concrete_fields)
    return (
        f"SELECT {members}, {users} FROM {Membership._meta.db_table} m JOIN {User._meta.db_table} u "  # noqa: S608
        f"ON u.id = m.user_id WHERE m.band_id = {_BAND_ID} ORDER BY m.joined_at, m.id"
    )


@dataclass(frozen=True)
class PressKitRows:
    """A band's page as the database gives it: the band's row and each list's rows, not yet turned into
    instances (the band too, until `band` is read). Enough to name the page (its digest) and to check who
    may see it (`is_public`), which is all a visitor's kept page needs (bands/views/detail.py)."""

    band_row: Rows
    genres: Rows
    photos: Rows
    embeds: Rows
    members: Rows
    digest: str

    @cached_property
    def band(self) -> Band:
        return self.band_row.instances(Band)[0]

    @property
    def is_public(self) -> bool:
        """Band.is_public, read from the band's row."""
        return self.band_row.rows[0][self.band_row.columns.index("status")] == ApprovalStatus.APPROVED

    def membership_of(self, user_id: int) -> Membership | None:
        """The membership of the user with this id, made an instance from its row alone (None if none)."""
        user_at = self.members.columns.index("user_id")
        for row in self.members.rows:
            if row[user_at] == user_id:
                one = Rows(self.members.columns, [row], self.members.alias)
                return one.instances(Membership, related={"user": User})[0]
        return None

    def kit(self) -> PressKit:
        """The press kit, each list's rows turned into instances."""
        members = self.members.instances(Membership, related={"user": User})
        return PressKit(
            band=self.band,
            genres=self.genres.instances(Genre),
            photos=self.photos.instances(BandPhoto),
            embeds=self.embeds.instances(BandEmbed),
            members=sorted(members, key=lambda m: ROLE_RANK.get(m.role, 2)),
        )


def press_kit_rows(*, slug: str) -> PressKitRows:
    """The band at `slug`, whatever its status, with the rows of everything its page shows and their
    digest: every value the page draws from them (the band's columns, its genres, photos, embeds,
    members and their users), so pages drawn from equal rows are equal and any change is another digest.

    One statement for the band and one for each list, so the page runs the same queries for two members
    or twenty, all sent in one round trip on PostgreSQL (core.db.prepared.fetch_rows_together: the
    public band page is among the most requested, and five answers waited for one by one were most of its
    time on a busy machine). Written-out SQL by the band's slug, not the ORM's query building: for one
    band, building the queries cost more CPU than running them. Raises Band.DoesNotExist."""
    # All from one database (the primary or the replica, asked once); each member with their user in one
    # statement: the user's columns come back under a prefix.
    statements = (_BAND_SQL, _GENRES_SQL, _PHOTOS_SQL, _EMBEDS_SQL, _members_sql())
    band_rows, *lists = fetch_rows_together([(sql, [slug]) for sql in statements], model=Band)
    if not band_rows.rows:
        raise Band.DoesNotExist(f"No band at {slug!r}.")
    everything = [band_rows.rows, *(found.rows for found in lists)]
    digest = hashlib.blake2b(repr(everything).encode(), digest_size=16).hexdigest()
    return PressKitRows(band_rows, *lists, digest=digest)


def band_press_kit(*, slug: str) -> PressKit:
    """The band at `slug`, whatever its status, with everything its page shows (press_kit_rows).
    Raises Band.DoesNotExist."""
    return press_kit_rows(slug=slug).kit()


def band_membership_of(*, kit: PressKit | PressKitRows, user: Any) -> Membership | None:
    """The user's membership of the band of `kit` (a press kit or its rows), without another query; from
    the rows, only that one membership is made an instance."""
    if not getattr(user, "is_authenticated", False):
        return None
    if isinstance(kit, PressKitRows):
        return kit.membership_of(user.pk)
    return next((m for m in kit.members if m.user_id == user.pk), None)


def band_managers(band_id: int) -> list[User]:
    """The leaders and admins of a band: they answer, send and are told on its behalf."""
    roles = (Membership.Role.LEADER, Membership.Role.ADMIN)
    return list(User.objects.filter(memberships__band_id=band_id, memberships__role__in=roles).order_by("pk"))


def bands_managers(band_ids: Collection[int]) -> dict[int, list[User]]:
    """band_managers of many bands in one query: {band id: its leaders and admins} (every id a key)."""
    roles = (Membership.Role.LEADER, Membership.Role.ADMIN)
    found: dict[int, list[User]] = {pk: [] for pk in band_ids}
    people = (
        User.objects.filter(memberships__band_id__in=list(found), memberships__role__in=roles)
        .annotate(of_band=F("memberships__band_id"))
        .order_by("pk")
    )
    for user in people:
        found[user.of_band].append(user)
    return found
