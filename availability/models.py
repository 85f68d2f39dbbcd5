"""A person's time: busy rules, only-available windows, imported calendars, and the
materialised busy intervals that make "who is free between X and Y" one indexed query."""

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.timezones import validate_time_zone

if TYPE_CHECKING:
    from .engine import Recurrence

MIDNIGHT = dt.time(0, 0)


class TimeBlock(models.Model):
    """When something happens, in its owner's local wall time: once, or repeating by an RRULE.

    A timed block runs from start_date + start_time to end_date + end_time; a whole-day block
    covers start_date to end_date inclusive, in `time_zone`. For a repeating block these are
    the first occurrence; each later one keeps the same local times (a 19:00 rehearsal stays
    at 19:00 across daylight-saving changes).
    """

    title = models.CharField(_("title"), max_length=120, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    all_day = models.BooleanField(_("all day"), default=False)
    start_date = models.DateField(_("start date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_date = models.DateField(_("end date"))
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    rrule = models.CharField(
        _("repeat rule"), max_length=300, blank=True, help_text=_("RFC 5545 RRULE, without DTSTART.")
    )
    exdates = models.JSONField(
        _("skipped dates"), default=list, blank=True, help_text=_("Local dates (YYYY-MM-DD) of occurrences taken out.")
    )
    materialised_until = models.DateTimeField(_("materialised until"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def time_constraints(cls, prefix: str) -> list[models.CheckConstraint]:
        timed_order = Q(end_date__gt=F("start_date")) | Q(end_date=F("start_date"), end_time__gt=F("start_time"))
        return [
            models.CheckConstraint(
                condition=Q(all_day=True, start_time__isnull=True, end_time__isnull=True, end_date__gte=F("start_date"))
                | (Q(all_day=False, start_time__isnull=False, end_time__isnull=False) & timed_order),
                name=f"{prefix}_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def local_start(self) -> dt.datetime:
        return dt.datetime.combine(self.start_date, self.start_time or MIDNIGHT)

    @property
    def local_end(self) -> dt.datetime:
        if self.all_day:
            return dt.datetime.combine(self.end_date + dt.timedelta(days=1), MIDNIGHT)
        return dt.datetime.combine(self.end_date, self.end_time or MIDNIGHT)

    @property
    def skipped_dates(self) -> frozenset[dt.date]:
        return frozenset(dt.date.fromisoformat(d) for d in self.exdates or ())

    def recurrence(self) -> "Recurrence":
        """The engine's view of this block."""
        from .engine import Recurrence

        return Recurrence(
            start=self.local_start,
            end=self.local_end,
            time_zone=self.time_zone,
            rrule=self.rrule,
            exdates=self.skipped_dates,
            all_day=self.all_day,
        )


class Rule(TimeBlock):
    """A musician's busy time, or a window outside which they count as busy."""

    class Kind(models.TextChoices):
        BUSY = "busy", _("Busy")
        AVAILABLE = "available", _("Only available")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="availability_rules"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BUSY)
    # An occurrence moved or reshaped on its own: the series skips that date and this one-off stands in.
    series = models.ForeignKey(
        "self", verbose_name=_("series"), on_delete=models.CASCADE, null=True, blank=True, related_name="overrides"
    )
    occurrence_date = models.DateField(_("occurrence date"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["user", "start_date", "start_time", "id"]
        indexes = [
            models.Index(fields=["user", "kind"]),
            # The nightly `horizon_extend`: the repeating rules materialised short of the horizon's end, and the
            # one-off blocks not over yet, so a run with nothing to extend reads no rule (decision 0092).
            models.Index(fields=["materialised_until"], condition=~Q(rrule=""), name="availability_rule_repeat_due"),
            models.Index(
                fields=["end_date", "materialised_until"], condition=Q(rrule=""), name="availability_rule_one_off_due"
            ),
        ]
        constraints = TimeBlock.time_constraints("availability_rule")

    def __str__(self) -> str:
        if self.title:
            return self.title
        start = date_format(self.local_start, "MOMENT_FORMAT")
        return gettext("%(kind)s from %(start)s") % {"kind": self.get_kind_display(), "start": start}


class ExternalCalendar(models.Model):
    """A person's own calendar, read from its secret ICS address; its events make them busy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="external_calendars"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    url = models.CharField(_("secret ICS address"), max_length=2000)
    etag = models.CharField(_("etag"), max_length=300, blank=True, editable=False)
    last_modified = models.CharField(_("last modified"), max_length=100, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True, editable=False)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    failures = models.PositiveIntegerField(
        _("failures"), default=0, editable=False, help_text=_("Failed syncs in a row.")
    )
    event_count = models.PositiveIntegerField(_("event count"), default=0, editable=False)
    # What the last good read could not take in fully, one sentence per event ("“Stand-up”: …").
    read_problems = models.JSONField(_("read problems"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        ordering = ["user", "created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "url"], name="availability_calendar_unique_url")]

    def __str__(self) -> str:
        return self.name or gettext("Imported calendar")

    @property
    def url_hint(self) -> str:
        """Enough of the secret address to recognise it, not enough to use it."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or ''}/…"


class BusyInterval(models.Model):
    """One stretch of time a person is busy, in UTC, expanded from wherever it came from.

    Rows are replaced per source (a rule, a person's only-available windows, an imported
    calendar, a band block, a gig) whenever that source changes, and extended nightly over
    a rolling horizon. Titles are kept only for the owner's own view of imported events.
    """

    class Source(models.TextChoices):
        RULE = "rule", _("Busy rule")
        WINDOW = "window", _("Outside only-available windows")
        CALENDAR = "calendar", _("Imported calendar")
        BAND_BLOCK = "band_block", _("Band block")
        GIG = "gig", _("Gig")
        # A connected calendar account (calendars.ConnectedCalendar): source_id is its pk.
        CONNECTED = "connected", _("Connected calendar")

    # The (user, starts_at, ends_at) index below serves lookups by user; a second one would only cost writes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="busy_intervals",
        db_index=False,
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    # Where the person is for this busy time, when its source says (a booked gig: its venue's point).
    # Readers that weigh a journey to somewhere else read it; None: unknown, no journey counted.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("busy interval")
        verbose_name_plural = _("busy intervals")
        ordering = ["user", "starts_at"]
        indexes = [
            models.Index(fields=["user", "starts_at", "ends_at"], name="availability_busy_user_time"),
            models.Index(fields=["source", "source_id"], name="availability_busy_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="availability_busy_ends_after_start",
                violation_error_message=_("A busy interval must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        # Translators: a person's id, busy from a moment until a time of day (UTC), and where it came from.
        return gettext("%(user)s busy %(start)s–%(end)s UTC (%(source)s)") % {
            "user": self.user_id,
            "start": date_format(self.starts_at, "MOMENT_FORMAT"),
            "end": date_format(self.ends_at, "CLOCK_FORMAT"),
            "source": self.get_source_display(),
        }
