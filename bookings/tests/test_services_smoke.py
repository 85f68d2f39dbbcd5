from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import Notification
from availability.models import BusyInterval
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import answering, asking, ending
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db(transaction=False)


def test_apply_accept_declines_rival_and_makes_members_busy(django_capture_on_commit_callbacks):
    venue, owner = venue_with_owner()
    # Explicit times: the factory's default drifts further ahead with every slot of the session,
    # past the horizon over which busy time is materialised.
    slot = SlotFactory(venue=venue, support_places=0, starts_at=in_days(10), ends_at=in_days(10, 23))
    band, leader = band_with_leader()
    drummer = MembershipFactory(band=band).user
    rival, rival_leader = band_with_leader()
    with django_capture_on_commit_callbacks(execute=True):
        mine = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner", fee=500)
        theirs = asking.booking_apply(slot=slot, band=rival, by=rival_leader, role="headliner")
        answering.booking_accept(booking=mine, by=owner)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    slot.refresh_from_db()
    assert mine.status == Booking.Status.BOOKED
    assert theirs.status == Booking.Status.DECLINED
    assert "headliner place went to another band" in theirs.status_note
    assert slot.status == slot.Status.BOOKED
    # Busy from the band's load-in, two hours before the gig.
    assert BusyInterval.objects.filter(
        user=drummer, source="gig", starts_at=slot.starts_at - timedelta(hours=2)
    ).exists()
    assert Notification.objects.filter(recipient=drummer, kind="booking_booked").exists()
    assert not Notification.objects.filter(recipient=owner, kind="booking_booked").exists()
    assert len(mail.outbox) >= 3
    with pytest.raises(BookingConflict):
        answering.booking_accept(booking=theirs, by=owner)
    ending.booking_cancel(booking=mine, by=leader, reason="Van broke down")
    slot.refresh_from_db()
    assert slot.status == slot.Status.OPEN
    assert not BusyInterval.objects.filter(user=drummer, source="gig").exists()
    assert [e.to_status for e in mine.events.all()] == ["pending", "booked", "cancelled"]
