"""Genres, bands and who plays in them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from accounts.timezones import validate_time_zone


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    SUSPENDED = "suspended", "Suspended"


class Genre(models.Model):
    """A staff-managed genre; bands and venues pick from this list."""

    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="bands_genre_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Band(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True, max_length=5000)
    genres = models.ManyToManyField(Genre, related_name="bands", blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="Two-letter country code, e.g. DE.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    status = models.CharField(max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    status_reason = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="bands")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", "Leader"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    instrument = models.CharField(max_length=60, blank=True)
    required = models.BooleanField(
        default=True, help_text="The band cannot play without this member (counts for the green zone)."
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["band", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["band", "user"], name="bands_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.band} ({self.get_role_display()})"
