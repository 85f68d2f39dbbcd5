"""The reads an action on a booking makes before its locks, written out in SQL for the losers of an
accept race: booking_for_action (the booking, where the viewer stands, the names its answer shows)
and band_gig_overlapping (the band's gig in the way). They must answer exactly as the ORM would."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from bands.tests.factories import BandFactory
from bookings.models import Booking
from bookings.selectors.bookings import band_gig_overlapping, booking_for_action, booking_for_viewer
from bookings.selectors.detail import booking_title
from bookings.tests.factories import BookingFactory, in_days
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

Status = Booking.Status
VIEWERS = ("leader", "member", "owner", "client", "other_leader", "other_owner", "other_client")


@pytest.mark.parametrize("which", ["application", "request"])
def test_booking_for_action_answers_as_booking_for_viewer_does(which):
    world = make_world()
    booking = getattr(world, which)
    for who in VIEWERS:
        user = getattr(world, who)
        seen, acted = booking_for_viewer(uid=booking.uid, user=user), booking_for_action(uid=booking.uid, user=user)
        assert (seen is None) == (acted is None), who
        if seen is None:
            continue
        assert acted.standing == seen.standing, who
        assert model_to_dict(acted) == model_to_dict(seen), who
        assert booking_title(acted) == booking_title(seen), who
    assert booking_for_action(uid=booking.uid, user=AnonymousUser()) is None


def test_booking_for_action_is_one_query_and_its_neighbours_carry_their_names():
    """The band, venue and client come with their names only; anything else of theirs is read when
    first asked for (it is never needed before the services lock and read again)."""
    world = make_world()
    with CaptureQueriesContext(connection) as queries:
        application = booking_for_action(uid=world.application.uid, user=world.owner)
        request = booking_for_action(uid=world.request.uid, user=world.client)
        names = (application.band.name, application.venue.name, request.client.name, request.band.name)
    assert len(queries) == 2
    assert names == ("The Night Shift", "Kellerbar", "Anna Client", "The Night Shift")
    assert application.standing.venue_staff and not application.standing.band_role
    assert request.client is not None and request.venue is None
    with CaptureQueriesContext(connection) as queries:
        assert application.band.slug == world.band.slug
    assert len(queries) == 1


def test_an_unknown_booking_is_none():
    world = make_world()
    uid = world.request.uid
    Booking.objects.filter(pk=world.request.pk).update(uid="00000000-0000-4000-8000-000000000000")
    assert booking_for_action(uid=uid, user=world.client) is None


def test_band_gig_overlapping_finds_the_earliest_gig_that_is_on_and_touching_is_no_overlap():
    band, client, start = BandFactory(), UserFactory(), in_days(40, 18)

    def gig(hours_from: float, hours: float, status: str, of=band) -> Booking:
        at = start + timedelta(hours=hours_from)
        booking = BookingFactory(
            kind=Booking.Kind.REQUEST,
            band=of,
            client=client,
            slot=None,
            starts_at=at,
            ends_at=at + timedelta(hours=hours),
        )
        Booking.objects.filter(pk=booking.pk).update(status=status)
        return booking

    later = gig(2, 2, Status.BOOKED)  # 20:00–22:00
    playing = gig(0, 1, Status.IN_PROGRESS)  # 18:00–19:00
    gig(0, 6, Status.PENDING)
    gig(0, 6, Status.CANCELLED)
    gig(0, 6, Status.BOOKED, of=BandFactory())

    def found(hours_from: float, hours: float) -> Booking | None:
        at = start + timedelta(hours=hours_from)
        return band_gig_overlapping(band_id=band.pk, starts_at=at, ends_at=at + timedelta(hours=hours))

    assert found(0, 6).pk == playing.pk  # the earliest of the two
    assert found(1, 1) is None  # 19:00–20:00 touches both and overlaps neither
    assert found(1.5, 1).pk == later.pk
    assert (found(1.5, 1).starts_at, found(1.5, 1).ends_at) == (later.starts_at, later.ends_at)
    assert found(4, 1) is None
