"""Venues, their stages and the people who run them."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from bands.links import validate_link
from bands.models import ApprovalStatus, Currency, Genre, InviteBase, LinksMixin, RatingColumns
from core.fields.timezones import validate_time_zone

from .constraints import PostgresExclusionConstraint, TsTzRange


class Venue(LinksMixin, RatingColumns):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"), max_length=120, unique=True, help_text=_("Your address on StageSlot: /venues/<slug>/")
    )
    description = models.TextField(
        _("description"), blank=True, max_length=5000, help_text=_("Plain text; blank lines start new paragraphs.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    country = CountryField(_("country"), blank=True)
    # The gazetteer's city, and the venue's point: its own, set on the map, or its city's
    # (docs/decisions/0022). Its slots keep a copy of the point for distance searches.
    place = models.ForeignKey(
        "places.City", verbose_name=_("place"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    exact_point = models.BooleanField(
        _("exact point"), default=False, help_text=_("On: the point was set on the map. Off: it is the city's.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Standing capacity of the largest room.")
    )
    genres = models.ManyToManyField(Genre, verbose_name=_("genres"), related_name="venues", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), through="VenueStaff", related_name="venues"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["status", "country", "city"]),
            models.Index(fields=["latitude", "longitude"], name="venues_venue_point"),
            models.Index(fields=["status", "capacity"]),
            models.Index(fields=["status", "-rating_score", "name", "id"], name="venues_venue_rating_score"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Without a point of its own, the venue stands at its city; its slots keep a copy of the point.
        if not self.exact_point or self.latitude is None or self.longitude is None:
            self.exact_point = False
            self.latitude, self.longitude = (
                (self.place.latitude, self.place.longitude) if self.place_id else (None, None)
            )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"place", "exact_point", "latitude", "longitude"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "latitude", "longitude", "exact_point"}
        super().save(*args, **kwargs)
        if self.pk and (update_fields is None or "latitude" in kwargs["update_fields"]):
            Slot.objects.filter(venue=self).exclude(latitude=self.latitude, longitude=self.longitude).update(
                latitude=self.latitude, longitude=self.longitude
            )
            Slot.objects.filter(venue__isnull=True, place_venue=self).exclude(
                latitude=self.latitude, longitude=self.longitude
            ).update(latitude=self.latitude, longitude=self.longitude)

    @property
    def is_public(self) -> bool:
        return self.status == ApprovalStatus.APPROVED

    @property
    def description_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.description.replace("\r\n", "\n").split("\n\n") if p.strip()]


class Stage(models.Model):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True, help_text=_("Size, PA, backline."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["venue", "id"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="venues_stage_name_unique")]

    def __str__(self) -> str:
        return gettext("%(stage)s at %(venue)s") % {"stage": self.name, "venue": self.venue}


class VenueStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        BOOKER = "booker", _("Booker")

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="venue_roles"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.BOOKER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    # The venue group (teams.Organisation) whose booker this is, while the group runs the venue; None:
    # the venue's own staff. A plain id, as lower rows carry no foreign key up (teams keeps these rows).
    group_id = models.PositiveBigIntegerField(_("through the group"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("venue staff")
        verbose_name_plural = _("venue staff")
        ordering = ["venue", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venues_staff_unique")]

    def __str__(self) -> str:
        # Translators: a venue's staff member, e.g. "Ana Díaz at Lido (Manager)".
        return gettext("%(person)s at %(venue)s (%(role)s)") % {
            "person": self.user,
            "venue": self.venue,
            "role": self.get_role_display(),
        }


def venue_photo_path(instance: "VenuePhoto", filename: str) -> str:
    return f"venues/{instance.venue_id}/photos/{filename}"


class VenuePhoto(models.Model):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to=venue_photo_path)
    caption = models.CharField(
        _("caption"), max_length=200, blank=True, help_text=_("Describe the photo for people who cannot see it.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("venue photo")
        verbose_name_plural = _("venue photos")
        ordering = ["venue", "position", "id"]

    def __str__(self) -> str:
        return gettext("Photo of %(venue)s") % {"venue": self.venue}


class VenueInvite(InviteBase):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(_("role"), max_length=10, choices=VenueStaff.Role.choices, default=VenueStaff.Role.BOOKER)

    class Meta:
        verbose_name = _("venue invite")
        verbose_name_plural = _("venue invites")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="venues_invite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return gettext("Invite to %(venue)s") % {"venue": self.venue}


class Slot(models.Model):
    """A date a venue offers on one of its stages: one headliner place and `support_places` support places.

    Its public status is derived from the places taken (kept in step by bookings.services under
    the slot's row lock; the check constraints are the last line) and whether it is cancelled.
    """

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public – bands can apply")
        INVITE = "invite", _("Invite only – you offer it to bands")

    class Status(models.TextChoices):
        OPEN = "open", _("Booking open")
        NEED_SUPPORT = "need_support", _("Need support")
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    MAX_SUPPORT_PLACES = 6
    MAX_LENGTH = timedelta(hours=24)

    class SupportPicker(models.TextChoices):
        VENUE = "venue", _("The venue picks the support acts")
        HEADLINER = "headliner", _("The headliner picks the support acts")

    class Entry(models.TextChoices):
        TICKETS = "tickets", _("Tickets")
        FREE = "free", _("Free entry")
        DOOR = "door", _("Pay at the door")

    # A venue's slot has a venue and a stage; a show a band hosts has neither but its host band and a
    # place (a venue on StageSlot it names, or a place typed in). docs/decisions/0020. The columns added
    # for shows carry database defaults too, so a plain INSERT that names only the older ones still works.
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="slots", null=True, blank=True
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="slots", null=True, blank=True
    )
    host_band = models.ForeignKey(
        "bands.Band",
        verbose_name=_("host band"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_shows",
    )
    place_venue = models.ForeignKey(
        Venue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venue on StageSlot"),
        help_text=_("Where the show is, if the place is on StageSlot."),
    )
    place_name = models.CharField(
        _("place"), max_length=120, blank=True, db_default="", help_text=_("e.g. “Anna’s living room”.")
    )
    place_address = models.CharField(_("address"), max_length=200, blank=True, db_default="")
    place_city = models.CharField(_("city"), max_length=80, blank=True, db_default="")
    # A hosted show's city in the gazetteer, when its place is typed in.
    place = models.ForeignKey(
        "places.City", verbose_name=_("place"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where the show is: its venue's point (or the named venue's, or the city's), copied here so that
    # the gig finder and tour routes filter slots by indexed coordinates (docs/decisions/0022).
    latitude = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    # The zone a hosted show's times read in (a venue's slot reads in its venue's).
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, db_default="", validators=[validate_time_zone]
    )
    support_terms = models.CharField(
        _("deal for support acts"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("If there is no fixed fee, in words: e.g. “door split 70/30 after costs”."),
    )
    # Who fills the support places: the venue, or the headliner (always, on a show a band hosts).
    support_picker = models.CharField(
        _("support picker"),
        max_length=10,
        choices=SupportPicker.choices,
        default=SupportPicker.VENUE,
        db_default=SupportPicker.VENUE,
    )
    support_pick_asked_at = models.DateTimeField(_("support pick asked at"), null=True, blank=True, editable=False)
    doors_at = models.DateTimeField(_("doors at"), null=True, blank=True)
    curfew_at = models.DateTimeField(_("curfew at"), null=True, blank=True)
    entry = models.CharField(
        _("entry"), max_length=10, choices=Entry.choices, default=Entry.TICKETS, db_default=Entry.TICKETS
    )
    sold_out = models.BooleanField(_("sold out"), default=False, db_default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("e.g. “Friday Night Indie”. Optional.")
    )
    genres = models.ManyToManyField(Genre, related_name="slots", blank=True, verbose_name=_("genres wanted"))
    fee = models.PositiveIntegerField(
        _("fee offered"), null=True, blank=True, help_text=_("Leave empty for negotiable.")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    support_places = models.PositiveSmallIntegerField(
        _("support acts"),
        default=0,
        validators=[MaxValueValidator(MAX_SUPPORT_PLACES)],
        help_text=format_lazy(
            _("How many support acts play besides the headliner (0–{max_support_places})."),
            max_support_places=MAX_SUPPORT_PLACES,
        ),
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    ticket_url = models.URLField(_("ticket link"), max_length=300, blank=True, validators=[validate_link("ticket")])
    notes = models.TextField(
        _("notes"), blank=True, max_length=2000, help_text=_("Load-in, backline, door deal… Bands see this.")
    )
    # Places taken; bookings.services changes them only with the slot row locked.
    headliner_booked = models.PositiveSmallIntegerField(_("headliner booked"), default=0, editable=False)
    supports_booked = models.PositiveSmallIntegerField(_("supports booked"), default=0, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("cancel reason"), max_length=300, blank=True, editable=False)
    series = models.UUIDField(
        _("series"), null=True, blank=True, editable=False, help_text=_("Slots created together in bulk.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Grows with every change of the slot's time, title or cancellation (the venue feed's SEQUENCE
    # adds it to its bookings' own).
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["venue", "starts_at"]),
            models.Index(fields=["host_band", "starts_at"]),
            # The gig finder: public slots that are not cancelled, by date.
            models.Index(
                fields=["starts_at"],
                name="venues_slot_open_starts",
                condition=Q(cancelled_at__isnull=True, visibility="public"),
            ),
            # Distance searches and tour routes: public slots that are not cancelled, by their point.
            models.Index(
                fields=["latitude", "longitude", "starts_at"],
                name="venues_slot_open_point",
                condition=Q(cancelled_at__isnull=True, visibility="public"),
            ),
            # The losers sweep (bookings): the slots whose support places are all taken, by when they changed,
            # to find those whose places were lowered since its last run (decision 0092).
            models.Index(
                fields=["updated_at"],
                name="venues_slot_supports_full",
                condition=Q(support_places__gt=0, supports_booked__gte=F("support_places")),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="venues_slot_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + timedelta(hours=24)),
                name="venues_slot_at_most_24h",
                violation_error_message=_("A slot can be at most 24 hours long."),
            ),
            models.CheckConstraint(
                condition=Q(support_places__lte=6),
                name="venues_slot_support_places_max",
                violation_error_message=_("A slot can have at most 6 support acts."),
            ),
            models.CheckConstraint(
                condition=Q(headliner_booked__lte=1),
                name="venues_slot_one_headliner",
                violation_error_message=_("A slot has one headliner."),
            ),
            models.CheckConstraint(
                condition=Q(supports_booked__lte=F("support_places")),
                name="venues_slot_supports_within_places",
                violation_error_message=_("Every support place of this slot is taken."),
            ),
            # One show per stage at a time (PostgreSQL; docs/decisions/0010). The slot services check
            # first under the stage's row lock and name the clashing slot; this is the last line.
            models.CheckConstraint(
                condition=Q(venue__isnull=False, stage__isnull=False, host_band__isnull=True)
                | Q(venue__isnull=True, stage__isnull=True, host_band__isnull=False, support_picker="headliner"),
                name="venues_slot_venue_or_host",
                violation_error_message=_("A show is either a venue's slot on a stage or a show a band hosts."),
            ),
            PostgresExclusionConstraint(
                name="venues_one_show_per_stage",
                expressions=[
                    ("stage", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(cancelled_at__isnull=True),
                violation_error_message=_("This stage already has a slot at an overlapping time."),
            ),
        ]

    def __str__(self) -> str:
        values = {"title": self.title, "venue": self.venue_id, "start": date_format(self.starts_at, "MOMENT_FORMAT")}
        if self.title:
            # Translators: a slot's title, its venue's id and when it starts (UTC).
            return gettext("%(title)s at %(venue)s on %(start)s UTC") % values
        # Translators: a slot without a title, its venue's id and when it starts (UTC).
        return gettext("Slot at %(venue)s on %(start)s UTC") % values

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.point_from_place()
        elif {"venue", "place_venue", "place"} & set(update_fields):
            self.point_from_place()
            kwargs["update_fields"] = {*update_fields, "latitude", "longitude"}
        super().save(*args, **kwargs)

    def point_from_place(self) -> None:
        """Copy the point of where the show is: its venue, the venue it names, or its city."""
        where = self.venue if self.venue_id else self.place_venue if self.place_venue_id else self.place
        self.latitude, self.longitude = (where.latitude, where.longitude) if where is not None else (None, None)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        if not self.headliner_booked:
            return self.Status.OPEN
        if self.supports_booked < self.support_places:
            return self.Status.NEED_SUPPORT
        return self.Status.BOOKED

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def places(self) -> int:
        return 1 + self.support_places

    @property
    def places_taken(self) -> int:
        return self.headliner_booked + self.supports_booked

    def place_open(self, role: str) -> bool:
        """Whether the headliner ("headliner") or a support ("support") place is still free."""
        if role == "headliner":
            return not self.headliner_booked
        return self.supports_booked < self.support_places

    @classmethod
    def status_q(cls, status: str) -> Q:
        """The filter for slots in `status`, matching the `status` property."""
        live = Q(cancelled_at__isnull=True)
        return {
            cls.Status.CANCELLED: Q(cancelled_at__isnull=False),
            cls.Status.OPEN: live & Q(headliner_booked=0),
            cls.Status.NEED_SUPPORT: live & Q(headliner_booked=1, supports_booked__lt=F("support_places")),
            cls.Status.BOOKED: live & Q(headliner_booked=1, supports_booked__gte=F("support_places")),
        }[status]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The venue's zone (a hosted show's own): the slot's times are the place's local times."""
        return zoneinfo.ZoneInfo(self.venue.time_zone if self.venue_id else (self.time_zone or "UTC"))

    @property
    def zone_name(self) -> str:
        return self.venue.time_zone if self.venue_id else (self.time_zone or "UTC")

    @property
    def is_hosted(self) -> bool:
        """A show a band hosts itself (no venue runs it)."""
        return self.host_band_id is not None

    @property
    def headliner_picks_support(self) -> bool:
        return self.support_picker == self.SupportPicker.HEADLINER

    @property
    def is_support_call(self) -> bool:
        """The headliner is looking for support acts: it fills them, and a place is still open."""
        return (
            self.headliner_picks_support
            and not self.is_cancelled
            and self.headliner_booked == 1
            and self.supports_booked < self.support_places
        )

    @property
    def open_support_places(self) -> int:
        return max(self.support_places - self.supports_booked, 0)

    @property
    def place_label(self) -> str:
        """Where the show is, in a few words: the venue, or the hosted show's place."""
        if self.venue_id:
            return self.venue.name
        if self.place_venue_id:
            return self.place_venue.name
        return self.place_name or gettext("a place to be announced")

    @property
    def place_city_label(self) -> str:
        if self.venue_id:
            return self.venue.city
        if self.place_venue_id:
            return self.place_venue.city
        return self.place_city

    @property
    def place_address_line(self) -> str:
        """The street address and city, for the map link and the calendar's LOCATION."""
        if self.venue_id or self.place_venue_id:
            v = self.venue if self.venue_id else self.place_venue
            parts = [v.address, " ".join(p for p in (v.postcode, v.city) if p)]
        else:
            parts = [self.place_address, self.place_city]
        return ", ".join(p for p in parts if p)

    @classmethod
    def support_call_q(cls) -> Q:
        """The filter for slots that are support calls, matching `is_support_call`."""
        return Q(
            support_picker=cls.SupportPicker.HEADLINER,
            cancelled_at__isnull=True,
            headliner_booked=1,
            supports_booked__lt=F("support_places"),
        )


class Ticket(models.Model):
    """A link to a ticket provider for a show, with a label and a price range."""

    MAX_PER_SHOW = 5

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="tickets")
    label = models.CharField(_("label"), max_length=60, help_text=_("e.g. “Early bird” or the provider’s name."))
    url = models.URLField(_("ticket link"), max_length=300, validators=[validate_link("ticket")])
    price_min = models.DecimalField(_("price min"), max_digits=7, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("price max"), max_digits=7, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["slot", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_min__isnull=True) | Q(price_max__isnull=True) | Q(price_min__lte=F("price_max")),
                name="venues_ticket_price_range",
                violation_error_message=_("The lowest price must not be above the highest."),
            ),
            models.CheckConstraint(
                condition=Q(price_min__isnull=True) | Q(price_min__gte=0),
                name="venues_ticket_price_not_negative",
                violation_error_message=_("A price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(label)s for show %(show)s") % {"label": self.label, "show": self.slot_id}

    @property
    def price_label(self) -> str:
        def money(v):
            return f"{v:.2f}".removesuffix(".00")

        if self.price_min is None and self.price_max is None:
            return ""
        if self.price_min is None or self.price_max is None or self.price_min == self.price_max:
            return f"{money(self.price_min if self.price_min is not None else self.price_max)} {self.currency}"
        return f"{money(self.price_min)}–{money(self.price_max)} {self.currency}"
