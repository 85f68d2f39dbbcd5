"""A client's request sent to several bands at once: one pending REQUEST booking per band, made
together (same times, same event), of which at most one is ever booked; booking one withdraws the
others (docs/decisions/0035-one-request-to-several-bands.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The most bands one request goes to.
MAX_BANDS = 5


class RequestGroup(models.Model):
    """The bookings (`bookings`, through Booking.request_group) of one request sent to several bands."""

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="request_groups",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request to several bands")
        verbose_name_plural = _("requests to several bands")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("Request %(uid)s") % {"uid": self.uid}
