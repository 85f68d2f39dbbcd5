"""A band with a year of history at one venue: played gigs with fees, answered requests, reviews."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import Band, Genre
from bookings.models import Booking, BookingEvent
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from reviews.models import Review, Side
from teams.tests.factories import agency_for
from venues.models import Venue

Status = Booking.Status


@dataclass
class World:
    band: Band
    leader: object
    venue: Venue
    owner: object
    other_leader: object
    other_owner: object
    stranger: object
    agency: object
    agent: object
    agency_viewer: object
    other_agency: object
    other_agent: object


def months_ago(months: int, day: int = 12, hour: int = 20) -> dt.datetime:
    """A moment `months` months before this one, on `day` of that month, at `hour` o'clock."""
    today = timezone.localdate()
    year, month = today.year, today.month - months
    while month < 1:
        month += 12
        year -= 1
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def played(band: Band, venue: Venue, when: dt.datetime, *, fee: int = 500, status=Status.COMPLETED) -> Booking:
    ends = when + dt.timedelta(hours=3)
    slot = SlotFactory(venue=venue, starts_at=when, ends_at=ends, headliner_booked=int(status in Booking.PLAYED))
    booking = BookingFactory(band=band, slot=slot, fee=fee, status=status)
    Booking.objects.filter(pk=booking.pk).update(created_at=when - dt.timedelta(days=30))
    return booking


def answered(band: Band, venue: Venue, when: dt.datetime, *, hours: float, to=Status.BOOKED) -> Booking:
    """An offer made at `when` that the band answered `hours` later."""
    # In the afternoon: the played gigs' evenings may fall on the same day (one show per stage at a time).
    starts = (when + dt.timedelta(days=40)).replace(hour=14)
    slot = SlotFactory(venue=venue, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    booking = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=slot, status=to, fee=None)
    Booking.objects.filter(pk=booking.pk).update(created_at=when)
    event = BookingEvent.objects.create(booking=booking, from_status=Status.PENDING, to_status=to)
    BookingEvent.objects.filter(pk=event.pk).update(created_at=when + dt.timedelta(hours=hours))
    return booking


def reviewed(booking: Booking, stars: int, when: dt.datetime) -> Review:
    return Review.objects.create(
        booking=booking,
        author_side=Side.VENUE,
        subject_side=Side.BAND,
        band=booking.band,
        venue=booking.venue,
        overall=stars,
        text="Great night.",
        published_at=when,
    )


def analytics_world() -> World:
    band, leader = band_with_leader(name="The Night Owls", slug="the-night-owls")
    band.genres.add(Genre.objects.get_or_create(name="Indie", defaults={"slug": "indie"})[0])
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", city="Hamburg")
    _other_band, other_leader = band_with_leader(name="Grey Harbour")
    _other_venue, other_owner = venue_with_owner(name="Hall")
    agency, _agency_owner, agent, agency_viewer = agency_for(band, name="Northside Agency", slug="northside")
    other_agency, _o, other_agent, _v = agency_for(_other_band, name="Southside", slug="southside")
    return World(
        band=band,
        leader=leader,
        venue=venue,
        owner=owner,
        other_leader=other_leader,
        other_owner=other_owner,
        stranger=UserFactory(),
        agency=agency,
        agent=agent,
        agency_viewer=agency_viewer,
        other_agency=other_agency,
        other_agent=other_agent,
    )
