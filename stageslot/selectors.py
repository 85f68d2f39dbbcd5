"""Reads for the pages that compose several apps."""

from django.db.models import QuerySet

from accounts.models import User
from bands.models import Membership
from venues.models import VenueStaff


def dashboard_memberships(*, user: User) -> QuerySet[Membership]:
    """The bands this person plays in, with the band loaded (one query)."""
    return Membership.objects.filter(user=user).select_related("band").order_by("band__name")


def dashboard_venue_roles(*, user: User) -> QuerySet[VenueStaff]:
    """The venues this person runs, with the venue loaded (one query)."""
    return VenueStaff.objects.filter(user=user).select_related("venue").order_by("venue__name")
