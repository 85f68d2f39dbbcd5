"""Completed gigs and their reviews, for the reviews tests."""

import itertools
from datetime import timedelta

from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from reviews.models import Review
from reviews.services import ReviewInput, review_save

# Each gig on a stage of its own, so gigs at one venue never share a stage's time.
_STAGE_NUMBER = itertools.count(1)


def completed_gig(*, days_ago: float = 1, band=None, venue=None, role=Booking.Role.HEADLINER) -> dict:
    """A slot gig that ended `days_ago` days ago: {"booking", "band", "leader", "venue", "owner", "member"}."""
    if band is None:
        band, leader = band_with_leader()
    else:
        leader = band.memberships.filter(role=Membership.Role.LEADER).first().user
    if venue is None:
        venue, owner = venue_with_owner()
    else:
        owner = venue.staff_roles.first().user
    ends = timezone.now() - timedelta(days=days_ago)
    stage = venue.stages.create(name=f"Room {next(_STAGE_NUMBER)}")
    slot = SlotFactory(venue=venue, stage=stage, starts_at=ends - timedelta(hours=3), ends_at=ends)
    booking = BookingFactory(
        band=band, slot=slot, venue=venue, status=Booking.Status.COMPLETED, role=role, requested_by=leader
    )
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    return {"booking": booking, "band": band, "leader": leader, "venue": venue, "owner": owner, "member": member}


def completed_private_gig(*, days_ago: float = 1, band=None, client=None) -> dict:
    """A private event that ended `days_ago` days ago: {"booking", "band", "leader", "client"}."""
    if band is None:
        band, leader = band_with_leader()
    else:
        leader = band.memberships.filter(role=Membership.Role.LEADER).first().user
    client = client or UserFactory(display_name="Ana Client")
    ends = timezone.now() - timedelta(days=days_ago)
    booking = BookingFactory(
        kind=Booking.Kind.REQUEST,
        slot=None,
        venue=None,
        client=client,
        band=band,
        starts_at=ends - timedelta(hours=3),
        ends_at=ends,
        status=Booking.Status.COMPLETED,
        requested_by=client,
        event_type="Wedding",
    )
    return {"booking": booking, "band": band, "leader": leader, "client": client}


OF_BAND = {"performance": 5, "punctuality": 4, "communication": 5}
OF_VENUE = {"sound": 4, "hospitality": 5, "paid": 5, "communication": 4}
OF_CLIENT = {"communication": 4, "paid": 5}
SUBS = {"band": OF_BAND, "venue": OF_VENUE, "client": OF_CLIENT}


def stars(subject: str, overall: int = 5, text: str = "A great night, everything as agreed.", **extra) -> ReviewInput:
    return ReviewInput(text=text, overall=overall, ratings=dict(SUBS[subject]), again=True, **extra)


def review_of(booking: Booking, by, subject: str, overall: int = 5, **extra) -> Review:
    return review_save(booking=booking, by=by, data=stars(subject, overall, **extra))


def form_data(subject: str, overall: int = 5, **extra) -> dict:
    """What the review form posts."""
    data = {"overall": str(overall), "again": "yes", "text": "A great night, everything as agreed."}
    data.update({name: str(value) for name, value in SUBS[subject].items()})
    data.update(extra)
    return data
