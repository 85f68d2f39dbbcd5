"""Venues, their stages and the people who run them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from accounts.timezones import validate_time_zone
from bands.models import ApprovalStatus, Genre, InviteBase, LinksMixin


class Venue(LinksMixin):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True, help_text="Your address on StageSlot: /venues/<slug>/")
    description = models.TextField(
        blank=True, max_length=5000, help_text="Plain text; blank lines start new paragraphs."
    )
    address = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    country = CountryField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Standing capacity of the largest room.")
    genres = models.ManyToManyField(Genre, related_name="venues", blank=True)
    status = models.CharField(max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="VenueStaff", related_name="venues")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["status", "country", "city"]),
            models.Index(fields=["status", "capacity"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == ApprovalStatus.APPROVED

    @property
    def description_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.description.replace("\r\n", "\n").split("\n\n") if p.strip()]


class Stage(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True, help_text="Size, PA, backline.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["venue", "id"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="venues_stage_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} at {self.venue}"


class VenueStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        BOOKER = "booker", "Booker"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.BOOKER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "venue staff"
        ordering = ["venue", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venues_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.venue} ({self.get_role_display()})"


def venue_photo_path(instance: "VenuePhoto", filename: str) -> str:
    return f"venues/{instance.venue_id}/photos/{filename}"


class VenuePhoto(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=venue_photo_path)
    caption = models.CharField(max_length=200, blank=True, help_text="Describe the photo for people who cannot see it.")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["venue", "position", "id"]

    def __str__(self) -> str:
        return f"Photo of {self.venue}"


class VenueInvite(InviteBase):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=VenueStaff.Role.choices, default=VenueStaff.Role.BOOKER)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="venues_invite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return f"Invite to {self.venue}"
