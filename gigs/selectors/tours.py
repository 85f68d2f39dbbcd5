"""Reads of a band's tours (decision 0110): who may see a tour and its money, and the itinerary day by day –
show days, travel days and days off, each day's schedule in the local zone, the drive from the last place
to the next, where the party sleeps, the contacts of the day – and the tour's money. Everything between
the gigs is derived here from the gigs' times and places on each read: nothing of it is stored."""

import datetime as dt
import itertools
import math
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from bands.invites import invite_link_token
from bands.models import Band, Membership
from bands.travel import journey
from bookings.models import Booking, Quote
from bookings.selectors.bookings import can_manage_band
from bookings.selectors.quotes import convert_minor
from bookings.selectors.tours import road_factor
from core.db.prepared import CompiledSQL
from payments.models import Settlement
from payments.services.settlement import settlement_compute
from places.geo import great_circle_km

from ..models import (
    DaySheet,
    GigAnswer,
    Tour,
    TourCost,
    TourFeed,
    TourGig,
    TourInvite,
    TourRate,
    TourStay,
    TourStayGuest,
    TourTraveller,
)

Status = Booking.Status
# A gig on the tour's days and drives: booked, playing or played. A cancelled one is listed as such.
TOUR_STATUSES = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED, Status.DISPUTED)
# The gigs that may join a tour.
JOINABLE_STATUSES = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED)
# A stay further than this from every place the party plays or stops that night is in another town.
STAY_NEAR_KM = 40
# The party leaves the hotel no earlier than this on a show day (local time): a drive that does not fit
# between it and the load-in is driven the day before, when that day has no show (a travel day).
LEAVE_AT = dt.time(10)
MAX_GIGS = 120
# The tours a person's list shows at most (the dashboard shows fewer).
MAX_MY_TOURS = 100


# ---- Who sees what --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TourAccess:
    """What a person may do with a tour: see its itinerary, see its money, change it."""

    see: bool = False
    money: bool = False
    manage: bool = False
    role: str = ""  # "member", "leader", a TourTraveller.Role, "stand_in"


def tour_access(*, tour: Tour, user: User) -> TourAccess:
    """The band's leaders and admins (and the agency acting for it) change the tour and see its money; its
    members and the tour's travellers see the itinerary, the money only when allowed; a stand-in who
    plays one of the tour's gigs sees the itinerary. Everyone else nothing. At most four queries."""
    if not getattr(user, "is_authenticated", False):
        return TourAccess()
    if can_manage_band(tour.band_id, user):
        return TourAccess(see=True, money=True, manage=True, role="leader")
    traveller = TourTraveller.objects.filter(tour=tour, user=user).first()
    if traveller is not None:
        return TourAccess(see=True, money=traveller.sees_money, role=traveller.role)
    if Membership.objects.filter(band_id=tour.band_id, user=user).exists():
        return TourAccess(see=True, role="member")
    if GigAnswer.objects.filter(
        booking__in=TourGig.objects.filter(tour=tour).values("booking"), stand_in__user=user
    ).exists():
        return TourAccess(see=True, role=TourTraveller.Role.STAND_IN)
    return TourAccess()


def tours_today(*, user: User, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> list[Tour]:
    """The tours a person travels on (a member of the band, or invited) that are on today in `zone`: from
    the day of their first booked gig to the day of their last. One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    end = start + dt.timedelta(days=1)
    return list(
        Tour.objects.filter(Q(band__memberships__user=user) | Q(travellers__user=user))
        .filter(tour_gigs__booking__status__in=TOUR_STATUSES)
        .annotate(first=Min("tour_gigs__booking__starts_at"), last=Max("tour_gigs__booking__ends_at"))
        .filter(first__lt=end, last__gte=start)
        .order_by("pk")
        .distinct()[:5]
    )


def tour_get(*, pk: int) -> Tour:
    """One tour with its band (404 if none)."""
    return get_object_or_404(Tour.objects.select_related("band"), pk=pk)


def tour_stays(*, tour: Tour) -> QuerySet[TourStay]:
    """The tour's stays, by check-in."""
    return TourStay.objects.filter(tour=tour).order_by("check_in_at", "pk")


def tour_stays_with_guests(*, tour: Tour) -> QuerySet[TourStay]:
    """The tour's stays by check-in, each with who sleeps where (`guests`, by room, their people read with
    them: a name is drawn from the person when shown). Two queries."""
    guests = (
        TourStayGuest.objects.select_related("user")
        .only("stay_id", "room", "user__display_name", "user__email")
        .order_by("room", "user__display_name", "pk")
    )
    return tour_stays(tour=tour).prefetch_related(Prefetch("guests", queryset=guests))


def tour_stay_of(*, tour: Tour, pk: int) -> TourStay:
    """One stay of the tour (404 if the tour has no such stay)."""
    return get_object_or_404(TourStay.objects.select_related("tour"), pk=pk, tour=tour)


def tour_has_gig(*, tour: Tour, booking_id: int) -> bool:
    """Whether the gig is part of the tour."""
    return TourGig.objects.filter(tour=tour, booking_id=booking_id).exists()


def tour_traveller_of(*, tour: Tour, pk: int) -> TourTraveller:
    """One traveller of the tour (404 if none)."""
    return get_object_or_404(TourTraveller.objects.select_related("tour"), pk=pk, tour=tour)


def tour_cost_of(*, tour: Tour, pk: int) -> TourCost:
    """One cost of the tour (404 if none)."""
    return get_object_or_404(TourCost.objects.select_related("tour"), pk=pk, tour=tour)


def band_tours(*, band: Band) -> QuerySet[Tour]:
    """The band's tours, newest first."""
    return Tour.objects.filter(band=band).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class MyTour:
    """A tour as one of its touring party reads it in a list: the first and last day of its booked gigs in
    the reader's zone (None before it has one), the reader's role on it (a TourTraveller.Role, else their
    Membership.Role in the band), and whether it is on today or over."""

    tour: Tour
    first_day: dt.date | None
    last_day: dt.date | None
    role: str
    role_label: str
    today: bool
    over: bool


def person_tours(
    *, user: User, now: dt.datetime, zone: zoneinfo.ZoneInfo, upcoming: bool = True, limit: int = MAX_MY_TOURS
) -> list[MyTour]:
    """The tours a person travels on – their bands' tours and the tours they were added to – with its band.
    With `upcoming`, only the tours not over before today in `zone` (on today, ahead, or with no gig yet; a
    tour whose every gig is cancelled is left out), soonest first (one with no gig yet last); else all of
    them, the latest first. At most `limit`. One query, whatever the number of tours, bands and gigs;
    someone on no tour pays it too."""
    if not getattr(user, "is_authenticated", False):
        return []
    start = dt.datetime.combine(now.astimezone(zone).date(), dt.time(), tzinfo=zone)
    end = start + dt.timedelta(days=1)
    # Every dashboard asks, whoever reads it: the query is built and compiled once per kind and size of list.
    rows = _PERSON_TOURS.instances(user_id=user.pk, start=start, upcoming=upcoming, size=str(limit))
    return [_my_tour(tour, start=start, end=end) for tour in rows]


def _person_tours(*, user_id: int, start: dt.datetime, upcoming: bool, size: str) -> QuerySet[Tour]:
    booked = Q(tour_gigs__booking__status__in=TOUR_STATUSES)
    rows = (
        Tour.objects.filter(
            Q(band_id__in=Membership.objects.filter(user_id=user_id).values("band_id"))
            | Q(pk__in=TourTraveller.objects.filter(user_id=user_id).values("tour_id"))
        )
        .select_related("band")
        .only("name", "band", "band__name", "band__slug")
        .annotate(
            first=Min("tour_gigs__booking__starts_at", filter=booked),
            last=Max("tour_gigs__booking__ends_at", filter=booked),
            gig_count=Count("tour_gigs"),
            traveller_role=Subquery(
                TourTraveller.objects.filter(tour=OuterRef("pk"), user_id=user_id).order_by().values("role")[:1]
            ),
            member_role=Subquery(
                Membership.objects.filter(band_id=OuterRef("band_id"), user_id=user_id).order_by().values("role")[:1]
            ),
        )
    )
    if upcoming:
        rows = rows.filter(Q(last__gte=start) | Q(gig_count=0)).order_by(F("first").asc(nulls_last=True), "pk")
    else:
        # The latest first, so that a long history keeps its newest tours within the limit.
        rows = rows.order_by(F("last").desc(nulls_first=True), "-pk")
    return rows[: int(size)]


_PERSON_TOURS = CompiledSQL(_person_tours)


def _my_tour(tour: Tour, *, start: dt.datetime, end: dt.datetime) -> MyTour:
    zone = start.tzinfo
    first, last = tour.first, tour.last
    if tour.traveller_role:
        role, label = tour.traveller_role, TourTraveller.Role(tour.traveller_role).label
    else:
        role = tour.member_role or Membership.Role.MEMBER
        label = Membership.Role(role).label
    return MyTour(
        tour=tour,
        first_day=first.astimezone(zone).date() if first else None,
        last_day=last.astimezone(zone).date() if last else None,
        role=role,
        role_label=label,
        today=first is not None and first < end and last >= start,
        over=last is not None and last < start,
    )


def tour_gig_candidates(*, tour: Tour) -> QuerySet[Booking]:
    """The band's booked gigs not in any tour that may join this one, soonest first."""
    return band_tour_candidates(band=tour.band)


def band_tour_candidates(*, band: Band) -> QuerySet[Booking]:
    """The band's booked gigs (from today on) that are in no tour, soonest first."""
    taken = TourGig.objects.values("booking_id")
    since = timezone.now() - dt.timedelta(days=1)
    return (
        Booking.objects.filter(band_id=band.pk, status__in=JOINABLE_STATUSES, ends_at__gte=since)
        .exclude(pk__in=taken)
        .select_related("venue")
        .order_by("starts_at", "pk")[:MAX_GIGS]
    )


# ---- The itinerary --------------------------------------------------------------------------------


@dataclass
class Drive:
    """The drive from one gig's place to the next: road km (about: the great-circle distance times the tour
    planner's road factor), the time it takes (bands.travel.journey, the rule for members' busy time), and
    whether it fits between the last gig's pack-down and the next load-in."""

    origin: str
    destination: str
    km: int | None
    duration: dt.timedelta | None
    leave_after: dt.datetime  # the last gig's pack-down, UTC
    load_in_at: dt.datetime  # the next gig's load-in, UTC
    zone: zoneinfo.ZoneInfo
    departs_at: dt.datetime | None = None  # when the party leaves: LEAVE_AT on the day it is listed, or later

    @property
    def fits(self) -> bool:
        return self.duration is None or self.leave_after + self.duration <= self.load_in_at

    @property
    def hours(self) -> int:
        return int(self.duration.total_seconds() // 3600) if self.duration else 0

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() % 3600 // 60) if self.duration else 0


@dataclass
class Show:
    """A gig on its day: the booking, its day sheet's times (else the booking's) in the gig's zone."""

    booking: Booking
    sheet: DaySheet | None
    zone: zoneinfo.ZoneInfo
    load_in_at: dt.datetime
    pack_down_until: dt.datetime

    def _local(self, value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(self.zone) if value else None

    @property
    def schedule(self) -> list[tuple[str, dt.datetime]]:
        """(what, local time) in time order: load-in, soundcheck, doors, set, set end, curfew."""
        sheet, booking = self.sheet, self.booking
        rows = [
            ("load_in", self.load_in_at),
            ("soundcheck", sheet.soundcheck_at if sheet else None),
            ("doors", sheet.doors_at if sheet else None),
            ("set", booking.set_starts_at or booking.starts_at),
            ("set_end", booking.set_ends_at or booking.ends_at),
            ("curfew", sheet.curfew_at if sheet else None),
        ]
        return sorted(((what, self._local(at)) for what, at in rows if at), key=lambda row: row[1])

    @property
    def contacts(self) -> list[tuple[str, str, str, str]]:
        """(side, name, phone, email) from the day sheet, where it names someone."""
        sheet = self.sheet
        if sheet is None:
            return []
        rows = [("venue", sheet.venue_contact), ("band", sheet.band_contact)]
        return [(side, c.name, c.phone, c.email) for side, c in rows if c]


@dataclass
class Day:
    date: dt.date
    kind: str  # "show", "travel", "off"
    shows: list[Show] = field(default_factory=list)
    drives: list[Drive] = field(default_factory=list)
    stays: list[TourStay] = field(default_factory=list)
    bed_wanted: bool = False  # a night of the tour (not its last day) that no stay covers yet
    # Stays that night far from where the party plays or stops (more than STAY_NEAR_KM from every such place).
    beds_elsewhere: list[TourStay] = field(default_factory=list)


@dataclass
class Itinerary:
    tour: Tour
    days: list[Day]
    cancelled: list[Booking]
    gigs: list[Booking]

    @property
    def warnings(self) -> int:
        return sum(1 for day in self.days for drive in day.drives if not drive.fits)

    @property
    def nights_without_bed(self) -> list[dt.date]:
        """The tour's nights, from its first day to the night before its last, that no stay covers."""
        return [day.date for day in self.days if day.bed_wanted]

    @property
    def beds_elsewhere(self) -> list[tuple[dt.date, TourStay]]:
        """(night, stay) for each night a stay lies far from where the party plays or stops."""
        return [(day.date, stay) for day in self.days for stay in day.beds_elsewhere]

    def window(self, *, start: dt.date, days: int) -> list[Day]:
        return [day for day in self.days if start <= day.date < start + dt.timedelta(days=days)]


def _point(booking: Booking) -> tuple[float, float] | None:
    venue = booking.venue
    if venue is not None and venue.latitude is not None and venue.longitude is not None:
        return (venue.latitude, venue.longitude)
    return None


def _show(booking: Booking, band: Band) -> Show:
    sheet = getattr(booking, "day_sheet", None)
    load_in = (
        (sheet.load_in_at if sheet else None)
        or booking.load_in_at
        or booking.starts_at - dt.timedelta(minutes=band.load_in_minutes)
    )
    pack_down = booking.ends_at + dt.timedelta(minutes=band.pack_down_minutes)
    if sheet is not None and sheet.curfew_at:
        pack_down = max(pack_down, sheet.curfew_at)
    return Show(booking=booking, sheet=sheet, zone=booking.zone, load_in_at=load_in, pack_down_until=pack_down)


def _stops(day: dt.date, shows: list[Show]) -> list[tuple[float, float]]:
    """Where the party may sleep on the night of `day`: the town of that day's show; on a day without one, the
    last show's town before it or the next one's after it."""
    dated = [(s.booking.starts_at.astimezone(s.zone).date(), _point(s.booking)) for s in shows]
    today = [point for on, point in dated if on == day and point]
    if today:
        return today
    before = [point for on, point in dated if on < day and point][-1:]
    after = [point for on, point in dated if on > day and point][:1]
    return before + after


def _from_the_stay(drive: Drive, stay: TourStay, after: Show, band: Band) -> None:
    """The drive leaves from where the party slept, when that is known and not at the last show's door."""
    b = _point(after.booking)
    if stay.point is None or b is None:
        return
    drive.origin = stay.name
    drive.km = math.ceil(great_circle_km(*stay.point, *b) * road_factor())
    drive.duration = journey(stay.point, b, band.travel_speed_kmh)


def _drive(before: Show, after: Show, band: Band) -> Drive:
    a, b = _point(before.booking), _point(after.booking)
    km = duration = None
    if a is not None and b is not None:
        km = math.ceil(great_circle_km(a[0], a[1], b[0], b[1]) * road_factor())
        duration = journey(a, b, band.travel_speed_kmh)
    return Drive(
        origin=before.booking.place_name,
        destination=after.booking.place_name,
        km=km,
        duration=duration,
        leave_after=before.pack_down_until,
        load_in_at=after.load_in_at,
        zone=after.zone,
    )


def tour_gigs(*, tour: Tour) -> list[Booking]:
    """The tour's gigs in time order, with their places and day sheets (one query)."""
    return list(
        Booking.objects.filter(pk__in=TourGig.objects.filter(tour=tour).values("booking_id"))
        .select_related("venue", "day_sheet__venue_contact_person", "day_sheet__band_contact_person")
        .order_by("starts_at", "pk")
    )


def tour_itinerary(*, tour: Tour) -> Itinerary:
    """The tour day by day from its first gig's day to its last (in each gig's own zone): a day with a gig
    is a show day; a day without one is a travel day when the next drive does not fit on the next show's
    day between LEAVE_AT and its load-in, else a day off. Each drive is listed on the day it is driven, and
    warns when it does not fit between the last gig's pack-down and the next load-in at all. A stay is
    listed on each night it covers, with who sleeps where. Three queries (the gigs, the stays, their guests);
    `tour.band` is read with the tour."""
    band = tour.band
    bookings = tour_gigs(tour=tour)
    stays = list(tour_stays_with_guests(tour=tour))
    played = [b for b in bookings if b.status in TOUR_STATUSES]
    cancelled = [b for b in bookings if b.status not in TOUR_STATUSES]
    if not played:
        return Itinerary(tour=tour, days=[], cancelled=cancelled, gigs=bookings)
    shows = [_show(b, band) for b in played]
    by_date: dict[dt.date, Day] = {}
    first = shows[0].booking.starts_at.astimezone(shows[0].zone).date()
    last = shows[-1].booking.starts_at.astimezone(shows[-1].zone).date()
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        by_date[day] = Day(date=day, kind="off")
    for show in shows:
        day = by_date[show.booking.starts_at.astimezone(show.zone).date()]
        day.kind = "show"
        day.shows.append(show)
    for stay in stays:
        zone = zone_of(stay.time_zone)
        night = stay.check_in_at.astimezone(zone).date()
        leave = stay.check_out_at.astimezone(zone).date()
        while night < leave:
            if night in by_date:
                by_date[night].stays.append(stay)
            night += dt.timedelta(days=1)
    for before, after in itertools.pairwise(shows):
        drive = _drive(before, after, band)
        show_day = after.booking.starts_at.astimezone(after.zone).date()
        eve = by_date.get(show_day - dt.timedelta(days=1))
        leave = dt.datetime.combine(show_day, LEAVE_AT, tzinfo=after.zone)
        on_the_day = drive.duration is None or leave + drive.duration <= after.load_in_at
        if not on_the_day and eve is not None and eve.kind != "show":
            eve.kind = "travel"
            eve.drives.append(drive)
            drive.departs_at = max(leave - dt.timedelta(days=1), drive.leave_after)
        else:
            by_date[show_day].drives.append(drive)
            drive.departs_at = max(leave, drive.leave_after) if on_the_day else drive.leave_after
        # A drive that waits for the morning (not one straight after the show) starts where the party slept.
        slept = by_date.get(drive.departs_at.astimezone(after.zone).date() - dt.timedelta(days=1))
        if drive.departs_at > drive.leave_after and slept is not None and slept.stays:
            _from_the_stay(drive, slept.stays[-1], after, band)
    for day in by_date.values():
        day.bed_wanted = day.date < last and not day.stays
        if day.stays:
            stops = _stops(day.date, shows)
            day.beds_elsewhere = [
                stay
                for stay in day.stays
                if stay.point is not None
                and stops
                and min(great_circle_km(*stay.point, *stop) for stop in stops) > STAY_NEAR_KM
            ]
    return Itinerary(tour=tour, days=list(by_date.values()), cancelled=cancelled, gigs=bookings)


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def tour_zone_on(*, tour: Tour, night: dt.date) -> str:
    """The zone of the tour's place on `night`: the gig that night, else the last gig before, else the
    first after, else the band's. One query."""
    gigs = [b for b in tour_gigs(tour=tour) if b.status in TOUR_STATUSES]
    before = [b for b in gigs if b.starts_at.astimezone(b.zone).date() <= night]
    chosen = before[-1] if before else (gigs[0] if gigs else None)
    return chosen.time_zone if chosen else tour.band.time_zone


def tour_party(*, tour: Tour) -> tuple[list[Membership], list[TourTraveller]]:
    """The touring party: the band's members and the tour's travellers, with their people. Two queries."""
    members = list(Membership.objects.filter(band_id=tour.band_id).select_related("user").order_by("pk"))
    travellers = list(TourTraveller.objects.filter(tour=tour).select_related("user").order_by("pk"))
    return members, travellers


def tour_invites_open(now: dt.datetime) -> Q:
    """Invitations whose link still lets someone onto the tour: not withdrawn, not expired, not used."""
    return Q(revoked_at=None, expires_at__gt=now, uses__lt=F("max_uses"))


def tour_invites_pending(*, tour: Tour) -> list[TourInvite]:
    """The tour's invitations nobody has accepted yet, oldest first: the address, the role and who sent it."""
    return list(
        TourInvite.objects.filter(tour=tour)
        .filter(tour_invites_open(timezone.now()))
        .select_related("created_by")
        .order_by("created_at", "pk")
    )


def tour_invite_of(*, tour: Tour, pk: int) -> TourInvite:
    """One invitation of `tour` (404 for another tour's)."""
    return get_object_or_404(TourInvite.objects.select_related("tour"), tour=tour, pk=pk)


def tour_invite_path(*, invite: TourInvite) -> str:
    """The site-relative /join/<token>/ address of an invitation to a tour."""
    return reverse("join", kwargs={"token": invite_link_token(kind="tour", invite=invite)})


def tour_invite_name(invite: TourInvite) -> str:
    """What an invitation leads into, as the invited person reads it: the tour by its name, and its band."""
    return gettext("the tour “%(tour)s” of %(band)s") % {"tour": invite.tour.name, "band": invite.tour.band.name}


@dataclass(frozen=True)
class PartyPerson:
    """One person of the touring party: `kind` is "member", "traveller" (crew, driver, a stand-in invited
    to the tour) or "stand_in" (a stand-in with an account who plays one of the tour's gigs)."""

    user: User
    kind: str
    role: str = ""


def tour_party_people(*, tour: Tour) -> list[PartyPerson]:
    """Everyone of the touring party once, by their account: the band's members, the tour's travellers and
    the stand-ins with an account who play one of its gigs. Three queries."""
    members, travellers = tour_party(tour=tour)
    people = [PartyPerson(user=m.user, kind="member", role=m.role) for m in members]
    people += [PartyPerson(user=t.user, kind="traveller", role=t.role) for t in travellers]
    seen = {p.user.pk for p in people}
    answers = GigAnswer.objects.filter(
        booking__in=TourGig.objects.filter(tour=tour).values("booking"), stand_in__user__isnull=False
    ).select_related("stand_in__user")
    for answer in answers.order_by("pk"):
        user = answer.stand_in.user
        if user.pk not in seen:
            seen.add(user.pk)
            people.append(PartyPerson(user=user, kind="stand_in", role=TourTraveller.Role.STAND_IN))
    return people


# ---- Each traveller's calendar address ------------------------------------------------------------


def tour_feed_of(*, tour: Tour, user: User) -> TourFeed | None:
    """The person's calendar address of the tour, if they made one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TourFeed.objects.filter(tour=tour, user=user).first()


def tour_feed_by_token(*, token: str) -> TourFeed | None:
    """The calendar address with this token, with its tour, band and person – or None when there is none,
    or when its person may no longer see the tour (taken off it, left the band): that address is dead."""
    feed = TourFeed.objects.select_related("tour__band", "user").filter(token=token).first()
    if feed is None or not feed.user.is_active or not tour_access(tour=feed.tour, user=feed.user).see:
        return None
    return feed


@dataclass(frozen=True)
class CalendarEntry:
    """One event of a traveller's tour calendar: a show, a drive or a stay."""

    key: str
    kind: str  # "show", "drive", "stay"
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    cancelled: bool = False
    zone: str = "UTC"  # the place's zone: the times are UTC, read there
    stay_id: int | None = None  # a stay's: whose room it is is the reader's (tour_rooms_of)


def tour_calendar(*, itinerary: Itinerary) -> list[CalendarEntry]:
    """The itinerary as events for a calendar: each gig (a cancelled one kept, cancelled), each drive whose
    time is known, from its departure to its arrival (from → to), and each stay from check-in to check-out
    (name, address). Times in UTC with the zone of the place. No money in any of it."""
    entries = []
    for booking in itinerary.gigs:
        entries.append(
            CalendarEntry(
                key=f"gig-{booking.uid}",
                kind="show",
                title=booking.place_name,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                place=booking.venue.address if booking.venue else booking.location,
                cancelled=booking.status not in TOUR_STATUSES,
                zone=booking.time_zone,
            )
        )
    stays: dict[int, TourStay] = {}
    for day in itinerary.days:
        for drive in day.drives:
            if drive.duration and drive.departs_at:
                entries.append(
                    CalendarEntry(
                        key=f"drive-{drive.departs_at:%Y%m%dT%H%M}",
                        kind="drive",
                        title=drive.destination,
                        starts_at=drive.departs_at,
                        ends_at=drive.departs_at + drive.duration,
                        place=drive.origin,
                        zone=drive.zone.key,
                    )
                )
        for stay in day.stays:
            stays[stay.pk] = stay
    for stay in stays.values():
        entries.append(
            CalendarEntry(
                key=f"stay-{stay.pk}",
                kind="stay",
                title=stay.name,
                starts_at=stay.check_in_at,
                ends_at=stay.check_out_at,
                place=stay.address,
                zone=stay.time_zone,
                stay_id=stay.pk,
            )
        )
    return entries


def tour_rooms_of(*, tour: Tour, user: User) -> dict[int, str]:
    """The person's room in each stay of the tour they sleep in ("" for a room with no number yet), by stay pk.
    One query."""
    return dict(TourStayGuest.objects.filter(stay__tour=tour, user=user).values_list("stay_id", "room"))


# ---- Money ----------------------------------------------------------------------------------------

Deal = Quote.Deal


@dataclass
class ShowMoney:
    """One show's money in the tour's currency (or the costs of the whole tour when `booking` is None).

    What the show brings in is read from the agreed terms (decision 0113): a flat guarantee is expected
    and earned; a door split alone is expected to bring nothing sure and earns what its settlement says; a
    guarantee versus a door split is expected to bring the guarantee and earns the settlement's amount (never
    less than the guarantee: the settlement works that out). A settlement counts once both sides approved
    it; an entered one waiting for approval is shown, not counted."""

    booking: Booking | None  # None: the costs of the tour that belong to no show
    deal: str = ""  # Quote.Deal, "" for the costs of the whole tour
    tour_currency: str = ""  # what the tour sums in
    currency: str = ""  # the show's: guarantee, settlement, ticket price and forecast are in it
    rate: Decimal | None = None  # 1 `currency` = `rate` tour_currency, when the leaders set one (TourRate)
    guarantee_minor: int = 0
    door_percent: int | None = None
    settlement_status: str = ""  # "", or Settlement.Status
    settlement_minor: int | None = None  # the band's amount the settlement works out
    planned_minor: int = 0
    actual_minor: int = 0
    expected_attendance: int | None = None  # the band's figure for a door deal's show (TourGig)
    capacity: int | None = None  # the show's: the agreed terms', else the venue's
    ticket_price_minor: int | None = None  # the agreed terms'
    forecast_minor: int | None = None  # the door deal's band amount at the expected attendance

    @property
    def door(self) -> bool:
        return self.deal in (Deal.DOOR, Deal.VERSUS)

    @property
    def foreign(self) -> bool:
        """The show's money is in another currency than the tour's."""
        has_money = bool(self.guarantee_minor or self.settlement_status or self.forecast_minor is not None)
        return bool(self.currency) and self.currency != self.tour_currency and has_money

    @property
    def other_currency(self) -> bool:
        """In another currency with no rate set: flagged and not summed."""
        return self.foreign and self.rate is None

    @property
    def converted(self) -> bool:
        """In another currency, converted at the tour's rate and summed."""
        return self.foreign and self.rate is not None

    def _in_tour(self, minor: int) -> int:
        return convert_minor(minor, self.rate) if self.converted else minor

    @property
    def income_planned_own_minor(self) -> int:
        """The income planned in the show's own currency."""
        return self.guarantee_minor

    @property
    def income_actual_own_minor(self) -> int:
        """The income earned in the show's own currency."""
        if self.door and self.settled:
            return self.settlement_minor or 0
        return self.guarantee_minor

    @property
    def forecast_tour_minor(self) -> int | None:
        """The door forecast in the tour's currency (None without a forecast or a rate)."""
        if self.forecast_minor is None or self.other_currency:
            return None
        return self._in_tour(self.forecast_minor)

    @property
    def settled(self) -> bool:
        return self.settlement_status == Settlement.Status.APPROVED

    @property
    def income_planned_minor(self) -> int:
        return 0 if self.other_currency else self._in_tour(self.income_planned_own_minor)

    @property
    def income_actual_minor(self) -> int:
        return 0 if self.other_currency else self._in_tour(self.income_actual_own_minor)

    @property
    def result_planned_minor(self) -> int:
        return self.income_planned_minor - self.planned_minor

    @property
    def result_actual_minor(self) -> int:
        return self.income_actual_minor - self.actual_minor


@dataclass
class TourMoney:
    currency: str
    rows: list[ShowMoney]
    costs: list[TourCost]
    rates: list[TourRate] = field(default_factory=list)

    @property
    def guarantee_minor(self) -> int:
        return sum(r.income_planned_minor for r in self.rows)

    @property
    def income_planned_minor(self) -> int:
        return sum(r.income_planned_minor for r in self.rows)

    @property
    def income_actual_minor(self) -> int:
        return sum(r.income_actual_minor for r in self.rows)

    @property
    def planned_minor(self) -> int:
        return sum(r.planned_minor for r in self.rows)

    @property
    def actual_minor(self) -> int:
        return sum(r.actual_minor for r in self.rows)

    @property
    def result_planned_minor(self) -> int:
        return self.income_planned_minor - self.planned_minor

    @property
    def result_actual_minor(self) -> int:
        return self.income_actual_minor - self.actual_minor

    @property
    def forecast_minor(self) -> int | None:
        """The door deals' forecasts summed (None when no show has one); not in the results: a forecast is
        not a figure anyone agreed."""
        figures = [r.forecast_tour_minor for r in self.rows if r.forecast_tour_minor is not None]
        return sum(figures) if figures else None

    @property
    def unrated(self) -> list[str]:
        """The other currencies of shows on the tour that have no rate yet (their shows are not summed)."""
        return sorted({r.currency for r in self.rows if r.other_currency})

    @property
    def foreign_currencies(self) -> list[str]:
        """Every other currency a show of the tour is in: the ones the leaders may set a rate for."""
        return sorted({r.currency for r in self.rows if r.foreign})

    @property
    def waiting(self) -> int:
        """Door deals whose settlement has not been approved by both sides yet."""
        return sum(1 for r in self.rows if r.booking is not None and r.door and not r.settled)


def tour_money_gigs(*, tour: Tour) -> list[Booking]:
    """The tour's gigs with their agreed terms, settlements and the band's expected attendance
    (`expected_attendance`), in time order (one query)."""
    expected = TourGig.objects.filter(booking=OuterRef("pk")).values("expected_attendance")[:1]
    return list(
        Booking.objects.filter(pk__in=TourGig.objects.filter(tour=tour).values("booking_id"))
        .select_related("venue", "agreed_quote", "settlement")
        .annotate(expected_attendance=Subquery(expected))
        .order_by("starts_at", "pk")
    )


def _settlement(booking: Booking) -> Settlement | None:
    try:
        return booking.settlement
    except Settlement.DoesNotExist:
        return None


def show_capacity(booking: Booking) -> int | None:
    """How many people a show holds: the agreed terms' capacity, else the venue's (None when neither says)."""
    quote: Quote | None = booking.agreed_quote
    if quote is not None and quote.capacity:
        return quote.capacity
    venue = booking.venue
    return venue.capacity if venue is not None and venue.capacity else None


def door_forecast_minor(quote: Quote, expected: int) -> int | None:
    """What a door deal would bring the band at `expected` people: expected × the agreed ticket price is
    the takings, the terms' costs are taken off the door, and the band's amount is worked out by the one
    rule a settlement uses (payments' settlement_compute: the share of the net, never below a versus
    deal's guarantee, the agreed bonus tier reached). None without a ticket price."""
    if quote.deal not in (Deal.DOOR, Deal.VERSUS) or not quote.ticket_price_minor:
        return None
    costs = sum(int(c.get("amount_minor") or 0) for c in quote.door_costs or [])
    agreed = [(int(b["tickets"]), int(b["amount_minor"])) for b in quote.bonus_tiers or []]
    figures = settlement_compute(
        quote=quote, tickets_sold=expected, gross_minor=None, costs_minor=costs, agreed_bonuses=agreed
    )
    return figures.band_amount_minor


def show_money(
    booking: Booking, currency: str, expected: int | None = None, rates: dict[str, Decimal] | None = None
) -> ShowMoney:
    """A show's deal, guarantee and settlement from its agreed terms (else its fee, a flat guarantee), and for
    a door deal the forecast at the band's expected attendance (bounded by the show's capacity); a
    cancelled gig brings in nothing. A show in another currency is converted at `rates` (currency → rate)
    when the tour has one for it."""
    quote: Quote | None = booking.agreed_quote
    row = ShowMoney(booking=booking, deal=quote.deal if quote else Deal.FLAT, tour_currency=currency)
    if booking.status not in TOUR_STATUSES:
        return row
    if quote is not None:
        row.guarantee_minor = (quote.fee_minor or 0) if quote.deal != Deal.DOOR else 0
        row.door_percent = quote.door_percent
        fee_currency = quote.currency
    else:
        row.guarantee_minor = (booking.fee or 0) * 100
        fee_currency = booking.currency
    settlement = _settlement(booking) if row.door else None
    if row.door and quote is not None:
        row.capacity = show_capacity(booking)
        row.ticket_price_minor = quote.ticket_price_minor
        row.expected_attendance = expected
        if expected is not None:
            bounded = min(expected, row.capacity) if row.capacity is not None else expected
            row.forecast_minor = door_forecast_minor(quote, bounded)
    if settlement is not None:
        row.settlement_status = settlement.status
        row.settlement_minor = settlement.band_amount_minor
        fee_currency = settlement.currency
    row.currency = fee_currency
    row.rate = (rates or {}).get(fee_currency) if fee_currency != currency else None
    return row


def tour_money(*, tour: Tour, gigs: list[Booking] | None = None) -> TourMoney:
    """Each show's income (its guarantee, or its door deal's approved settlement, in the tour's currency – a
    show in another currency converted at the tour's rate for it, or flagged and not counted without one; a
    cancelled gig earns nothing here), a door deal's forecast at the expected attendance, its costs planned
    and actual (an actual cost not entered yet counts as planned), and the same for the costs of the whole
    tour; the tour's result is the sum. Three queries (two with `gigs`, which come from tour_money_gigs)."""
    gigs = tour_money_gigs(tour=tour) if gigs is None else gigs
    costs = list(
        TourCost.objects.filter(tour=tour)
        .select_related("person")
        .prefetch_related(Prefetch("booking", Booking.objects.only("pk")))
    )
    rates = tour_rates(tour=tour)
    rows: dict[int | None, ShowMoney] = {
        booking.pk: show_money(
            booking, tour.currency, getattr(booking, "expected_attendance", None), {r.currency: r.rate for r in rates}
        )
        for booking in gigs
    }
    general = ShowMoney(booking=None, deal="", tour_currency=tour.currency, currency=tour.currency)
    for cost in costs:
        row = rows.get(cost.booking_id, general)
        row.planned_minor += cost.planned_minor
        row.actual_minor += cost.planned_minor if cost.actual_minor is None else cost.actual_minor
    return TourMoney(currency=tour.currency, rows=[*rows.values(), general], costs=costs, rates=rates)


def tour_rates(*, tour: Tour) -> list[TourRate]:
    """The exchange rates the leaders set for the tour, by currency."""
    return list(TourRate.objects.filter(tour=tour).order_by("currency"))


# ---- The tour book --------------------------------------------------------------------------------


@dataclass
class TourBook:
    """What the printed tour book holds: the itinerary, the party, and the money when the reader may see it."""

    itinerary: Itinerary
    members: list[Membership]
    travellers: list[TourTraveller]
    money: TourMoney | None

    @property
    def first_day(self) -> dt.date | None:
        return self.itinerary.days[0].date if self.itinerary.days else None

    @property
    def last_day(self) -> dt.date | None:
        return self.itinerary.days[-1].date if self.itinerary.days else None


def tour_book(*, tour: Tour, money: bool) -> TourBook:
    """The tour book's content: the itinerary (two queries), the party (two) and, with `money`, the money
    (two more). Nothing of the money is read without `money`."""
    itinerary = tour_itinerary(tour=tour)
    members, travellers = tour_party(tour=tour)
    return TourBook(
        itinerary=itinerary,
        members=members,
        travellers=travellers,
        money=tour_money(tour=tour) if money else None,
    )
