"""Venues and the people who run them."""

from django.conf import settings
from django.db import models

from accounts.timezones import validate_time_zone
from bands.models import ApprovalStatus, Genre


class Venue(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="Two-letter country code, e.g. DE.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    capacity = models.PositiveIntegerField(null=True, blank=True)
    genres = models.ManyToManyField(Genre, related_name="venues", blank=True)
    status = models.CharField(max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    status_reason = models.CharField(max_length=300, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="VenueStaff", related_name="venues")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return self.name


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
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venues_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.venue} ({self.get_role_display()})"
