"""Reads of holds: a venue's ladders by date and stage, a band's holds, one hold for its venue."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from bands.models import Band, Membership
from teams.models import LinkStatus, OrgMember, Representation, VenueLink
from venues.models import Stage, Venue, VenueStaff

from .models import Hold, HoldEvent, HoldRequest

LADDER_DAYS = 92


@dataclass
class Ladder:
    """One date on one stage: its holds, 1st first."""

    date: dt.date
    stage: Stage
    holds: list[Hold]

    @property
    def challenged(self) -> Hold | None:
        first = self.holds[0] if self.holds else None
        return first if first is not None and first.challenge_ends_at else None


def venue_ladders(*, venue: Venue, first_day: dt.date, days: int = LADDER_DAYS) -> list[Ladder]:
    """The venue's held dates from `first_day` for `days`, by date and stage, each ladder 1st first, with
    each hold's band and who placed it (one query, however many holds)."""
    holds = (
        Hold.objects.filter(
            venue=venue,
            status=Hold.Status.HELD,
            date__gte=first_day,
            date__lt=first_day + dt.timedelta(days=days),
        )
        .select_related("band", "stage", "challenged_by__band")
        .order_by("date", "stage__name", "stage_id", "level", "pk")
    )
    ladders: dict[tuple[dt.date, int], Ladder] = {}
    for hold in holds:
        key = (hold.date, hold.stage_id)
        if key not in ladders:
            ladders[key] = Ladder(hold.date, hold.stage, [])
        ladders[key].holds.append(hold)
    return list(ladders.values())


def venue_hold_history(*, venue: Venue, limit: int = 20) -> list[Hold]:
    """The venue's latest holds that ended (confirmed, let go, lapsed), newest first."""
    return list(
        Hold.objects.filter(venue=venue)
        .exclude(status=Hold.Status.HELD)
        .select_related("band", "stage", "booking")
        .order_by("-ended_at", "-pk")[:limit]
    )


def band_holds(*, band: Band, first_day: dt.date) -> list[Hold]:
    """Where `band` is held from `first_day` on, soonest first, with each venue and stage (one query)."""
    return list(
        Hold.objects.filter(band=band, status=Hold.Status.HELD, date__gte=first_day)
        .select_related("venue", "stage")
        .order_by("date", "level", "pk")
    )


def hold_for_venue(*, venue: Venue, pk: int) -> Hold | None:
    return Hold.objects.select_related("band", "venue", "stage").filter(venue=venue, pk=pk).first()


def hold_with_events(*, venue: Venue, pk: int) -> Hold | None:
    """One hold of the venue with its steps, oldest first, and who took each."""
    events = HoldEvent.objects.select_related("actor").order_by("created_at", "pk")
    return (
        Hold.objects.select_related("band", "stage", "held_by", "booking")
        .prefetch_related(Prefetch("events", queryset=events))
        .filter(venue=venue, pk=pk)
        .first()
    )


def venue_stages(*, venue: Venue) -> list[Stage]:
    return list(venue.stages.order_by("name", "pk"))


def hold_seen_by(*, pk: int, user: User) -> Hold | None:
    """The hold `pk` if `user` may see it, else None: the venue's staff (a venue group's bookers among
    them), the people of a group that runs the venue, the band's members and the people of an agency that
    represents the band. With its band, venue, stage and booking (one query)."""
    in_org = OrgMember.objects.filter(user_id=user.pk)
    seen = (
        Exists(VenueStaff.objects.filter(venue_id=OuterRef("venue_id"), user_id=user.pk))
        | Exists(Membership.objects.filter(band_id=OuterRef("band_id"), user_id=user.pk))
        | Exists(
            Representation.objects.filter(
                band_id=OuterRef("band_id"),
                status=LinkStatus.ACTIVE,
                organisation_id__in=in_org.values("organisation_id"),
            )
        )
        | Exists(
            VenueLink.objects.filter(
                venue_id=OuterRef("venue_id"),
                status=LinkStatus.ACTIVE,
                organisation_id__in=in_org.values("organisation_id"),
            )
        )
    )
    return Hold.objects.select_related("band", "venue", "stage", "booking").filter(seen, pk=pk).first()


def venue_stage_of(*, venue: Venue, pk: int) -> Stage | None:
    return venue.stages.filter(pk=pk).first()


def band_named(*, slug: str) -> Band | None:
    """The band a venue holds a date for, by its address (any band, as the hold form takes)."""
    return Band.objects.filter(slug=slug).first()


# ---- Holds asked by agencies --------------------------------------------------------------------------


def venue_hold_requests(*, venue: Venue, limit: int = 50) -> list[HoldRequest]:
    """The open questions of agencies to the venue, soonest date first (one query)."""
    return list(
        HoldRequest.objects.filter(venue=venue, status=HoldRequest.Status.ASKED, starts_at__gt=timezone.now())
        .select_related("band", "organisation")
        .order_by("starts_at", "pk")[:limit]
    )


def band_hold_requests(*, band: Band, limit: int = 40) -> list[HoldRequest]:
    """What the band's agencies asked venues, open ones and answers of dates ahead, soonest first."""
    return list(
        HoldRequest.objects.filter(band=band, starts_at__gt=timezone.now())
        .select_related("venue", "organisation", "hold")
        .order_by("starts_at", "venue__name", "pk")[:limit]
    )


def hold_request_seen_by(*, pk: int, user: User) -> HoldRequest | None:
    """The request if `user` is on the asked venue's staff or in the agency that asked; None otherwise."""
    if not getattr(user, "is_authenticated", False):
        return None
    staff = VenueStaff.objects.filter(venue_id=OuterRef("venue_id"), user_id=user.pk)
    agency = OrgMember.objects.filter(organisation_id=OuterRef("organisation_id"), user_id=user.pk)
    return (
        HoldRequest.objects.filter(Q(Exists(staff)) | Q(Exists(agency)), pk=pk)
        .select_related("band", "venue", "organisation")
        .first()
    )


def venue_stages_query(*, venue: Venue) -> QuerySet[Stage]:
    return venue.stages.order_by("name", "pk")


def is_venue_staff(*, venue_id: int, user: User) -> bool:
    return VenueStaff.objects.filter(venue_id=venue_id, user_id=user.pk).exists()


def venues_named(*, slugs: list[str]) -> list[Venue]:
    return list(Venue.objects.filter(slug__in=slugs, status="approved"))
