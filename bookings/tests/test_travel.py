"""Between two gigs in different places the journey is busy time (bands.travel): the accept checks,
the finder, the tour planner, the band calendar and the date strip all count it, at the band's speed."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from bands.calendar import band_calendar_access, band_find_dates
from bands.models import BandBlock, Membership
from bands.services import band_gig_times_set
from bands.tests.factories import MembershipFactory
from bands.travel import journey
from bookings.errors import MembersBusy
from bookings.models import Booking
from bookings.selectors.finder import finder_slots
from bookings.selectors.strip import band_strip, start_fits
from bookings.services import answering, asking
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from places.tests.factories import CityFactory

pytestmark = pytest.mark.django_db

S = Booking.Status


def venue_in(city_name: str, name: str):
    city = CityFactory(name=city_name)
    venue, owner = venue_with_owner(name=name)
    venue.place = city
    venue.save()
    return venue, owner


def slot_at(venue, day: int, hour: int, hours: int = 1):
    start = in_days(day, hour)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=hours))


@pytest.fixture
def w():
    """Mara plays London 21:00–23:00 UTC with The Lanterns (no load-in, no pack-down); Side Project, a
    Berlin band she is needed in too, is asked to play Berlin at 19:00–20:00 UTC the same evening:
    no overlap in time, but London is 930 km away, over 13 hours at 70 km/h."""
    london, london_owner = venue_in("London", "Electric Ballroom")
    berlin, berlin_owner = venue_in("Berlin", "Lido Berlin")
    lanterns, lanterns_leader = band_with_leader(name="The Lanterns")
    mara = MembershipFactory(
        band=lanterns, role=Membership.Role.MEMBER, user=UserFactory(display_name="Mara Jensen")
    ).user
    side, side_leader = band_with_leader(name="Side Project")
    side.place = CityFactory(name="Berlin")
    side.save()
    MembershipFactory(band=side, user=mara, role=Membership.Role.MEMBER)
    for band, leader in ((lanterns, lanterns_leader), (side, side_leader)):
        band_gig_times_set(band=band, by=leader, load_in_minutes=0, pack_down_minutes=0, two_gigs_a_day=True)
        band.refresh_from_db()
    gig = asking.booking_apply(slot=slot_at(london, 10, 21, 2), band=lanterns, by=lanterns_leader, role="headliner")
    answering.booking_accept(booking=gig, by=london_owner)
    return SimpleNamespace(
        mara=mara,
        side=side,
        side_leader=side_leader,
        berlin=berlin,
        berlin_owner=berlin_owner,
        london=london,
        same_evening=slot_at(berlin, 10, 19),
        next_evening=slot_at(berlin, 11, 19),
        gig=gig,
    )


def test_the_gig_block_keeps_the_venues_point(w):
    block = BandBlock.objects.get(pk=Booking.objects.get(pk=w.gig.pk).block_id)
    assert (round(block.latitude, 2), round(block.longitude, 2)) == (51.51, -0.13)


def test_accepting_a_gig_too_far_from_a_members_other_gig_is_refused_naming_the_journey(w):
    application = asking.booking_apply(slot=w.same_evening, band=w.side, by=w.side_leader, role="headliner")
    with pytest.raises(MembersBusy) as refused:
        answering.booking_accept(booking=application, by=w.berlin_owner)
    text = str(refused.value)
    assert "Mara Jensen is busy" in text
    assert "of travel away" in text
    assert "London" not in text and "Electric" not in text  # where the other gig is stays unsaid
    [member] = refused.value.members
    assert member.travel == journey((51.50853, -0.12574), (52.52437, 13.41053), 70)
    assert timedelta(hours=13) < member.travel < timedelta(hours=14)
    application.refresh_from_db()
    assert application.status == S.PENDING


def test_a_day_later_the_journey_fits_and_the_gig_is_booked(w):
    application = asking.booking_apply(slot=w.next_evening, band=w.side, by=w.side_leader, role="headliner")
    answering.booking_accept(booking=application, by=w.berlin_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_a_gig_in_the_same_town_needs_no_journey(w):
    other, other_owner = venue_in("London", "Camden Assembly")
    right_after = slot_at(other, 10, 23)
    application = asking.booking_apply(slot=right_after, band=w.side, by=w.side_leader, role="headliner")
    answering.booking_accept(booking=application, by=other_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_the_bands_speed_is_its_own_setting(w):
    # By plane (900 km/h) London–Berlin takes 63 minutes: 19:00–20:00 then 21:00 in London fits.
    band_gig_times_set(
        band=w.side, by=w.side_leader, load_in_minutes=0, pack_down_minutes=0, two_gigs_a_day=True, travel_speed_kmh=900
    )
    w.side.refresh_from_db()
    early = slot_at(w.berlin, 10, 18, 1)
    application = asking.booking_apply(slot=early, band=w.side, by=w.side_leader, role="headliner")
    answering.booking_accept(booking=application, by=w.berlin_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_a_speed_out_of_range_is_refused_and_changes_nothing(w):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        band_gig_times_set(
            band=w.side,
            by=w.side_leader,
            load_in_minutes=0,
            pack_down_minutes=0,
            two_gigs_a_day=True,
            travel_speed_kmh=0,
        )
    assert "travel_speed_kmh" in refused.value.message_dict
    w.side.refresh_from_db()
    assert w.side.travel_speed_kmh == 70


def test_the_finder_and_the_tour_planner_offer_only_slots_within_reach(w):
    rows = {s.pk: s.band_free for s in finder_slots(now=in_days(0), band_id=w.side.pk)}
    assert rows[w.same_evening.pk] is False
    assert rows[w.next_evening.pk] is True
    playable = {s.pk for s in finder_slots(now=in_days(0), band_id=w.side.pk, playable=True)}
    assert w.same_evening.pk not in playable and w.next_evening.pk in playable


def test_the_calendar_and_the_strip_count_the_journey_from_home(w):
    # Side Project lives in Berlin: the evening of the London gig is no free evening there.
    band, members, _me = band_calendar_access(slug=w.side.slug, user=w.side_leader)
    day = in_days(10, 12).date()
    found = band_find_dates(
        members=members,
        first_day=day,
        last_day=day,
        time_zone="UTC",
        min_length=timedelta(hours=1),
        day_start=None,
        day_end=None,
        now=in_days(0),
        band=band,
    )
    for candidate in found:
        # Nothing from 08:00 UTC (13 h 20 before 21:00) to the end of the day: Mara is on the road.
        assert candidate.end <= in_days(10, 8) or candidate.start >= in_days(11, 12)
    length = timedelta(hours=1)
    assert not start_fits(band=band, starts_at=in_days(10, 19), length=length, now=in_days(0))
    assert start_fits(band=band, starts_at=in_days(11, 19), length=length, now=in_days(0))
    strip = band_strip(band=band, length=length, viewer_zone="UTC", first_day=day, weeks=1, now=in_days(0))
    evening = next(d for d in strip.days if d.day == day)
    assert all(start.at <= in_days(10, 7) for start in evening.starts)
    next_day = next(d for d in strip.days if d.day == day + timedelta(days=1))
    assert in_days(11, 19) in [start.at for start in next_day.starts]
    # The same member, the same evening, as seen from London (the band moved): London is free after 23:00.
    assert any(c.start >= in_days(10, 8) for c in found) is False


def test_a_gig_without_a_point_counts_no_travel(w):
    nowhere, owner = venue_with_owner(name="Somewhere")
    assert nowhere.latitude is None
    slot = slot_at(nowhere, 10, 19)
    application = asking.booking_apply(slot=slot, band=w.side, by=w.side_leader, role="headliner")
    answering.booking_accept(booking=application, by=owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED
