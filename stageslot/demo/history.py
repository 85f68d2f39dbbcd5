"""Demo history: two years of gigs behind the analytics charts.

For the bands Northside Agency acts for (and the other demo bands, less often) and for Riverside Rooms'
venues (and the other demo venues, and a few tour venues), about 24 months of past slots and bookings:
applications and offers at the venues and private requests of three demo clients, played (completed),
declined (by hand, or automatically when another band took the place), withdrawn and cancelled, with
fees, every step's time and its BookingEvent, and the reviews written after the gigs – more in spring
and autumn than in midsummer and January, more private parties in June and December, and a little more
every month as the platform grows.

Nothing here is live: every row is written directly (bulk_create) with the moment it happened, so nobody
is notified or mailed, no member is made busy and no block is added. The history ends QUIET_DAYS ago,
outside the review window, so no review is asked for and nothing waits to be written; the last weeks are
demo_bookings' stories. Dates count back from `now`, so the demo never goes stale; a fixed seed makes it
the same every time. Bands are never in two places at once (nor in two cities within a day), and a
stage never has two shows at once, counting the demo's other bookings and slots. Runs once: skipped when
the history's slots exist (their `series` ids are fixed).
"""

import datetime as dt
import functools
import logging
import math
import random
import uuid
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction

from accounts.models import User
from bands.models import Band, Membership, Package
from bookings.models import Booking, BookingEvent
from bookings.services.asking import cancel_terms_of
from reviews.models import REVIEW_WINDOW, SUB_RATINGS, Review, Side
from reviews.services import ratings_refresh_all
from venues.models import Slot, Venue, VenueStaff

logger = logging.getLogger(__name__)

Status, Kind, Role = Booking.Status, Booking.Kind, Booking.Role
T = dt.time

MONTHS = 24
# The history stops this long before now: past the review window, so nothing is asked or waits.
QUIET_DAYS = REVIEW_WINDOW.days + 1
SEED = 20241125
# A band playing in another city needs this long between two gigs (as in demo_bookings).
TRAVEL = dt.timedelta(hours=24)
NAMESPACE = uuid.UUID("6f1d2c3a-8e0b-4c51-9a57-3d2f0c7a9b11")

# venue: [(weekday, start, end (at or before start: the next day), stage, title)]
NIGHTS = {
    "kellerbar": [
        (3, T(20), T(23, 30), "Main room", "Thursday Club"),
        (4, T(21), T(1), "Main room", "Friday Late Show"),
        (5, T(21), T(1), "Main room", "Kellerbar Saturdays"),
    ],
    "the-lantern": [
        (3, T(20), T(23), "Main room", "Blues & Roots"),
        (4, T(20), T(23, 30), "Main room", "Friday Folk"),
        (5, T(20), T(23, 30), "Main room", "Saturday Folk Club"),
    ],
    "sala-aurora": [
        (2, T(21), T(23, 30), "Side room", "Jazz en el Salón"),
        (4, T(21), T(23, 30), "Main room", "Viernes en la Sala"),
        (5, T(21), T(23, 30), "Main room", "Sábados en la Sala"),
    ],
    "blue-room": [
        (3, T(21), T(0), "Main room", "Thursday Sessions"),
        (4, T(21), T(1), "Main room", "Late Set"),
        (5, T(22), T(1), "Side room", "Side Room Sessions"),
    ],
    "leinesaal": [(4, T(20), T(23), "Main room", "Touring bands night"), (5, T(20), T(23), "Main room", "Samstag")],
    "isarhalle": [(4, T(20), T(23), "Main room", "Touring bands night"), (5, T(20), T(23), "Main room", "Isar Live")],
    "grachtzaal": [(3, T(20), T(23), "Main room", "Donderdag Live"), (5, T(20), T(23), "Main room", "Zaterdag")],
    "vltava-club": [(4, T(20), T(23), "Main room", "Touring bands night"), (5, T(20), T(23), "Main room", "Sobota")],
}
# A headliner's fee at the venue, in its currency (whole units); a support act gets about half.
VENUE_FEE = {
    "kellerbar": (400, 800), "the-lantern": (200, 420), "sala-aurora": (450, 900), "blue-room": (700, 1500),
    "leinesaal": (350, 600), "isarhalle": (500, 900), "grachtzaal": (400, 700), "vltava-club": (300, 550),
}  # fmt: skip
# How long the venue takes to answer an application (median hours), and a band an offer or request.
VENUE_ANSWER_HOURS = {
    "kellerbar": 9, "the-lantern": 30, "sala-aurora": 52, "blue-room": 20,
    "leinesaal": 40, "isarhalle": 26, "grachtzaal": 16, "vltava-club": 60,
}  # fmt: skip
# band: (completed gigs a month at full season, fewest, most, answer hours, {venue: weight})
BANDS = {
    "the-night-owls": (7, 3, 8, 6, {"kellerbar": 6, "the-lantern": 1, "sala-aurora": 0.5, "leinesaal": 1,
                                      "isarhalle": 1, "grachtzaal": 0.7, "vltava-club": 0.7}),
    "grey-harbour": (6, 3, 8, 20, {"the-lantern": 6, "kellerbar": 1, "grachtzaal": 0.7}),
    "nordlys": (5, 3, 7, 36, {"sala-aurora": 2, "kellerbar": 1.5, "the-lantern": 1.5, "grachtzaal": 1.5,
                                "vltava-club": 1, "blue-room": 0.4}),
    "brass-and-bones": (3, 1, 5, 12, {"kellerbar": 4, "leinesaal": 1, "blue-room": 0.4}),
    "velours": (2.5, 1, 4, 24, {"kellerbar": 2, "sala-aurora": 2, "grachtzaal": 1}),
    "luz-de-madrugada": (3, 1, 5, 28, {"sala-aurora": 5, "kellerbar": 0.5}),
    "the-low-end-theory": (2.5, 1, 4, 16, {"the-lantern": 2, "blue-room": 2}),
    "brooklyn-static": (2, 1, 4, 10, {"blue-room": 4, "kellerbar": 0.4}),
}  # fmt: skip
# Who asks the bands for private events: the demo client in Berlin, and two more (no login).
CLIENTS = [
    ("client", "Charlotte Meyer", "Europe/Berlin", "Berlin"),
    ("client-bristol", "Eleanor Price", "Europe/London", "Bristol"),
    ("client-copenhagen", "Mette Holm", "Europe/Copenhagen", "Copenhagen"),
]
CLIENT_OF = {
    "the-night-owls": "client", "brass-and-bones": "client", "velours": "client",
    "grey-harbour": "client-bristol", "the-low-end-theory": "client-bristol", "nordlys": "client-copenhagen",
}  # fmt: skip
# By month (January first): club nights, and private events (weddings in summer, parties in December).
CLUB_SEASON = (0.6, 0.7, 0.95, 1.0, 1.0, 0.85, 0.6, 0.55, 0.9, 1.05, 1.1, 1.0)
PRIVATE_SEASON = (0.3, 0.4, 0.6, 0.8, 1.3, 1.8, 1.5, 1.2, 1.1, 0.7, 0.8, 1.9)
EVENTS = {
    "summer": [("Wedding reception", 90, 160), ("Garden party", 40, 80), ("Summer festival", 200, 600)],
    "december": [("Christmas party", 60, 200), ("New Year's Eve party", 80, 150)],
    "any": [("Birthday party", 30, 90), ("Company anniversary", 80, 250), ("Book launch", 40, 90),
            ("Gallery opening", 50, 120)],
}  # fmt: skip
PLACES = {
    "Berlin": ["Spreespeicher, Friedrichshain", "Villa Lindenhof, Potsdam", "A loft in Prenzlauer Berg",
               "Galerie Nord, Berlin-Mitte", "Kulturbrauerei, Prenzlauer Berg"],
    "Bristol": ["The Old Granary, Welsh Back", "Ashton Court Estate", "A barn near Chew Magna",
                "Arnolfini, Harbourside"],
    "Copenhagen": ["Kødbyen, Vesterbro", "A garden in Frederiksberg", "Hotel d'Angleterre", "Refshaleøen"],
}  # fmt: skip

DECLINE_REASONS = [
    "Thanks – we have this night covered already.",
    "Not the right fit for this night, but please try us again.",
    "We are going with a local act this time.",
    "The budget for this night is smaller than your fee, sorry.",
]
BAND_DECLINE_REASONS = [
    "We are away that weekend – please ask us again!",
    "Our drummer is on holiday then, sorry.",
    "We are in the studio that week.",
    "The fee does not cover our travel, sorry.",
]
CANCEL_REASONS = {
    "band": ["Our singer has lost her voice – we are so sorry.", "The van broke down on the way; we cannot make it."],
    "venue": ["A water leak closed the room that week.", "The promoter's night fell through; we have to cancel."],
    "client": ["The event has been called off, sorry.", "We had to move the party to a smaller place."],
}
OF_BAND_TEXTS = [
    "A tight set and a full room – they brought their own crowd and the bar loved it.",
    "Easy to work with from the first email to the last chord. Would book again tomorrow.",
    "Great show; sound-check ran a little late but the set made up for it.",
    "Professional, friendly and on time. The audience asked for an encore twice.",
    "Good night overall. The set was shorter than agreed but the crowd did not mind.",
    "They read the room perfectly and kept the dance floor busy until the end.",
]
OF_VENUE_TEXTS = [
    "Lovely crew, clean sound and the fee on the night. Hope to come back soon.",
    "Good room and a fair deal; the monitors needed some work early on.",
    "Warm welcome, hot food and a sound engineer who knew the room.",
    "Small stage but a great crowd; paid as agreed.",
]
OF_CLIENT_TEXTS = [
    "Clear brief, kind hosts and a good time for sound-check.",
    "Lovely people; the schedule changed on the day but they kept us in the loop.",
]


def _stars(rng: random.Random, bias: float) -> int:
    """Overall stars from 3 to 5, nudged up by `bias` (0–1)."""
    roll = rng.random() + bias * 0.25
    return 5 if roll > 0.6 else 4 if roll > 0.18 else 3


def _hours(rng: random.Random, median: float) -> dt.timedelta:
    """A wait with this median (log-normal: most answers come soon, a few take days)."""
    return dt.timedelta(hours=max(0.3, median * math.exp(rng.gauss(0, 0.8))))


@contextmanager
def _stamped_by_hand(*model_classes) -> Iterator[None]:
    """Let bulk_create keep the created_at/updated_at this module gives (auto_now fields would write the
    clock's time over them, and updating them afterwards row by row is slow). Restored on the way out."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class _Night:
    """A slot of the history on one venue's stage, and the bands booked on it."""

    slot: Slot
    city: str
    headliner: Booking | None = None
    supports: list[Booking] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    # A night whose one booking was not played: nobody else is booked on it (their times would cross).
    closed: bool = False


class _History:
    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.rng = random.Random(SEED)  # noqa: S311 - the same demo every time, nothing secret
        self.start = now - dt.timedelta(days=MONTHS * 365 // 12)
        self.end = now - dt.timedelta(days=QUIET_DAYS)
        self.bands = {b.slug: b for b in Band.objects.filter(slug__in=list(BANDS), status="approved")}
        self.leaders = {
            m.band.slug: m.user
            for m in Membership.objects.filter(role=Membership.Role.LEADER, band__in=self.bands.values())
            .select_related("band", "user")
            .order_by("pk")
        }
        venues = Venue.objects.filter(slug__in=list(NIGHTS)).prefetch_related("stages", "genres")
        self.venues = {v.slug: v for v in venues}
        self.staff: dict[int, list[User]] = {}
        for role in VenueStaff.objects.filter(venue__in=self.venues.values(), group_id=None).select_related("user"):
            self.staff.setdefault(role.venue_id, []).append(role.user)
        self.instant = {p.band_id: p for p in Package.objects.filter(band__in=self.bands.values(), instant=True)}
        self.clients: dict[str, tuple[User, str]] = {}
        self.nights: dict[tuple[int, dt.date], _Night] = {}
        self.slots: list[Slot] = []
        self.bookings: list[Booking] = []
        self.events: list[tuple[Booking, str, str, dt.datetime, User | None, str]] = []
        # Where every band is, from the demo's other bookings (any city) and the history's own.
        # By band and (UTC) day of the start, so that a look is a few days' lists, not the whole history.
        self.engaged: dict[int, dict[dt.date, list[tuple[dt.datetime, dt.datetime, str]]]] = {}
        for band_id, starts_at, ends_at in Booking.objects.filter(
            band__in=self.bands.values(), ends_at__gt=self.start - TRAVEL, starts_at__lt=self.end + TRAVEL
        ).values_list("band_id", "starts_at", "ends_at"):
            self.engage_id(band_id, starts_at, ends_at, "")
        # The shows already on the stages (one show per stage at a time).
        self.shows: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        for stage_id, starts_at, ends_at in Slot.objects.filter(
            venue__in=self.venues.values(), cancelled_at=None, ends_at__gt=self.start, starts_at__lt=self.end
        ).values_list("stage_id", "starts_at", "ends_at"):
            self.shows.setdefault(stage_id, []).append((starts_at, ends_at))

    # ---- People ---------------------------------------------------------------------------------

    def add_clients(self) -> None:
        for part, name, zone, city in CLIENTS:
            user, created = User.objects.get_or_create(
                email=f"{part}@demo.stageslot.test", defaults={"display_name": name, "time_zone": zone}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            self.clients[part] = (user, city)

    def answerer(self, venue: Venue) -> User | None:
        people = self.staff.get(venue.pk)
        return self.rng.choice(people) if people else None

    # ---- Time and place -------------------------------------------------------------------------

    def months(self) -> Iterator[tuple[dt.date, dt.date, float]]:
        """(first day, first day of the next month, share of it inside the history) for each month."""
        first = self.start.date().replace(day=1)
        while first < self.end.date():
            following = (first + dt.timedelta(days=32)).replace(day=1)
            inside = min(following, self.end.date()) - max(first, self.start.date())
            yield first, following, inside.days / (following - first).days
            first = following

    def free(self, band: Band, start: dt.datetime, end: dt.datetime, city: str) -> bool:
        if not (self.start < start and end < self.end):
            return False
        days = self.engaged.get(band.pk, {})
        first = (start - TRAVEL - dt.timedelta(days=1)).astimezone(dt.UTC).date()
        for offset in range(((end + TRAVEL).astimezone(dt.UTC).date() - first).days + 1):
            for other_start, other_end, other_city in days.get(first + dt.timedelta(days=offset), ()):
                gap = dt.timedelta(0) if other_city == city else TRAVEL
                if other_start < end + gap and other_end > start - gap:
                    return False
        return True

    def engage(self, band: Band, start: dt.datetime, end: dt.datetime, city: str) -> None:
        self.engage_id(band.pk, start, end, city)

    def engage_id(self, band_id: int, start: dt.datetime, end: dt.datetime, city: str) -> None:
        day = start.astimezone(dt.UTC).date()
        self.engaged.setdefault(band_id, {}).setdefault(day, []).append((start, end, city))

    def night(self, band: Band, first: dt.date, following: dt.date, *, role: str | None = None) -> _Night | None:
        """A night in this month at one of the band's venues where it is free and a place is open: the
        headliner's (a new slot, or one whose headliner cancelled) or, for `role` SUPPORT, a support place."""
        weights = BANDS[band.slug][4]
        venues = [slug for slug in weights if slug in self.venues]
        if not venues:
            return None
        for _attempt in range(60):
            venue = self.venues[self.rng.choices(venues, weights=[weights[v] for v in venues])[0]]
            weekday, start, end, stage_name, title = self.rng.choice(NIGHTS[venue.slug])
            days = _weekdays(first, following, weekday)
            if not days:
                continue
            day = self.rng.choice(days)
            stage = next((s for s in venue.stages.all() if s.name == stage_name), None)
            if stage is None:
                continue
            night = self.nights.get((stage.pk, day))
            if night is None:
                starts_at, ends_at = _span(day, start, end, venue.time_zone)
                if role == Role.SUPPORT or not self.stage_free(stage.pk, starts_at, ends_at):
                    continue
                if not self.free(band, starts_at, ends_at, venue.city):
                    continue
                night = self.new_night(venue, stage, title, starts_at, ends_at)
                self.nights[(stage.pk, day)] = night
                return night
            slot = night.slot
            if night.closed or any(b.band_id == band.pk for b in night.bookings):
                continue
            if not self.free(band, slot.starts_at, slot.ends_at, night.city):
                continue
            if role != Role.SUPPORT and night.headliner is None:
                return night
            if role != Role.HEADLINER and night.headliner is not None and len(night.supports) < slot.support_places:
                return night
        return None

    def stage_free(self, stage_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        return not any(s < end and e > start for s, e in self.shows.get(stage_id, []))

    def new_night(self, venue: Venue, stage, title: str, starts_at: dt.datetime, ends_at: dt.datetime) -> _Night:
        low, high = VENUE_FEE[venue.slug]
        slot = Slot(
            venue=venue,
            stage=stage,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            fee=None if self.rng.random() < 0.15 else _round(self.rng.uniform(low, high), 10),
            currency=_currency(venue),
            support_places=self.rng.choices((0, 1, 2), weights=(3, 5, 1))[0],
            series=uuid.uuid5(NAMESPACE, venue.slug),
            latitude=venue.latitude,
            longitude=venue.longitude,
            created_by=(self.staff.get(venue.pk) or [None])[0],
        )
        self.slots.append(slot)
        self.shows.setdefault(stage.pk, []).append((starts_at, ends_at))
        return _Night(slot=slot, city=venue.city)

    # ---- Bookings -------------------------------------------------------------------------------

    def booking(self, band: Band, *, kind: str, role: str, night: _Night | None = None, **fields) -> Booking:
        rng = self.rng
        if night is not None:
            slot = night.slot
            low, high = VENUE_FEE[slot.venue.slug]
            fee = slot.fee if role == Role.HEADLINER and slot.fee else rng.uniform(low, high)
            fields = {
                "slot": slot,
                "venue": slot.venue,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "time_zone": slot.venue.time_zone,
                "fee": _round(fee * (1 if role == Role.HEADLINER else rng.uniform(0.35, 0.6)), 10),
                "currency": slot.currency,
                "requested_by": self.leaders[band.slug] if kind == Kind.APPLICATION else self.answerer(slot.venue),
                **fields,
            }
        booking = Booking(uid=uuid.UUID(int=rng.getrandbits(128), version=4), kind=kind, role=role, band=band, **fields)
        self.bookings.append(booking)
        if night is not None:
            night.bookings.append(booking)
        return booking

    def step(self, booking: Booking, to: str, at: dt.datetime, actor: User | None, note: str) -> None:
        """A change of status: its event, and the booking's status, reason, time and sequence."""
        self.events.append((booking, booking.status if booking.created_at else "", to, at, actor, note))
        if booking.created_at is None:
            booking.created_at = at
        else:
            booking.sequence += 1
        booking.status, booking.status_note, booking.status_changed_at, booking.updated_at = to, note, at, at

    def asked(self, booking: Booking, *, lead_days: tuple[int, int] = (12, 70)) -> dt.datetime:
        """The booking is made some weeks before the gig (pending)."""
        days = self.rng.triangular(lead_days[0], lead_days[1], lead_days[0] + 8)
        when = booking.starts_at - dt.timedelta(days=days, hours=self.rng.uniform(0, 12))
        note = {Kind.APPLICATION: "Applied", Kind.OFFER: "Offered", Kind.REQUEST: "Requested"}[booking.kind]
        self.step(booking, Status.PENDING, when, booking.requested_by, note)
        return when

    def answer_wait(self, booking: Booking, asked: dt.datetime, month: float) -> dt.datetime:
        """When the answering side answers: the venue for an application, the band otherwise; a little
        quicker as the months go by (the teams got used to the inbox)."""
        if booking.kind == Kind.APPLICATION:
            median = VENUE_ANSWER_HOURS[booking.venue.slug]
        else:
            median = BANDS[booking.band.slug][3]
        when = asked + _hours(self.rng, median * (1.3 - 0.5 * month))
        latest = booking.starts_at - dt.timedelta(hours=6)
        return min(when, asked + (latest - asked) / 2)

    def answering_person(self, booking: Booking) -> User | None:
        if booking.kind == Kind.APPLICATION:
            return self.answerer(booking.venue)
        return self.leaders[booking.band.slug]

    def played(self, booking: Booking, month: float) -> Booking:
        asked = self.asked(booking)
        self.step(booking, Status.BOOKED, self.answer_wait(booking, asked, month), self.answering_person(booking),
                  "Accepted")  # fmt: skip
        self.step(booking, Status.COMPLETED, booking.ends_at + dt.timedelta(minutes=5), None, "The gig took place")
        return booking

    def not_played(self, booking: Booking, outcome: str, month: float) -> Booking:
        """Declined, withdrawn, cancelled or left unanswered until its date."""
        rng = self.rng
        asked = self.asked(booking)
        answered = self.answer_wait(booking, asked, month)
        if outcome == Status.DECLINED:
            reasons = DECLINE_REASONS if booking.kind == Kind.APPLICATION else BAND_DECLINE_REASONS
            self.step(booking, Status.DECLINED, answered, self.answering_person(booking), rng.choice(reasons))
        elif outcome == "expired":
            note = "Declined automatically: the date passed without an answer."
            self.step(booking, Status.DECLINED, booking.starts_at, None, note)
        elif outcome == Status.WITHDRAWN:
            when = asked + (answered - asked) * rng.uniform(0.3, 0.9)
            self.step(booking, Status.WITHDRAWN, when, booking.requested_by, "Withdrawn")
        else:
            self.step(booking, Status.BOOKED, answered, self.answering_person(booking), "Accepted")
            side = rng.choice(("band", "client" if booking.kind == Kind.REQUEST else "venue"))
            actor = {"band": self.leaders[booking.band.slug], "client": booking.client}.get(side)
            if side == "venue":
                actor = self.answerer(booking.venue)
            when = answered + (booking.starts_at - dt.timedelta(days=1) - answered) * rng.uniform(0.2, 0.9)
            self.step(booking, Status.CANCELLED, max(when, answered + dt.timedelta(hours=1)), actor,
                      rng.choice(CANCEL_REASONS[side]))  # fmt: skip
        return booking

    def venue_gig(self, band: Band, first: dt.date, following: dt.date, month: float) -> bool:
        rng = self.rng
        night = self.night(band, first, following, role=Role.SUPPORT) if rng.random() < 0.3 else None
        night = night or self.night(band, first, following)
        if night is None:
            return False
        role = Role.SUPPORT if night.headliner is not None else Role.HEADLINER
        kind = Kind.OFFER if rng.random() < 0.4 else Kind.APPLICATION
        gig = self.played(self.booking(band, kind=kind, role=role, night=night), month)
        self.engage(band, gig.starts_at, gig.ends_at, night.city)
        if role == Role.SUPPORT:
            night.supports.append(gig)
            return True
        night.headliner = gig
        # Other bands wanted the night too: their applications were declined when the place was taken.
        accepted = next(at for b, _f, to, at, _a, _n in reversed(self.events) if b is gig and to == Status.BOOKED)
        for other in rng.sample(list(self.bands.values()), k=len(self.bands)):
            if rng.random() > 0.12 or other == band or not self.free(other, gig.starts_at, gig.ends_at, night.city):
                continue
            loser = self.booking(other, kind=Kind.APPLICATION, role=Role.HEADLINER, night=night)
            asked = accepted - (accepted - gig.created_at) * rng.uniform(0.1, 0.9)
            self.step(loser, Status.PENDING, asked, loser.requested_by, "Applied")
            self.step(loser, Status.DECLINED, accepted, None,
                      "Declined automatically: the headliner place went to another band.")  # fmt: skip
            self.engage(other, gig.starts_at, gig.ends_at, night.city)
        return True

    def venue_miss(self, band: Band, first: dt.date, following: dt.date, month: float) -> None:
        night = self.night(band, first, following, role=Role.HEADLINER)
        if night is None:
            return
        night.closed = True
        rng = self.rng
        outcome = rng.choices((Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED, "expired"), weights=(12, 4, 3, 1))
        kind = Kind.APPLICATION if outcome[0] == "expired" or rng.random() < 0.6 else Kind.OFFER
        booking = self.not_played(self.booking(band, kind=kind, role=Role.HEADLINER, night=night), outcome[0], month)
        self.engage(band, booking.starts_at, booking.ends_at, night.city)

    def private(self, band: Band, first: dt.date, following: dt.date, month: float, *, played: bool) -> bool:
        part = CLIENT_OF.get(band.slug)
        if part not in self.clients:
            return False
        client, city = self.clients[part]
        rng = self.rng
        season = "summer" if first.month in (5, 6, 7, 8, 9) else "december" if first.month == 12 else "any"
        event_type, low, high = rng.choice(EVENTS[season] + EVENTS["any"][:2])
        for _attempt in range(20):
            day = rng.choice(_days(first, following))
            start = T(18) if event_type.startswith("Wedding") else rng.choice((T(19), T(20)))
            starts_at, ends_at = _span(day, start, T(23) if start < T(20) else T(23, 30), client.time_zone)
            if self.free(band, starts_at, ends_at, city):
                break
        else:
            return False
        fee_min, fee_max = band.fee_min or 300, band.fee_max or 900
        instant = band.pk in self.instant and not played and rng.random() < 0.35
        fields = {
            "client": client,
            "requested_by": client,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": client.time_zone,
            "fee": _round(rng.uniform(fee_min, fee_max * 1.4), 50),
            "currency": band.currency,
            "event_type": event_type,
            "location": rng.choice(PLACES[city]),
            "guests": rng.randint(low, high),
            **cancel_terms_of(band, starts_at),
        }
        if instant:
            # An instant booking is booked as it is made; the history keeps the ones the client cancelled.
            package = self.instant[band.pk]
            fields.update(package=package, instant=True, fee=package.price, currency=package.currency)
            booking = self.booking(band, kind=Kind.REQUEST, role=Role.HEADLINER, **fields)
            made = starts_at - dt.timedelta(days=rng.uniform(10, 60))
            booking.sequence = 1  # as booking_instant makes it
            self.step(booking, Status.BOOKED, made, client, f"Booked instantly: {package.name}")
            self.step(booking, Status.CANCELLED, made + (starts_at - made) * rng.uniform(0.2, 0.8), client,
                      rng.choice(CANCEL_REASONS["client"]))  # fmt: skip
        else:
            booking = self.booking(band, kind=Kind.REQUEST, role=Role.HEADLINER, **fields)
            if played:
                self.played(booking, month)
            else:
                outcome = rng.choices((Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED), weights=(6, 3, 2))[0]
                self.not_played(booking, outcome, month)
        self.engage(band, starts_at, ends_at, city)
        return True

    def tell(self) -> None:
        rng = self.rng
        months = list(self.months())
        for index, (first, following, share) in enumerate(months):
            growth = index / max(1, len(months) - 1)  # 0 two years ago, 1 last month
            for slug in rng.sample(sorted(self.bands), k=len(self.bands)):
                band = self.bands[slug]
                if slug not in self.leaders:
                    continue
                base, fewest, most, _answer, _venues = BANDS[slug]
                wanted = base * CLUB_SEASON[first.month - 1] * (0.8 + 0.35 * growth) + rng.gauss(0, 0.8)
                gigs = round(max(fewest, min(most, wanted)) * share)
                private = PRIVATE_SEASON[first.month - 1] * 0.18
                for _gig in range(gigs):
                    if not (rng.random() < private and self.private(band, first, following, growth, played=True)):
                        self.venue_gig(band, first, following, growth)
                for _miss in range(round(gigs * rng.uniform(0.2, 0.6))):
                    if rng.random() < private * 1.5:
                        self.private(band, first, following, growth, played=False)
                    else:
                        self.venue_miss(band, first, following, growth)

    # ---- Writing --------------------------------------------------------------------------------

    def save(self) -> list[Booking]:
        for night in self.nights.values():
            slot = night.slot
            slot.headliner_booked = int(night.headliner is not None)
            slot.supports_booked = len(night.supports)
            first = min((b.created_at for b in night.bookings), default=slot.starts_at - dt.timedelta(days=30))
            slot.created_at = first - dt.timedelta(days=self.rng.uniform(3, 30))
            slot.updated_at = max(b.updated_at for b in night.bookings) if night.bookings else slot.created_at
        with _stamped_by_hand(Slot, Booking, BookingEvent):
            Slot.objects.bulk_create(self.slots, batch_size=500)
            genres = Slot.genres.through
            genres.objects.bulk_create(
                [genres(slot_id=s.pk, genre_id=g.pk) for s in self.slots for g in s.venue.genres.all()],
                batch_size=500,
            )
            for booking in self.bookings:
                booking.slot_id = booking.slot.pk if booking.slot is not None else None
            Booking.objects.bulk_create(self.bookings, batch_size=500)
            BookingEvent.objects.bulk_create(
                [
                    BookingEvent(booking=b, from_status=f, to_status=t, created_at=at, actor=actor, note=note)
                    for b, f, t, at, actor, note in self.events
                ],
                batch_size=500,
            )
        return [b for b in self.bookings if b.status == Status.COMPLETED]

    def review(self, played: list[Booking]) -> None:
        """The sides write after the gig; a review is published when both have written, or when the
        window closes. Stars of bands 3–5, a little better for the bands that play most."""
        rng = self.rng
        reviews = []
        for gig in played:
            written = []
            if gig.venue_id:
                sides = [(Side.VENUE, Side.BAND, 0.6, self.answerer(gig.venue), OF_BAND_TEXTS),
                         (Side.BAND, Side.VENUE, 0.45, self.leaders[gig.band.slug], OF_VENUE_TEXTS)]  # fmt: skip
            else:
                sides = [(Side.CLIENT, Side.BAND, 0.65, gig.client, OF_BAND_TEXTS),
                         (Side.BAND, Side.CLIENT, 0.35, self.leaders[gig.band.slug], OF_CLIENT_TEXTS)]  # fmt: skip
            for author_side, subject_side, chance, author, texts in sides:
                if author is None or rng.random() > chance:
                    continue
                overall = _stars(rng, BANDS[gig.band.slug][0] / 8)
                subs = {name: max(1, min(5, overall - (rng.random() < 0.3))) for name, _ in SUB_RATINGS[subject_side]}
                when = gig.ends_at + dt.timedelta(days=rng.uniform(0.3, REVIEW_WINDOW.days - 1))
                written.append(
                    Review(
                        booking=gig, author_side=author_side, subject_side=subject_side, band_id=gig.band_id,
                        venue_id=gig.venue_id, client_id=gig.client_id, author=author, overall=overall, **subs,
                        again=overall >= 4 or rng.random() < 0.5, text=rng.choice(texts), created_at=when,
                        updated_at=when,
                    )
                )  # fmt: skip
            published = max(r.created_at for r in written) if len(written) == 2 else gig.ends_at + REVIEW_WINDOW
            for r in written:
                r.published_at = published
            reviews += written
        with _stamped_by_hand(Review):
            Review.objects.bulk_create(reviews, batch_size=500)
        ratings_refresh_all(
            band_ids=sorted({r.band_id for r in reviews if r.subject_side == Side.BAND}),
            venue_ids=sorted({r.venue_id for r in reviews if r.subject_side == Side.VENUE}),
        )


@functools.cache
def _days(first: dt.date, following: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=i) for i in range((following - first).days))


@functools.cache
def _weekdays(first: dt.date, following: dt.date, weekday: int) -> tuple[dt.date, ...]:
    return tuple(day for day in _days(first, following) if day.weekday() == weekday)


def _span(day: dt.date, start: dt.time, end: dt.time, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Local start and end on `day`; an end at or before the start is on the next day."""
    tz = zoneinfo.ZoneInfo(zone)
    end_day = day + dt.timedelta(days=1) if end <= start else day
    return dt.datetime.combine(day, start, tzinfo=tz), dt.datetime.combine(end_day, end, tzinfo=tz)


def _round(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


def _currency(venue: Venue) -> str:
    return {"GB": "GBP", "US": "USD", "DK": "DKK", "CZ": "EUR"}.get(str(venue.country), "EUR")


def seed_history(*, now: dt.datetime) -> None:
    """Write the demo's two years of history, once (skipped when its slots exist)."""
    series = [uuid.uuid5(NAMESPACE, slug) for slug in NIGHTS]
    if Slot.objects.filter(series__in=series).exists():
        return
    history = _History(now=now)
    if not history.leaders or not history.venues:
        logger.warning("Demo history: skipped, the demo bands or venues are missing")
        return
    with transaction.atomic():
        history.add_clients()
        history.tell()
        played = history.save()
        history.review(played)
