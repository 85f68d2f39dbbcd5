"""Writes of the venues app."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bands.models import ApprovalStatus

from .models import Venue


def venue_set_status(*, venue: Venue, status: str, reason: str = "", by: User | None = None) -> Venue:
    """Approve, suspend or return a venue to review (staff only; the caller checks).

    Public pages list only approved venues; staff keep seeing a suspended venue with
    the reason. The notifications issue hooks its "venue approved/suspended" message here.
    """
    if status not in ApprovalStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    with transaction.atomic():
        venue = Venue.objects.select_for_update().get(pk=venue.pk)
        venue.status = status
        venue.status_reason = reason.strip()[:300]
        venue.status_changed_at = timezone.now()
        venue.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    return venue
