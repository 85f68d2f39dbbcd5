"""Bookings: a band on a venue's slot (an application or an offer) or at a client's private event.

Every change of state goes through bookings.services, which writes a BookingEvent for it; nothing
is ever deleted. The constraints below are the last line behind the services' own checks.
"""

import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Now
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bands.models import Band, BandBlock, Currency, Deliverable, Package
from venues.models import Slot, Venue

from .constraints import PostgresExclusionConstraint
from .models_quotes import Quote  # noqa: F401  (one of this app's models, in a file of its own)
from .models_radius import RadiusClause, RadiusWaiver  # noqa: F401  (this app's models, in a file of their own)
from .models_requests import RequestGroup  # noqa: F401  (one of this app's models, in a file of its own)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def live_starts_at() -> models.Case:
    """A pending or booked booking's start, NULL for every other: the expression of the index
    `bookings_live_starts_at`, whose own statistics (PostgreSQL keeps them for an index on an expression)
    tell the planner that these starts are nearly all ahead, as the whole table's `starts_at` cannot
    (decision 0092). Filter by the same expression for the index and its statistics to serve."""
    return models.Case(models.When(status__in=["pending", "booked"], then=F("starts_at")))


def unpaid_client_since() -> models.Case:
    """When a client's booked request that nothing has been paid for was booked, NULL for every other booking: the
    expression of the index `bookings_unpaid_client`. Its own statistics tell the planner how few such bookings
    there are, which the columns' statistics, read as independent, cannot (decision 0092). Filter by the same
    expression for the index to serve."""
    return models.Case(models.When(client__isnull=False, paid_minor=0, status="booked", then=F("status_changed_at")))


class Booking(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("Application")
        OFFER = "offer", _("Offer")
        REQUEST = "request", _("Private request")
        # The host band's own place on a show it hosts: booked as it is created (docs/decisions/0020).
        HOST = "host", _("Own show")

    class Role(models.TextChoices):
        HEADLINER = "headliner", _("Headliner")
        SUPPORT = "support", _("Support")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        BOOKED = "booked", _("Booked")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        IN_PROGRESS = "in_progress", _("In progress")
        DISPUTED = "disputed", _("Disputed")

    class Setting(models.TextChoices):
        INDOOR = "indoor", _("Indoors")
        OUTDOOR = "outdoor", _("Outdoors")

    LIVE = (Status.PENDING, Status.BOOKED)
    # The band is taken for the gig's time: booked, or playing right now.
    ON = (Status.BOOKED, Status.IN_PROGRESS)
    # The gig happened or is to happen: it stays in calendars and feeds as confirmed.
    PLAYED = (Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED, Status.DISPUTED)

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.HEADLINER)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    # Set for slot bookings (the slot's venue), so a venue's inbox needs no join.
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    # The person who asked for a private event.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="client_bookings",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="bookings_requested",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The zone the event happens in (the venue's, or the one the client gave): times read in it.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    fee = models.PositiveIntegerField(_("fee"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    # The quote both sides agreed on (its terms are the deal; `fee` and `currency` are copied from it).
    agreed_quote = models.ForeignKey(
        "bookings.Quote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed quote"),
    )
    # What the payer has paid through StageSlot and kept (minor units, refunds taken off), kept by the
    # payments app: a gig with money on it is cancelled there, where the refund is worked out.
    paid_minor = models.PositiveBigIntegerField(_("paid through StageSlot (minor units)"), default=0, db_default=0)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    # A private request sent to several bands at once: the others of its group (at most one is booked).
    request_group = models.ForeignKey(
        "bookings.RequestGroup",
        verbose_name=_("request group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    # Private events
    event_type = models.CharField(_("event type"), max_length=60, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    guests = models.PositiveIntegerField(_("guests"), null=True, blank=True)
    # Database defaults too, so rows written around the ORM (raw SQL, older code) still insert.
    setting = models.CharField(
        _("indoors or outdoors"), max_length=8, choices=Setting.choices, blank=True, default="", db_default=""
    )
    power_notes = models.CharField(_("power notes"), max_length=300, blank=True, default="", db_default="")
    load_in_notes = models.CharField(_("load in notes"), max_length=300, blank=True, default="", db_default="")
    # A client's booking of one of the band's packages; `instant` when it was booked without an answer.
    package = models.ForeignKey(
        Package, verbose_name=_("package"), on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    instant = models.BooleanField(_("instant"), default=False, db_default=False)
    # The band's cancellation terms as the client read them when asking (a record of the words), the
    # moment until which cancelling is free (the gig's start less the band's free days then) and the
    # share of the price the band keeps after it (its late fee then). Without an agreed quote these are
    # the booking's terms, whatever the band's settings say later (bookings.selectors.cancellation).
    # Empty late fee: a booking made before it was kept (see that module for what it then reads).
    cancel_terms = models.CharField(_("cancel terms"), max_length=300, blank=True, default="", db_default="")
    cancel_free_until = models.DateTimeField(_("cancel free until"), null=True, blank=True)
    cancel_late_percent = models.PositiveSmallIntegerField(
        _("late cancellation fee (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    # The band's leaders said they will find a stand-in for a required member who is busy then, so
    # the other side may accept although not everyone is free (recorded in the audit log).
    stand_in_planned = models.BooleanField(_("stand in planned"), default=False, db_default=False)
    # The reason given with the last change (declined, cancelled…).
    status_note = models.CharField(_("status note"), max_length=500, blank=True)
    shortlisted = models.BooleanField(_("shortlisted"), default=False)
    # A support application on a show whose headliner fills the support places (a show the band hosts,
    # or a venue's slot handed over): the band that answers it instead of the venue.
    picker_band = models.ForeignKey(
        Band, verbose_name=_("picker band"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The act's place in the show's running order (docs/decisions/0020): when it loads in and plays.
    # Empty: the act is busy for the whole show, as before the running order was set.
    load_in_at = models.DateTimeField(_("load in at"), null=True, blank=True)
    set_starts_at = models.DateTimeField(_("set starts at"), null=True, blank=True)
    set_ends_at = models.DateTimeField(_("set ends at"), null=True, blank=True)
    # The gig block that makes the band's members busy while this is booked.
    block = models.ForeignKey(
        BandBlock, verbose_name=_("block"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Grows with every change of time or status (the iCal SEQUENCE).
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["band", "status", "starts_at"]),
            models.Index(fields=["venue", "status", "starts_at"]),
            models.Index(fields=["client", "status", "starts_at"]),
            models.Index(fields=["slot", "status"]),
            models.Index(fields=["picker_band", "status"], name="bookings_picker_status"),
            models.Index(fields=["status", "ends_at"]),
            # The hourly `waiting_reminders_send`: the pending bookings asked more than three days ago (decision 0092).
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="bookings_pending_created"),
            # The five-minute `bookings_start` and `bookings_expire`: the live bookings whose start has passed,
            # none when nothing is due (decision 0092).
            models.Index(live_starts_at(), name="bookings_live_starts_at"),
            # The losers sweep: the live bookings changed since its last run (decision 0092).
            models.Index(
                fields=["updated_at"], condition=Q(status__in=["pending", "booked"]), name="bookings_live_updated"
            ),
            # The money round's `deposits_lapse`: a client's booked request not paid at all, by when it was booked.
            models.Index(unpaid_client_since(), name="bookings_unpaid_client"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="bookings_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(set_starts_at__isnull=True, set_ends_at__isnull=True, load_in_at__isnull=True)
                | Q(
                    set_starts_at__gte=F("starts_at"),
                    set_ends_at__gt=F("set_starts_at"),
                    set_ends_at__lte=F("ends_at"),
                    load_in_at__lte=F("set_starts_at"),
                ),
                name="bookings_set_within_show",
                violation_error_message=_("A set starts after its load-in and lies within the show."),
            ),
            models.CheckConstraint(
                condition=Q(kind="request", client__isnull=False, slot__isnull=True)
                | Q(kind__in=["application", "offer", "host"], slot__isnull=False, client__isnull=True),
                name="bookings_kind_matches_parties",
                violation_error_message=_("A private request has a client; an application or offer has a slot."),
            ),
            models.UniqueConstraint(
                fields=["band", "slot"],
                condition=Q(status__in=["pending", "booked"]),
                name="bookings_one_live_per_band_slot",
                violation_error_message=_("This band already has a pending or booked place on this slot."),
            ),
            models.UniqueConstraint(
                fields=["request_group"],
                condition=Q(status__in=["booked", "in_progress", "completed", "disputed"]),
                name="bookings_one_booked_per_request_group",
                violation_error_message=_("The client has already booked another band for this event."),
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(role="headliner", status="booked"),
                name="bookings_one_headliner_per_slot",
                violation_error_message=_("This slot already has its headliner."),
            ),
            PostgresExclusionConstraint(
                name="bookings_no_double_booking",
                expressions=[
                    ("band", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "in_progress"]),
                violation_error_message=_("This band is already booked at an overlapping time."),
            ),
        ]

    def __str__(self) -> str:
        # Translators: a booking's kind, its uid and its status, e.g. "Offer 5f0c… (Booked)".
        return gettext("%(kind)s %(uid)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "uid": self.uid,
            "status": self.get_status_display(),
        }

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def place_name(self) -> str:
        """The venue's name, or the place of a show a band hosts or of a private event."""
        return self.venue.name if self.venue_id else (self.location or "a private event")

    @property
    def answerer_name(self) -> str:
        """Whose answer a pending booking waits for (the headliner's name comes from its slot)."""
        side = self.answering_side
        if side == "venue":
            return self.venue.name
        if side == "headliner":
            return self.picker_band.name
        return self.band.name

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def answering_side(self) -> str:
        """Who accepts or declines: "headliner" for a support application the headliner picks (the
        leaders and admins of `picker_band`), "venue" for other applications, "band" for offers and
        requests (a host's own place is booked as it is made: nobody answers it)."""
        if self.picker_band_id:
            return "headliner"
        return "venue" if self.kind == self.Kind.APPLICATION else "band"

    @property
    def asking_side(self) -> str:
        """Who may withdraw while pending: the band, the venue or the client."""
        return {
            self.Kind.APPLICATION: "band",
            self.Kind.OFFER: "venue",
            self.Kind.REQUEST: "client",
            self.Kind.HOST: "band",
        }[self.kind]


class BookingEvent(models.Model):
    """One change in a booking's life: who, when, from which state to which, and why. Never edited."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(_("from status"), max_length=12, choices=Booking.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, choices=Booking.Status.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Who the actor acted for, when not for themselves: an agent for a band, a venue group's booker for a
    # venue (names as they were then: the history does not change when the agency is let go).
    acting_org = models.CharField(_("acting through"), max_length=120, blank=True, default="", db_default="")
    acting_for = models.CharField(_("acting for"), max_length=120, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["booking", "created_at", "id"]

    def __str__(self) -> str:
        if not self.from_status:
            # Translators: a booking's id and the status it was made in.
            return gettext("%(booking)s: new → %(to)s") % {
                "booking": self.booking_id,
                "to": self.get_to_status_display(),
            }
        # Translators: a booking's id, the status it left and the one it reached.
        return gettext("%(booking)s: %(from)s → %(to)s") % {
            "booking": self.booking_id,
            "from": self.get_from_status_display(),
            "to": self.get_to_status_display(),
        }

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and self.actor_id and not self.acting_org:
            from teams.selectors import acting_through

            self.acting_org, self.acting_for = acting_through(booking=self.booking, user_id=self.actor_id)
        super().save(*args, **kwargs)


def new_offer_token() -> str:
    return secrets.token_urlsafe(32)


class OfferInvite(models.Model):
    """A slot offered by email to a band that is not on StageSlot yet.

    The link lets the recipient sign up, create their band and find the offer waiting: claiming
    turns it into a pending OFFER booking for the band they choose.
    """

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_offer_token, editable=False)
    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="offer_invites")
    email = models.EmailField(_("email"))
    band_name = models.CharField(_("band name"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Booking.Role.choices, default=Booking.Role.HEADLINER)
    fee = models.PositiveIntegerField(_("fee"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.SET_NULL, null=True, blank=True, related_name="invite"
    )

    class Meta:
        verbose_name = _("offer invite")
        verbose_name_plural = _("offer invites")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("Offer of slot %(slot)s to %(email)s") % {"slot": self.slot_id, "email": self.email}


class Message(models.Model):
    """One message in a booking's thread, between its two sides (and the band's members). Plain text."""

    MAX_LENGTH = 2000

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("body"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["booking", "created_at", "id"]
        indexes = [models.Index(fields=["booking", "created_at", "id"], name="bookings_message_thread")]

    def __str__(self) -> str:
        return gettext("Message %(message)s on %(booking)s") % {"message": self.pk, "booking": self.booking_id}


class ThreadRead(models.Model):
    """How far one person has read a booking's thread: messages after `last_read_id` are unread for them."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    last_read_id = models.PositiveBigIntegerField(_("last read id"), default=0)
    read_at = models.DateTimeField(_("read at"), auto_now=True)

    class Meta:
        verbose_name = _("thread read")
        verbose_name_plural = _("thread reads")
        constraints = [models.UniqueConstraint(fields=["booking", "user"], name="bookings_thread_read_unique")]

    def __str__(self) -> str:
        # Translators: a person's id, a booking's id and the id of the last message they read in its thread.
        return gettext("%(user)s read %(booking)s up to %(message)s") % {
            "user": self.user_id,
            "booking": self.booking_id,
            "message": self.last_read_id,
        }


def new_feed_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class ServedCalendar(models.Model):
    """An .ics address that remembers what it answered last (a hash of the body) and since when: a gig
    that leaves the calendar or a busier week changes no event's LAST-MODIFIED, yet the calendar
    changed, and its Last-Modified must say so."""

    body_hash = models.CharField(_("body hash"), max_length=64, blank=True, editable=False)
    content_changed_at = models.DateTimeField(_("content changed at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class CalendarFeed(ServedCalendar):
    """A secret iCal address: a member's gigs in all their bands, one band's gigs, or a venue's booked slots.

    Rotating gives a new token; the old address then answers 404.
    """

    class Scope(models.TextChoices):
        MEMBER = "member", _("My gigs")
        BAND = "band", _("Band gigs")
        VENUE = "venue", _("Venue slots")

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    # The owner: the member for a member feed, the person who made it for a band or venue feed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    band = models.ForeignKey(
        Band, verbose_name=_("band"), on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    include_pending = models.BooleanField(
        _("include pending"), default=False, help_text=_("Also pending gigs, marked tentative.")
    )
    include_available = models.BooleanField(
        _("include available"), default=False, help_text=_("Also the band's green-zone windows.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    # The stamp of the feed's change marks (FeedMark) read before the stored body was built, and until
    # when time alone changes nothing the feed shows: while both hold, a conditional GET is answered
    # 304 after two lookups (bookings.views.feeds.feed).
    marks_stamp = models.CharField(_("marks stamp"), max_length=64, blank=True, editable=False)
    fresh_until = models.DateTimeField(_("fresh until"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
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
        # Translators: a calendar feed's scope and its id, e.g. "Band feed 12".
        return gettext("%(scope)s feed %(feed)s") % {"scope": self.get_scope_display(), "feed": self.pk}


class FeedMark(models.Model):
    """A change to something calendar feeds show, written by the database itself (triggers of
    migration 0012, whatever wrote): a booking or slot of a band (band_id) or venue (venue_id), a
    person's name or bands (user_id), or – all three empty – a band's, venue's or stage's name, which
    any feed may print. Rows are only added (no row is ever updated, so writers never wait for each
    other) and pruned after a week (bookings.tasks.feed_marks_prune_task).

    A feed's stamp is the count and the sum of the ids of the marks it reads: a new mark (or a late
    one, committed after a later id) grows the sum; pruning only takes ids older than any open
    transaction's, so it cannot hide one. No foreign keys: a mark must never wait for a row lock.
    """

    band_id = models.BigIntegerField(_("band id"), null=True, blank=True)
    venue_id = models.BigIntegerField(_("venue id"), null=True, blank=True)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    at = models.DateTimeField(_("at"), db_default=Now())

    class Meta:
        verbose_name = _("feed mark")
        verbose_name_plural = _("feed marks")
        indexes = [
            models.Index(fields=["band_id", "id"], name="bookings_feedmark_band"),
            models.Index(fields=["venue_id", "id"], name="bookings_feedmark_venue"),
            models.Index(fields=["user_id", "id"], name="bookings_feedmark_user"),
            models.Index(
                fields=["id"],
                name="bookings_feedmark_everyone",
                condition=Q(band_id__isnull=True, venue_id__isnull=True, user_id__isnull=True),
            ),
            models.Index(fields=["at"], name="bookings_feedmark_at"),
        ]

    def __str__(self) -> str:
        return gettext("feed mark %(mark)s") % {"mark": self.pk}


class ShareLink(ServedCalendar):
    """A read-only public page of a band's availability (green zone and booked days), for promoters
    who are not on StageSlot; revoking it makes the address answer 404."""

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token, editable=False)
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(
        _("label"), max_length=80, blank=True, help_text=_("Who it is for, e.g. “Rockpalast promoters”.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("Share link %(link)s of band %(band)s") % {"link": self.pk, "band": self.band_id}


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A band's or a venue's https address that StageSlot POSTs signed events to, for the events chosen."""

    class Event(models.TextChoices):
        BOOKING_CREATED = "booking.created", _("A booking is asked for (application, offer, request)")
        BOOKING_ACCEPTED = "booking.accepted", _("A booking is accepted")
        BOOKING_DECLINED = "booking.declined", _("A booking is declined (by a person, or when it lapses)")
        BOOKING_WITHDRAWN = "booking.withdrawn", _("A booking is withdrawn")
        BOOKING_CANCELLED = "booking.cancelled", _("A booked gig is cancelled")
        BOOKING_RESCHEDULED = "booking.rescheduled", _("A booked gig's times around the show change")
        BOOKING_IN_PROGRESS = "booking.in_progress", _("A booked gig has started")
        BOOKING_COMPLETED = "booking.completed", _("A gig took place (or a dispute ended with it counted as played)")
        BOOKING_DISPUTED = "booking.disputed", _("A gig is disputed")
        SLOT_FILLED = "slot.filled", _("Every place of a slot is taken")
        SHOW_CREATED = "show.created", _("A band hosts a new show")
        SHOW_CHANGED = "show.changed", _("A show's running order, doors, curfew or tickets change")
        SHOW_CANCELLED = "show.cancelled", _("A show (or a venue's slot with acts on it) is cancelled")
        SHOW_OPENER_PICKED = "show.opener_picked", _("A headliner picks a support act for its show")
        SHOW_APPLIED = "show.applied", _("A band applies for a support place that the show's headliner fills")
        SHOW_OPENER_DECLINED = "show.opener_declined", _("A headliner declines a band's support application")
        SHOW_SUPPORT_CALL_OPENED = "show.support_call_opened", _("A show's support call opens, or its places change")
        SHOW_SUPPORT_CALL_CLOSED = "show.support_call_closed", _("A show's support call closes")
        SHOW_LINE_UP_CHANGED = "show.line_up_changed", _("An act leaves a show's bill (its gig is cancelled)")
        FILE_ADDED = "file.added", _("A file (or a new version of one) is shared on a booking")
        REVIEW_PUBLISHED = "review.published", _("The reviews of a gig are published")
        QUOTE_PROPOSED = "quote.proposed", _("Terms are proposed for a booking")
        QUOTE_COUNTERED = "quote.countered", _("Terms are countered with new ones")
        QUOTE_ACCEPTED = "quote.accepted", _("Terms are accepted (a pending booking is booked with them)")
        QUOTE_DECLINED = "quote.declined", _("Terms are declined")
        QUOTE_LAPSED = "quote.lapsed", _("Terms lapse without an answer")
        PAYMENT_SUCCEEDED = "payment.succeeded", _("A payment of a booking succeeds")
        PAYMENT_FAILED = "payment.failed", _("A payment of a booking fails")
        REFUND_SUCCEEDED = "refund.succeeded", _("Money paid for a booking is refunded")
        RSVP_ANSWERED = "rsvp.answered", _("A member says whether they can play a gig, or changes the answer")
        RSVP_AT_RISK = "rsvp.at_risk", _("A required member can't play a gig (or the gig is covered again)")
        RSVP_STAND_IN_ASKED = "rsvp.stand_in_asked", _("Stand-ins are asked to take a member's place")
        RSVP_STAND_IN_FILLED = "rsvp.stand_in_filled", _("A stand-in takes a member's place")
        HOLD_PLACED = "hold.placed", _("A venue holds a date for a band (at a level: 1st, 2nd …)")
        HOLD_CHALLENGED = "hold.challenged", _("A lower hold challenges the 1st: it confirms or lets go in time")
        HOLD_RELEASED = "hold.released", _("A hold is let go (by the venue, or as the date went to another act)")
        HOLD_CONFIRMED = "hold.confirmed", _("The 1st hold is confirmed into an offer")
        HOLD_LAPSED = "hold.lapsed", _("A hold expires, or the 1st lets a challenge lapse")
        HOLD_MOVED = "hold.moved", _("A hold moves to another date or room (keeping its level where it can)")

    band = models.ForeignKey(
        Band, verbose_name=_("band"), on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    url = models.CharField(_("address"), max_length=2000)
    events = models.JSONField(_("events"), default=list)
    # Kept as it is, since every delivery is signed with it; shown to people once, when it is made.
    secret = models.CharField(_("secret"), max_length=80, default=new_webhook_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(band__isnull=False, venue__isnull=True) | Q(band__isnull=True, venue__isnull=False),
                name="bookings_webhook_one_owner",
                violation_error_message=_("A webhook belongs to one band or one venue."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Webhook %(webhook)s to %(url)s") % {"webhook": self.pk, "url": self.url}

    @property
    def owner_name(self) -> str:
        return self.band.name if self.band_id else self.venue.name


class WebhookDelivery(models.Model):
    """One event for one webhook: its body, as sent every time, and how the last attempt went."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["webhook", "-created_at"]),
            models.Index(fields=["state", "next_attempt_at"], name="bookings_webhook_due"),
        ]

    def __str__(self) -> str:
        # Translators: an event's name (e.g. booking.accepted) sent to a webhook, and the delivery's state.
        return gettext("%(event)s to webhook %(webhook)s (%(state)s)") % {
            "event": self.event,
            "webhook": self.webhook_id,
            "state": self.get_state_display(),
        }


class BillMessage(models.Model):
    """One message in a show's bill thread: every act on the bill, the host and the venue. Plain text."""

    MAX_LENGTH = 2000

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="bill_messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("body"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill message")
        verbose_name_plural = _("bill messages")
        ordering = ["slot", "created_at", "id"]
        indexes = [models.Index(fields=["slot", "created_at", "id"], name="bookings_bill_thread")]

    def __str__(self) -> str:
        return gettext("Bill message %(message)s on show %(show)s") % {"message": self.pk, "show": self.slot_id}


class SavedSearch(models.Model):
    """A gig finder search a band keeps: its leaders and admins are told, once per slot, when a new slot
    or support call matches it while the band is free (its green zone covers it)."""

    MAX_PER_BAND = 10

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="saved_searches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    label = models.CharField(_("label"), max_length=300)
    # finder_slots keyword arguments (dates as ISO text): what the finder's form parsed when it was saved.
    filters = models.JSONField(_("filters"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Slots posted or changed after this have not been looked at for it yet.
    checked_at = models.DateTimeField(_("checked at"))
    # While set, the search is kept but tells nobody; resuming looks only at what changes from then on.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["band", "-created_at"]

    def __str__(self) -> str:
        return gettext("Saved search %(search)s of band %(band)s") % {"search": self.pk, "band": self.band_id}


class SavedTour(models.Model):
    """A tour a band's leaders keep asking routes for: from a start city on the first day to an end city
    by the last, driving at most so far a day, over open slots and/or support places. The routes are
    worked out on each read (bookings.selectors.tours.tour_plan): open slots change with every booking."""

    MAX_PER_BAND = 20

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="saved_tours")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    start = models.ForeignKey("places.City", verbose_name=_("start"), on_delete=models.PROTECT, related_name="+")
    end = models.ForeignKey("places.City", verbose_name=_("end"), on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    drive_km = models.PositiveIntegerField(_("drive km"))
    # "headliner" (open slots) and/or "support" (support places).
    kinds = models.JSONField(_("kinds"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved tour")
        verbose_name_plural = _("saved tours")
        ordering = ["band", "first_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="bookings_savedtour_days_in_order",
                violation_error_message=_("The last day cannot be before the first."),
            ),
            models.CheckConstraint(
                condition=Q(drive_km__gte=1, drive_km__lte=1500),
                name="bookings_savedtour_drive_km_range",
                violation_error_message=_("A day's drive is 1 to 1,500 km."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Saved tour %(tour)s of band %(band)s") % {"tour": self.pk, "band": self.band_id}


class BookingSide(models.TextChoices):
    """The part someone plays in a booking, as shown beside what they did there ("shared by Mara (band)")."""

    BAND = "band", pgettext_lazy("side of a booking", "band")
    VENUE = "venue", pgettext_lazy("side of a booking", "venue")
    CLIENT = "client", pgettext_lazy("side of a booking", "client")
    # A band hosting its own show, acting where a venue would.
    HOST = "host", pgettext_lazy("side of a booking", "host")


class RescheduleProposal(models.Model):
    """One side of a booked gig proposes new times; the other accepts (the gig moves) or declines.

    At most one proposal of a booking is open at a time (the partial unique constraint).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LAPSED = "lapsed", _("Lapsed")

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="reschedules"
    )
    side = models.CharField(_("side"), max_length=6, choices=BookingSide.choices)  # who proposed
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    old_starts_at = models.DateTimeField(_("old starts at"))
    old_ends_at = models.DateTimeField(_("old ends at"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answer_note = models.CharField(_("answer note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reschedule proposal")
        verbose_name_plural = _("reschedule proposals")
        ordering = ["booking", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status="open"),
                name="bookings_one_open_reschedule",
                violation_error_message=_("This gig already has an open proposal for new times."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="bookings_reschedule_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self) -> str:
        # Translators: a proposal's id, the booking's id and the proposal's status.
        return gettext("Reschedule %(proposal)s of %(booking)s (%(status)s)") % {
            "proposal": self.pk,
            "booking": self.booking_id,
            "status": self.get_status_display(),
        }


def booking_file_path(instance: "BookingFile", filename: str) -> str:
    """Random names under the booking: the original name is kept in the row, never in the path."""
    return f"bookings/{instance.booking.uid}/{uuid.uuid4().hex}"


def booking_files_storage():
    """The storage booking files live in (settings.STORAGES["booking_files"]): private, never MEDIA_ROOT."""
    from django.core.files.storage import storages

    return storages["booking_files"]


class BookingFile(models.Model):
    """A rider, stage plot, set list, contract or recording one side shares with the other.

    A new version of a document is a new row with the same `document` key and a higher `version`;
    the old ones stay. Served only through the access-checking download view.
    """

    class Kind(models.TextChoices):
        RIDER = "rider", _("Rider")
        STAGE_PLOT = "stage_plot", _("Stage plot")
        SET_LIST = "set_list", _("Set list")
        CONTRACT = "contract", _("Contract")
        AUDIO = "audio", _("Recording")
        OTHER = "other", _("Other")

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="files")
    document = models.UUIDField(_("document"), default=uuid.uuid4, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=120)
    original_name = models.CharField(_("original name"), max_length=200)
    file = models.FileField(_("file"), upload_to=booking_file_path, storage=booking_files_storage, max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveBigIntegerField(_("size"))
    side = models.CharField(_("side"), max_length=6, choices=BookingSide.choices)  # who shared it
    # What the band hands over after the gig (a recording, photos…), as its package promised; empty:
    # an ordinary file.
    deliverable = models.CharField(
        _("deliverable"), max_length=12, choices=Deliverable.choices, blank=True, default="", db_default=""
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept on the devices of the gig's people for the road (offline on the show day, decision 0091).
    for_the_road = models.BooleanField(_("for the road"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking file")
        verbose_name_plural = _("booking files")
        ordering = ["booking", "document", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="bookings_file_version_unique"),
        ]

    def __str__(self) -> str:
        # Translators: a file's title, its version number and the booking's id, e.g. "Contract v2 on 14".
        return gettext("%(title)s v%(version)s on %(booking)s") % {
            "title": self.title,
            "version": self.version,
            "booking": self.booking_id,
        }


class JobMark(models.Model):
    """How far a periodic job has read what changed (one row a job, by its name): a run reads only the rows
    changed since its mark, and moves the mark after its work is written (decision 0092)."""

    job = models.CharField(_("job"), max_length=60, unique=True)
    through = models.DateTimeField(_("read through"))

    class Meta:
        verbose_name = _("job mark")
        verbose_name_plural = _("job marks")

    def __str__(self) -> str:
        return f"{self.job}: {self.through}"
