"""Bookings: a band on a venue's slot (an application or an offer) or at a client's private event.

Every change of state goes through bookings.services, which writes a BookingEvent for it; nothing
is ever deleted. The constraints below are the last line behind the services' own checks.
"""

import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q

from bands.models import Band, BandBlock, Currency
from venues.models import Slot, Venue

from .constraints import PostgresExclusionConstraint


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Booking(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", "Application"
        OFFER = "offer", "Offer"
        REQUEST = "request", "Private request"

    class Role(models.TextChoices):
        HEADLINER = "headliner", "Headliner"
        SUPPORT = "support", "Support"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        BOOKED = "booked", "Booked"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    LIVE = (Status.PENDING, Status.BOOKED)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HEADLINER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    band = models.ForeignKey(Band, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    # Set for slot bookings (the slot's venue), so a venue's inbox needs no join.
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    # The person who asked for a private event.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="client_bookings"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="bookings_requested"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The zone the event happens in (the venue's, or the one the client gave): times read in it.
    time_zone = models.CharField(max_length=64, default="UTC")
    fee = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    message = models.TextField(blank=True, max_length=2000)
    # Private events
    event_type = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=200, blank=True)
    guests = models.PositiveIntegerField(null=True, blank=True)
    # The reason given with the last change (declined, cancelled…).
    status_note = models.CharField(max_length=500, blank=True)
    shortlisted = models.BooleanField(default=False)
    # The gig block that makes the band's members busy while this is booked.
    block = models.ForeignKey(BandBlock, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Grows with every change of time or status (the iCal SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["band", "status", "starts_at"]),
            models.Index(fields=["venue", "status", "starts_at"]),
            models.Index(fields=["client", "status", "starts_at"]),
            models.Index(fields=["slot", "status"]),
            models.Index(fields=["status", "ends_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="bookings_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
            models.CheckConstraint(
                condition=Q(kind="request", client__isnull=False, slot__isnull=True)
                | Q(kind__in=["application", "offer"], slot__isnull=False, venue__isnull=False, client__isnull=True),
                name="bookings_kind_matches_parties",
                violation_error_message="A private request has a client; an application or offer has a slot.",
            ),
            models.UniqueConstraint(
                fields=["band", "slot"],
                condition=Q(status__in=["pending", "booked"]),
                name="bookings_one_live_per_band_slot",
                violation_error_message="This band already has a pending or booked place on this slot.",
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(role="headliner", status="booked"),
                name="bookings_one_headliner_per_slot",
                violation_error_message="This slot already has its headliner.",
            ),
            PostgresExclusionConstraint(
                name="bookings_no_double_booking",
                expressions=[
                    ("band", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="booked"),
                violation_error_message="This band is already booked at an overlapping time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uid} ({self.status})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def answering_side(self) -> str:
        """Who accepts or declines: "venue" for applications, "band" for offers and requests."""
        return "venue" if self.kind == self.Kind.APPLICATION else "band"

    @property
    def asking_side(self) -> str:
        """Who may withdraw while pending: the band, the venue or the client."""
        return {self.Kind.APPLICATION: "band", self.Kind.OFFER: "venue", self.Kind.REQUEST: "client"}[self.kind]


class BookingEvent(models.Model):
    """One change in a booking's life: who, when, from which state to which, and why. Never edited."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    from_status = models.CharField(max_length=10, choices=Booking.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Booking.Status.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booking", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or 'new'} → {self.to_status}"


def new_offer_token() -> str:
    return secrets.token_urlsafe(32)


class OfferInvite(models.Model):
    """A slot offered by email to a band that is not on StageSlot yet.

    The link lets the recipient sign up, create their band and find the offer waiting: claiming
    turns it into a pending OFFER booking for the band they choose.
    """

    token = models.CharField(max_length=64, unique=True, default=new_offer_token, editable=False)
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="offer_invites")
    email = models.EmailField()
    band_name = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=10, choices=Booking.Role.choices, default=Booking.Role.HEADLINER)
    fee = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="invite")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Offer of slot {self.slot_id} to {self.email}"


class Message(models.Model):
    """One message in a booking's thread, between its two sides (and the band's members). Plain text."""

    MAX_LENGTH = 2000

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(max_length=MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booking", "created_at", "id"]
        indexes = [models.Index(fields=["booking", "created_at", "id"], name="bookings_message_thread")]

    def __str__(self) -> str:
        return f"Message {self.pk} on {self.booking_id}"


class ThreadRead(models.Model):
    """How far one person has read a booking's thread: messages after `last_read_id` are unread for them."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "user"], name="bookings_thread_read_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.booking_id} up to {self.last_read_id}"


def new_feed_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class ServedCalendar(models.Model):
    """An .ics address that remembers what it answered last (a hash of the body) and since when: a gig
    that leaves the calendar or a busier week changes no event's LAST-MODIFIED, yet the calendar
    changed, and its Last-Modified must say so."""

    body_hash = models.CharField(max_length=64, blank=True, editable=False)
    content_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class CalendarFeed(ServedCalendar):
    """A secret iCal address: a member's gigs in all their bands, one band's gigs, or a venue's booked slots.

    Rotating gives a new token; the old address then answers 404.
    """

    class Scope(models.TextChoices):
        MEMBER = "member", "My gigs"
        BAND = "band", "Band gigs"
        VENUE = "venue", "Venue slots"

    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    # The owner: the member for a member feed, the person who made it for a band or venue feed.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    band = models.ForeignKey(Band, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds")
    include_pending = models.BooleanField(default=False, help_text="Also pending gigs, marked tentative.")
    include_available = models.BooleanField(default=False, help_text="Also the band's green-zone windows.")
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="member", band__isnull=True, venue__isnull=True)
                | Q(scope="band", band__isnull=False, venue__isnull=True)
                | Q(scope="venue", venue__isnull=False, band__isnull=True),
                name="bookings_feed_scope_matches_owner",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(scope="member"), name="bookings_one_member_feed_per_user"
            ),
            models.UniqueConstraint(fields=["band"], condition=Q(scope="band"), name="bookings_one_feed_per_band"),
            models.UniqueConstraint(fields=["venue"], condition=Q(scope="venue"), name="bookings_one_feed_per_venue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} feed {self.pk}"


class ShareLink(ServedCalendar):
    """A read-only public page of a band's availability (green zone and booked days), for promoters
    who are not on StageSlot; revoking it makes the address answer 404."""

    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=80, blank=True, help_text="Who it is for, e.g. “Rockpalast promoters”.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link {self.pk} of band {self.band_id}"
