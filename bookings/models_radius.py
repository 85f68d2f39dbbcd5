"""Radius clauses: a deal's terms that bar the act from playing within `km` of the gig for `days_before`
and `days_after` it (in the holder's zone), while the gig stands; a waiver by the holder lifts it for one
day. The rule is bookings.services.radius (called from checks.bookable, every door's check) and its SQL
twin radius_barred_q (the finder and the tour planner)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RadiusClause(models.Model):
    booking = models.ForeignKey(
        "bookings.Booking", verbose_name=_("gig"), on_delete=models.CASCADE, related_name="radius_clauses"
    )
    band = models.ForeignKey("bands.Band", verbose_name=_("band"), on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    km = models.PositiveIntegerField(_("radius (km)"), validators=[MinValueValidator(1), MaxValueValidator(1000)])
    days_before = models.PositiveSmallIntegerField(_("days before"), validators=[MaxValueValidator(365)])
    days_after = models.PositiveSmallIntegerField(_("days after"), validators=[MaxValueValidator(365)])
    # The barred time in UTC: from the start of the first barred local day to the end of the last one.
    bars_from = models.DateTimeField(_("bars from"))
    bars_until = models.DateTimeField(_("bars until"))
    holder = models.CharField(_("held by"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agreed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("radius clause")
        verbose_name_plural = _("radius clauses")
        indexes = [models.Index(fields=["band", "bars_until"])]

    def __str__(self) -> str:
        return f"{self.km} km {self.band_id}"


class RadiusWaiver(models.Model):
    """The holder's written word that the act may play on `day` (its local day) despite the clause."""

    clause = models.ForeignKey(RadiusClause, verbose_name=_("clause"), on_delete=models.CASCADE, related_name="waivers")
    day = models.DateField(_("day"))
    text = models.CharField(_("waiver"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("waived by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("radius waiver")
        verbose_name_plural = _("radius waivers")
        constraints = [models.UniqueConstraint(fields=["clause", "day"], name="bookings_radius_waiver_once")]

    def __str__(self) -> str:
        return f"{self.clause_id} {self.day}"
