"""A radius clause bars what a booker reads it to bar, through every door that books or moves a gig
(decision 0094): every gig within its reach and days, over its whole span (a gig from the evening before
that runs into the barred days), and where the gig's place has no point, by the town it names – the
clause's town is barred, a town beyond the radius is not, and a place that names no town is refused with
a message that asks for it.

The doors are found in the code: every function that books through book.booking_book or checks a moved gig
with radius.radius_check. Each has its cases below; a new door without them fails the first test."""

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from bands.models import Package
from bands.packages import package_price
from bookings.errors import BookingConflict
from bookings.models import Booking, RadiusClause
from bookings.services import answering, reschedule, shows
from bookings.services.instant import booking_instant
from bookings.services.radius import radius_clause_write
from bookings.tests.factories import BookingFactory, SlotFactory, venue_with_owner
from bookings.tests.test_one_booked_path import app_sources
from festivals.services import timetable
from festivals.tests.factories import festival_world, local, placement_book
from places.models import City
from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
# What a door calls to book a gig, or to check a booked gig moved to new times.
BOOKS = {"booking_book", "radius_check"}
# The rule's own functions call these too; they are not doors.
NOT_DOORS = {"bookable", "booking_book", "radius_check"}


def booking_doors() -> set[str]:
    """Every function of the project's code (tests and migrations aside) that books or moves a gig."""
    found = set()
    for path in app_sources():
        for node in shared.walk_file(path):
            if not isinstance(node, ast.FunctionDef) or node.name in NOT_DOORS:
                continue
            for call in ast.walk(node):
                if isinstance(call, ast.Call):
                    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                    if name in BOOKS:
                        found.add(node.name)
    return found


class World:
    """A festival in Berlin on days F and F+1; the act Owl has a gig at Clause Club in Berlin on F+3 whose deal
    bars it from playing within 50 km from F+1 to F+5 (Berlin time)."""

    def __init__(self) -> None:
        self.w = festival_world(days_ahead=30)
        self.band = self.w.owl
        self.leader = self.w.leaders[self.band.pk]
        self.first = self.w.first_day
        self.venue, self.owner = venue_with_owner(
            latitude=52.52, longitude=13.405, exact_point=True, name="Clause Club", city="Berlin"
        )
        start = local(self.first + dt.timedelta(days=3), 20)
        slot = SlotFactory(venue=self.venue, starts_at=start, ends_at=start + dt.timedelta(hours=2))
        gig = answering.booking_accept(
            booking=BookingFactory(band=self.band, slot=slot, requested_by=self.leader), by=self.owner
        )
        radius_clause_write(booking=gig, km=50, days_before=2, days_after=2, holder="Clause Club", by=self.owner)
        self.client = self.w.stranger

    def at(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        return local(self.first + dt.timedelta(days=days), hour, minute)

    def request(self, start: dt.datetime, location: str, hours: int = 2) -> Booking:
        return Booking.objects.create(
            kind=Booking.Kind.REQUEST, band=self.band, client=self.client, requested_by=self.client,
            starts_at=start, ends_at=start + dt.timedelta(hours=hours), time_zone="Europe/Berlin",
            event_type="Wedding", location=location, fee=900,
        )  # fmt: skip

    def instant(self, start: dt.datetime, location: str) -> Booking:
        package = Package.objects.create(
            band=self.band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True
        )
        return booking_instant(
            band=self.band, package=package, client=self.client, starts_at=start, price=package_price(package),
            event_type="Birthday", location=location,
        )  # fmt: skip

    def near_slot_accept(self, start: dt.datetime, hours: int = 2) -> Booking:
        near, owner = venue_with_owner(latitude=52.6, longitude=13.4, exact_point=True, name="Northtown", city="Bernau")
        slot = SlotFactory(venue=near, starts_at=start, ends_at=start + dt.timedelta(hours=hours))
        return answering.booking_accept(
            booking=BookingFactory(band=self.band, slot=slot, requested_by=self.leader), by=owner
        )

    def host(self, start: dt.datetime, **place) -> object:
        return shows.show_host(
            band=self.band, by=self.leader, starts_at=start, ends_at=start + dt.timedelta(hours=3),
            time_zone="Europe/Berlin", title="Release show", **place,
        )  # fmt: skip

    def place(self, start: dt.datetime):
        return placement_book(
            fstage=self.w.main, band=self.band, starts_at=start, set_minutes=60, by=self.w.owner, now=timezone.now()
        )

    def rescheduled(self, start: dt.datetime, location: str = "Garden party, Berlin") -> Booking:
        gig = answering.booking_accept(booking=self.request(self.at(-6, 14), location), by=self.leader)
        proposal = reschedule.reschedule_propose(
            booking=gig, by=self.client, starts_at=start, ends_at=start + dt.timedelta(hours=2), reason="Rain"
        )
        return reschedule.reschedule_accept(proposal=proposal, by=self.leader)


# The day before the barred days starts at F; 23:30 on F runs past midnight into F+1, the first barred day.
EVENING_BEFORE = (0, 23, 30)
SPAN = "km away"
SAME_TOWN = "this gig is in Berlin"
NO_TOWN = "names no town"

CASES: dict[str, list[tuple[str, Callable[[World], object], str]]] = {
    "booking_accept": [
        ("a venue's slot from the evening before", lambda x: x.near_slot_accept(x.at(*EVENING_BEFORE)), SPAN),
        ("a client's place in the clause's town", lambda x: answering.booking_accept(
            booking=x.request(x.at(3, 14), "Garden party, Berlin"), by=x.leader), SAME_TOWN),
        ("a client's place that names no town", lambda x: answering.booking_accept(
            booking=x.request(x.at(3, 14), "Orangerie"), by=x.leader), NO_TOWN),
    ],
    "booking_instant": [
        ("at the client's place in the clause's town", lambda x: x.instant(x.at(2, 14), "Berlin"), SAME_TOWN),
        ("from the evening before", lambda x: x.instant(x.at(*EVENING_BEFORE), "Our garden, Berlin"), SAME_TOWN),
        ("at a place that names no town", lambda x: x.instant(x.at(2, 14), "Our garden"), NO_TOWN),
    ],
    "show_host": [
        # The show's typed town is placed on the map (the gazetteer's point): barred by its distance.
        ("a typed-in place in the clause's town", lambda x: x.host(
            x.at(2, 20), place_name="Zukunft", place_city="Berlin"), SPAN),
        ("at a venue from the evening before", lambda x: x.host(x.at(0, 22, 30), place_venue=x.venue), SPAN),
        ("a typed-in place that names no town", lambda x: x.host(x.at(2, 20), place_name="Zukunft"), NO_TOWN),
    ],
    "placement_accept": [
        ("a set from the evening before", lambda x: x.place(x.at(*EVENING_BEFORE)), SPAN),
    ],
    "placement_move": [
        ("a set moved to the evening before", lambda x: timetable.placement_move(
            placement=x.place(x.at(0, 18)), fstage=x.w.main, starts_at=x.at(*EVENING_BEFORE), by=x.w.owner,
            now=timezone.now()), SPAN),
    ],
    "reschedule_accept": [
        ("a private gig moved into the clause's town's days", lambda x: x.rescheduled(x.at(3, 14)), SAME_TOWN),
        ("a private gig moved to the evening before", lambda x: x.rescheduled(x.at(*EVENING_BEFORE)), SAME_TOWN),
    ],
}  # fmt: skip


def test_every_door_that_books_or_moves_a_gig_has_its_radius_cases():
    doors = booking_doors()
    assert {"booking_accept", "booking_instant", "show_host", "placement_accept"} <= doors, doors
    assert doors == set(CASES), f"doors without radius cases: {doors - set(CASES)}; gone: {set(CASES) - doors}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("door", "case", "call", "says"),
    [(door, case, call, says) for door, cases in CASES.items() for case, call, says in cases],
    ids=[f"{door}: {case}" for door, cases in CASES.items() for case, _call, _says in cases],
)
def test_the_clause_bars_it(door, case, call, says):
    world = World()
    with pytest.raises(BookingConflict) as caught:
        call(world)
    text = str(caught.value)
    assert "Clause Club" in text and says in text, text
    clause = RadiusClause.objects.get()
    in_the_days = Booking.objects.filter(
        band=world.band, status=Booking.Status.BOOKED, starts_at__lt=clause.bars_until, ends_at__gt=clause.bars_from
    ).exclude(pk=clause.booking_id)
    assert not in_the_days.exists(), "nothing was booked in the barred days"


@pytest.mark.django_db
def test_a_place_in_a_town_beyond_the_radius_and_a_gig_after_the_days_are_not_barred():
    world = World()
    City.objects.get_or_create(
        geoname_id=2867714,
        defaults={"name": "Munich", "search_name": "munich", "country": "DE", "latitude": 48.14, "longitude": 11.58,
                  "time_zone": "Europe/Berlin"},
    )  # fmt: skip
    far = answering.booking_accept(booking=world.request(world.at(3, 14), "Biergarten, Munich"), by=world.leader)
    assert far.status == Booking.Status.BOOKED
    after = answering.booking_accept(booking=world.request(world.at(6, 0, 30), "Orangerie"), by=world.leader)
    assert after.status == Booking.Status.BOOKED
