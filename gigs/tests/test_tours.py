"""A band's tour: made from picked gigs or a saved tour plan, one tour a gig, the days between derived (show
days, travel days, days off), drives with their warnings, stays, the party, the money."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking, SavedTour
from places.tests.factories import CityFactory

from ..models import TourCost, TourGig, TourTraveller
from ..selectors.tours import tour_access, tour_itinerary, tour_money
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def world():
    return tour_world()


def make(world, gigs=None):
    return tours.tour_create(band=world.band, by=world.leader, name="Spring run", bookings=gigs or world.gigs)


def test_a_tour_groups_the_picked_gigs_in_the_bands_currency(world):
    tour = make(world)
    assert tour.currency == "EUR"
    assert set(TourGig.objects.filter(tour=tour).values_list("booking_id", flat=True)) == {g.pk for g in world.gigs}


def test_only_the_bands_leaders_make_a_tour(world):
    with pytest.raises(BookingPermissionError):
        tours.tour_create(band=world.band, by=world.member, name="Mine", bookings=world.gigs)
    with pytest.raises(BookingPermissionError):
        tours.tour_create(band=world.band, by=world.other_leader, name="Mine", bookings=world.gigs)


def test_a_gig_belongs_to_at_most_one_tour(world):
    make(world, world.gigs[:2])
    with pytest.raises(BookingConflict):
        tours.tour_create(band=world.band, by=world.leader, name="Again", bookings=world.gigs[1:])
    # Nothing of the refused tour was kept.
    assert TourGig.objects.count() == 2
    assert world.band.tours.count() == 1


def test_another_bands_gig_or_a_pending_one_cannot_join(world):
    tour = make(world, world.gigs[:1])
    pending = world.gigs[1]
    Booking.objects.filter(pk=pending.pk).update(status=Booking.Status.PENDING)
    pending.refresh_from_db()
    with pytest.raises(Exception, match="booked"):
        tours.tour_gigs_add(tour=tour, by=world.leader, bookings=[pending])


def test_a_tour_from_a_saved_plan_takes_the_booked_gigs_on_its_days(world):
    plan = SavedTour.objects.create(
        band=world.band,
        start=CityFactory(name="Hamburg"),
        end=CityFactory(name="Leipzig"),
        first_day=world.first,
        last_day=world.first + dt.timedelta(days=2),
        drive_km=400,
        kinds=["headliner"],
    )
    tour = tours.tour_create(band=world.band, by=world.leader, name="From the plan", plan=plan)
    taken = set(TourGig.objects.filter(tour=tour).values_list("booking_id", flat=True))
    assert taken == {g.pk for g in world.gigs[:3]}  # the fourth is two days after the plan's last day


def test_the_days_between_are_derived(world):
    itinerary = tour_itinerary(tour=make(world))
    assert [d.date for d in itinerary.days] == [world.first + dt.timedelta(days=n) for n in range(5)]
    assert [d.kind for d in itinerary.days] == ["show", "show", "show", "off", "show"]
    # A drive to each show after the first, on the show's day (it fits from 10:00 to the load-in).
    assert [len(d.drives) for d in itinerary.days] == [0, 1, 1, 0, 1]
    drive = itinerary.days[1].drives[0]
    assert 95 < drive.km / 1.25 < 105  # Hamburg to Bremen, as the crow flies about 95-100 km
    assert drive.duration == dt.timedelta(minutes=82)
    assert drive.fits and itinerary.warnings == 0
    # The schedule reads in the gig's zone.
    schedule = dict(itinerary.days[0].shows[0].schedule)
    assert schedule["set"].tzinfo is not None and schedule["set"].hour == 20


def test_a_drive_too_long_for_the_show_day_makes_the_day_before_a_travel_day():
    world = tour_world(nights=[0, 2], suffix="t")
    second = world.gigs[1]
    # Load-in at 11:00 in Bremen: leaving at 10:00 the same day is too late for a drive of 1 h 22.
    second.load_in_at = dt.datetime.combine(second.starts_at.astimezone(BERLIN).date(), dt.time(11), tzinfo=BERLIN)
    second.save(update_fields=["load_in_at"])
    itinerary = tour_itinerary(tour=make(world))
    assert [d.kind for d in itinerary.days] == ["show", "travel", "show"]
    assert len(itinerary.days[1].drives) == 1 and itinerary.warnings == 0


def test_a_drive_that_does_not_fit_between_pack_down_and_load_in_warns(world):
    second = world.gigs[1]
    second.load_in_at = world.gigs[0].ends_at + dt.timedelta(minutes=30)
    second.save(update_fields=["load_in_at"])
    itinerary = tour_itinerary(tour=make(world))
    assert itinerary.warnings == 1
    assert not itinerary.days[1].drives[0].fits


def test_a_cancelled_gig_leaves_the_days_and_drives_by_itself(world):
    tour = make(world)
    Booking.objects.filter(pk=world.gigs[-1].pk).update(status=Booking.Status.CANCELLED)
    itinerary = tour_itinerary(tour=tour)
    assert [d.kind for d in itinerary.days] == ["show", "show", "show"]
    assert [b.pk for b in itinerary.cancelled] == [world.gigs[-1].pk]
    # A gig taken out stays booked and may join another tour.
    tours.tour_gig_remove(tour=tour, by=world.leader, booking_id=world.gigs[0].pk)
    assert [d.kind for d in tour_itinerary(tour=tour).days] == ["show", "show"]
    tours.tour_create(band=world.band, by=world.leader, name="Warm-up", bookings=[world.gigs[0]])


def test_a_stay_is_stored_in_utc_and_listed_on_each_night(world):
    tour = make(world)
    stay = tours.tour_stay_save(
        tour=tour,
        by=world.leader,
        night=world.first + dt.timedelta(days=2),
        nights=2,
        check_in=dt.time(15),
        check_out=dt.time(11),
        name="Hotel am Fluss",
        rooms="12: Lea, Max\n14: Dana",
    )
    assert stay.time_zone == "Europe/Berlin"
    assert stay.check_in_at.astimezone(BERLIN).time() == dt.time(15)
    assert stay.check_in_at.tzinfo == dt.UTC
    days = tour_itinerary(tour=tour).days
    assert [bool(d.stays) for d in days] == [False, False, True, True, False]
    with pytest.raises(ValidationError):
        tours.tour_stay_save(
            tour=tour,
            by=world.leader,
            night=world.first,
            nights=0,
            check_in=dt.time(15),
            check_out=dt.time(11),
            name="X",
        )
    with pytest.raises(BookingPermissionError):
        tours.tour_stay_save(
            tour=tour,
            by=world.member,
            night=world.first,
            nights=1,
            check_in=dt.time(15),
            check_out=dt.time(11),
            name="X",
        )


def test_crew_with_an_account_travels_on_the_tour_only(world):
    tour = make(world)
    with pytest.raises(ValidationError, match="in the band"):
        tours.tour_traveller_add(tour=tour, by=world.leader, user=world.member, role="driver")
    tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="driver")
    with pytest.raises(BookingConflict):
        tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="sound")
    assert tour_access(tour=tour, user=world.crew).see
    assert not tour_access(tour=tour, user=world.crew).money
    other = tours.tour_create(band=world.band, by=world.leader, name="Another", bookings=[])
    assert not tour_access(tour=other, user=world.crew).see


def test_who_sees_what(world):
    tour = make(world)
    tours.tour_traveller_add(tour=tour, by=world.leader, user=world.crew, role="manager", sees_money=True)
    seen = {
        name: tour_access(tour=tour, user=getattr(world, name))
        for name in ("leader", "member", "crew", "other_leader", "stranger")
    }
    assert {n: (a.see, a.money, a.manage) for n, a in seen.items()} == {
        "leader": (True, True, True),
        "member": (True, False, False),
        "crew": (True, True, False),
        "other_leader": (False, False, False),
        "stranger": (False, False, False),
    }


def test_the_money_per_show_and_for_the_tour(world):
    tour = make(world)
    first, second = world.gigs[0], world.gigs[1]
    tours.tour_cost_add(
        tour=tour, by=world.leader, kind="fuel", planned_minor=8000, actual_minor=9150, booking_id=first.pk
    )
    tours.tour_cost_add(tour=tour, by=world.leader, kind="accommodation", planned_minor=12000, booking_id=second.pk)
    tours.tour_cost_add(tour=tour, by=world.leader, kind="commission", planned_minor=30000)
    Booking.objects.filter(pk=world.gigs[3].pk).update(status=Booking.Status.CANCELLED)
    money = tour_money(tour=tour)
    rows = {r.booking.pk if r.booking else None: r for r in money.rows}
    assert rows[first.pk].guarantee_minor == 40000
    assert rows[first.pk].result_planned_minor == 32000
    assert rows[first.pk].result_actual_minor == 30850
    assert rows[second.pk].actual_minor == 12000  # no actual yet: the planned counts
    assert rows[world.gigs[3].pk].guarantee_minor == 0  # cancelled
    assert money.guarantee_minor == 40000 + 50000 + 60000
    assert money.result_planned_minor == 150000 - 8000 - 12000 - 30000
    assert money.result_actual_minor == 150000 - 9150 - 12000 - 30000
    with pytest.raises(ValidationError):
        tours.tour_cost_add(
            tour=tour, by=world.leader, kind="fuel", planned_minor=1, booking_id=world.gigs[-1].pk + 1000
        )
    with pytest.raises(BookingPermissionError):
        tours.tour_cost_add(tour=tour, by=world.crew, kind="fuel", planned_minor=1)
    assert TourCost.objects.count() == 3


def test_traveller_roles_are_the_models():
    assert "driver" in TourTraveller.Role.values
