"""Reads of a client's request: which bands take requests, and whether one is free at given times."""

import datetime as dt

from django.shortcuts import get_object_or_404

from accounts.models import User
from bands.models import ApprovalStatus, Band, Membership

from ..models import Booking
from .bookings import band_free_between


def requestable_band_or_404(*, slug: str) -> Band:
    """Approved bands take requests; any other band does not exist here."""
    return get_object_or_404(Band, slug=slug, status=ApprovalStatus.APPROVED)


def plays_in(*, band: Band, user: User) -> bool:
    """Whether `user` is a member of `band` (a member cannot request their own band)."""
    return user.is_authenticated and Membership.objects.filter(band=band, user_id=user.pk).exists()


def band_request_state(*, band: Band, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """ "free", "booked" (a gig: it cannot be asked) or "busy" for those times. Never who is busy or why."""
    if band_free_between(band_id=band.pk, start=starts_at, end=ends_at):
        return "free"
    booked = Booking.objects.filter(
        band_id=band.pk, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()
    return "booked" if booked else "busy"
