"""Reads of the venues app that views and services share."""

import zoneinfo
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.blocks import hidden_from
from accounts.models import PartyKind, User
from bands.invites import invite_link_token
from bands.models import ApprovalStatus
from bands.press_kit import SLUG_RESERVED, slug_taken_message
from bands.selectors import (
    BY_DISTANCE,
    BY_RATING,
    count_of,
    genres_all,
    listing_countries,
    listing_filter,
    listing_prefetches,
    listing_sorted,
)
from core.fields.timezones import zone_name
from places.near import Near

from .models import Slot, Stage, Venue, VenueInvite, VenuePhoto, VenueStaff

# --- Manage pages (owners and bookers) ----------------------------------------

# Paths under /venues/ that a venue's slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})
SLUG_TAKEN = slug_taken_message("venue")
INVITES_SHOWN = 50


def venue_for_staff(*, slug: str, user: User) -> Venue | None:
    """The venue at `slug` annotated with `my_role` (the user's staff role there, or None); None if no such venue."""
    role = VenueStaff.objects.filter(venue=OuterRef("pk"), user_id=user.pk).values("role")[:1]
    return Venue.objects.annotate(my_role=Subquery(role)).filter(slug=slug).first()


def venue_slug_problem(*, slug: str) -> str | None:
    """Why `slug` cannot be a new venue's address (reserved or taken), or None when it is free."""
    if slug in RESERVED_SLUGS:
        return SLUG_RESERVED
    if Venue.objects.filter(slug=slug).exists():
        return SLUG_TAKEN
    return None


def venue_slug_suggest(*, name: str) -> str:
    """A free slug made from `name` ("the-venue", else "the-venue-2", …), found with one query."""
    base = slugify(name)[:110].strip("-") or "venue"
    taken = set(Venue.objects.filter(slug__startswith=base).values_list("slug", flat=True)) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def venue_stage_of(*, venue: Venue, pk: int) -> Stage:
    """One stage of the venue (404 if the venue has no such stage)."""
    return get_object_or_404(Stage, pk=pk, venue=venue)


def venue_photo_of(*, venue: Venue, pk: int) -> VenuePhoto:
    """One photo of the venue (404 if the venue has no such photo)."""
    return get_object_or_404(VenuePhoto, pk=pk, venue=venue)


def venue_staff_of(*, venue: Venue, pk: int) -> VenueStaff:
    """One person on the venue's staff, with their user (404 if the venue has no such staff row)."""
    return get_object_or_404(VenueStaff.objects.select_related("user"), pk=pk, venue=venue)


def venue_staff_for(*, venue: Venue, user: User) -> VenueStaff:
    """`user`'s own staff row at the venue, with the user (the caller has checked that they work there)."""
    return VenueStaff.objects.select_related("user").get(venue=venue, user=user)


def venue_invite_of(*, venue: Venue, pk: int) -> VenueInvite:
    """One invite of the venue (404 if the venue has no such invite)."""
    return get_object_or_404(VenueInvite, pk=pk, venue=venue)


def venue_stages(*, venue: Venue) -> QuerySet[Stage]:
    """The venue's stages in the order they were added."""
    return Stage.objects.filter(venue=venue).order_by("id")


def venue_stage_named(*, venue: Venue, name: str) -> Stage | None:
    """The venue's stage called `name` (any case), or its first stage when no name is given."""
    stages = venue_stages(venue=venue)
    return stages.filter(name__iexact=name.strip()).first() if name.strip() else stages.first()


def venue_photos(*, venue: Venue) -> QuerySet[VenuePhoto]:
    """The venue's photos in display order."""
    return VenuePhoto.objects.filter(venue=venue).order_by("position", "id")


def venue_staff_list(*, venue: Venue) -> list[VenueStaff]:
    """Everyone who runs the venue, owners first, then in the order they joined, with their users loaded."""
    rows = VenueStaff.objects.filter(venue=venue).select_related("user").order_by("joined_at", "id")
    return sorted(rows, key=lambda s: s.role != VenueStaff.Role.OWNER)


def venue_invite_state(invite: VenueInvite, *, now: datetime | None = None) -> str:
    """The invite's state: "active", "revoked", "expired" or "used_up" (checked in invite_check_usable's order)."""
    now = now or timezone.now()
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return "active"


def venue_invite_link_path(*, invite: VenueInvite) -> str:
    """The site-relative /join/<token>/ link of an invite."""
    return reverse("join", args=[invite_link_token(kind="venue", invite=invite)])


def venue_invites(*, venue: Venue, limit: int = INVITES_SHOWN) -> list[VenueInvite]:
    """The venue's most recent invites, newest first, each with `state` and `link_path` set."""
    invites = list(VenueInvite.objects.filter(venue=venue).select_related("created_by").order_by("-created_at")[:limit])
    now = timezone.now()
    for invite in invites:
        invite.state = venue_invite_state(invite, now=now)
        invite.link_path = venue_invite_link_path(invite=invite) if invite.state == "active" else ""
    return invites


def venue_invite_by_token(*, token: str) -> VenueInvite | None:
    """The invite whose stored token is `token` (from invite_link_parse), with its venue; None if unknown."""
    return VenueInvite.objects.select_related("venue").filter(token=token).first()


# --- Public pages: search and the profile -------------------------------------

VENUE_SEARCH_TEXT = ("name", "city", "description")

VENUE_SORTS = {
    "name": ("name", "pk"),
    "newest": ("-created_at", "-pk"),
    "capacity": ("-capacity", "name", "pk"),
    "rating": BY_RATING,
    "distance": BY_DISTANCE,
}


def venue_hidden_from(*, venue: Venue, user) -> bool:
    """Whether `venue` is left out of what `user` is shown (accounts.blocks.hidden_from: blocked either way).
    No query for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not Venue.objects.filter(hidden_from(user, PartyKind.VENUE.value), pk=venue.pk).exists()


def venues_public() -> QuerySet[Venue]:
    """Approved venues with what a search card shows: genres, the cover photo and the stage count."""
    return (
        Venue.objects.filter(status=ApprovalStatus.APPROVED)
        .annotate(stage_count=count_of(Stage, "venue"))
        .prefetch_related(*listing_prefetches(photos=VenuePhoto.objects.all()))
    )


def venue_countries() -> list[str]:
    """Country codes that approved venues are in, for the country filter."""
    return listing_countries(Venue)


def venue_search(
    *,
    q: str | None = None,
    genres: Sequence[str] | None = None,
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    capacity_min: int | None = None,
    capacity_max: int | None = None,
    sort: str | None = None,
    min_rating: float | None = None,
    near: Near | None = None,
) -> QuerySet[Venue]:
    """Approved venues matching every filter given; a filter left empty does not narrow.

    - q: each word must appear (any case) in the name, the description or the city.
    - genres: genre slugs; a venue with any of them matches.
    - city / region: the start of the name, any case; country: ISO code.
    - capacity_min / capacity_max: the venue's capacity lies within them; venues that give
      no capacity are left out when either is set.
    - sort: "name" (default), "newest", "capacity" (largest first) or "rating" (best Bayesian score
      first, venues without reviews last); unknown values sort by name.
    - min_rating: average stars at least this; venues without reviews are left out.
    - near: a city and a radius (km, or None for any distance): venues whose point lies within it,
      each with `distance_km` (sort "distance": nearest first); venues without a place are left out.
    """
    qs = listing_filter(
        venues_public(),
        text_fields=VENUE_SEARCH_TEXT,
        q=q,
        genres=genres,
        city=city,
        region=region,
        country=country,
        min_rating=min_rating,
        near=near,
    )
    if capacity_min is not None:
        qs = qs.filter(capacity__gte=capacity_min)
    if capacity_max is not None:
        qs = qs.filter(capacity__lte=capacity_max)
    return listing_sorted(qs, VENUE_SORTS, sort, near=near)


def venue_suggestions(*, text: str, limit: int = 8) -> QuerySet[Venue]:
    """Approved venues for a picker's suggestions: the name or the city contains `text`, or the address
    starts with it; nothing for fewer than two characters or more than sixty."""
    text = text.strip()
    if not 2 <= len(text) <= 60:
        return Venue.objects.none()
    return (
        Venue.objects.filter(status=ApprovalStatus.APPROVED)
        .filter(Q(name__icontains=text) | Q(city__icontains=text) | Q(slug__istartswith=text))
        .order_by("name", "pk")[:limit]
    )


def venue_profile(*, slug: str) -> Venue:
    """The venue at `slug`, whatever its status, with everything its page shows.

    Genres, photos, stages and the staff roles (ids only: staff are never listed
    publicly) come prefetched. Raises Venue.DoesNotExist.
    """
    return Venue.objects.prefetch_related(
        Prefetch("genres", queryset=genres_all()),
        "photos",
        "stages",
        Prefetch("staff_roles", queryset=VenueStaff.objects.only("pk", "venue_id", "user_id", "role")),
    ).get(slug=slug)


def venue_staff_role_of(*, venue: Venue, user: Any) -> VenueStaff | None:
    """The user's staff role at a venue fetched by venue_profile, without another query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return next((r for r in venue.staff_roles.all() if r.user_id == user.pk), None)


# --- One show per stage (docs/decisions/0010) ----------------------------------


@dataclass(frozen=True)
class SlotClash:
    """A span that cannot be posted on a stage: `slot` is the slot in the way, or None when the span
    overlaps an earlier span posted with it (a series); `message` says so in the venue's time."""

    starts_at: datetime
    ends_at: datetime
    slot: Slot | None
    message: str

    def repeats(self, *, title: str, by: User) -> bool:
        """Whether the slot in the way is this very slot, posted before by the same person (a double
        click, a resubmitted form, a second tab): same times and title."""
        return (
            self.slot is not None
            and self.slot.created_by_id == by.pk
            and (self.slot.starts_at, self.slot.ends_at, self.slot.title) == (self.starts_at, self.ends_at, title)
        )


def slot_clash_message(*, stage: Stage, slot: Slot, zone: zoneinfo.ZoneInfo) -> str:
    """ "Main stage already has “Friday Rock Night” from 21:00 to 01:00 on Fri 12 March 2027 (Europe/Berlin)." """
    start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    words = {
        "stage": stage.name,
        "title": slot.title,
        "start": date_format(start, "H:i"),
        "end": date_format(end, "H:i"),
        "day": date_format(start, "D j F Y"),
        "zone": zone_name(zone),
    }
    if slot.title:
        # Translators: zone is a time zone name such as Europe/Berlin.
        return _("%(stage)s already has “%(title)s” from %(start)s to %(end)s on %(day)s (%(zone)s).") % words
    return _("%(stage)s already has a slot from %(start)s to %(end)s on %(day)s (%(zone)s).") % words


def slots_in_the_way(
    *, stage_ids: Sequence[int], starts_at: datetime, ends_at: datetime, exclude_pk: int | None = None
) -> dict[int, list[Slot]]:
    """By stage, the slots of `stage_ids` that are not cancelled and overlap [starts_at, ends_at), each
    stage's in order of start (one query). With first_slot_in_the_way, the rule of one show per stage
    (docs/decisions/0010) that posting a slot, confirming a hold and warning of a hold's clash share."""
    rows = Slot.objects.filter(
        stage_id__in=list(stage_ids), cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    found: dict[int, list[Slot]] = {pk: [] for pk in stage_ids}
    fields = ("pk", "stage_id", "title", "starts_at", "ends_at", "created_by_id")
    for slot in rows.only(*fields).order_by("starts_at", "pk"):
        found[slot.stage_id].append(slot)
    return found


def first_slot_in_the_way(slots: Sequence[Slot], starts_at: datetime, ends_at: datetime) -> Slot | None:
    """The first of one stage's `slots` (in order of start, from slots_in_the_way) that overlaps the span:
    an end touching the next start is fine. Slots are at most 24 hours long, so the ones in the way start
    at most a day before the span."""
    index = bisect_left([slot.starts_at for slot in slots], starts_at - Slot.MAX_LENGTH)
    for slot in islice(slots, index, None):
        if slot.starts_at >= ends_at:
            return None
        if slot.ends_at > starts_at:
            return slot
    return None


def stage_slot_clashes(
    *, stage: Stage, times: Sequence[tuple[datetime, datetime]], exclude_pk: int | None = None
) -> list[SlotClash]:
    """The spans of `times` that cannot go on `stage`, in order of start, with one query.

    A span clashes with a slot on the stage that is not cancelled and overlaps it (an end touching
    the next start is fine), or, in a series, with an earlier span of `times` that does not clash
    itself. `exclude_pk` leaves out the slot being moved.
    """
    if not times:
        return []
    spans = sorted(times)
    existing = slots_in_the_way(
        stage_ids=[stage.pk],
        starts_at=spans[0][0],
        ends_at=max(end for _start, end in spans),
        exclude_pk=exclude_pk,
    )[stage.pk]
    zone = zoneinfo.ZoneInfo(stage.venue.time_zone)
    clashes, kept_end = [], None
    for starts_at, ends_at in spans:
        other = first_slot_in_the_way(existing, starts_at, ends_at)
        if other is not None:
            clashes.append(SlotClash(starts_at, ends_at, other, slot_clash_message(stage=stage, slot=other, zone=zone)))
        elif kept_end is not None and kept_end > starts_at:
            text = _("It overlaps the slot before it in this series, which ends at %(end)s.") % {
                "end": date_format(kept_end.astimezone(zone), "H:i")
            }
            clashes.append(SlotClash(starts_at, ends_at, None, text))
        else:
            kept_end = ends_at
    return clashes
