"""A booked gig at a venue, a booked private event and a booked hosted show, with the people around them."""

from datetime import timedelta
from types import SimpleNamespace

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.services import answering, asking, shows
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner


def gig_world(suffix: str = "") -> SimpleNamespace:
    """A band booked at a venue (Europe/Berlin) and for a client's private event, a show another band
    hosts, and the people who must not see them."""
    venue, owner = venue_with_owner(name="Kellerbar", slug=f"kellerbar{suffix}", time_zone="Europe/Berlin")
    band, leader = band_with_leader(name="The Night Shift", slug=f"night-shift{suffix}")
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER, user__display_name="Max Member").user
    other_band, other_leader = band_with_leader(name="Brass Band", slug=f"brass-band{suffix}")
    other_venue, other_owner = venue_with_owner(name="Lido", slug=f"lido{suffix}")
    client_user = UserFactory(display_name="Anna Client", time_zone="Europe/Berlin")
    other_client = UserFactory(display_name="Otto Client")
    stranger = UserFactory(display_name="Sam Stranger")
    staff = UserFactory(display_name="Stella Staff", is_staff=True)
    slot = SlotFactory(venue=venue, starts_at=in_days(12), ends_at=in_days(12) + timedelta(hours=3), support_places=1)
    gig = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner", fee=500, message="Hi")
    answering.booking_accept(booking=gig, by=owner)
    gig.refresh_from_db()
    request = asking.booking_request(
        band=band,
        client=client_user,
        starts_at=in_days(30, 17),
        ends_at=in_days(30, 22),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gut Kleinow, Brandenburg",
        guests=80,
        fee=1500,
        message="First dance at nine.",
    )
    answering.booking_accept(booking=request, by=leader)
    request.refresh_from_db()
    pending_slot = SlotFactory(venue=venue, starts_at=in_days(40), ends_at=in_days(40) + timedelta(hours=3))
    pending = asking.booking_apply(slot=pending_slot, band=band, by=leader, role="headliner", fee=300, message="")
    return SimpleNamespace(
        venue=venue,
        owner=owner,
        band=band,
        leader=leader,
        member=member,
        other_band=other_band,
        other_leader=other_leader,
        other_venue=other_venue,
        other_owner=other_owner,
        client=client_user,
        other_client=other_client,
        stranger=stranger,
        staff=staff,
        slot=slot,
        gig=gig,
        request=request,
        pending=pending,
    )


def hosted_show(band, leader, *, days: int = 50):
    """A show `band` hosts (its own place booked at once), in a place typed in: (slot, its booking)."""
    slot = shows.show_host(
        band=band,
        by=leader,
        starts_at=in_days(days, 19),
        ends_at=in_days(days, 23),
        time_zone="Europe/Berlin",
        title="Release show",
        place_name="Anna's garden",
        place_address="Gartenweg 3",
        place_city="Potsdam",
    )
    return slot, slot.bookings.get()


# Cities a tour goes through, north to south: (name, latitude, longitude).
TOUR_CITIES = [
    ("Hamburg", 53.5507, 9.993),
    ("Bremen", 53.0758, 8.8072),
    ("Hannover", 52.3705, 9.7332),
    ("Kassel", 51.3167, 9.5),
    ("Erfurt", 50.9773, 11.0354),
    ("Würzburg", 49.7939, 9.9512),
    ("Nürnberg", 49.4542, 11.0775),
    ("Regensburg", 49.0151, 12.1016),
    ("München", 48.1374, 11.5755),
]


def tour_world(*, nights: list[int] | None = None, suffix: str = "", start_in: int = 10) -> SimpleNamespace:
    """A band (Europe/Berlin) with a leader, a member, booked gigs at 20:00 Berlin time on the given nights
    of a tour (days after `start_in` days from now; by default 0, 1, 2, 4: a day off before the last),
    each at a venue further south; a crew person with an account who is not in the band, another band's
    leader and a stranger."""
    import datetime as dt
    import zoneinfo

    from django.utils import timezone

    from bands.tests.factories import BandFactory
    from bookings.models import Booking
    from bookings.tests.factories import BookingFactory
    from venues.tests.factories import VenueFactory

    nights = [0, 1, 2, 4] if nights is None else nights
    band = BandFactory(name=f"Road Dogs{suffix}", slug=f"road-dogs{suffix}", time_zone="Europe/Berlin", currency="EUR")
    leader = UserFactory(display_name="Lea Leader", time_zone="Europe/Berlin")
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER, user__display_name="Max Member").user
    other_band, other_leader = band_with_leader(name=f"Other Band{suffix}", slug=f"other-band{suffix}")
    crew = UserFactory(display_name="Dana Driver", email=f"dana{suffix}@example.test")
    stranger = UserFactory(display_name="Sam Stranger")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    first = timezone.localdate(timezone=berlin) + dt.timedelta(days=start_in)
    gigs = []
    for n, night in enumerate(nights):
        city, lat, lon = TOUR_CITIES[n % len(TOUR_CITIES)]
        venue = VenueFactory(
            name=f"Club {city} {n}{suffix}",
            slug=f"club-{n}{suffix}",
            city=city,
            time_zone="Europe/Berlin",
            exact_point=True,
            latitude=lat,
            longitude=lon,
        )
        starts_at = dt.datetime.combine(first + dt.timedelta(days=night), dt.time(20), tzinfo=berlin)
        slot = SlotFactory(venue=venue, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
        gigs.append(
            BookingFactory(band=band, slot=slot, status=Booking.Status.BOOKED, fee=400 + 100 * n, currency="EUR")
        )
    return SimpleNamespace(
        band=band,
        leader=leader,
        member=member,
        other_band=other_band,
        other_leader=other_leader,
        crew=crew,
        stranger=stranger,
        gigs=gigs,
        first=first,
    )
