"""Genres, bands, who plays in them, their press kit and invites."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from availability.models import TimeBlock
from core.fields.timezones import validate_time_zone

from .cancellation import Windows, band_windows, windows_words
from .links import LINK_FIELDS, validate_link


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")


class Currency(models.TextChoices):
    EUR = "EUR", _("EUR – Euro")
    GBP = "GBP", _("GBP – Pound sterling")
    USD = "USD", _("USD – US dollar")
    CHF = "CHF", _("CHF – Swiss franc")
    DKK = "DKK", _("DKK – Danish krone")
    SEK = "SEK", _("SEK – Swedish krona")
    NOK = "NOK", _("NOK – Norwegian krone")
    PLN = "PLN", _("PLN – Polish złoty")
    CZK = "CZK", _("CZK – Czech koruna")
    CAD = "CAD", _("CAD – Canadian dollar")
    AUD = "AUD", _("AUD – Australian dollar")


class Genre(models.Model):
    """A staff-managed genre; bands and venues pick from this list."""

    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("genre")
        verbose_name_plural = _("genres")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="bands_genre_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class LinksMixin(models.Model):
    """Website and social links, each checked against its own site (see links.py)."""

    website = models.URLField(_("website"), max_length=300, blank=True, validators=[validate_link("website")])
    instagram = models.URLField(_("Instagram"), max_length=300, blank=True, validators=[validate_link("instagram")])
    facebook = models.URLField(_("Facebook"), max_length=300, blank=True, validators=[validate_link("facebook")])
    tiktok = models.URLField(_("TikTok"), max_length=300, blank=True, validators=[validate_link("tiktok")])
    youtube = models.URLField(_("YouTube"), max_length=300, blank=True, validators=[validate_link("youtube")])
    spotify = models.URLField(_("Spotify"), max_length=300, blank=True, validators=[validate_link("spotify")])
    bandcamp = models.URLField(_("Bandcamp"), max_length=300, blank=True, validators=[validate_link("bandcamp")])
    soundcloud = models.URLField(_("SoundCloud"), max_length=300, blank=True, validators=[validate_link("soundcloud")])

    class Meta:
        abstract = True

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """(field, label, url) for every link that is set, in display order."""
        return [(name, label, getattr(self, name)) for name, label in LINK_FIELDS if getattr(self, name)]


class RatingColumns(models.Model):
    """What the published reviews of a band or venue add up to, kept on the row so that listing pages
    read no review rows. Written only by reviews.services (in the transaction that publishes, hides or
    restores a review); docs/decisions/0018 gives the ranking formula behind `rating_score`."""

    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    rating_average = models.FloatField(_("average stars"), null=True, blank=True, editable=False)
    # The Bayesian average the "best rated" sort uses; 0 without a review, so such rows sort last
    # (any rated row scores above 1) with a plain descending index on every database.
    rating_score = models.FloatField(_("rating score"), default=0, editable=False)
    rating_again_count = models.PositiveIntegerField(_("would book again"), default=0, editable=False)
    # Sub-rating averages and the star histogram: {"sub": {"performance": 4.5, …}, "stars": {"5": 3, …}}.
    rating_details = models.JSONField(_("rating details"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def rating_again_percent(self) -> int | None:
        if not self.rating_count:
            return None
        return round(100 * self.rating_again_count / self.rating_count)


class Band(LinksMixin, RatingColumns):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"), max_length=120, unique=True, help_text=_("Your address on StageSlot: /bands/<slug>/")
    )
    tagline = models.CharField(
        _("tagline"), max_length=160, blank=True, help_text=_("One line, e.g. “Four-piece indie rock from Berlin”.")
    )
    bio = models.TextField(
        _("bio"), blank=True, max_length=5000, help_text=_("Plain text; blank lines start new paragraphs.")
    )
    genres = models.ManyToManyField(Genre, verbose_name=_("genres"), related_name="bands", blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    country = CountryField(_("country"), blank=True)
    # The gazetteer's city (city, region and country above repeat its names) and its point, kept on
    # the row so that a distance search filters bands by indexed coordinates (docs/decisions/0022).
    place = models.ForeignKey(
        "places.City", verbose_name=_("place"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    travel_km = models.PositiveIntegerField(
        _("travels up to (km)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(20_000)],
        help_text=_("How far from home you would travel for a gig; blank if you do not say."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    fee_min = models.PositiveIntegerField(_("lowest fee"), null=True, blank=True)
    fee_max = models.PositiveIntegerField(_("highest fee"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    set_length_minutes = models.PositiveSmallIntegerField(
        _("usual set length (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(600)],
    )
    min_gig_minutes = models.PositiveSmallIntegerField(
        _("shortest gig (minutes)"),
        default=180,
        validators=[MinValueValidator(30), MaxValueValidator(720)],
        help_text=_("A day counts as free when every needed member is free at least this long, e.g. 180 for 3 hours."),
    )
    load_in_minutes = models.PositiveSmallIntegerField(
        _("load-in and soundcheck (minutes before a gig)"),
        default=120,
        validators=[MaxValueValidator(600)],
        help_text=_("Members are busy this long before every gig starts, e.g. 120 for 2 hours."),
    )
    pack_down_minutes = models.PositiveSmallIntegerField(
        _("pack-down (minutes after a gig)"),
        default=60,
        validators=[MaxValueValidator(600)],
        help_text=_("Members are busy this long after every gig ends, e.g. 60 for 1 hour."),
    )
    travel_speed_kmh = models.PositiveSmallIntegerField(
        _("average travel speed (km/h)"),
        default=70,
        db_default=70,
        validators=[MinValueValidator(10), MaxValueValidator(900)],
        help_text=_(
            "Between two gigs in different places, members are busy for the journey: the distance "
            "at this speed, e.g. 70 by road."
        ),
    )
    instant_notice_hours = models.PositiveSmallIntegerField(
        _("instant booking: minimum notice (hours)"),
        default=24,
        validators=[MaxValueValidator(720)],
        help_text=_("A gig starting sooner than this cannot be booked instantly, e.g. 24 for a day."),
    )
    instant_max_per_day = models.PositiveSmallIntegerField(
        _("instant booking: most gigs a day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("No instant booking on a day (in the band's zone) with this many booked gigs. Empty: no limit."),
    )
    instant_max_per_week = models.PositiveSmallIntegerField(
        _("instant booking: most gigs a week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "No instant booking in a week (Monday to Sunday, band's zone) with this many booked gigs. Empty: no limit."
        ),
    )
    min_players = models.PositiveSmallIntegerField(
        _("fewest players"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("The band plays only with at least this many members free; leave blank for no total."),
    )
    # The line-up as the green zone reads it, kept by bands.lineup.band_lineup_refresh whenever sections,
    # needs or members' sections change: {"needs": {section pk: fewest}, "plays": {user pk: [section pk]},
    # "total": n}. Empty: the band needs every required member and no more (decision 0105).
    lineup = models.JSONField(
        _("line-up"),
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        editable=False,
    )
    two_gigs_a_day = models.BooleanField(
        _("takes two gigs a day"),
        default=False,
        help_text=_("Off: a day with a booked gig is booked, and no other gig is proposed that day."),
    )
    cancel_free_days = models.PositiveSmallIntegerField(
        _("free cancellation until (days before)"),
        default=30,
        db_default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("A client cancels free of charge until this many days before the gig."),
    )
    cancel_late_percent = models.PositiveSmallIntegerField(
        _("late cancellation fee (%)"),
        default=50,
        db_default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("Of the price, when the client cancels later than that."),
    )
    rsvp_reminder_days = models.PositiveSmallIntegerField(
        _("remind silent members (days before)"),
        default=7,
        db_default=7,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Members who have not said whether they can play a gig are reminded this many days before it. "
            "0: no reminder."
        ),
    )
    rider = models.TextField(
        _("technical rider and notes"),
        blank=True,
        max_length=5000,
        help_text=_("Backline, stage size, inputs, hospitality."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), through="Membership", related_name="bands"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["status", "country", "city"]),
            models.Index(fields=["latitude", "longitude"], name="bands_band_point"),
            models.Index(fields=["status", "fee_min"]),
            # The time zones of approved bands (a free-on-a-day search reads each band's own evening).
            models.Index(fields=["status", "time_zone"]),
            # "Best rated first" (reviews: docs/decisions/0018).
            models.Index(fields=["status", "-rating_score", "name", "id"], name="bands_band_rating_score"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_min__isnull=True) | Q(fee_max__isnull=True) | Q(fee_min__lte=F("fee_max")),
                name="bands_band_fee_range",
                violation_error_message=_("The lowest fee cannot be more than the highest fee."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The point is the city's, copied here for distance searches.
        self.latitude, self.longitude = (self.place.latitude, self.place.longitude) if self.place_id else (None, None)
        if kwargs.get("update_fields") is not None and "place" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "latitude", "longitude"}
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.status == ApprovalStatus.APPROVED

    @property
    def bio_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.bio.replace("\r\n", "\n").split("\n\n") if p.strip()]

    @property
    def cancellation_windows(self) -> Windows:
        """The band's cancellation terms now, as windows (bands.cancellation): a booking keeps the ones it
        was made with (bookings.selectors.cancellation)."""
        return band_windows(free_days=self.cancel_free_days, late_percent=self.cancel_late_percent)

    @property
    def cancellation_words(self) -> list[str]:
        """The band's cancellation terms now, in the words a client reads before confirming."""
        return windows_words(self.cancellation_windows)


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    instrument = models.CharField(_("instrument"), max_length=60, blank=True)
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("The band cannot play without this member (counts for the green zone)."),
    )
    occasional = models.BooleanField(
        _("occasional"),
        default=False,
        db_default=False,
        help_text=_("Plays now and then: a minimum line-up filled only with occasional players is a maybe (amber)."),
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["band", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["band", "user"], name="bands_membership_unique")]

    def __str__(self) -> str:
        # Translators: a band's member, e.g. "Ana Díaz in The Quiet Hours (Leader)".
        return gettext("%(person)s in %(band)s (%(role)s)") % {
            "person": self.user,
            "band": self.band,
            "role": self.get_role_display(),
        }

    @property
    def can_manage(self) -> bool:
        return self.role in (self.Role.LEADER, self.Role.ADMIN)


class Section(models.Model):
    """A part of the band (Trumpets, Saxes, Rhythm, Voices), in the band's own order."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["band", "order", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "band", name="bands_section_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipSection(models.Model):
    """A member plays in a section: their usual one, or another they double in."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="section_links"
    )
    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="players")
    usual = models.BooleanField(_("usual section"), default=False)

    class Meta:
        verbose_name = _("member's section")
        verbose_name_plural = _("members' sections")
        constraints = [
            models.UniqueConstraint(fields=["membership", "section"], name="bands_membershipsection_unique"),
            models.UniqueConstraint(
                fields=["membership"], condition=Q(usual=True), name="bands_membershipsection_one_usual"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} – {self.section}"


class LineupNeed(models.Model):
    """The band's minimum line-up: at least this many players in a section."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="lineup_needs")
    section = models.OneToOneField(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="need")
    min_players = models.PositiveSmallIntegerField(
        _("fewest players"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("line-up need")
        verbose_name_plural = _("line-up needs")

    def __str__(self) -> str:
        return f"{self.section}: {self.min_players}"


def band_photo_path(instance: "BandPhoto", filename: str) -> str:
    return f"bands/{instance.band_id}/photos/{filename}"


class BandPhoto(models.Model):
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to=band_photo_path)
    caption = models.CharField(
        _("caption"), max_length=200, blank=True, help_text=_("Describe the photo for people who cannot see it.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("band photo")
        verbose_name_plural = _("band photos")
        ordering = ["band", "position", "id"]

    def __str__(self) -> str:
        return gettext("Photo of %(band)s") % {"band": self.band}


class EmbedProvider(models.TextChoices):
    SPOTIFY = "spotify", _("Spotify")
    SOUNDCLOUD = "soundcloud", _("SoundCloud")
    BANDCAMP = "bandcamp", _("Bandcamp")
    YOUTUBE = "youtube", _("YouTube")


class BandEmbed(models.Model):
    """A player for the band's music or video, built from a share link (see embeds.py)."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="embeds")
    provider = models.CharField(_("provider"), max_length=12, choices=EmbedProvider.choices)
    source_url = models.URLField(_("source URL"), max_length=500)
    embed_url = models.URLField(_("embed URL"), max_length=500)
    title = models.CharField(_("title"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("band embed")
        verbose_name_plural = _("band embeds")
        ordering = ["band", "position", "id"]

    def __str__(self) -> str:
        # Translators: a music player on a band's page, e.g. "Spotify for The Quiet Hours".
        return gettext("%(provider)s for %(band)s") % {"provider": self.get_provider_display(), "band": self.band}

    @property
    def height(self) -> int | None:
        """Player height in pixels; None for video, which CSS sizes at 16:9."""
        return {"spotify": 152, "soundcloud": 166, "bandcamp": 120}.get(self.provider)


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class InviteBase(models.Model):
    """An invite link: random token (signed in the URL), expiry, a number of uses, revocable."""

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_invite_token, editable=False)
    email = models.EmailField(_("email"), blank=True, help_text=_("Who it was emailed to, if anyone."))
    max_uses = models.PositiveSmallIntegerField(
        _("max uses"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    uses = models.PositiveSmallIntegerField(_("uses"), default=0)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def uses_left(self) -> int:
        return max(0, self.max_uses - self.uses)


class BandInvite(InviteBase):
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)

    class Meta:
        verbose_name = _("band invite")
        verbose_name_plural = _("band invites")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="bands_invite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return gettext("Invite to %(band)s") % {"band": self.band}


class BandBlock(TimeBlock):
    """Time the whole band is taken: rehearsals, holds, other commitments, and booked gigs.

    It makes every member busy, so it also counts against the other bands they play in.
    Gig blocks are written only by the booking workflow (bookings.services), never by hand.
    """

    class Kind(models.TextChoices):
        REHEARSAL = "rehearsal", _("Rehearsal")
        HOLD = "hold", _("Hold")
        OTHER = "other", _("Other")
        GIG = "gig", _("Gig")

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="blocks")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REHEARSAL)
    # A gig block's own times are its busy window (bands.services.gig_busy_window); these are the
    # gig's, as booked, and the booking's own load-in and pack-down (None: the band's defaults).
    gig_starts_at = models.DateTimeField(_("gig starts at"), null=True, blank=True, editable=False)
    gig_ends_at = models.DateTimeField(_("gig ends at"), null=True, blank=True, editable=False)
    load_in_minutes = models.PositiveSmallIntegerField(
        _("load in minutes"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(600)],
        help_text=_("Empty: the band's usual load-in."),
    )
    pack_down_minutes = models.PositiveSmallIntegerField(
        _("pack down minutes"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(600)],
        help_text=_("Empty: the band's usual pack-down."),
    )
    # Where a gig is played (its venue's or slot's point, or the client's place): members who play
    # another gig elsewhere are busy for the journey between the two (bands.travel). None: unknown.
    latitude = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    # A gig's line-up as its members answered (gigs.services keeps it): {"in": 4, "of": 5, "at_risk": false,
    # "answers": {"<user id>": "definitely", …}}, read by the band calendar and the feeds with the block.
    lineup = models.JSONField(_("line-up"), default=dict, blank=True, editable=False)
    # The people beyond the band's members who play a gig (user ids of stand-ins with an account, kept by
    # gigs.services.stand_ins): busy for it like the members, and locked with them (bookings locks.py).
    guests = models.JSONField(
        _("guests"), default=list, db_default=models.Value([], models.JSONField()), blank=True, editable=False
    )
    # The members who sit a gig out (user ids): a band with a minimum line-up was booked while they were
    # busy, so the gig takes none of their time (bookings.services.checks.gig_fit, decision 0112).
    absent = models.JSONField(
        _("sitting out"), default=list, db_default=models.Value([], models.JSONField()), blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("band block")
        verbose_name_plural = _("band blocks")
        ordering = ["band", "start_date", "start_time", "id"]
        constraints = TimeBlock.time_constraints("bands_block")
        indexes = [
            models.Index(fields=["band", "gig_starts_at"], name="bands_block_gig_idx"),
            # The nightly `band_blocks_extend`: the blocks not yet written out to the horizon's end (or never), none
            # when nothing is due (docs/decisions/0092).
            models.Index(fields=["materialised_until"], name="bands_block_materialised"),
        ]

    def __str__(self) -> str:
        if self.title:
            return self.title
        start = date_format(self.local_start, "MOMENT_FORMAT")
        return gettext("%(kind)s from %(start)s") % {"kind": self.get_kind_display(), "start": start}


class BandBusyInterval(models.Model):
    """A busy interval of a required member, once for each band they are required in: what makes the
    band not free then. The free-date search reads this table, so it finds a window's busy bands
    without joining people to their bands (docs/decisions/0005-free-date-search.md).

    Written only by the database: triggers on availability_busyinterval and bands_membership (migration
    bands.0008) copy each busy row of a required member here, and remove or rewrite the copies when the
    row or the membership goes or changes, in the same transaction, whichever code path wrote. Plain
    integer columns, no foreign keys: Django never deletes or cascades into this table.
    """

    pk = models.CompositePrimaryKey("band_id", "starts_at", "busy_interval_id")
    band_id = models.BigIntegerField(_("band id"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    busy_interval_id = models.BigIntegerField(_("busy interval id"))
    # The busy row's point (a gig's place), copied with it: the search weighs the journey to the band's home.
    latitude = models.FloatField(_("latitude"), null=True)
    longitude = models.FloatField(_("longitude"), null=True)

    class Meta:
        verbose_name = _("band busy interval")
        verbose_name_plural = _("band busy intervals")
        indexes = [
            # The located copies near a window (gigs with a point, a few percent of rows), read once
            # per search by bands.selectors._on_the_road; index-only.
            models.Index(
                fields=["starts_at", "ends_at", "band_id", "latitude", "longitude"],
                condition=Q(latitude__isnull=False, longitude__isnull=False),
                name="bands_busy_located_start",
            ),
        ]

    def __str__(self) -> str:
        # Translators: a band's id, busy from a moment until a time of day (UTC).
        return gettext("band %(band)s busy %(start)s–%(end)s UTC") % {
            "band": self.band_id,
            "start": date_format(self.starts_at, "MOMENT_FORMAT"),
            "end": date_format(self.ends_at, "CLOCK_FORMAT"),
        }


class Deliverable(models.TextChoices):
    """What a band hands over after a gig, as a package promises it and a booking's files deliver it."""

    RECORDING = "recording", _("Recording")
    PHOTOS = "photos", _("Photos")
    SET_LIST = "set_list", _("Set list as played")


class Package(models.Model):
    """Something a band offers clients at a set price: e.g. “Wedding evening, 3 × 45 min, 1,800 EUR”.

    An instant-bookable package can be booked at once, without the band answering, at any start that
    lies in the band's green zone for the package's length with its load-in and pack-down around it.
    """

    class PriceUnit(models.TextChoices):
        FIXED = "fixed", _("fixed fee")
        HOUR = "hour", _("per hour")
        DAY = "day", _("per day")

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(_("name"), max_length=80)
    included = models.TextField(
        _("what is included"),
        blank=True,
        max_length=1000,
        help_text=_("e.g. “PA for 150 guests, first dance learned.”"),
    )
    sets = models.PositiveSmallIntegerField(
        _("sets"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    set_minutes = models.PositiveSmallIntegerField(
        _("minutes per set"), default=45, validators=[MinValueValidator(10), MaxValueValidator(480)]
    )
    break_minutes = models.PositiveSmallIntegerField(
        _("break between sets (minutes)"), default=15, validators=[MaxValueValidator(120)]
    )
    price = models.PositiveIntegerField(_("price"), validators=[MaxValueValidator(10_000_000)])
    price_unit = models.CharField(_("price unit"), max_length=5, choices=PriceUnit.choices, default=PriceUnit.FIXED)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    travel_included_km = models.PositiveIntegerField(
        _("travel included within (km)"), null=True, blank=True, validators=[MaxValueValidator(20_000)]
    )
    travel_fee = models.PositiveIntegerField(
        _("travel fee"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Added to the price."),
    )
    instant = models.BooleanField(
        _("instant-bookable"),
        default=False,
        help_text=_("Clients book it at once at a free time, without your answer."),
    )
    # Deliverable values the band hands over after the gig, in Deliverable's order (none: just the gig).
    deliverables = models.JSONField(_("delivered after the gig"), default=list, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Off: no longer offered (bookings made with it stay).")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["band", "position", "id"]
        indexes = [models.Index(fields=["band", "active", "position"], name="bands_package_band_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.band})"

    @property
    def length_minutes(self) -> int:
        """On stage from the first note to the last: the sets and the breaks between them."""
        return self.sets * self.set_minutes + (self.sets - 1) * self.break_minutes

    @property
    def deliverable_labels(self) -> list[str]:
        """The deliverables it promises, in words: ["Recording", "Photos"]."""
        return [str(Deliverable(value).label) for value in Deliverable.values if value in (self.deliverables or ())]


class CityDemand(models.Model):
    """How many people asked a band to play a city, and how many of its followers live there: counts only,
    never who (written by the fans app through bands.services.city_demand_replace, docs/decisions/0089).
    The planner, the finder and a venue's inbox read it through bands.selectors.city_demand_for."""

    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="city_demand", verbose_name=_("band"))
    city = models.ForeignKey("places.City", on_delete=models.CASCADE, related_name="+", verbose_name=_("city"))
    asks = models.PositiveIntegerField(_("asks"), default=0)
    followers = models.PositiveIntegerField(_("followers living there"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("demand in a city")
        verbose_name_plural = _("demand by city")
        constraints = [models.UniqueConstraint(fields=["band", "city"], name="bands_citydemand_unique")]

    def __str__(self) -> str:
        return f"{self.band_id} in {self.city_id}: {self.asks} asks"
