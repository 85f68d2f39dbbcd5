"""The audience (docs/decisions/0089): a fan's home city and distance, what they follow, the bands they ask
to come to their city, the shows the alert round has seen and who was told of each."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bands.models import Band
from places.models import City
from venues.models import Slot, Venue

# The farthest a fan may ask to hear of shows from (km): the alert round looks this far around a show.
MAX_FAN_RADIUS_KM = 200
DEFAULT_RADIUS_KM = 50


def new_fan_token() -> str:
    return secrets.token_urlsafe(32)


class FanProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fan_profile", verbose_name=_("user")
    )
    city = models.ForeignKey(
        City, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home city")
    )
    radius_km = models.PositiveSmallIntegerField(
        _("distance (km)"),
        default=DEFAULT_RADIUS_KM,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FAN_RADIUS_KM)],
    )
    any_distance = models.BooleanField(
        _("new shows of what I follow at any distance"),
        default=False,
        help_text=_("Off: only shows within your distance of your home city."),
    )
    weekly = models.BooleanField(_("a weekly “this week near you”"), default=True)
    feed_token = models.CharField(_("feed token"), max_length=64, unique=True, default=new_fan_token, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fan profile")
        verbose_name_plural = _("fan profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_km__gte=1, radius_km__lte=MAX_FAN_RADIUS_KM), name="fans_profile_radius_range"
            )
        ]

    def __str__(self) -> str:
        return f"fan {self.user_id}"


class Follow(models.Model):
    """A person follows exactly one band or one venue."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows", verbose_name=_("user")
    )
    band = models.ForeignKey(
        Band, on_delete=models.CASCADE, null=True, blank=True, related_name="followers", verbose_name=_("band")
    )
    venue = models.ForeignKey(
        Venue, on_delete=models.CASCADE, null=True, blank=True, related_name="followers", verbose_name=_("venue")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=Q(band__isnull=False, venue__isnull=True) | Q(band__isnull=True, venue__isnull=False),
                name="fans_follow_one_thing",
            ),
            models.UniqueConstraint(fields=["user", "band"], condition=Q(band__isnull=False), name="fans_follow_band"),
            models.UniqueConstraint(
                fields=["user", "venue"], condition=Q(venue__isnull=False), name="fans_follow_venue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.band_id or self.venue_id}"


class Ask(models.Model):
    """A person asks a band to play their city: one per person, band and city."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fan_asks", verbose_name=_("user")
    )
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="fan_asks", verbose_name=_("band"))
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+", verbose_name=_("city"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ask to come")
        verbose_name_plural = _("asks to come")
        constraints = [models.UniqueConstraint(fields=["user", "band", "city"], name="fans_ask_unique")]
        indexes = [models.Index(fields=["band", "city"], name="fans_ask_band_city")]

    def __str__(self) -> str:
        return f"{self.user_id} asks {self.band_id} to {self.city_id}"


class ShowSeen(models.Model):
    """A public, booked show the alert round has announced, as it was then: a later round compares its time
    and state to tell the fans who heard of it that it moved or was cancelled."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="+", verbose_name=_("show"))
    starts_at = models.DateTimeField(_("starts at"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    seen_at = models.DateTimeField(_("seen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("show seen by the alert round")
        verbose_name_plural = _("shows seen by the alert round")
        indexes = [models.Index(fields=["starts_at"], name="fans_showseen_starts")]

    def __str__(self) -> str:
        return f"show {self.slot_id} seen"


class ShowAlert(models.Model):
    """A fan was told of a new show: once per fan and show, however often the show is edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+", verbose_name=_("show"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("show alert sent")
        verbose_name_plural = _("show alerts sent")
        constraints = [models.UniqueConstraint(fields=["slot", "user"], name="fans_showalert_once")]

    def __str__(self) -> str:
        return f"{self.user_id} told of show {self.slot_id}"
