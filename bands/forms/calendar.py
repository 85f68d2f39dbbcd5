"""Input parsing for the band calendar: the view, finding dates, rehearsals and holds."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import WEEKDAY_CODES
from availability.services import horizon_ahead
from availability.weekdays import WEEKDAY_NAMES
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput, OneLineField
from core.fields.scheduling import check_scheduled_days, scheduling_first_day, scheduling_today

from ..calendar import length_label
from ..gig_hours import DEFAULT_HOURS, GIG_HOURS, TIME_PRESETS, GigHours
from ..models import BandBlock

MIN_MINUTES, MAX_MINUTES = 30, 720
LENGTH_CHOICES = (30, 60, 90, 120, 150, 180, 210, 240, 300, 360, 480, 600, 720)
LENGTH_ERROR = _("Pick a length from 30 minutes to 12 hours.")
MAX_RANGE_DAYS = 366
WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
WEEKDAY_ERROR = _("Pick weekdays from Monday to Sunday.")


def length_choices(*also: int | None) -> list[tuple[int, str]]:
    """The usual gig lengths, plus any other value in use (the band's own default)."""
    values = sorted({*LENGTH_CHOICES, *(v for v in also if v and MIN_MINUTES <= v <= MAX_MINUTES)})
    return [(v, length_label(dt.timedelta(minutes=v))) for v in values]


class LengthField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", MIN_MINUTES)
        kwargs.setdefault("max_value", MAX_MINUTES)
        kwargs.setdefault(
            "error_messages",
            {"invalid": LENGTH_ERROR, "min_value": LENGTH_ERROR, "max_value": LENGTH_ERROR, "required": LENGTH_ERROR},
        )
        kwargs.setdefault("widget", forms.Select(choices=length_choices()))
        super().__init__(**kwargs)

    def offer(self, *values: int | None) -> None:
        self.widget.choices = length_choices(*values)


class CalendarViewForm(forms.Form):
    """What the calendar shows: month or week, around which date, with which minimum length, in which hours.

    Anything unreadable, or a date out of the browsing bound (core/fields/dates.py), falls back to the default
    (this month, the band's own minimum, evenings).
    """

    view = forms.ChoiceField(choices=[("month", _("Month")), ("week", _("Week"))], required=False)
    date = BoundedDateField(bound=Bound.BROWSE, required=False)
    min = LengthField(required=False, label=_("Free for at least"))
    hours = forms.ChoiceField(
        choices=[(key, hours.label) for key, hours in GIG_HOURS.items()], required=False, label=_("Gig hours")
    )

    def __init__(self, data, *, default_minutes: int, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.default_minutes = default_minutes
        asked = data.get("min", "")
        self.fields["min"].offer(default_minutes, int(asked) if asked.isdigit() else None)

    def choice(self, today: dt.date) -> tuple[str, dt.date, int, GigHours]:
        self.is_valid()
        data = self.cleaned_data
        view = data.get("view") or "month"
        on = data.get("date") or today
        hours = GIG_HOURS[data.get("hours") or DEFAULT_HOURS]
        return view, on, data.get("min") or self.default_minutes, hours


class MinGigForm(forms.Form):
    minutes = LengthField(label=_("Shortest gig"))


class FindDatesForm(forms.Form):
    """A search for gig dates: a range of days, a length, a time of day, weekdays."""

    start = BoundedDateField(bound=Bound.PLAN, label=_("From"), widget=IsoDateInput())
    end = BoundedDateField(bound=Bound.PLAN, label=_("Until"), widget=IsoDateInput())
    length = LengthField(label=_("Free for at least"))
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=[(key, label) for key, (label, _, _) in TIME_PRESETS.items()],
        widget=forms.RadioSelect,
        initial="evening",
        error_messages={"invalid_choice": _("Pick evenings, afternoons, any time, or your own hours.")},
    )
    day_start = forms.TimeField(
        label=_("From (custom)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    day_end = forms.TimeField(
        label=_("To (custom)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("An end before the start runs past midnight, e.g. 20:00 to 02:00."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means every day."),
        error_messages={"invalid_choice": WEEKDAY_ERROR},
    )

    def __init__(self, data=None, *, today: dt.date, default_minutes: int, **kwargs) -> None:
        initial = {
            "start": today,
            "end": today + dt.timedelta(days=90),
            "length": default_minutes,
            "time_of_day": "evening",
        }
        super().__init__(data, initial=initial, **kwargs)
        self.today = today
        asked = data.get("length", "") if data else ""
        self.fields["length"].offer(default_minutes, int(asked) if asked.isdigit() else None)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            last_known = self.today + horizon_ahead() - dt.timedelta(days=1)
            if end < start:
                self.add_error("end", gettext("The end date is before the start date."))
            elif (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error(
                    "end",
                    gettext("Search at most a year at a time; this range is %(days)s days.")
                    % {"days": (end - start).days + 1},
                )
            elif end < self.today:
                self.add_error("end", gettext("These dates are over. Pick dates from today on."))
            elif end > last_known:
                self.add_error(
                    "end",
                    gettext("Members’ busy time is known until %(last_known)s; end there or earlier.")
                    % {"last_known": date_format(last_known, "DAY_FORMAT")},
                )
        if data.get("time_of_day") == "custom":
            opens, closes = data.get("day_start"), data.get("day_end")
            if opens is None or closes is None:
                self.add_error("day_start", gettext("Give the hours to search in, e.g. from 19:00 to 23:00."))
            elif opens == closes:
                self.add_error("day_end", gettext("The end time is the same as the start time."))
            elif data.get("length") is not None:
                span = dt.datetime.combine(dt.date.min, closes) - dt.datetime.combine(dt.date.min, opens)
                span = span if span > dt.timedelta(0) else span + dt.timedelta(days=1)
                if span < dt.timedelta(minutes=data["length"]):
                    self.add_error(
                        "day_end",
                        gettext("These hours (%(span)s) are shorter than the length asked for (%(length)s).")
                        % {"span": length_label(span), "length": length_label(dt.timedelta(minutes=data["length"]))},
                    )
        elif data.get("time_of_day") == "afternoon" and data.get("length", 0) > 6 * 60:
            self.add_error(
                "length", gettext("Afternoons are 6 hours long; pick a shorter length or another time of day.")
            )
        elif data.get("time_of_day") == "evening" and data.get("length", 0) > 6 * 60:
            # Evenings run on past midnight only as far as the search allows: up to 24:00.
            self.add_error(
                "length", gettext("Evenings are 6 hours long; pick a shorter length or another time of day.")
            )
        return data

    def search(self) -> dict:
        """Keyword arguments for bands.calendar.band_find_dates."""
        data = self.cleaned_data
        preset = data["time_of_day"]
        _, opens, closes = TIME_PRESETS[preset]
        if preset == "custom":
            opens, closes = data["day_start"], data["day_end"]
        return {
            "first_day": max(data["start"], self.today),
            "last_day": data["end"],
            "min_length": dt.timedelta(minutes=data["length"]),
            "day_start": opens,
            "day_end": closes,
            "weekdays": set(data["weekdays"]) or None,
        }


class BandBlockForm(forms.Form):
    """A rehearsal or hold, once or every week, in the band's time zone."""

    # Gigs come from bookings, never from this form.
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(v, label) for v, label in BandBlock.Kind.choices if v != BandBlock.Kind.GIG],
        initial=BandBlock.Kind.REHEARSAL,
    )
    title = OneLineField(
        label=_("Title"), max_length=120, required=False, help_text=_("Optional, e.g. “Rehearsal at Proberaum 4”.")
    )
    date = BoundedDateField(bound=Bound.PLAN, label=_("Date"), widget=IsoDateInput())
    all_day = forms.BooleanField(label=_("All day"), required=False)
    start_time = forms.TimeField(
        label=_("Starts"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("An end before the start means the next day."),
    )
    repeat = forms.BooleanField(label=_("Repeat every week"), required=False)
    days = forms.MultipleChoiceField(
        label=_("On"),
        choices=[(code, name) for code, name in zip(WEEKDAY_CODES, WEEKDAY_NAMES, strict=True)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means the weekday of the date."),
        error_messages={"invalid_choice": WEEKDAY_ERROR},
    )
    until = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Until"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Leave empty to keep it."),
    )

    def clean(self) -> dict:
        data = super().clean()
        today = scheduling_today()
        check_scheduled_days(self, ["date", "until"], today=today, earliest=scheduling_first_day(today))
        if not data.get("all_day"):
            starts, ends = data.get("start_time"), data.get("end_time")
            if "start_time" not in self.errors and starts is None:
                self.add_error("start_time", gettext("Give a start time, or tick “All day”."))
            if "end_time" not in self.errors and ends is None:
                self.add_error("end_time", gettext("Give an end time, or tick “All day”."))
            if starts is not None and ends is not None and starts == ends:
                self.add_error("end_time", gettext("The end time is the same as the start time."))
        if self.has_error("date") or self.has_error("until"):
            return data
        if data.get("repeat") and data.get("date") and data.get("until") and data["until"] < data["date"]:
            self.add_error("until", gettext("The last date is before the first one."))
        return data

    def block_fields(self) -> dict:
        """Keyword arguments for bands.services.band_block_create."""
        data = self.cleaned_data
        start = data["date"]
        rrule = ""
        if data["repeat"]:
            days = [code for code in WEEKDAY_CODES if code in data["days"]] or [WEEKDAY_CODES[start.weekday()]]
            # The first occurrence is the first chosen weekday from the date on.
            while WEEKDAY_CODES[start.weekday()] not in days:
                start += dt.timedelta(days=1)
            rrule = f"FREQ=WEEKLY;BYDAY={','.join(days)}"
            if data["until"]:
                rrule += f";UNTIL={data['until']:%Y%m%d}"
        fields = {
            "kind": data["kind"],
            "title": data["title"].strip(),
            "all_day": data["all_day"],
            "start_date": start,
            "end_date": start,
            "start_time": None,
            "end_time": None,
            "rrule": rrule,
        }
        if not data["all_day"]:
            fields["start_time"], fields["end_time"] = data["start_time"], data["end_time"]
            if data["end_time"] < data["start_time"]:
                fields["end_date"] = start + dt.timedelta(days=1)
        return fields

    # The service names model fields; the person filled in these.
    FIELD_FOR = {
        "start_date": "date",
        "end_date": "end_time",
        "rrule": "days",
        "start_time": "start_time",
        "end_time": "end_time",
        "title": "title",
        "kind": "kind",
        "all_day": "all_day",
    }

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            target = self.FIELD_FOR.get(name)
            if target == "end_time" and self.cleaned_data.get("all_day"):
                target = "date"
            self.add_error(target, errors)
