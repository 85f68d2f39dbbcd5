"""Demo bookings: the demo venues post slots over the next three months, and the demo bands apply,
get offers and private requests, play, get declined, withdraw, and lose a gig to a cancelled slot.

Every step goes through venues.services and bookings.services (they check the rules, notify and
make members busy), with `now=` set to the moment the step happened, so the history reads right.
Dates count in weeks from this Monday, like demo_availability, so the demo never goes stale and
meets the same busy evenings; bands are booked only where bookings.selectors.band_free_for_gig
says they are free, except where a comment says why.
"""

import datetime as dt
import itertools
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Notification, User
from bands.models import Band, Genre, Membership
from bookings.errors import BookingError
from bookings.models import Booking, BookingEvent
from bookings.selectors.bookings import band_free_for_gig
from bookings.services import answering, asking, periodic, venue_slots
from core.web.site import site_url
from venues.models import Slot, Venue
from venues.services import SlotPermissionError, slot_series_create

logger = logging.getLogger(__name__)

T = dt.time
H, S = Booking.Role.HEADLINER, Booking.Role.SUPPORT

DEMO_VENUES = ("kellerbar", "sala-aurora", "the-lantern", "blue-room")
CURRENCY = {"kellerbar": "EUR", "sala-aurora": "EUR", "the-lantern": "GBP", "blue-room": "USD"}
# Who posts and answers for each venue (Kellerbar's booker, Ole, answers some of its applications).
VENUE_STAFF = {
    "kellerbar": "kellerbar-owner",
    "sala-aurora": "aurora-owner",
    "the-lantern": "lantern-owner",
    "blue-room": "blueroom-owner",
}
DEMO_BANDS = (
    "the-night-owls", "brass-and-bones", "luz-de-madrugada", "grey-harbour", "the-low-end-theory",
    "brooklyn-static", "velours", "nordlys",
)  # fmt: skip
# Where the demo gigs happen; the client's private events are all in and around Berlin.
CITY_ZONES = {
    "Berlin": "Europe/Berlin",
    "Madrid": "Europe/Madrid",
    "Bristol": "Europe/London",
    "New York": "America/New_York",
}
# A band playing in another city needs this long between two gigs to get there.
TRAVEL = dt.timedelta(hours=24)
WEEKS_AHEAD = 13
# Notifications older than this are shown as read: the demo people have seen their history.
READ_AFTER = dt.timedelta(days=7)


class Series(NamedTuple):
    venue: str
    stage: str
    title: str
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time  # at or before the start: the next day
    weeks: range
    fee: int | None  # None: negotiable
    support_places: int
    genres: tuple[str, ...]
    notes: str = ""
    tickets: bool = False


SERIES = (
    Series("kellerbar", "Main room", "Friday Late Show", 4, T(21), T(1), range(1, WEEKS_AHEAD + 1), 450, 1,
           ("Indie", "Rock", "Punk"), "Load-in 18:00, soundcheck 19:00. House drum kit and bass amp. "
           "Door deal on top above 120 tickets.", tickets=True),
    Series("kellerbar", "Main room", "Kellerbar Saturdays", 5, T(21), T(1), range(1, WEEKS_AHEAD + 1), None, 1,
           ("Punk", "Rock", "Indie"), "Fee by agreement: guarantee or door split. Curfew 01:00."),
    Series("sala-aurora", "Main room", "Sábados en la Sala", 5, T(21), T(23, 30), range(1, WEEKS_AHEAD + 1), 600, 2,
           ("Folk", "Pop"), "Seated and standing, 350. Two dressing rooms, dinner for the bands.", tickets=True),
    Series("sala-aurora", "Side room", "Jazz en el Salón", 3, T(21), T(23, 30), range(1, WEEKS_AHEAD + 1, 2), 300, 0,
           ("Jazz",), "Acoustic room with an upright piano; no drum kit in house."),
    Series("the-lantern", "Main room", "Saturday Folk Club", 5, T(20), T(23, 30), range(1, WEEKS_AHEAD + 1), 250, 1,
           ("Folk", "Indie"), "Two sets with a break for the raffle. Vocal PA, no monitors."),
    Series("the-lantern", "Main room", "Blues & Roots", 3, T(20), T(23), range(2, WEEKS_AHEAD + 1, 2), None, 0,
           ("Blues", "Folk"), "Fee negotiable; the bar stays open late."),
    Series("blue-room", "Main room", "Late Set", 4, T(21), T(1), range(1, WEEKS_AHEAD + 1), 900, 1,
           ("Jazz", "Funk", "Soul"), "Steinway in house, tuned on the day. Load-in 17:00 from the back alley.",
           tickets=True),
    Series("blue-room", "Side room", "Side Room Sessions", 5, T(22), T(1), range(1, WEEKS_AHEAD + 1), 300, 0,
           ("Hip hop", "Jazz"), "Intimate room, 100 standing. DJ between sets."),
)  # fmt: skip


class _Skip(Exception):
    """A story cannot be told on these dates (no free evening left); the rest of the demo goes on."""


def _local(day: dt.date, at: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(zone))


def _span(day: dt.date, start: dt.time, end: dt.time, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Local start and end on `day`; an end at or before the start is on the next day."""
    end_day = day + dt.timedelta(days=1) if end <= start else day
    return _local(day, start, zone), _local(end_day, end, zone)


def _last_pk(model) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


# The tables whose rows `_dated` stamps.
DATED = (Slot, Booking, BookingEvent, Notification)


def _last_pks() -> dict[type[models.Model], int]:
    """`_last_pk` of each of DATED, in one query (a demo step is about a hundred of them)."""
    quote = connection.ops.quote_name
    # The names are the models' own, not input.
    last = ", ".join(f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})" for m in DATED)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {last}")
        return {model: pk or 0 for model, pk in zip(DATED, cursor.fetchone(), strict=True)}


@contextmanager
def dated(when: dt.datetime, now: dt.datetime) -> Iterator[None]:
    """Give the rows written by one step the moment that step happened.

    The services take `now=` for every rule and status time, but created_at/updated_at are
    auto_now fields stamped with the clock, which no service can set to a past moment; without
    this a gig played a month ago would read "applied today". Only the tables the step wrote to
    are stamped."""
    marks = _last_pks()
    yield
    made = {model for model, last in _last_pks().items() if last > marks[model]}
    if Slot in made:
        Slot.objects.filter(pk__gt=marks[Slot]).update(created_at=when, updated_at=when)
    if Booking in made:
        Booking.objects.filter(pk__gt=marks[Booking]).update(created_at=when)
    if BookingEvent in made:
        events = BookingEvent.objects.filter(pk__gt=marks[BookingEvent])
        Booking.objects.filter(pk__in=events.values("booking_id")).update(updated_at=when)
        events.update(created_at=when)
    if Notification in made:
        Notification.objects.filter(pk__gt=marks[Notification]).update(
            created_at=when, read_at=when if when < now - READ_AFTER else None
        )


class _Demo:
    """The demo world, and one step of a booking story per method."""

    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        today = timezone.localdate(now)
        self.monday = today - dt.timedelta(days=today.weekday())
        self.bands = {b.slug: b for b in Band.objects.filter(status="approved")}
        self.venues = {v.slug: v for v in Venue.objects.filter(slug__in=DEMO_VENUES)}
        self.stages = {(v.slug, s.name): s for v in self.venues.values() for s in v.stages.all()}
        self.people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.stageslot.test")}
        self.leaders = {
            m.band.slug: m.user
            for m in Membership.objects.filter(role=Membership.Role.LEADER).select_related("band", "user")
        }
        self.genres = {g.name: g for g in Genre.objects.all()}
        self.series: dict[str, list[tuple[int, Slot]]] = {}
        self.used: set[int] = set()
        # Every demo booking's time and city by band, so that no band is in two places at once.
        self.engaged: dict[int, list[tuple[dt.datetime, dt.datetime, str]]] = {}

    # ---- Time ------------------------------------------------------------------------------

    def ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def day(self, week: int, weekday: int) -> dt.date:
        return self.monday + dt.timedelta(weeks=week, days=weekday)

    def free(self, bands: Iterable[Band], start: dt.datetime, end: dt.datetime, city: str) -> bool:
        """Whether every band is free then (its green zone), has no other demo booking then, and has
        a day to travel from any booking in another city."""
        for band in bands:
            for other_start, other_end, other_city in self.engaged.get(band.pk, []):
                gap = dt.timedelta(0) if other_city == city else TRAVEL
                if other_start < end + gap and other_end > start - gap:
                    return False
        return all(band_free_for_gig(band=b, start=start, end=end) for b in bands)

    def engage(self, band: Band, start: dt.datetime, end: dt.datetime, city: str) -> None:
        self.engaged.setdefault(band.pk, []).append((start, end, city))

    def first_free(
        self, bands: Iterable[Band], weeks: Iterable[int], weekday: int, start: dt.time, end: dt.time, city: str
    ) -> tuple[dt.datetime, dt.datetime]:
        """The first evening of `weeks` (in that order) in `city` when every band is free."""
        bands = list(bands)
        for week in weeks:
            starts_at, ends_at = _span(self.day(week, weekday), start, end, CITY_ZONES[city])
            if self.free(bands, starts_at, ends_at, city):
                return starts_at, ends_at
        raise _Skip(f"no free evening for {', '.join(b.name for b in bands)}")

    def pick(self, title: str, *bands: Band, first_week: int = 1) -> Slot:
        """The first slot of a series from `first_week` on that no other story has, where every band is free."""
        for week, slot in self.series.get(title, []):
            if slot.pk in self.used or week < first_week:
                continue
            if self.free(bands, slot.starts_at, slot.ends_at, slot.venue.city):
                self.used.add(slot.pk)
                return slot
        raise _Skip(f"no {title} slot left for {', '.join(b.name for b in bands) or 'an offer'}")

    # ---- Slots -----------------------------------------------------------------------------

    def post_series(self) -> None:
        posted = self.ago(28)
        for s in SERIES:
            venue = self.venues[s.venue]
            weeks = list(s.weeks)
            times = [_span(self.day(week, s.weekday), s.start, s.end, venue.time_zone) for week in weeks]
            with dated(posted, self.now):
                slots = slot_series_create(
                    venue=venue,
                    by=self.staff_of(s.venue),
                    stage=self.stages[(s.venue, s.stage)],
                    times=times,
                    genres=[self.genres[g] for g in s.genres],
                    now=posted,
                    **self.slot_fields(s.venue, s.title, s.fee, s.support_places, s.notes, s.tickets),
                )
            # slot_series_create returns the slots sorted by start, like `weeks`.
            self.series[s.title] = list(zip(weeks, slots, strict=True))

    def one_off(
        self,
        venue: str,
        stage: str,
        title: str,
        times: tuple[dt.datetime, dt.datetime],
        *,
        fee: int | None,
        support_places: int,
        genres: tuple[str, ...],
        posted: dt.datetime,
        invite: bool = False,
        notes: str = "",
    ) -> Slot:
        fields = self.slot_fields(venue, title, fee, support_places, notes, False)
        if invite:
            fields["visibility"] = Slot.Visibility.INVITE
        with dated(posted, self.now):
            slot = slot_series_create(
                venue=self.venues[venue],
                by=self.staff_of(venue),
                stage=self.stages[(venue, stage)],
                times=[times],
                genres=[self.genres[g] for g in genres],
                now=posted,
                **fields,
            )[0]
        self.used.add(slot.pk)
        return slot

    def slot_fields(self, venue: str, title: str, fee, support_places: int, notes: str, tickets: bool) -> dict:
        return {
            "title": title,
            "fee": fee,
            "currency": CURRENCY[venue],
            "support_places": support_places,
            "notes": notes,
            "ticket_url": f"https://{venue}.example/tickets" if tickets else "",
        }

    def staff_of(self, venue: str) -> User:
        return self.people[VENUE_STAFF[venue]]

    def complete(self) -> bool:
        """Whether every demo venue, band, leader and person the stories need is there."""
        people = {*VENUE_STAFF.values(), "kellerbar-booker", "client"}
        return (
            set(DEMO_VENUES) <= set(self.venues)
            and set(DEMO_BANDS) <= set(self.bands) & set(self.leaders)
            and people <= set(self.people)
            and {(s.venue, s.stage) for s in SERIES} <= set(self.stages)
        )

    # ---- Booking steps (each dated) --------------------------------------------------------

    def apply(
        self, slot: Slot, band: Band, role: str, fee: int | None, message: str, *, when, shortlist_by=None
    ) -> Booking:
        with dated(when, self.now):
            booking = asking.booking_apply(
                slot=slot, band=band, by=self.leaders[band.slug], role=role, fee=fee, message=message, now=when
            )
            if shortlist_by is not None:
                answering.booking_shortlist(booking=booking, by=shortlist_by, shortlisted=True)
        self.engage(band, slot.starts_at, slot.ends_at, slot.venue.city)
        return booking

    def offer(self, slot: Slot, band: Band, role: str, fee: int | None, message: str, *, when) -> Booking:
        with dated(when, self.now):
            booking = asking.booking_offer(
                slot=slot, band=band, by=self.staff_of(slot.venue.slug), role=role, fee=fee, message=message, now=when
            )
        self.engage(band, slot.starts_at, slot.ends_at, slot.venue.city)
        return booking

    def request(
        self, band: Band, times, *, event_type: str, location: str, guests: int, fee: int, message: str, when
    ) -> Booking:
        starts_at, ends_at = times
        with dated(when, self.now):
            booking = asking.booking_request(
                band=band,
                client=self.people["client"],
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone="Europe/Berlin",
                event_type=event_type,
                location=location,
                guests=guests,
                fee=fee,
                message=message,
                now=when,
            )
        self.engage(band, starts_at, ends_at, "Berlin")
        return booking

    def accept(self, booking: Booking, by: User, *, when, stand_in: bool = False) -> None:
        with dated(when, self.now):
            answering.booking_accept(booking=booking, by=by, now=when, stand_in=stand_in)

    def decline(self, booking: Booking, by: User, reason: str, *, when) -> None:
        with dated(when, self.now):
            answering.booking_decline(booking=booking, by=by, reason=reason, now=when)

    def withdraw(self, booking: Booking, by: User, *, when) -> None:
        with dated(when, self.now):
            answering.booking_withdraw(booking=booking, by=by, now=when)

    # ---- Past gigs (now= a month before, then bookings_complete) ---------------------------

    def past_gigs(self) -> Iterator[Callable[[], None]]:
        b, p = self.bands, self.people

        def kellerbar() -> None:
            times = self.first_free([b["the-night-owls"], b["velours"]], range(-3, -8, -1), 4, T(21), T(1),
                                    "Berlin")  # fmt: skip
            start = times[0]
            slot = self.one_off("kellerbar", "Main room", "Friday Late Show", times, fee=450, support_places=1,
                                genres=("Indie", "Rock"), posted=start - dt.timedelta(days=45))  # fmt: skip
            owls = self.apply(slot, b["the-night-owls"], H, 600, "Kreuzberg's own – we'd love to headline.",
                              when=start - dt.timedelta(days=35))  # fmt: skip
            self.accept(owls, p["kellerbar-booker"], when=start - dt.timedelta(days=30))
            velours = self.apply(slot, b["velours"], S, 350, "Passing through Berlin on our European dates.",
                                 when=start - dt.timedelta(days=28))  # fmt: skip
            self.accept(velours, p["kellerbar-booker"], when=start - dt.timedelta(days=26))

        def book_launch() -> None:
            times = self.first_free([b["the-night-owls"]], range(-5, -8, -1), 3, T(19), T(22), "Berlin")
            launch = self.request(
                b["the-night-owls"], times, event_type="Book launch", location="Buchhandlung Kapitel 5, Kreuzberg",
                guests=70, fee=600, message="An acoustic-ish set between the readings, please!",
                when=times[0] - dt.timedelta(days=40),
            )  # fmt: skip
            self.accept(launch, p["mara"], when=times[0] - dt.timedelta(days=38))

        def office_party() -> None:
            times = self.first_free([b["brass-and-bones"]], range(-2, -8, -1), 5, T(19), T(23), "Berlin")
            party = self.request(
                b["brass-and-bones"], times, event_type="Office party", location="Spreespeicher, Friedrichshain",
                guests=180, fee=2200, message="Our team saw you at a street festival – make them dance!",
                when=times[0] - dt.timedelta(days=45),
            )  # fmt: skip
            self.accept(party, p["sam"], when=times[0] - dt.timedelta(days=41))

        def aurora() -> None:
            times = self.first_free([b["luz-de-madrugada"]], range(-4, -8, -1), 5, T(21), T(23, 30), "Madrid")
            slot = self.one_off("sala-aurora", "Main room", "Sábados en la Sala", times, fee=600, support_places=0,
                                genres=("Folk", "Pop"), posted=times[0] - dt.timedelta(days=42))  # fmt: skip
            offer = self.offer(slot, b["luz-de-madrugada"], H, 600, "¿Abrís la temporada con nosotros?",
                               when=times[0] - dt.timedelta(days=35))  # fmt: skip
            self.accept(offer, p["lucia"], when=times[0] - dt.timedelta(days=33))

        def lantern() -> None:
            times = self.first_free([b["grey-harbour"]], range(-2, -8, -1), 5, T(20), T(23, 30), "Bristol")
            slot = self.one_off("the-lantern", "Main room", "Saturday Folk Club", times, fee=250, support_places=0,
                                genres=("Folk",), posted=times[0] - dt.timedelta(days=40))  # fmt: skip
            gig = self.apply(slot, b["grey-harbour"], H, 250, "Home crowd, big shanties.",
                             when=times[0] - dt.timedelta(days=30))  # fmt: skip
            self.accept(gig, p["lantern-owner"], when=times[0] - dt.timedelta(days=27))

        def blue_room() -> None:
            times = self.first_free([b["the-low-end-theory"]], range(-1, -8, -1), 5, T(22), T(1), "New York")
            slot = self.one_off("blue-room", "Side room", "Side Room Sessions", times, fee=300, support_places=0,
                                genres=("Hip hop", "Jazz"), posted=times[0] - dt.timedelta(days=50))  # fmt: skip
            gig = self.apply(slot, b["the-low-end-theory"], H, 400, "Our first New York show – we'd be honoured.",
                             when=times[0] - dt.timedelta(days=40))  # fmt: skip
            self.accept(gig, p["blueroom-owner"], when=times[0] - dt.timedelta(days=36))

        def kellerbar_last_week() -> None:
            # Played within the last fortnight: its reviews are still open (see demo_reviews).
            for slug, weekday in itertools.product(("brass-and-bones", "nordlys", "grey-harbour"), (3, 2, 1)):
                try:
                    times = self.first_free([b[slug]], range(-1, -2, -1), weekday, T(20), T(23), "Berlin")
                except _Skip:
                    continue
                break
            else:
                raise _Skip("no free weekday evening last week")
            slot = self.one_off("kellerbar", "Main room", "Midweek Session", times, fee=500, support_places=0,
                                genres=("Funk", "Folk"), posted=times[0] - dt.timedelta(days=30))  # fmt: skip
            gig = self.apply(slot, b[slug], H, 500, "We would love a midweek night at Kellerbar.",
                             when=times[0] - dt.timedelta(days=25))  # fmt: skip
            self.accept(gig, p["kellerbar-owner"], when=times[0] - dt.timedelta(days=22))

        yield from (kellerbar, book_launch, office_party, aurora, lantern, blue_room, kellerbar_last_week)

    # ---- Upcoming gigs ----------------------------------------------------------------------

    def booked_gigs(self) -> Iterator[Callable[[], None]]:
        b, p = self.bands, self.people
        owls, bones, static = b["the-night-owls"], b["brass-and-bones"], b["brooklyn-static"]

        def blue_room_tour() -> None:
            # Brass & Bones' New York tour: Ayla's own calendar already blocks the week for it
            # ("Tour with Brass & Bones"), so this one gig is booked outside the band's green zone:
            # Sam accepts anyway, which the booking's history records.
            slot = self.pick("Late Set", first_week=9)
            offer = self.offer(slot, bones, H, 1500, "Make the Blue Room your Friday night in New York.",
                               when=self.ago(26))  # fmt: skip
            self.accept(offer, p["sam"], when=self.ago(23), stand_in=True)
            self.apply(slot, static, S, 250, "Local openers who'll bring a crowd.", when=self.ago(6))

        def kellerbar_need_support() -> None:
            # The Night Owls win the headliner place, which declines Brooklyn Static's application automatically.
            slot = self.pick("Friday Late Show", owls, b["velours"])
            mine = self.apply(slot, owls, H, 600, "We'd love to play the Late Show again – new songs, same sweat.",
                              when=self.ago(16))  # fmt: skip
            self.apply(slot, static, H, 500, "Brooklyn Static on our first European run – Berlin is the big night.",
                       when=self.ago(14))  # fmt: skip
            self.accept(mine, p["kellerbar-booker"], when=self.ago(10))
            self.apply(slot, b["velours"], S, 350, "Synth pop to warm the room up – we'd love to open.",
                       when=self.ago(4), shortlist_by=p["kellerbar-owner"])  # fmt: skip

        def kellerbar_full_bill() -> None:
            slot = self.pick("Kellerbar Saturdays", static, owls, first_week=2)
            offer = self.offer(slot, static, H, 700, "Heard you're touring Europe – headline a Kellerbar Saturday?",
                               when=self.ago(20))  # fmt: skip
            self.accept(offer, p["marcus"], when=self.ago(18))
            support = self.apply(slot, owls, S, 300, "Happy to open for Brooklyn Static – we bring our own crowd.",
                                 when=self.ago(15))  # fmt: skip
            self.accept(support, p["kellerbar-owner"], when=self.ago(12))

        def kellerbar_cancelled() -> None:
            slot = self.pick("Friday Late Show", owls, b["velours"], first_week=2)
            gig = self.apply(slot, owls, H, 600, "Another Friday? We're in.", when=self.ago(25))
            self.accept(gig, p["kellerbar-booker"], when=self.ago(22))
            self.apply(slot, b["velours"], S, 350, "We could open this one too.", when=self.ago(9))
            with dated(self.ago(3), self.now):
                venue_slots.slot_cancel(
                    slot=slot,
                    by=p["kellerbar-owner"],
                    reason="Our sound engineer is out that night and we couldn't find cover. "
                    "Sorry – we'll find you another date.",
                    now=self.ago(3),
                )

        def wedding() -> None:
            times = self.first_free([owls], range(6, WEEKS_AHEAD + 1), 5, T(18), T(23), "Berlin")
            request = self.request(
                owls, times, event_type="Wedding reception", location="Villa Lindenhof, Potsdam", guests=120,
                fee=1500, message="We met at one of your gigs – it has to be you. First dance: 'Last Train Home'.",
                when=self.ago(30),
            )  # fmt: skip
            self.accept(request, p["mara"], when=self.ago(27))

        def lantern_full_bill() -> None:
            slot = self.pick("Saturday Folk Club", b["grey-harbour"], owls, first_week=7)
            gig = self.apply(slot, b["grey-harbour"], H, 300, "Back at the Lantern with a new fiddle tune or three.",
                             when=self.ago(20))  # fmt: skip
            self.accept(gig, p["lantern-owner"], when=self.ago(17))
            support = self.offer(slot, owls, S, 200, "Grey Harbour asked for you as their support – fancy Bristol?",
                                 when=self.ago(16))  # fmt: skip
            self.accept(support, p["mara"], when=self.ago(14))

        def aurora_full_bill() -> None:
            luz, nordlys, velours = b["luz-de-madrugada"], b["nordlys"], b["velours"]
            slot = self.pick("Sábados en la Sala", luz, nordlys, velours, first_week=2)
            gig = self.apply(slot, luz, H, 700, "Presentamos el disco nuevo en casa.", when=self.ago(24))
            self.accept(gig, p["aurora-owner"], when=self.ago(21))
            offer = self.offer(slot, nordlys, S, 350, "A quiet opening set before Luz de Madrugada?",
                               when=self.ago(19))  # fmt: skip
            self.accept(offer, p["kai"], when=self.ago(17))
            support = self.apply(slot, velours, S, 400, "We'd love to share the bill.", when=self.ago(15))
            self.accept(support, p["aurora-owner"], when=self.ago(13))

        def aurora_need_support() -> None:
            slot = self.pick("Sábados en la Sala", b["velours"], b["nordlys"], first_week=4)
            offer = self.offer(slot, b["velours"], H, 900, "Headline a Saturday in Madrid?", when=self.ago(12))
            self.accept(offer, p["zoe"], when=self.ago(9))
            self.apply(slot, b["nordlys"], S, 300, "Piano and voice to open the night.", when=self.ago(3))

        def aurora_jazz() -> None:
            slot = self.pick("Jazz en el Salón", b["nordlys"], first_week=3)
            offer = self.offer(slot, b["nordlys"], H, 300, "The side room and its piano are yours.", when=self.ago(18))
            self.accept(offer, p["kai"], when=self.ago(15))

        def blue_room_side() -> None:
            slot = self.pick("Side Room Sessions", b["the-low-end-theory"], first_week=3)
            gig = self.apply(slot, b["the-low-end-theory"], H, 350, "Coming back to New York – same room?",
                             when=self.ago(19))  # fmt: skip
            self.accept(gig, p["blueroom-owner"], when=self.ago(16))

        yield from (
            blue_room_tour, kellerbar_need_support, kellerbar_full_bill, kellerbar_cancelled, wedding,
            lantern_full_bill, aurora_full_bill, aurora_need_support, aurora_jazz, blue_room_side,
        )  # fmt: skip

    # ---- Waiting for an answer, and history -------------------------------------------------

    def open_questions(self) -> Iterator[Callable[[], None]]:
        b, p = self.bands, self.people
        owls, bones, static = b["the-night-owls"], b["brass-and-bones"], b["brooklyn-static"]
        petra = p["kellerbar-owner"]

        def kellerbar_applications() -> None:
            slot = self.pick("Kellerbar Saturdays", owls, b["grey-harbour"], first_week=3)
            self.apply(slot, owls, H, 650, "A Saturday headline slot would mean the world – we'd fill the room.",
                       when=self.ago(6), shortlist_by=petra)  # fmt: skip
            self.apply(slot, b["grey-harbour"], S, 250, "Shanties in a basement: trust us.", when=self.ago(2))

        def kellerbar_horns() -> None:
            slot = self.pick("Kellerbar Saturdays", bones, first_week=5)
            self.apply(slot, bones, H, 1200, "The horns are ready for a sweaty Saturday.", when=self.ago(1))

        def kellerbar_showcase() -> None:
            times = self.first_free([owls], range(3, WEEKS_AHEAD + 1), 3, T(20), T(23, 30), "Berlin")
            slot = self.one_off("kellerbar", "Main room", "Label showcase: Kreuzberg Records", times, fee=800,
                                support_places=0, genres=("Indie", "Rock"), posted=self.ago(5), invite=True,
                                notes="Invitation only. Industry guests; a short set of 45 minutes.")  # fmt: skip
            self.offer(slot, owls, H, 800, "Kreuzberg Records are coming to scout – we'd like you to headline.",
                       when=self.ago(5))  # fmt: skip

        def kellerbar_withdrawn() -> None:
            slot = self.pick("Friday Late Show", owls, first_week=6)
            gone = self.apply(slot, owls, H, 600, "Could we try a Friday in a few weeks?", when=self.ago(12))
            self.withdraw(gone, p["mara"], when=self.ago(8))

        def kellerbar_declined() -> None:
            slot = self.pick("Friday Late Show", owls, first_week=10)
            no = self.apply(slot, owls, H, 600, "One more Friday, please – the new single will be out by then.",
                            when=self.ago(11))  # fmt: skip
            self.decline(no, p["kellerbar-booker"], "We've booked a punk bill that night – try us for a Saturday!",
                         when=self.ago(7))  # fmt: skip

        def kellerbar_email_offer() -> None:
            slot = self.pick("Kellerbar Saturdays", first_week=6)
            with dated(self.ago(2), self.now):
                venue_slots.offer_invite_create(
                    slot=slot,
                    by=petra,
                    email="booking@staticbloom.example",
                    band_name="Static Bloom",
                    role=H,
                    fee=500,
                    message="Loved your session on the radio – headline a Kellerbar Saturday?",
                    site_url=site_url(),
                    now=self.ago(2),
                )

        def aurora_application() -> None:
            slot = self.pick("Sábados en la Sala", b["luz-de-madrugada"], first_week=8)
            self.apply(slot, b["luz-de-madrugada"], H, 650, "Otra noche en la Sala, por favor.", when=self.ago(2),
                       shortlist_by=p["aurora-owner"])  # fmt: skip

        def aurora_sunday() -> None:
            luz = b["luz-de-madrugada"]
            times = self.first_free([luz], range(3, WEEKS_AHEAD + 1), 6, T(19), T(21, 30), "Madrid")
            slot = self.one_off("sala-aurora", "Side room", "Domingo íntimo", times, fee=400, support_places=0,
                                genres=("Folk",), posted=self.ago(6), invite=True)  # fmt: skip
            self.offer(slot, luz, H, 400, "Un concierto acústico para nuestros socios.", when=self.ago(6))

        def aurora_declined_offer() -> None:
            slot = self.pick("Sábados en la Sala", first_week=10)
            offer = self.offer(slot, owls, H, 800, "Indie rock from Berlin for a Madrid Saturday?", when=self.ago(9))
            self.decline(offer, p["mara"], "We can't get to Madrid that weekend – please ask us again!",
                         when=self.ago(8))  # fmt: skip

        def lantern_offer() -> None:
            slot = self.pick("Blues & Roots", b["grey-harbour"], first_week=2)
            self.offer(slot, b["grey-harbour"], H, 280, "Would you do a rootsy set for the Thursday crowd?",
                       when=self.ago(4))  # fmt: skip

        def lantern_applications() -> None:
            theory = b["the-low-end-theory"]
            slot = self.pick("Saturday Folk Club", theory, b["nordlys"], first_week=3)
            self.apply(slot, theory, H, 400, "Jazz for the folk club – we promise a singalong.", when=self.ago(5),
                       shortlist_by=p["lantern-owner"])  # fmt: skip
            self.apply(slot, b["nordlys"], S, 250, "Quiet Nordic songs to open.", when=self.ago(3))

        def lantern_withdrawn_offer() -> None:
            slot = self.pick("Blues & Roots", b["the-low-end-theory"], first_week=6)
            offer = self.offer(slot, b["the-low-end-theory"], H, 300, "A Thursday residency trial?", when=self.ago(13))
            self.withdraw(offer, p["lantern-owner"], when=self.ago(11))

        def blue_room_declined() -> None:
            slot = self.pick("Side Room Sessions", static, first_week=5)
            no = self.apply(slot, static, H, 300, "Fast and loud, twenty minutes flat.", when=self.ago(10))
            self.decline(no, p["blueroom-owner"], "The Side Room is a jazz and hip-hop room – not the right fit, "
                         "but good luck with the shows!", when=self.ago(9))  # fmt: skip

        def blue_room_application() -> None:
            # Velours, not Nordlys: a New York late set ends at dawn in Copenhagen, when Kai's ferry shift starts.
            slot = self.pick("Late Set", b["velours"], first_week=4)
            self.apply(slot, b["velours"], H, 1100, "Our first American dates – synths and strings for a late set.",
                       when=self.ago(3))  # fmt: skip

        def blue_room_gala() -> None:
            theory = b["the-low-end-theory"]
            times = self.first_free([theory], range(10, WEEKS_AHEAD + 1), 5, T(20), T(0), "New York")
            slot = self.one_off("blue-room", "Main room", "Blue Room 10th Anniversary Gala", times, fee=2500,
                                support_places=1, genres=("Jazz", "Hip hop"), posted=self.ago(7), invite=True,
                                notes="Black tie for the audience, not for the band.")  # fmt: skip
            self.offer(slot, theory, H, 2500, "Ten years of the Blue Room – would you headline the gala?",
                       when=self.ago(7))  # fmt: skip

        def birthday_request() -> None:
            times = self.first_free([owls], range(8, WEEKS_AHEAD + 1), 4, T(20), T(23, 30), "Berlin")
            self.request(owls, times, event_type="40th birthday party", location="A loft in Prenzlauer Berg",
                         guests=60, fee=800, message="A surprise for my husband – he has all your records.",
                         when=self.ago(3))  # fmt: skip

        def summer_party_declined() -> None:
            # Asked for the weekend Brass & Bones are on tour in New York (see blue_room_tour).
            times = _span(self.day(9, 5), T(19), T(23), "Europe/Berlin")
            summer = self.request(bones, times, event_type="Company anniversary party", location="Spreespeicher, "
                                  "Friedrichshain", guests=200, fee=2500, message="Same again as last time?",
                                  when=self.ago(8))  # fmt: skip
            self.decline(summer, p["sam"], "We're on tour in New York that weekend – ask us for another date!",
                         when=self.ago(6))  # fmt: skip

        def gallery_withdrawn() -> None:
            velours = b["velours"]
            times = self.first_free([velours], range(4, WEEKS_AHEAD + 1), 3, T(19), T(21), "Berlin")
            opening = self.request(velours, times, event_type="Gallery opening", location="Galerie Nord, "
                                   "Berlin-Mitte", guests=80, fee=900, message="Something dreamy for the vernissage.",
                                   when=self.ago(10))  # fmt: skip
            self.withdraw(opening, p["client"], when=self.ago(5))

        yield from (
            kellerbar_applications, kellerbar_horns, kellerbar_showcase, kellerbar_withdrawn, kellerbar_declined,
            kellerbar_email_offer, aurora_application, aurora_sunday, aurora_declined_offer, lantern_offer,
            lantern_applications, lantern_withdrawn_offer, blue_room_declined, blue_room_application, blue_room_gala,
            birthday_request, summer_party_declined, gallery_withdrawn,
        )  # fmt: skip

    # ---- After -------------------------------------------------------------------------------

    def complete_past_gigs(self, since_booking: int) -> None:
        periodic.bookings_complete(now=self.now)
        # The periodic task would have completed each gig a few minutes after it ended.
        done = Booking.objects.filter(pk__gt=since_booking, status=Booking.Status.COMPLETED)
        for pk, ends_at in done.values_list("pk", "ends_at"):
            moment = ends_at + dt.timedelta(minutes=5)
            Booking.objects.filter(pk=pk).update(status_changed_at=moment, updated_at=moment)
            BookingEvent.objects.filter(booking_id=pk, to_status=Booking.Status.COMPLETED).update(created_at=moment)


def _tell(demo: _Demo, story: Callable[[], None]) -> None:
    """One story in its own savepoint: it happens whole or, if these dates cannot hold it, not at all."""
    used, engaged = set(demo.used), {pk: list(rows) for pk, rows in demo.engaged.items()}
    try:
        with transaction.atomic():
            story()
    except (_Skip, BookingError, ValidationError, SlotPermissionError) as exc:
        demo.used, demo.engaged = used, engaged
        logger.warning("Demo bookings: skipped %s: %s", story.__name__, exc)


def seed_bookings(*, now: dt.datetime) -> None:
    """Post the demo venues' slots and tell the demo bookings, once (skipped when the venues have slots)."""
    if Slot.objects.filter(venue__slug__in=DEMO_VENUES).exists():
        return
    demo = _Demo(now=now)
    if not demo.complete():
        logger.warning("Demo bookings: skipped, some demo venues, bands or people are missing")
        return
    since_notification, since_booking = _last_pk(Notification), _last_pk(Booking)
    demo.post_series()
    for story in [*demo.past_gigs(), *demo.booked_gigs(), *demo.open_questions()]:
        _tell(demo, story)
    demo.complete_past_gigs(since_booking)
    # The demo people have no real mailboxes: their notifications stay in the app.
    Notification.objects.filter(pk__gt=since_notification, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
