"""Writes of the bands app."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import ApprovalStatus, Band


def band_set_status(*, band: Band, status: str, reason: str = "", by: User | None = None) -> Band:
    """Approve, suspend or return a band to review (staff only; the caller checks).

    Public pages list only approved bands; members keep seeing a suspended band with
    the reason. The notifications issue hooks its "band approved/suspended" message here.
    """
    if status not in ApprovalStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=band.pk)
        band.status = status
        band.status_reason = reason.strip()[:300]
        band.status_changed_at = timezone.now()
        band.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    return band
