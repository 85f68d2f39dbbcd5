"""Two people adding the band's last guests at the same moment (PostgreSQL, real row locks): the booking's
row lock queues them, so one is refused and the cap holds."""

import pytest

from bookings.errors import BookingConflict
from gigs.models import GuestEntry
from gigs.services.guest_lists import guest_caps_set, guest_entry_add
from gigs.tests.factories import gig_world
from gigs.tests.test_concurrency import at_once
from teams.tests.factories import agency_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_two_adds_at_once_never_pass_the_cap(round_):
    world = gig_world(f"-race-{round_}")
    agent = agency_for(world.band, slug=f"race-agency-{round_}")[2]
    guest_caps_set(booking=world.gig, by=world.owner, band_cap=3, venue_cap=None)
    guest_entry_add(booking=world.gig, by=world.leader, side="band", name="First", plus_ones=1)
    errors = at_once(
        lambda: guest_entry_add(booking=world.gig, by=world.leader, side="band", name="Ida"),
        lambda: guest_entry_add(booking=world.gig, by=agent, side="band", name="Bo"),
    )
    assert len(errors) == 1 and isinstance(errors[0], BookingConflict)
    assert sum(1 + e.plus_ones for e in GuestEntry.objects.filter(booking=world.gig)) == 3
