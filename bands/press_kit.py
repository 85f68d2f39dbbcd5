"""Writes that band and venue services share: approval status, slugs and press-kit photos.

Each function works on a band or a venue alike; the app's service checks who may act
and calls it, so the rule lives in one place.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create

from .models import ApprovalStatus

SLUG_RESERVED = "This address is reserved on StageSlot. Please choose another."


def slug_taken_message(thing: str) -> str:
    """What to say when a band's or venue's address (`thing` is "band" or "venue") is in use."""
    return {
        "band": gettext_lazy("Another band already uses this address. Try a variation, e.g. with your city."),
        "venue": gettext_lazy("Another venue already uses this address. Try a variation, e.g. with your city."),
    }[thing]


def approval_status_set(*, row: models.Model, status: str, reason: str = "") -> models.Model:
    """Lock `row` (a band or venue) and set its approval status, reason (at most 300 characters) and time.

    Raises ValueError for a status that ApprovalStatus does not know. Returns the row as saved.
    """
    if status not in ApprovalStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    with transaction.atomic():
        row = type(row).objects.select_for_update().get(pk=row.pk)
        row.status = status
        row.status_reason = reason.strip()[:300]
        row.status_changed_at = timezone.now()
        row.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    return row


def _approval_text(row: models.Model, *, approved: Promise, suspended: Promise) -> Promise:
    """What the people of a band or venue read of its new status, in each one's language."""
    if row.status == ApprovalStatus.APPROVED:
        return lazy_text(approved, name=row.name)
    if row.status == ApprovalStatus.SUSPENDED:
        text = lazy_text(suspended, name=row.name)
    else:
        text = lazy_text(
            gettext_lazy(
                "%(name)s is back in review by StageSlot staff: it is hidden from public pages until approved."
            ),
            name=row.name,
        )
    if not row.status_reason:
        return text
    # Translators: %(status)s is the sentence on a band's or venue's new status, %(reason)s the staff's reason.
    return lazy_text(gettext_lazy("%(status)s Reason: %(reason)s"), status=text, reason=row.status_reason)


def approval_status_change(
    *,
    row: models.Model,
    status: str,
    reason: str,
    by: User | None,
    people: Callable[[int], Iterable[User]],
    approved: Promise,
    suspended: Promise,
) -> models.Model:
    """approval_status_set, and tell `people(row.pk)` (never `by`) of the change: kind
    "<band|venue>_status", linking to the public page once approved, else to the manage pages.
    A repeat of the same status and reason changes and tells nothing. `approved` and `suspended`
    are the sentences they read (gettext_lazy, "%(name)s is approved: …"): what approval makes
    public, what a suspension stops."""
    with transaction.atomic():
        before = type(row).objects.select_for_update().values_list("status", "status_reason").get(pk=row.pk)
        row = approval_status_set(row=row, status=status, reason=reason)
        if before == (row.status, row.status_reason):
            return row
        changed = row.status_changed_at.astimezone(dt.UTC)
        app = row._meta.app_label
        kind = f"{row._meta.model_name}_status"
        page = f"{app}:detail" if row.status == ApprovalStatus.APPROVED else f"{app}:manage"
        notifications_create(
            recipients=people(row.pk),
            kind=kind,
            text=_approval_text(row, approved=approved, suspended=suspended),
            link=reverse(page, args=[row.slug]),
            key=f"{kind}:{row.pk}:{row.status}:{changed:%Y%m%dT%H%M%S%f}",
            actor=by,
        )
    return row


def position_after(siblings: models.QuerySet, *, limit: int, full: Exception) -> int:
    """The position after the last of `siblings` (one query); raises `full` when there are already `limit`.

    Call it inside a transaction that has locked the owner's row, so the limit holds at commit.
    """
    stats = siblings.aggregate(count=Count("id"), last=Max("position"))
    if stats["count"] >= limit:
        raise full
    return (stats["last"] or 0) + 1


def photo_append(
    *, photo: models.Model, siblings: models.QuerySet, image: ContentFile, limit: int, full: Exception
) -> models.Model:
    """Save the unsaved `photo` with `image` after its `siblings` (the owner's other photos).

    Call it inside a transaction that has locked the owner's row, so the limit holds at commit.
    Raises `full` when there are already `limit` siblings; the file is deleted again when the
    row cannot be written, as nothing else would ever show or delete it.
    """
    photo.position = position_after(siblings, limit=limit, full=full)
    photo.image.save(image.name, image, save=False)
    storage, name = photo.image.storage, photo.image.name
    try:
        photo.save()
    except Exception:
        storage.delete(name)
        raise
    return photo


def photo_delete(*, photo: models.Model) -> None:
    """Delete a band's or venue's photo; its file is removed once the caller's transaction commits.

    Call it inside a transaction: a file deleted before the commit could not come back if it rolled back.
    """
    storage, name = photo.image.storage, photo.image.name
    type(photo).objects.filter(pk=photo.pk).delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
