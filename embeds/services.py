"""Writes of the website widget: the band's colours."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Band, Membership
from bands.services import BandPermissionError

from .colours import hex_or
from .models import EmbedStyle


def embed_style_set(*, band: Band, by: User, accent: str, background: str) -> EmbedStyle:
    """Keep the band's widget colours ("#rrggbb"). Only its leaders and admins (BandPermissionError);
    a value that is not a colour raises ValueError (the form says so first)."""
    managers = (Membership.Role.LEADER, Membership.Role.ADMIN)
    if not Membership.objects.filter(band_id=band.pk, user_id=by.pk, role__in=managers).exists():
        raise BandPermissionError(
            _("Only the leaders and admins of %(band)s can change it.") % {"band": band.name}, code="not_manager"
        )
    values = {"accent": hex_or(accent, ""), "background": hex_or(background, "")}
    if not all(values.values()):
        raise ValueError("Colours are # and six hexadecimal digits.")
    with transaction.atomic():
        style, _created = EmbedStyle.objects.update_or_create(band=band, defaults=values)
    return style
