"""On PostgreSQL with real row locks: twenty confirmations and challenges of one date at once make one
booking and leave a consistent ladder; twenty holds placed at once take levels 1 to 9 without a gap."""

import pytest

from accounts.tests.factories import UserFactory
from bands.tests.factories import BandFactory
from bookings.models import Booking
from gigs.tests.test_concurrency import at_once
from holds import services
from holds.models import Hold
from venues.models import VenueStaff

from .factories import hold_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_confirmations_and_challenges_of_one_date_make_one_booking():
    w = hold_world("-race")
    holds = [
        services.hold_place(
            by=w.owner, stage=w.stage, band=band, starts_at=w.start, ends_at=w.end, expires_at=w.expires
        )
        for band in w.bands
    ]
    bookers = [UserFactory() for _ in range(20)]
    VenueStaff.objects.bulk_create([VenueStaff(venue=w.venue, user=u, role="booker") for u in bookers])
    calls = []
    for n, user in enumerate(bookers):
        if n % 2:
            calls.append(lambda u=user: services.hold_confirm(hold=holds[0], by=u))
        else:
            calls.append(lambda u=user, h=holds[1 + n % 3]: services.hold_challenge(hold=h, by=u))
    errors = at_once(*calls)
    assert all(isinstance(e, services.HoldError) for e in errors), errors
    assert Booking.objects.filter(band=w.bands[0]).count() == 1
    assert Booking.objects.count() == 1
    first = Hold.objects.get(pk=holds[0].pk)
    assert first.status == Hold.Status.CONFIRMED
    assert not Hold.objects.filter(status=Hold.Status.HELD).exists()
    assert set(Hold.objects.exclude(pk=first.pk).values_list("ended", flat=True)) == {Hold.End.DATE_CONFIRMED}


def test_twenty_holds_placed_at_once_fill_levels_one_to_nine():
    w = hold_world("-race2")
    bands = [BandFactory() for _ in range(20)]
    errors = at_once(
        *[
            lambda b=band: services.hold_place(
                by=w.owner, stage=w.stage, band=b, starts_at=w.start, ends_at=w.end, expires_at=w.expires
            )
            for band in bands
        ]
    )
    assert len(errors) == 11 and all(getattr(e, "code", "") == "level_gap" for e in errors), errors
    levels = sorted(Hold.objects.filter(status=Hold.Status.HELD).values_list("level", flat=True))
    assert levels == list(range(1, 10))
