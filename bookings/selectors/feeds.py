"""Reads of calendar feeds: who may manage which feed, the cards of the feeds page, and the events
each feed shows (see bookings.services.feeds for the kinds of feed and who holds them)."""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BooleanField, Case, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from bands.models import Band, Membership
from core.db.prepared import CompiledSQL
from core.web.site import site_url
from venues.models import Slot, Venue, VenueStaff

from ..ical import FeedEvent, feed_answer_warm_up, feed_render, feed_render_forget
from ..models import Booking, CalendarFeed, FeedMark
from .bookings import InSubquery, can_manage_band, is_venue_staff
from .share import band_availability_events

Status = Booking.Status
Scope = CalendarFeed.Scope

WINDOW_BACK = timedelta(days=62)
WINDOW_AHEAD = timedelta(days=400)
# A cancelled gig stays in feeds (STATUS:CANCELLED) this long after it was called off, so that
# calendar apps mark it cancelled instead of silently dropping it.
CANCELLED_KEPT = timedelta(days=30)
PLAYED = Booking.PLAYED
ICAL_STATUS = {
    Status.BOOKED: "CONFIRMED",
    Status.IN_PROGRESS: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.DISPUTED: "CONFIRMED",
    Status.PENDING: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}


# ---- Who may --------------------------------------------------------------------------------


def feed_may_manage(*, feed: CalendarFeed, user: User) -> bool:
    """Member feed: its member; band feed: the band's leaders and admins; venue feed: the venue's staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    if feed.scope == Scope.MEMBER:
        return feed.user_id == user.pk
    if feed.scope == Scope.BAND:
        return can_manage_band(feed.band_id, user)
    return is_venue_staff(feed.venue_id, user)


def _owner_has_access() -> Q:
    """For CalendarFeed rows: the owner is active and still in the band / on the venue's staff."""
    in_band = Exists(Membership.objects.filter(band_id=OuterRef("band_id"), user_id=OuterRef("user_id")))
    on_staff = Exists(VenueStaff.objects.filter(venue_id=OuterRef("venue_id"), user_id=OuterRef("user_id")))
    return Q(user__is_active=True) & (
        Q(scope=Scope.MEMBER) | (Q(scope=Scope.BAND) & in_band) | (Q(scope=Scope.VENUE) & on_staff)
    )


def feeds_with_live(feeds: QuerySet[CalendarFeed]) -> QuerySet[CalendarFeed]:
    """`feeds` annotated with `live`: whether the owner still has the access the feed needs."""
    return feeds.annotate(live=Case(When(_owner_has_access(), then=True), default=False, output_field=BooleanField()))


# ---- the management page ----------------------------------------------------------


def _site() -> str:
    return site_url()


@dataclass
class FeedCard:
    """One feed on the management page: what it is for, and the feed if it has been made."""

    key: str  # "member", "band-3", "venue-5": unique on the page
    scope: str
    title: str
    feed: CalendarFeed | None
    band: Band | None = None
    venue: Venue | None = None
    band_names: tuple[str, ...] = ()

    @property
    def live(self) -> bool:
        return self.feed is not None and self.feed.live

    @property
    def https_url(self) -> str:
        if self.feed is None:
            return ""
        return _site() + reverse("bookings:feed", args=[self.feed.token])

    @property
    def webcal_url(self) -> str:
        return "webcal://" + self.https_url.split("://", 1)[1] if self.feed else ""


def feed_cards(*, user: User) -> list[FeedCard]:
    """The feeds `user` may manage, made or not: their own, then each band they lead or administer,
    then each venue they staff (by name). Three queries."""
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("band").order_by("band__name", "pk"))
    managed = [m.band for m in memberships if m.can_manage]
    venues = list(Venue.objects.filter(staff_roles__user_id=user.pk).order_by("name", "pk"))
    feeds = feeds_with_live(
        CalendarFeed.objects.filter(
            Q(scope=Scope.MEMBER, user_id=user.pk)
            | Q(scope=Scope.BAND, band_id__in=[b.pk for b in managed])
            | Q(scope=Scope.VENUE, venue_id__in=[v.pk for v in venues])
        ).select_related("user")
    )
    by_key = {}
    for feed in feeds:
        key = {Scope.MEMBER: "member", Scope.BAND: f"band-{feed.band_id}", Scope.VENUE: f"venue-{feed.venue_id}"}
        by_key[key[feed.scope]] = feed
    cards = [
        FeedCard(
            key="member",
            scope=Scope.MEMBER,
            title=gettext("My gigs"),
            feed=by_key.get("member"),
            band_names=tuple(m.band.name for m in memberships),
        )
    ]
    cards += [
        FeedCard(key=f"band-{b.pk}", scope=Scope.BAND, title=b.name, feed=by_key.get(f"band-{b.pk}"), band=b)
        for b in managed
    ]
    cards += [
        FeedCard(key=f"venue-{v.pk}", scope=Scope.VENUE, title=v.name, feed=by_key.get(f"venue-{v.pk}"), venue=v)
        for v in venues
    ]
    return cards


# ---- the feed itself ----------------------------------------------------------------


def feed_of(*, pk: int) -> CalendarFeed | None:
    """Feed `pk` whoever owns it, or None (the caller checks feed_may_manage before showing or
    changing it, and answers 404 either way). One query."""
    return CalendarFeed.objects.filter(pk=pk).first()


def feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed at this address if it still works (see the module docstring), else None. One query, its
    SQL compiled once: calendar apps poll every feed, and most polls end in a 304 right after it."""
    found = _FEED_BY_TOKEN.instances(token=token)
    return found[0] if found else None


def _feed_rows(token: str) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(_owner_has_access(), token=token).select_related("user", "band", "venue")


_FEED_BY_TOKEN = CompiledSQL(lambda *, token: _feed_rows(token).order_by("pk")[:1], text=("token",))


def feed_name(feed: CalendarFeed) -> str:
    """The calendar's name in the subscriber's app (X-WR-CALNAME)."""
    if feed.scope == Scope.MEMBER:
        return f"{feed.user.name} – gigs (StageSlot)"
    if feed.scope == Scope.BAND:
        return f"{feed.band.name} – gigs (StageSlot)"
    return f"{feed.venue.name} – shows (StageSlot)"


def feed_filename(feed: CalendarFeed) -> str:
    if feed.scope == Scope.MEMBER:
        return "stageslot-my-gigs.ics"
    return f"stageslot-{feed.band.slug if feed.scope == Scope.BAND else feed.venue.slug}.ics"


@dataclass(frozen=True)
class FeedSource:
    """Events an app above bookings adds to feeds (holds' pencil marks): bookings cannot import it, so
    the app hands its readers in once, from its AppConfig.ready (feed_source_add).

    `events(feed, now)` returns the feed's extra events; `fresh_until(feed, now)` the first moment after
    `now` at which time alone changes them (None: not before STAMP_LONGEST). The app leaves a FeedMark
    (band_id, venue_id) with every write that changes what `events` returns, so stored bodies stay true.
    """

    name: str
    events: Callable[[CalendarFeed, dt.datetime], list[FeedEvent]]
    fresh_until: Callable[[CalendarFeed, dt.datetime], dt.datetime | None]


_SOURCES: dict[str, FeedSource] = {}


def feed_source_add(source: FeedSource) -> None:
    """Add (or replace, by name) a source of feed events; see FeedSource."""
    _SOURCES[source.name] = source


def feed_events(*, feed: CalendarFeed, now: dt.datetime) -> list[FeedEvent]:
    """The events of a feed as its options say (see the functions below), and those of the sources
    other apps added (FeedSource)."""
    if feed.scope == Scope.MEMBER:
        events = member_feed_events(user=feed.user, now=now, include_pending=feed.include_pending)
    elif feed.scope == Scope.BAND:
        events = band_feed_events(
            band=feed.band, now=now, include_pending=feed.include_pending, include_available=feed.include_available
        )
    else:
        events = venue_feed_events(venue=feed.venue, now=now, include_pending=feed.include_pending)
    for source in _SOURCES.values():
        events += source.events(feed, now)
    return events


# Grows when the code writes a feed's bytes differently: stored stamps of the old bytes then miss.
FEED_FORMAT = "2"


# How long a stamp of a feed's marks may stand for its body at most: once a day a poll builds it
# again, whatever the marks say.
STAMP_LONGEST = timedelta(days=1)


def feed_marks_stamp(*, feed: CalendarFeed) -> str | None:
    """The count and sum of the ids of the marks `feed` reads (bookings.models.FeedMark), with what
    else its body depends on (format, site, options); one query. While it and the time stay as they
    were when the body was last built (`CalendarFeed.marks_stamp`, `fresh_until`), nothing the feed
    shows has changed. None for a band feed with its available windows: those follow the members'
    busy time, which leaves no marks, so it is always built."""
    if feed.include_available:
        return None
    everyone = Q(band_id__isnull=True, venue_id__isnull=True, user_id__isnull=True)
    if feed.scope == Scope.MEMBER:
        bands = Membership.objects.filter(user_id=feed.user_id).values("band_id")
        # As `= ANY(ARRAY(…))`: a plain IN beside the OR read every mark (decision 0088).
        read = Q(InSubquery(F("band_id"), Subquery(bands))) | Q(user_id=feed.user_id) | everyone
    elif feed.scope == Scope.BAND:
        read = Q(band_id=feed.band_id) | everyone
    else:
        read = Q(venue_id=feed.venue_id) | everyone
    marks = FeedMark.objects.filter(read).aggregate(n=Count("pk"), s=Sum("pk"))
    parts = [FEED_FORMAT, feed.scope, str(feed.include_pending), _site(), str(marks["n"]), str(marks["s"] or 0)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def feed_fresh_until(*, feed: CalendarFeed, now: dt.datetime) -> dt.datetime | None:
    """The first moment after `now` at which time alone may change what `feed` shows: a shown event
    leaving the window behind, a later one entering the window ahead, a cancelled one's 30 days
    ending, and what the other apps' sources say (FeedSource); at most STAMP_LONGEST ahead. Earlier than
    need be only costs a build. Two queries and one per source; None for a feed the marks do not cover
    (see feed_marks_stamp)."""
    if feed.include_available:
        return None
    changed = Coalesce("status_changed_at", "updated_at")
    if feed.scope == Scope.VENUE:
        slots = _venue_slots(venue_id=feed.venue_id, now=now, include_pending=feed.include_pending)
        shown = slots.aggregate(
            leaves=Min("ends_at"),
            called_off=Min("cancelled_at", filter=Q(cancelled_at__gte=now - CANCELLED_KEPT)),
            act_off=Min(
                Coalesce("bookings__status_changed_at", "bookings__updated_at"),
                filter=Q(bookings__status=Status.CANCELLED)
                & (
                    Q(bookings__status_changed_at__gte=now - CANCELLED_KEPT)
                    | Q(bookings__status_changed_at__isnull=True, bookings__updated_at__gte=now - CANCELLED_KEPT)
                ),
            ),
        )
        ahead = Slot.objects.filter(venue_id=feed.venue_id, starts_at__gte=now + WINDOW_AHEAD).aggregate(
            enters=Min("starts_at")
        )
        moments = [shown["called_off"], shown["act_off"]]
    else:
        if feed.scope == Scope.MEMBER:
            scope = Q(band_id__in=Membership.objects.filter(user_id=feed.user_id).values("band_id"))
        else:
            scope = Q(band_id=feed.band_id)
        shown = _shown_bookings(scope, now=now, include_pending=feed.include_pending).aggregate(
            leaves=Min("ends_at"), called_off=Min(changed, filter=Q(status=Status.CANCELLED))
        )
        ahead = Booking.objects.filter(scope, starts_at__gte=now + WINDOW_AHEAD).aggregate(enters=Min("starts_at"))
        moments = [shown["called_off"]]
    until = [now + STAMP_LONGEST]
    until += [moment for source in _SOURCES.values() if (moment := source.fresh_until(feed, now)) is not None]
    until += [moment + CANCELLED_KEPT for moment in moments if moment is not None]
    if shown["leaves"] is not None:
        until.append(shown["leaves"] + WINDOW_BACK)
    if ahead["enters"] is not None:
        until.append(ahead["enters"] - WINDOW_AHEAD)
    return min(until)


def _last_change(*moments: dt.datetime | None) -> dt.datetime:
    return max(m for m in moments if m is not None)


def _changed(row: dict) -> dt.datetime:
    """A booking's last change: bulk updates set status_changed_at, saves updated_at."""
    return _last_change(row["updated_at"], row["status_changed_at"])


def _cancelled_recently(now: dt.datetime) -> Q:
    cut = now - CANCELLED_KEPT
    return Q(status=Status.CANCELLED) & (
        Q(status_changed_at__gte=cut) | Q(status_changed_at__isnull=True, updated_at__gte=cut)
    )


def _window(now: dt.datetime) -> Q:
    return Q(ends_at__gt=now - WINDOW_BACK, starts_at__lt=now + WINDOW_AHEAD)


def _place(name: str, address: str, postcode: str, city: str) -> str:
    """ "Kellerbar, Kastanienallee 12, 10435 Berlin" """
    town = " ".join(part for part in (postcode, city) if part)
    return ", ".join(part for part in (name, address, town) if part)


def _role(role: str) -> str:
    return Booking.Role(role).label


# Feeds read plain rows (values()), not model instances: a feed has hundreds of events and is polled.
GIG_FIELDS = (
    "uid", "kind", "role", "status", "band__name", "slot_id", "slot__title", "slot__stage__name", "venue__name",
    "venue__address", "venue__postcode", "venue__city", "starts_at", "ends_at", "event_type", "location",
    "sequence", "updated_at", "status_changed_at", "set_starts_at", "set_ends_at", "load_in_at",
    "slot__place_name", "slot__place_address", "slot__place_city", "slot__place_venue__name",
    "slot__place_venue__address", "slot__place_venue__postcode", "slot__place_venue__city", "block__lineup",
)  # fmt: skip
ACT_FIELDS = ("slot_id", "uid", "band__name", "role", "status", "sequence", "updated_at", "status_changed_at")


def _acts_by_slot(slot_ids, statuses) -> dict[int, list[dict]]:
    """The bookings with `statuses` of each slot, headliner first then supports in the order booked."""
    acts: dict[int, list[dict]] = {}
    for row in _act_rows(slot_ids, statuses):
        acts.setdefault(row["slot_id"], []).append(row)
    return acts


def _act_rows(slot_ids, statuses) -> QuerySet:
    rows = Booking.objects.filter(slot_id__in=slot_ids, status__in=statuses).order_by("slot_id", "role", "pk")
    return rows.values(*ACT_FIELDS)


def _shown_bookings(scope: Q, *, now: dt.datetime, include_pending: bool) -> QuerySet[Booking]:
    """The bookings in `scope` a gig feed shows at `now`."""
    shown = Q(status__in=PLAYED) | _cancelled_recently(now)
    if include_pending:
        shown |= Q(status=Status.PENDING)
    return Booking.objects.filter(scope, shown, _window(now))


def _gigs(scope: Q, *, now: dt.datetime, include_pending: bool, member_id: int | None = None) -> list[FeedEvent]:
    """The gig events of the bookings in `scope` (see member_feed_events); with `member_id`, each says that
    member's own answer to "Can you play?". Two queries."""
    bookings = _shown_bookings(scope, now=now, include_pending=include_pending)
    lineups = _acts_by_slot(bookings.filter(slot__isnull=False).values("slot_id"), PLAYED)
    # The booking page's address without a reverse() per row: /bookings/<uid>/.
    bookings_url = _site() + reverse("bookings:inbox")
    # The day sheet's too (documents' page, linked by name): /documents/bookings/<uid>/day-sheet/.
    sheet_url = _site() + reverse("documents:day_sheet", args=[_NO_UID])
    return [
        _gig_event(row, lineups.get(row["slot_id"], []), bookings_url, sheet_url, member_id)
        for row in _gig_rows(bookings)
    ]


def _gig_rows(bookings: QuerySet[Booking]) -> QuerySet:
    return bookings.order_by("starts_at", "uid").values(*GIG_FIELDS)


def feed_warm_up() -> None:
    """Ready a fresh process for its first feed without touching the database (stageslot/warm.py):
    compile, never run, the queries a feed makes, reverse its links and write a calendar of one event,
    so that what Django and icalendar build on first use is there before the first subscriber asks, and
    answer it as the feed view does (plain, gzipped, 304)."""
    now = timezone.now()
    member = Q(band_id__in=Membership.objects.filter(user_id=0).values("band_id"))
    for scope in (member, Q(band_id=0), Q(venue_id=0)):
        bookings = _shown_bookings(scope, now=now, include_pending=True)
        for rows in (_gig_rows(bookings), _act_rows(bookings.values("slot_id"), PLAYED)):
            str(rows.query)
    _FEED_BY_TOKEN.warm(token="-")  # noqa: S106 - a stand-in address, not a secret
    str(FeedMark.objects.filter(Q(band_id=0) | Q(user_id=0)).values("pk").query)
    _site() + reverse("bookings:inbox") + reverse("documents:day_sheet", args=[_NO_UID])
    body = feed_render(name=_site(), events=[FeedEvent("-", "-", now, now, "CONFIRMED", 0, now)])
    feed_answer_warm_up(body)  # plain, gzipped and 304
    feed_render_forget()  # the calendar of no one: nothing to keep


def _hm(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%H:%M}"


# A uid that no booking has, for an address to fill in per row.
_NO_UID = uuid.UUID(int=0)


# A member's answer to "Can you play?" as the feeds say it (gigs.models.Answer's values).
ANSWER_WORDS = {
    "definitely": "Definitely",
    "probably": "Probably",
    "dont_know": "Don't know",
    "probably_not": "Probably not",
    "cant": "Can't",
    "": "Not answered yet",
}


def _lineup_lines(lineup: dict | None, member_id: int | None) -> list[str]:
    """Who plays, from the summary the gig's block carries (gigs keeps it): "4 of 5 confirmed", the risk,
    and the member's own answer on their feed."""
    if not lineup or not lineup.get("of"):
        return []
    lines = ["", f"{lineup.get('in', 0)} of {lineup['of']} confirmed"]
    if lineup.get("at_risk"):
        lines.append("At risk: a required member can't play.")
    if member_id is not None and str(member_id) in lineup.get("answers", {}):
        lines.append(f"Your answer: {ANSWER_WORDS.get(lineup['answers'][str(member_id)], '')}")
    return lines


def gig_summary(*, band: str, place: str | None, event_type: str = "") -> str:
    """A gig's SUMMARY in every feed of a band's gigs (a member's, the band's, a stand-in's), the band
    named once: "The Night Owls at Kellerbar"; without a place (a private event) "The Night Owls –
    private event (Wedding)"."""
    if place is None:
        return f"{band} – private event{f' ({event_type})' if event_type else ''}"
    return f"{band} at {place}"


def gig_summary_of(booking: Booking) -> str:
    """gig_summary for a booking read as a row (band, venue, and a hosted show's slot with its place venue)."""
    if not booking.slot_id:
        place = None
    elif booking.venue_id:
        place = booking.venue.name
    else:
        place = booking.slot.place_label
    return gig_summary(band=booking.band.name, place=place, event_type=booking.event_type)


def _gig_event(
    row: dict, lineup: list[dict], bookings_url: str, sheet_url: str, member_id: int | None = None
) -> FeedEvent:
    """One gig of a band, as its members read it: a booked one links to its day sheet."""
    details = f"{bookings_url}{row['uid']}/"
    sheet = sheet_url.replace(str(_NO_UID), str(row["uid"])) if row["status"] in PLAYED else ""
    url = sheet or details
    lines = []
    starts_at, ends_at = row["starts_at"], row["ends_at"]
    if row["slot_id"] and row["venue__name"] is None:
        # A show a band hosts: its place is the one it names (a venue on StageSlot, or typed in).
        if row["slot__place_venue__name"]:
            venue = row["slot__place_venue__name"]
            location = _place(
                venue,
                row["slot__place_venue__address"],
                row["slot__place_venue__postcode"],
                row["slot__place_venue__city"],
            )
        else:
            venue = row["slot__place_name"] or row["location"]
            location = _place(venue, row["slot__place_address"], "", row["slot__place_city"])
        summary = gig_summary(band=row["band__name"], place=venue)
        lines.append(f"{_role(row['role'])} at {venue}")
        if row["slot__title"]:
            lines.append(row["slot__title"])
        if lineup:
            lines += ["", "Lineup:"] + [f"{act['band__name']} – {_role(act['role'])}" for act in lineup]
    elif row["slot_id"]:
        venue = row["venue__name"]
        summary = gig_summary(band=row["band__name"], place=venue)
        location = _place(venue, row["venue__address"], row["venue__postcode"], row["venue__city"])
        lines.append(f"{_role(row['role'])} at {venue} – {row['slot__stage__name']}")
        if row["slot__title"]:
            lines.append(row["slot__title"])
        if lineup:
            lines += ["", "Lineup:"] + [f"{act['band__name']} – {_role(act['role'])}" for act in lineup]
    else:
        kind = row["event_type"]
        summary = gig_summary(band=row["band__name"], place=None, event_type=kind)
        location = row["location"]
        lines.append(f"Private event{f': {kind}' if kind else ''}")
    if row["set_starts_at"] is not None:
        # The running order gives the act its set: the event is the set, the rest is said in words.
        starts_at, ends_at = row["set_starts_at"], row["set_ends_at"]
        lines += ["", f"Set: {_hm(row['set_starts_at'])}–{_hm(row['set_ends_at'])} UTC"]
        if row["load_in_at"] is not None:
            lines.append(f"Load-in: {_hm(row['load_in_at'])} UTC")
        lines.append(f"Show: {_hm(row['starts_at'])}–{_hm(row['ends_at'])} UTC")
    if row["status"] == Status.PENDING:
        lines += ["", "Not confirmed yet: waiting for an answer."]
    elif row["status"] == Status.CANCELLED:
        lines += ["", "This gig is cancelled."]
    if row["status"] in PLAYED:
        lines += _lineup_lines(row["block__lineup"], member_id)
    # One link, the event's URL (the day sheet once booked, which links the gig): Google's and Outlook's
    # calendars show no URL property, only the description.
    lines += ["", url]
    return FeedEvent(
        uid=f"booking-{row['uid']}@stageslot",
        summary=summary,
        starts_at=starts_at,
        ends_at=ends_at,
        status=ICAL_STATUS[row["status"]],
        sequence=row["sequence"],
        modified_at=_changed(row),
        description="\n".join(lines),
        location=location,
        url=url,
        transparent=row["status"] == Status.CANCELLED,
    )


def member_feed_events(*, user: User, now: dt.datetime, include_pending: bool = False) -> list[FeedEvent]:
    """The gigs of every band `user` plays in, from 62 days back to 400 days ahead: booked and played
    ones CONFIRMED, pending ones TENTATIVE (with `include_pending`), cancelled ones CANCELLED for 30
    days after the cancellation. Two queries."""
    bands = Membership.objects.filter(user_id=user.pk).values("band_id")
    return _gigs(Q(band_id__in=bands), now=now, include_pending=include_pending, member_id=user.pk)


def band_feed_events(
    *, band: Band, now: dt.datetime, include_pending: bool = False, include_available: bool = False
) -> list[FeedEvent]:
    """One band's gigs as in member_feed_events, and with `include_available` its green-zone windows
    from today on as "Available" (transparent) events."""
    events = _gigs(Q(band_id=band.pk), now=now, include_pending=include_pending)
    if include_available:
        events += band_availability_events(band=band, now=now, booked=False)
    return events


COUNTED = (*PLAYED, Status.CANCELLED)


def _venue_slots(*, venue_id: int, now: dt.datetime, include_pending: bool) -> QuerySet[Slot]:
    """The slots of a venue that may have an event in its feed at `now`."""
    acts = Booking.objects.filter(slot_id=OuterRef("pk"))
    has = Exists(acts.filter(status__in=PLAYED))
    has |= Exists(acts.filter(_cancelled_recently(now)))
    has |= Q(cancelled_at__gte=now - CANCELLED_KEPT) & Exists(acts.filter(status=Status.CANCELLED))
    if include_pending:
        has |= Exists(acts.filter(status=Status.PENDING))
    return Slot.objects.filter(has, _window(now), venue_id=venue_id)


def venue_feed_events(*, venue: Venue, now: dt.datetime, include_pending: bool = False) -> list[FeedEvent]:
    """One event per slot of the venue (UID slot-<pk>@stageslot) that has a booked or played act
    (CONFIRMED), was called off within 30 days after having acts (CANCELLED), or, with
    `include_pending`, has only pending acts (TENTATIVE); from 62 days back to 400 days ahead.

    SEQUENCE is the slot's own plus its booked, cancelled and played bookings' – it grows with any of
    their changes; DTSTAMP/LAST-MODIFIED is the latest change among them. Two queries.
    """
    cut = now - CANCELLED_KEPT
    slots = _venue_slots(venue_id=venue.pk, now=now, include_pending=include_pending)
    bookings = _acts_by_slot(slots.values("pk"), (*COUNTED, Status.PENDING))
    fields = ("pk", "title", "stage__name", "starts_at", "ends_at", "sequence", "updated_at", "cancelled_at")
    # The slot page's address without a reverse() per slot: /venues/<slug>/manage/slots/<pk>/.
    slots_url = _site() + reverse("bookings:venue_slots", args=[venue.slug])
    # Each booked act's day sheet (documents' page, linked by name): /documents/bookings/<uid>/day-sheet/.
    sheet_url = _site() + reverse("documents:day_sheet", args=[_NO_UID])
    place = _place(venue.name, venue.address, venue.postcode, venue.city)
    events = []
    for slot in slots.order_by("starts_at", "pk").values(*fields):
        rows = bookings.get(slot["pk"], [])
        played = [b for b in rows if b["status"] in PLAYED]
        cancelled = [b for b in rows if b["status"] == Status.CANCELLED]
        recent = [b for b in cancelled if _changed(b) >= cut]
        pending = [b for b in rows if b["status"] == Status.PENDING] if include_pending else []
        if slot["cancelled_at"] is not None:
            if slot["cancelled_at"] < cut or not cancelled:
                continue
            status, shown = "CANCELLED", recent or cancelled
        elif played:
            status, shown = "CONFIRMED", played
        elif recent:
            status, shown = "CANCELLED", recent
        elif pending:
            status, shown = "TENTATIVE", []
        else:
            continue
        url = f"{slots_url}{slot['pk']}/"
        counted = [b for b in rows if b["status"] in COUNTED]
        sheets = [(b["band__name"], sheet_url.replace(str(_NO_UID), str(b["uid"]))) for b in played]
        events.append(_slot_event(venue, slot, status, shown, pending, counted, url=url, place=place, sheets=sheets))
    return events


def _slot_event(
    venue: Venue,
    slot: dict,
    status: str,
    shown: list[dict],
    pending: list[dict],
    counted: list[dict],
    *,
    url: str,
    place: str,
    sheets: Sequence[tuple[str, str]] = (),
) -> FeedEvent:
    names = " + ".join(b["band__name"] for b in (shown or pending))
    summary = f"{slot['title']}: {names}" if slot["title"] else names
    lines = [f"{venue.name} – {slot['stage__name']}"]
    if slot["title"]:
        lines.append(slot["title"])
    lineup = [f"{b['band__name']} – {_role(b['role'])}" for b in shown]
    lineup += [f"{b['band__name']} – {_role(b['role'])} (pending)" for b in pending]
    if lineup:
        lines += ["", "Lineup:", *lineup]
    if status == "CANCELLED":
        lines += ["", "This slot is cancelled." if slot["cancelled_at"] else "Every act on this slot has cancelled."]
    elif status == "TENTATIVE":
        lines += ["", "No act is confirmed yet."]
    lines += ["", url]
    if status == "CONFIRMED" and sheets:
        lines += ["Day sheets:", *(f"{name}: {sheet}" for name, sheet in sheets)]
    changes = [slot["updated_at"], slot["cancelled_at"], *(_changed(b) for b in (*counted, *pending))]
    return FeedEvent(
        uid=f"slot-{slot['pk']}@stageslot",
        summary=summary,
        starts_at=slot["starts_at"],
        ends_at=slot["ends_at"],
        status=status,
        sequence=slot["sequence"] + sum(b["sequence"] for b in counted),
        modified_at=_last_change(*changes),
        description="\n".join(lines),
        location=place,
        url=url,
        transparent=status == "CANCELLED",
    )
