"""Open calls, their juries, and festivals with a timetable across stages and days (decision 0090).

An `OpenCall` is published by an organisation (teams: a venue group or promoter, or an agency); its
deadline is stored in UTC, entered in the call's own zone, so nothing else's zone change can move it.
Bands apply with an `Application` (its opaque `code` names it to the jury, never the band's slug);
`Juror`s score applications (`Score`, one row per juror and application). A `Festival` plays on the
stages of one venue (`FestivalStage`: hours and changeover) over its days; a `Placement` is an act on a
stage at a time, and always stands on a BOOKED booking (bookings.services.book is its only way in).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bands.models import Band, Currency, Genre
from bookings.models import Booking
from core.fields.timezones import validate_time_zone
from teams.models import Organisation
from venues.models import Stage, Venue

SCORE_MIN, SCORE_MAX = 1, 5


def new_code() -> str:
    """An application's opaque name for the jury: no slug, no name, no order."""
    return secrets.token_hex(5).upper()


class Festival(models.Model):
    """A festival on the stages of one venue (the site), from `first_day` to `last_day` (local days)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="festivals"
    )
    venue = models.ForeignKey(Venue, verbose_name=_("site"), on_delete=models.PROTECT, related_name="festivals")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    transfer_minutes = models.PositiveSmallIntegerField(
        _("minutes between stages"),
        default=15,
        validators=[MaxValueValidator(240)],
        help_text=_("How long a player needs to get from one stage to another, with their instrument."),
    )
    published = models.BooleanField(_("timetable published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("festival")
        verbose_name_plural = _("festivals")
        ordering = ["first_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="festivals_festival_days_in_order",
                violation_error_message=_("The last day cannot be before the first."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def time_zone(self) -> str:
        return self.venue.time_zone


class FestivalStage(models.Model):
    """A stage of the festival's site with its hours each day (`closes` at or before `opens`: past
    midnight) and the changeover it needs between two acts."""

    festival = models.ForeignKey(Festival, verbose_name=_("festival"), on_delete=models.CASCADE, related_name="stages")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    changeover_minutes = models.PositiveSmallIntegerField(
        _("changeover (minutes)"), default=20, validators=[MaxValueValidator(240)]
    )

    class Meta:
        verbose_name = _("festival stage")
        verbose_name_plural = _("festival stages")
        ordering = ["festival", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["festival", "stage"], name="festivals_stage_once")]

    def __str__(self) -> str:
        return self.stage.name


class Placement(models.Model):
    """An act on a festival stage at a time: its booking is an offer waiting for the act (PENDING), BOOKED once
    the act accepts (or was, and is cancelled now); declined, withdrawn or lapsed, it holds nothing."""

    festival = models.ForeignKey(
        Festival, verbose_name=_("festival"), on_delete=models.CASCADE, related_name="placements"
    )
    festival_stage = models.ForeignKey(
        FestivalStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="placements"
    )
    band = models.ForeignKey(Band, verbose_name=_("act"), on_delete=models.PROTECT, related_name="placements")
    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="placement"
    )
    application = models.ForeignKey(
        "Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The deal's radius clause, written on the gig when the act accepts.
    radius_km = models.PositiveSmallIntegerField(_("radius (km)"), null=True, blank=True)
    radius_days_before = models.PositiveSmallIntegerField(_("radius days before"), default=0, db_default=0)
    radius_days_after = models.PositiveSmallIntegerField(_("radius days after"), default=0, db_default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["festival", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="festivals_placement_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.band_id} @ {self.festival_stage_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_offered(self) -> bool:
        """Offered, and the act has not answered yet (read with its booking)."""
        return self.booking.status == Booking.Status.PENDING


class OpenCall(models.Model):
    """A call for acts: its dates, what it offers, its questions and its deadline."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="calls"
    )
    festival = models.ForeignKey(
        Festival,
        verbose_name=_("festival"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    stages = models.CharField(_("stages"), max_length=300, blank=True, help_text=_("e.g. “Main, Tent, Club”."))
    genres = models.ManyToManyField(Genre, verbose_name=_("genres"), blank=True, related_name="+")
    fee_min = models.PositiveIntegerField(_("fee from"), null=True, blank=True)
    fee_max = models.PositiveIntegerField(_("fee up to"), null=True, blank=True)
    fee_on_offer = models.BooleanField(_("fee on offer"), default=False, help_text=_("Acts name their own fee."))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    travel_paid = models.BooleanField(_("travel paid"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    deadline = models.DateTimeField(_("deadline"))
    blind = models.BooleanField(
        _("blind review"), default=False, help_text=_("The jury sees no band names until the shortlist.")
    )
    criteria = models.JSONField(_("criteria"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    decisions_sent_at = models.DateTimeField(_("decisions sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="festivals_call_days_in_order",
                violation_error_message=_("The last day cannot be before the first."),
            ),
            models.CheckConstraint(
                condition=Q(fee_min__isnull=True) | Q(fee_max__isnull=True) | Q(fee_min__lte=F("fee_max")),
                name="festivals_call_fee_in_order",
                violation_error_message=_("The fee range's upper end is below its lower end."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now) -> bool:
        return self.status == self.Status.OPEN and now < self.deadline


class Question(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        LINK = "link", _("Link")

    call = models.ForeignKey(OpenCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        REJECTED = "rejected", _("Not chosen")
        OFFERED = "offered", _("Offered")

    call = models.ForeignKey(OpenCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="applications")
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="call_applications")
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    pitch = models.TextField(_("pitch"), max_length=2000, blank=True)
    blind_text = models.TextField(
        _("text for a blind jury"),
        max_length=2000,
        blank=True,
        help_text=_("What the jury reads when the call is blind: your music, without your name."),
    )
    music_link = models.URLField(_("music link"), max_length=300, blank=True)
    fee = models.PositiveIntegerField(_("fee asked"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    reject_message = models.CharField(_("message to the band"), max_length=1000, blank=True)
    notice_due_at = models.DateTimeField(_("notice due at"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "band"], name="festivals_one_application_per_band")]

    def __str__(self) -> str:
        return self.code


class Juror(models.Model):
    call = models.ForeignKey(OpenCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="jurors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("juror"), on_delete=models.CASCADE, related_name="juries"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("juror")
        verbose_name_plural = _("jurors")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="festivals_juror_once")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.call_id}"


class Score(models.Model):
    """One juror's scores of one application: a value from 1 to 5 per criterion of the call."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="scores"
    )
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("juror"), on_delete=models.CASCADE, related_name="+"
    )
    values = models.JSONField(_("scores"), default=dict)
    total = models.FloatField(_("mean score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)])
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["application", "juror"], name="festivals_score_once")]

    def __str__(self) -> str:
        return f"{self.juror_id}: {self.total}"


class Release(models.Model):
    """A numbered version of a festival's timetable (decision 0103): what the public page, its calendars and
    the schedule export show, frozen when the organiser published it. `sets` holds one entry per booked set
    (placement, act, stage, local day, start, end), in time order."""

    festival = models.ForeignKey(
        Festival, verbose_name=_("festival"), on_delete=models.CASCADE, related_name="releases"
    )
    number = models.PositiveIntegerField(_("number"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    sets = models.JSONField(_("sets"), default=list)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["festival", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["festival", "number"], name="festivals_release_one_number"),
        ]

    def __str__(self) -> str:
        return f"{self.festival_id} #{self.number}"
