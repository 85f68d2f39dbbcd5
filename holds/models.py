"""Holds with levels: a venue (or the venue group that runs it) pencils a band in for a date on a stage at a
level – 1st, 2nd, 3rd … – before anything is booked. One act per level and date on a stage; the 1st may
confirm, a lower one may challenge the 1st, which then has a while to confirm or let go; whoever lets go or
lapses moves everyone below up one level. A hold never makes anyone busy: it is a pencil mark."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Band
from bookings.models import Booking
from venues.models import Stage, Venue

MAX_LEVEL = 9
# How a level is said: "1st hold", "2nd hold" …
LEVEL_NAMES = {
    1: _("1st"),
    2: _("2nd"),
    3: _("3rd"),
    4: _("4th"),
    5: _("5th"),
    6: _("6th"),
    7: _("7th"),
    8: _("8th"),
    9: _("9th"),
}


class Hold(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")
        LAPSED = "lapsed", _("Lapsed")

    class End(models.TextChoices):
        RELEASED = "released", _("Let go")
        EXPIRED = "expired", _("Expired")
        CHALLENGE_LAPSED = "challenge_lapsed", _("Did not answer a challenge in time")
        DATE_CONFIRMED = "date_confirmed", _("The date was confirmed for another act")

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="holds")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="holds")
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="holds")
    date = models.DateField(_("date"), help_text=_("The day in the venue's time zone."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    level = models.PositiveSmallIntegerField(_("level"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField(_("expires at"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("held by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Who the hold was placed for, in words kept with it ("Riverside Rooms, for Kellerbar"): the history
    # stays true when people leave the group.
    on_behalf = models.CharField(_("on behalf of"), max_length=200, blank=True)
    # Set on the 1st hold while a lower one challenges it: it confirms or lets go before the deadline.
    challenged_by = models.ForeignKey(
        "self", verbose_name=_("challenged by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    challenge_ends_at = models.DateTimeField(_("challenge ends at"), null=True, blank=True)
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended = models.CharField(_("how it ended"), max_length=20, choices=End.choices, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["date", "stage", "level", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "date", "level"],
                condition=Q(status="held"),
                name="holds_one_act_per_level",
                violation_error_message=_("This level is taken on this date."),
            ),
            models.UniqueConstraint(
                fields=["stage", "date", "band"],
                condition=Q(status="held"),
                name="holds_band_once_per_date",
                violation_error_message=_("This band is held on this date already."),
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=MAX_LEVEL), name="holds_level_in_range"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="holds_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["venue", "date"], name="holds_venue_date"),
            models.Index(fields=["band", "date"], name="holds_band_date"),
            models.Index(fields=["status", "expires_at"], name="holds_status_expiry"),
        ]

    def __str__(self) -> str:
        # Translators: e.g. "The Night Owls, 2nd hold on 2027-03-12".
        return gettext("%(band)s, %(level)s hold on %(date)s") % {
            "band": self.band,
            "level": self.level_name,
            "date": self.date.isoformat(),
        }

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES.get(self.level, self.level))


class HoldEvent(models.Model):
    """One step in a hold's life: who, for whom, what. Never edited."""

    class What(models.TextChoices):
        PLACED = "placed", _("Held")
        MOVED_UP = "moved_up", _("Moved up")
        MOVED = "moved", _("Moved to another date or room")
        CHALLENGED = "challenged", _("Challenged the 1st hold")
        WAS_CHALLENGED = "was_challenged", _("Was challenged")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Let go")
        LAPSED = "lapsed", _("Lapsed")

    hold = models.ForeignKey(Hold, verbose_name=_("hold"), on_delete=models.CASCADE, related_name="events")
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    on_behalf = models.CharField(_("on behalf of"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hold event")
        verbose_name_plural = _("hold events")
        ordering = ["hold", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.hold_id}: {self.get_what_display()}"


class HoldRequest(models.Model):
    """An agency asks a venue to hold a date for a band it represents (the same date of several venues at
    once, while it routes a tour); the venue's staff hold it on one of their stages at the next free level,
    or say no; the agency may take the question back while it is open."""

    class Status(models.TextChoices):
        ASKED = "asked", _("Asked")
        HELD = "held", _("Held")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Taken back")

    organisation = models.ForeignKey(
        "teams.Organisation", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="hold_requests"
    )
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="hold_requests")
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="hold_requests")
    date = models.DateField(_("date"), help_text=_("The day in the venue's time zone."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ASKED)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    hold = models.ForeignKey(
        Hold, verbose_name=_("hold"), on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hold request")
        verbose_name_plural = _("hold requests")
        ordering = ["date", "venue", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["band", "venue", "date"],
                condition=Q(status="asked"),
                name="holds_one_open_request_per_date",
                violation_error_message=_("This venue has been asked to hold this date for this band already."),
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="holds_request_ends_after"),
        ]
        indexes = [models.Index(fields=["venue", "status"], name="holds_request_venue_status")]

    def __str__(self) -> str:
        return gettext("%(band)s at %(venue)s on %(date)s") % {
            "band": self.band,
            "venue": self.venue,
            "date": self.date.isoformat(),
        }


class ClosedDay(models.Model):
    """A day a venue is closed (a holiday, a private hire, building work): the bookers' calendar shows it, and
    nothing is held or moved onto it. The day is the venue's own (its time zone)."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"), help_text=_("The day in the venue's time zone."))
    note = models.CharField(_("why"), max_length=200, blank=True, help_text=_("e.g. “Private hire”. Optional."))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["venue", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "date"],
                name="holds_closed_day_once",
                violation_error_message=_("The venue is closed on this day already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}: {self.date.isoformat()}"
