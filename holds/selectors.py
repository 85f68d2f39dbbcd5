"""Reads of holds: a venue's ladders by date and stage, a band's holds, one hold for its venue, and the
holds as the band calendar and the calendar feeds show them (pencil marks, never busy time)."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.people import people_draw, people_drawn, people_named
from bands.calendar import HeldMark
from bands.models import Band, Membership
from bookings.ical import FeedEvent
from bookings.models import CalendarFeed
from bookings.selectors.feeds import WINDOW_AHEAD
from core.db.prepared import CompiledSQL
from core.web.site import site_url
from teams.models import LinkStatus, OrgMember, Representation, VenueLink
from venues.models import Slot, Stage, Venue, VenueStaff
from venues.selectors import first_slot_in_the_way, slot_clash_message, slots_in_the_way

from .models import Hold, HoldEvent, HoldRequest

LADDER_DAYS = 92


@dataclass
class Ladder:
    """One date on one stage: its holds, 1st first. Each hold carries `clash` (the slot on the stage that
    its time meets, or None), `clash_message` (naming it) and `may_challenge` (whether the viewer may
    challenge the 1st with it: hold_challenge_refusal)."""

    date: dt.date
    stage: Stage
    holds: list[Hold]

    @property
    def challenged(self) -> Hold | None:
        first = self.holds[0] if self.holds else None
        return first if first is not None and first.challenge_ends_at else None


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def hold_challenge_refusal(*, hold: Hold, first: Hold, by: User) -> Refusal | None:
    """Why `by` may not challenge `first` (the 1st hold of the date, as it stands) with `hold`, or None when
    the challenge would be taken. The one rule behind the ladder's "Challenge the 1st" button, the API's
    `may_challenge` and holds.services.hold_challenge's refusals: not the 1st hold itself, not a 1st hold one
    placed oneself, not while a challenge runs."""
    if first.pk == hold.pk:
        return Refusal("first", _("This is the 1st hold: confirm it or let it go."))
    if first.held_by_id == by.pk:
        return Refusal("own", _("You placed the 1st hold on this date yourself: confirm it or let it go instead."))
    if first.challenged_by_id:
        when = date_format(timezone.localtime(first.challenge_ends_at), "MOMENT_FORMAT")
        return Refusal("running", _("The 1st hold is challenged already; it answers by %(when)s.") % {"when": when})
    return None


def hold_may_challenge(*, hold: Hold, first: Hold, by: User) -> bool:
    """Whether `by` may challenge the date's 1st hold `first` with `hold` (hold_challenge_refusal)."""
    return hold_challenge_refusal(hold=hold, first=first, by=by) is None


def hold_slot_clash(*, hold: Hold, slots: list[Slot]) -> tuple[Slot | None, str]:
    """The slot of `slots` (the hold's stage's, from venues.selectors.slots_in_the_way) that the hold's time
    meets, by the rule that refuses confirming it, and the words naming it; (None, "") when none."""
    slot = first_slot_in_the_way(slots, hold.starts_at, hold.ends_at)
    if slot is None:
        return None, ""
    return slot, slot_clash_message(stage=hold.stage, slot=slot, zone=zoneinfo.ZoneInfo(hold.venue.time_zone))


def venue_ladders(
    *, venue: Venue, first_day: dt.date, days: int = LADDER_DAYS, viewer: User | None = None
) -> list[Ladder]:
    """The venue's held dates from `first_day` for `days`, by date and stage, each ladder 1st first, with
    each hold's band and who placed it, and the slot its time meets on its stage (two queries, however many
    holds). With `viewer`, each hold also says whether the viewer may challenge the 1st with it."""
    holds = list(
        Hold.objects.filter(
            venue=venue,
            status=Hold.Status.HELD,
            date__gte=first_day,
            date__lt=first_day + dt.timedelta(days=days),
        )
        .select_related("band", "stage", "challenged_by__band", "held_by")
        .order_by("date", "stage__name", "stage_id", "level", "pk")
    )
    slots = (
        slots_in_the_way(
            stage_ids=sorted({h.stage_id for h in holds}),
            starts_at=min(h.starts_at for h in holds),
            ends_at=max(h.ends_at for h in holds),
        )
        if holds
        else {}
    )
    _on_behalf_drawn(holds)
    ladders: dict[tuple[dt.date, int], Ladder] = {}
    for hold in holds:
        hold.venue = venue  # all this venue's: no query a hold
        key = (hold.date, hold.stage_id)
        if key not in ladders:
            ladders[key] = Ladder(hold.date, hold.stage, [])
        ladders[key].holds.append(hold)
        hold.clash, hold.clash_message = hold_slot_clash(hold=hold, slots=slots[hold.stage_id])
    for ladder in ladders.values():
        first = ladder.holds[0]
        for hold in ladder.holds:
            hold.may_challenge = viewer is not None and hold_may_challenge(hold=hold, first=first, by=viewer)
    return list(ladders.values())


def _on_behalf_drawn(holds: list[Hold]) -> None:
    """Who placed each hold, drawn from its reference (docs/decisions/0131): the one who held it is loaded with
    it, so no query unless the words name someone else."""
    names = {h.held_by_id: str(h.held_by.name) for h in holds if h.held_by_id is not None}
    named: set[int] = set()
    for hold in holds:
        named |= people_named(hold.on_behalf)
    if named <= names.keys():
        for hold in holds:
            hold.on_behalf = people_draw(hold.on_behalf, names)
    else:
        people_drawn(holds, "on_behalf")


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
    hold = (
        Hold.objects.select_related("band", "stage", "held_by", "booking")
        .prefetch_related(Prefetch("events", queryset=events))
        .filter(venue=venue, pk=pk)
        .first()
    )
    if hold is not None:
        people_drawn([hold, *hold.events.all()], "on_behalf")
    return hold


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


# ---- Holds in calendars and feeds ---------------------------------------------------------------


def holds_standing(now: dt.datetime) -> Q:
    """Holds that stand at `now`: held, not past their expiry nor a challenge's deadline (the round lets
    those go within a minute; until then they are shown as gone already)."""
    return Q(status=Hold.Status.HELD, expires_at__gt=now) & (
        Q(challenge_ends_at__isnull=True) | Q(challenge_ends_at__gt=now)
    )


def band_held_days(
    *, band_id: int, first_day: dt.date, last_day: dt.date, time_zone: str, now: dt.datetime
) -> dict[dt.date, list[HeldMark]]:
    """Where the band is held by local day (in `time_zone`, the viewer's) from `first_day` to `last_day`,
    soonest first, for the band calendar (bands.calendar.band_calendar_held). One query."""
    tz = zoneinfo.ZoneInfo(time_zone)
    # A day a day wider on each side: the hold's own date is the venue's, the calendar's the viewer's.
    holds = (
        Hold.objects.filter(
            holds_standing(now),
            band_id=band_id,
            date__gte=first_day - dt.timedelta(days=1),
            date__lte=last_day + dt.timedelta(days=1),
        )
        .select_related("venue", "stage")
        .order_by("starts_at", "level", "pk")
    )
    days: dict[dt.date, list[HeldMark]] = {}
    for hold in holds:
        day = hold.starts_at.astimezone(tz).date()
        if first_day <= day <= last_day:
            mark = HeldMark(hold.level_name, hold.venue.name, hold.stage.name, hold.starts_at, hold.ends_at)
            days.setdefault(day, []).append(mark)
    return days


def bands_held_days(
    *, bands: list[Band], first_day: dt.date, last_day: dt.date, now: dt.datetime
) -> dict[int, dict[dt.date, list[HeldMark]]]:
    """band_held_days for many bands at once, each by its own local days (an agency's month of its
    roster): {band pk: {day: marks}}, bands without holds left out. One query."""
    if not bands:
        return {}
    zones = {band.pk: zoneinfo.ZoneInfo(band.time_zone) for band in bands}
    holds = (
        Hold.objects.filter(
            holds_standing(now),
            band_id__in=list(zones),
            date__gte=first_day - dt.timedelta(days=1),
            date__lte=last_day + dt.timedelta(days=1),
        )
        .select_related("venue", "stage")
        .order_by("starts_at", "level", "pk")
    )
    out: dict[int, dict[dt.date, list[HeldMark]]] = {}
    for hold in holds:
        day = hold.starts_at.astimezone(zones[hold.band_id]).date()
        if first_day <= day <= last_day:
            mark = HeldMark(hold.level_name, hold.venue.name, hold.stage.name, hold.starts_at, hold.ends_at)
            out.setdefault(hold.band_id, {}).setdefault(day, []).append(mark)
    return out


def live_holds_of_bands(*, band_ids: list[int], now: dt.datetime) -> dict[int, list[Hold]]:
    """The holds that stand on each of the bands at `now` and have not begun, soonest first, with venue and
    stage (bands with none are left out). One query."""
    if not band_ids:
        return {}
    holds = (
        Hold.objects.filter(holds_standing(now), band_id__in=band_ids, starts_at__gt=now)
        .select_related("venue", "stage")
        .order_by("starts_at", "level", "pk")
    )
    out: dict[int, list[Hold]] = {}
    for hold in holds:
        out.setdefault(hold.band_id, []).append(hold)
    return out


# How a level is said in feeds, which are written in English (as every other feed text).
_FEED_LEVELS = {1: "1st", 2: "2nd", 3: "3rd"}


def _feed_level(level: int) -> str:
    return _FEED_LEVELS.get(level, f"{level}th")


def _feed_scope(feed: CalendarFeed) -> Q | None:
    """Whose holds a feed shows: a band feed its band's, a venue feed its venue's, a member feed those of
    the member's bands only with pending gigs (a hold is less than a pending gig). None: no holds."""
    if feed.scope == CalendarFeed.Scope.BAND:
        return Q(band_id=feed.band_id)
    if feed.scope == CalendarFeed.Scope.VENUE:
        return Q(venue_id=feed.venue_id)
    if feed.include_pending:
        return Q(band_id__in=Membership.objects.filter(user_id=feed.user_id).values("band_id"))
    return None


FEED_FIELDS = (
    "pk", "level", "starts_at", "ends_at", "expires_at", "date", "created_at", "band__name", "band__slug",
    "venue__name", "venue__slug", "venue__address", "venue__postcode", "venue__city", "stage__name",
)  # fmt: skip


def hold_feed_events(feed: CalendarFeed, now: dt.datetime) -> list[FeedEvent]:
    """The live holds a feed shows (see _feed_scope), up to 400 days ahead, as TENTATIVE and transparent
    events (a hold never makes anyone busy): UID hold-<pk>@stageslot; SEQUENCE the count of the hold's
    steps after placing it (a level move is a step), DTSTAMP/LAST-MODIFIED its latest step. One query."""
    scope = _feed_scope(feed)
    if scope is None:
        return []
    rows = (
        Hold.objects.filter(scope, holds_standing(now), starts_at__lt=now + WINDOW_AHEAD)
        .annotate(steps=Count("events"), stepped_at=Max("events__created_at"))
        .order_by("starts_at", "pk")
        .values(*FEED_FIELDS, "steps", "stepped_at")
    )
    site = site_url()
    venue_feed = feed.scope == CalendarFeed.Scope.VENUE
    events = []
    for row in rows:
        level = _feed_level(row["level"])
        if venue_feed:
            url = f"{site}{reverse('holds:venue', args=[row['venue__slug']])}?date={row['date'].isoformat()}"
        else:
            url = f"{site}{reverse('holds:band', args=[row['band__slug']])}"
        town = " ".join(part for part in (row["venue__postcode"], row["venue__city"]) if part)
        location = ", ".join(part for part in (row["venue__name"], row["venue__address"], town) if part)
        expires = row["expires_at"].astimezone(dt.UTC)
        lines = [
            f"{level} hold at {row['venue__name']} – {row['stage__name']}",
            f"Held until {expires:%Y-%m-%d %H:%M} UTC.",
            "",
            "A pencil mark: nothing is booked yet, and no one is busy for it.",
            "",
            f"Details: {url}",
        ]
        events.append(
            FeedEvent(
                uid=f"hold-{row['pk']}@stageslot",
                summary=f"Hold ({level}): {row['band__name']} at {row['venue__name']}",
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                status="TENTATIVE",
                sequence=max(row["steps"] - 1, 0),
                modified_at=row["stepped_at"] or row["created_at"],
                description="\n".join(lines),
                location=location,
                url=url,
                transparent=True,
            )
        )
    return events


def hold_feed_fresh_until(feed: CalendarFeed, now: dt.datetime) -> dt.datetime | None:
    """When time alone next changes the holds a feed shows: a hold expiring, a challenge's deadline, a
    later hold entering the 400 days ahead. One query; None when nothing is due (or no holds shown)."""
    scope = _feed_scope(feed)
    if scope is None:
        return None
    due = Hold.objects.filter(scope, holds_standing(now)).aggregate(
        leaves=Min("expires_at"),
        lapses=Min("challenge_ends_at"),
        enters=Min("starts_at", filter=Q(starts_at__gte=now + WINDOW_AHEAD)),
    )
    moments = [due["leaves"], due["lapses"]]
    if due["enters"] is not None:
        moments.append(due["enters"] - WINDOW_AHEAD)
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


def _live_hold_counts(*, band_ids: list[int], now: dt.datetime) -> QuerySet:
    return (
        Hold.objects.filter(holds_standing(now), band_id__in=band_ids)
        .order_by()
        .values("band_id")
        .annotate(n=Count("pk"))
        .values_list("band_id", "n")
    )


# Compiled once per number of bands (the agent's dashboard asks on every request).
_LIVE_HOLD_COUNTS = CompiledSQL(_live_hold_counts)


def live_hold_counts(*, band_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """How many holds stand on each of the bands at `now` (bands with none are left out). One query."""
    if not band_ids:
        return {}
    return dict(_LIVE_HOLD_COUNTS.instances(band_ids=sorted(band_ids), now=now))


def venues_booked_by_query(*, user: User) -> QuerySet:
    """The ids of the venues `user` is on the staff of (their own, or through a venue group), as a subquery."""
    return VenueStaff.objects.filter(user_id=user.pk).values("venue_id")


def venues_booked_by(*, venue_ids: list[int], user: User) -> set[int]:
    """Which of `venue_ids` `user` acts for (on the venue's staff: an owner, a booker, a group's booker). One query."""
    return set(venues_booked_by_query(user=user).filter(venue_id__in=venue_ids).values_list("venue_id", flat=True))


def stages_of_venues(*, venue_ids) -> QuerySet[Stage]:
    return Stage.objects.filter(venue_id__in=venue_ids).select_related("venue").order_by("venue__name", "name", "pk")
