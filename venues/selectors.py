"""Reads of the venues app that views and services share."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from bands.invites import invite_link_token
from bands.models import ApprovalStatus
from bands.press_kit import SLUG_RESERVED, slug_taken_message
from bands.selectors import (
    count_of,
    genres_all,
    listing_countries,
    listing_filter,
    listing_prefetches,
    listing_sorted,
)

from .models import Stage, Venue, VenueInvite, VenuePhoto, VenueStaff

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


def venue_stages(*, venue: Venue) -> QuerySet[Stage]:
    """The venue's stages in the order they were added."""
    return Stage.objects.filter(venue=venue).order_by("id")


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
}


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
) -> QuerySet[Venue]:
    """Approved venues matching every filter given; a filter left empty does not narrow.

    - q: each word must appear (any case) in the name, the description or the city.
    - genres: genre slugs; a venue with any of them matches.
    - city / region: the start of the name, any case; country: ISO code.
    - capacity_min / capacity_max: the venue's capacity lies within them; venues that give
      no capacity are left out when either is set.
    - sort: "name" (default), "newest" or "capacity" (largest first); unknown values sort by name.
    """
    qs = listing_filter(
        venues_public(),
        text_fields=VENUE_SEARCH_TEXT,
        q=q,
        genres=genres,
        city=city,
        region=region,
        country=country,
    )
    if capacity_min is not None:
        qs = qs.filter(capacity__gte=capacity_min)
    if capacity_max is not None:
        qs = qs.filter(capacity__lte=capacity_max)
    return listing_sorted(qs, VENUE_SORTS, sort)


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
