from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking
from venues.models import Slot, VenueStaff
from venues.tests.factories import VenueFactory, VenueStaffFactory


def in_days(days: int, hour: int = 20) -> "timezone.datetime":
    """A moment `days` from now at `hour`:00 UTC, whole minutes."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now.replace(hour=hour) + timedelta(days=days)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot
        skip_postgeneration_save = True

    venue = factory.SubFactory(VenueFactory)
    stage = factory.LazyAttribute(lambda o: o.venue.stages.first())
    starts_at = factory.Sequence(lambda n: in_days(10 + n % 300))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    title = factory.Sequence(lambda n: f"Friday Night {n}")
    fee = 400
    support_places = 1

    @factory.post_generation
    def genres(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.genres.add(*extracted)


class BookingFactory(factory.django.DjangoModelFactory):
    """A pending application for a slot (pass kind/client for the other kinds)."""

    class Meta:
        model = Booking

    kind = Booking.Kind.APPLICATION
    role = Booking.Role.HEADLINER
    band = factory.SubFactory(BandFactory)
    slot = factory.SubFactory(SlotFactory)
    venue = factory.LazyAttribute(lambda o: o.slot.venue if o.slot else None)
    starts_at = factory.LazyAttribute(lambda o: o.slot.starts_at if o.slot else in_days(20))
    ends_at = factory.LazyAttribute(lambda o: o.slot.ends_at if o.slot else o.starts_at + timedelta(hours=3))
    time_zone = "Europe/Berlin"
    fee = 300
    message = "We would love to play."


def band_with_leader(**kwargs):
    """(band, leader): an approved band led by a fresh user."""
    leader = UserFactory()
    band = BandFactory(**kwargs)
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    return band, leader


def venue_with_owner(**kwargs):
    """(venue, owner): an approved venue with one stage, owned by a fresh user."""
    owner = UserFactory()
    venue = VenueFactory(**kwargs)
    VenueStaffFactory(venue=venue, user=owner, role=VenueStaff.Role.OWNER)
    return venue, owner


def lineup_band(*, sections_needed=(("Trumpets", 3, 2), ("Tuba", 2, 1)), total=None, **kwargs):
    """(band, leader, players by section name): a band with sections, each (name, players, fewest needed),
    nobody required by name, the leader in no section; `total`: the fewest players in all."""
    from bands import sections

    band, leader = band_with_leader(**kwargs)
    Membership.objects.filter(band=band).update(required=False)
    players: dict[str, list] = {}
    needs = {}
    for name, count, need in sections_needed:
        section = sections.section_add(band=band, by=leader, name=name)
        needs[section.pk] = need
        players[name] = []
        for i in range(count):
            membership = MembershipFactory(band=band, required=False, user=UserFactory(display_name=f"{name} {i + 1}"))
            sections.membership_sections_set(membership=membership, by=leader, usual=section.pk, doubles=[])
            players[name].append(membership.user)
    sections.lineup_set(band=band, by=leader, needs=needs, total=total)
    band.refresh_from_db()
    return band, leader, players
