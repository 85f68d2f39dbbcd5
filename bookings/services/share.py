"""A band's public share link: its availability (green zone and booked days, nothing private).

A leader or admin makes a link for the promoters they talk to; the page at /share/<token>/ and its
calendar file show when the band can play and which days are booked, never where, for whom, for how
much, who in the band is busy or why. Pending bookings are no one else's business either: a day with
one reads Available when the band is free that evening, as it would without it. A band awaiting
approval can share (the link is private to whoever got it); a suspended band's links answer 404.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from bands.models import ApprovalStatus, Band

from ..errors import BookingError, BookingPermissionError
from ..models import ShareLink
from ..selectors.bookings import can_manage_band

LIVE_LINKS_MAX = 20

NOT_A_MANAGER = gettext_lazy("Only the band's leaders and admins can share its availability.")


# ---- Links --------------------------------------------------------------------------------------


def share_link_create(*, band: Band, by: User, label: str = "") -> ShareLink:
    """A new live share link for `band`, made by one of its leaders or admins.

    Raises BookingPermissionError for anyone else, ValidationError (on "label") for a label longer
    than the model allows, and BookingError when the band is suspended or already has LIVE_LINKS_MAX
    live links. The band row is locked while counting, so two clicks at once cannot pass the limit.
    """
    label = label.strip()
    max_length = ShareLink._meta.get_field("label").max_length
    if len(label) > max_length:
        raise ValidationError({"label": _("Keep the label to %(limit)d characters or fewer.") % {"limit": max_length}})
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(str(NOT_A_MANAGER))
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=band.pk)
        if band.status == ApprovalStatus.SUSPENDED:
            raise BookingError(
                _("StageSlot staff have suspended %(band)s, so its availability cannot be shared until they lift it.")
                % {"band": band.name}
            )
        if ShareLink.objects.filter(band=band, revoked_at__isnull=True).count() >= LIVE_LINKS_MAX:
            raise BookingError(
                ngettext(
                    "%(band)s already has %(count)d share link that works. "
                    "Revoke one that is no longer needed, then create the new one.",
                    "%(band)s already has %(count)d share links that work. "
                    "Revoke one that is no longer needed, then create the new one.",
                    LIVE_LINKS_MAX,
                )
                % {"band": band.name, "count": LIVE_LINKS_MAX}
            )
        return ShareLink.objects.create(band=band, label=label, created_by=by)


def share_link_revoke(*, link: ShareLink, by: User) -> ShareLink:
    """Stop `link` from working: its page and calendar file answer 404 from now on.

    Only the band's leaders and admins may (BookingPermissionError otherwise). Revoking a revoked
    link changes nothing and keeps its first revocation time.
    """
    if not can_manage_band(link.band_id, by):
        raise BookingPermissionError(str(NOT_A_MANAGER))
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at"])
    return link
