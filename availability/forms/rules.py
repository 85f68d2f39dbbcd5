"""Input parsing for busy time: busy blocks, repeating rules, one changed date.
The repeat fields are friendly words; the form turns them into an RRULE."""

import datetime as dt
from typing import Any

from dateutil.rrule import rrulestr
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput, OneLineField, TimeZoneField
from core.fields.scheduling import (
    check_scheduled_days,
    day_text,
    scheduling_day_problem,
    scheduling_first_day,
    scheduling_today,
)

from .. import engine
from ..models import Rule
from ..weekdays import WEEKDAY_NAMES as WEEKDAY_NAMES_IN_ORDER
from ..weekdays import WEEKDAY_SHORT_NAMES

WEEKDAYS = list(zip(engine.WEEKDAY_CODES, WEEKDAY_SHORT_NAMES, strict=True))
WEEKDAY_NAMES = dict(zip(engine.WEEKDAY_CODES, WEEKDAY_NAMES_IN_ORDER, strict=True))
ORDINALS = [("1", _("first")), ("2", _("second")), ("3", _("third")), ("4", _("fourth")), ("-1", _("last"))]
# Keys the friendly fields can show; a rule with anything else is edited as a custom rule.
FRIENDLY_KEYS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY"}


class Repeat:
    NEVER = ""
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    CUSTOM = "CUSTOM"
    CHOICES = [
        (NEVER, _("Does not repeat")),
        (DAILY, _("Every day (or every few days)")),
        (WEEKLY, _("Every week, on chosen days")),
        (MONTHLY, _("Every month")),
        (CUSTOM, _("Advanced: a rule of your own")),
    ]


class Ends:
    NEVER = "never"
    UNTIL = "until"
    COUNT = "count"
    CHOICES = [(NEVER, _("Keeps going")), (UNTIL, _("Until a date")), (COUNT, _("After a number of times"))]


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class BlockTimesForm(forms.Form):
    """When a block happens: whole days, or a start and an end time."""

    title = OneLineField(
        label=_("What is it"),
        max_length=120,
        required=False,
        help_text=_("For you, e.g. “Day job” or “Tour with Saltwater”; your bands only see that you are busy."),
    )
    all_day = forms.BooleanField(label=_("Whole days"), required=False)
    start_date = BoundedDateField(bound=Bound.PLAN, label=_("First day"), widget=IsoDateInput())
    start_time = forms.TimeField(label=_("From"), required=False, widget=_time_input())
    end_date = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Last day"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Empty means the same day. Until after midnight? Pick the next day."),
    )
    end_time = forms.TimeField(label=_("Until"), required=False, widget=_time_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Today where the person is (the active zone); a date they keep on an old rule stays as it is.
        self.today = scheduling_today()
        earliest = scheduling_first_day(self.today)
        check_scheduled_days(self, ["start_date", "end_date"], today=self.today, earliest=earliest)
        start_date = data.get("start_date")
        if start_date and not data.get("end_date"):
            data["end_date"] = start_date
        if data.get("all_day"):
            data["start_time"] = data["end_time"] = None
        else:
            missing = (
                ("start_time", gettext("Enter a start time, or tick “Whole days”.")),
                ("end_time", gettext("Enter an end time, or tick “Whole days”.")),
            )
            for name, message in missing:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, message)
        end_date = data.get("end_date")
        if start_date and end_date and "end_date" not in self.errors:
            if end_date < start_date:
                self.add_error("end_date", gettext("The last day must be on or after the first day."))
            elif not data.get("all_day") and data.get("start_time") and data.get("end_time"):
                start = dt.datetime.combine(start_date, data["start_time"])
                end = dt.datetime.combine(end_date, data["end_time"])
                if end <= start:
                    self.add_error(
                        "end_time",
                        gettext(
                            "The end must be after the start. "
                            "For a block past midnight, set the last day to the next day."
                        ),
                    )
        return data

    def block_fields(self) -> dict[str, Any]:
        """The cleaned fields as the services take them."""
        names = ("title", "all_day", "start_date", "start_time", "end_date", "end_time")
        data = {name: self.cleaned_data[name] for name in names}
        data["title"] = data["title"].strip()
        return data

    @staticmethod
    def times_initial(*, day: dt.date, at: dt.time | None, until: dt.time | None = None) -> dict[str, Any]:
        """Whole-day block on `day`, or from `at` until `until` (an hour when not given; a time not after
        `at` is the next day's, as a drag across the week grid down to midnight gives)."""
        if at is None:
            return {"all_day": True, "start_date": day, "end_date": day}
        end = dt.datetime.combine(day, at) + dt.timedelta(hours=1)
        if until is not None:
            end = dt.datetime.combine(day + dt.timedelta(days=1) if until <= at else day, until)
        return {"all_day": False, "start_date": day, "start_time": at, "end_date": end.date(), "end_time": end.time()}


class RuleForm(BlockTimesForm):
    """A busy block or an only-available window, once or repeating."""

    kind = forms.ChoiceField(
        label=_("This is"),
        choices=[
            (Rule.Kind.BUSY, _("Busy – I cannot play then")),
            (Rule.Kind.AVAILABLE, _("Only available – I can only play in times like this")),
        ],
        initial=Rule.Kind.BUSY,
        widget=forms.RadioSelect,
    )
    time_zone = TimeZoneField(label=_("Time zone"), help_text=_("The times above are in this zone."))
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Repeat.CHOICES, required=False)
    interval = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=engine.MAX_INTERVAL,
        initial=1,
        required=False,
        help_text=_("1 = every day, week or month; 2 = every other one, and so on."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"), choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    monthly_mode = forms.ChoiceField(
        label=_("Each month on"),
        choices=[
            ("date", _("a date (e.g. the 14th)")),
            ("weekday", _("a weekday (e.g. the 2nd Tuesday, the last Friday)")),
        ],
        initial="date",
        required=False,
        widget=forms.RadioSelect,
    )
    month_day = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=31, required=False)
    month_ordinal = forms.ChoiceField(label=_("Which"), choices=ORDINALS, required=False)
    month_weekday = forms.ChoiceField(label=_("Weekday"), choices=WEEKDAYS, required=False)
    ends = forms.ChoiceField(label=_("Ends"), choices=Ends.CHOICES, initial=Ends.NEVER, widget=forms.RadioSelect)
    until = BoundedDateField(
        bound=Bound.PLAN,
        late_format=_("%(problem)s, or choose “Keeps going”."),
        label=_("Last date"),
        required=False,
        widget=IsoDateInput(),
    )
    count = forms.IntegerField(label=_("Number of times"), min_value=1, max_value=engine.MAX_COUNT, required=False)
    custom_rrule = OneLineField(
        label=_("Repeat rule"),
        max_length=300,
        required=False,
        help_text=_("Without DTSTART; the first day above is where it starts."),
    )

    field_order = ["kind", "title", "all_day", "start_date", "start_time", "end_date", "end_time", "time_zone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["rrule"] = self._rrule(data)
        return data

    def _rrule(self, data: dict[str, Any]) -> str:
        # A rule written under "Advanced" counts even when "Repeats" was left at "Does not repeat".
        custom = (data.get("custom_rrule") or "").strip()
        repeat = data.get("repeat") or (Repeat.CUSTOM if custom else Repeat.NEVER)
        if repeat == Repeat.NEVER:
            return ""
        if repeat == Repeat.CUSTOM:
            text = (data.get("custom_rrule") or "").strip()
            if not text:
                self.add_error("custom_rrule", gettext("Write the repeat rule, or choose how often it repeats above."))
                return ""
            try:
                rrule = engine.validate_rrule(text)
            except engine.RuleError as e:
                self.add_error("custom_rrule", str(e))
                return ""
            until = engine.until_date(rrule)
            if until and (problem := scheduling_day_problem(until, today=self.today)):
                self.add_error(
                    "custom_rrule",
                    gettext("UNTIL is %(day)s. %(problem)s") % {"day": day_text(until), "problem": problem},
                )
                return ""
            return rrule
        parts = [f"FREQ={repeat}"]
        interval = data.get("interval") or 1
        if interval > 1:
            parts.append(f"INTERVAL={interval}")
        start_date = data.get("start_date")
        if repeat == Repeat.WEEKLY:
            days = data.get("weekdays") or ([WEEKDAYS[start_date.weekday()][0]] if start_date else [])
            order = [code for code, _ in WEEKDAYS]
            parts.append("BYDAY=" + ",".join(sorted(days, key=order.index)))
        elif repeat == Repeat.MONTHLY:
            if data.get("monthly_mode") == "weekday":
                ordinal, weekday = data.get("month_ordinal"), data.get("month_weekday")
                if not ordinal or not weekday:
                    self.add_error(
                        "month_ordinal", gettext("Choose which weekday of the month, e.g. the second Tuesday.")
                    )
                    return ""
                parts.append(f"BYDAY={ordinal}{weekday}")
            else:
                day = data.get("month_day") or (start_date.day if start_date else None)
                if day is None:
                    self.add_error("month_day", gettext("Enter the day of the month, from 1 to 31."))
                    return ""
                parts.append(f"BYMONTHDAY={day}")
        ends = data.get("ends") or Ends.NEVER
        if ends == Ends.UNTIL:
            until = data.get("until")
            if until is None:
                if "until" not in self.errors:
                    self.add_error("until", gettext("Enter the last date, or choose “Keeps going”."))
                return ""
            if start_date and until < start_date:
                self.add_error("until", gettext("The last date must be on or after the first day."))
                return ""
            if problem := scheduling_day_problem(until, today=self.today):
                self.add_error("until", gettext("%(problem)s, or choose “Keeps going”.") % {"problem": problem[:-1]})
                return ""
            # A floating local time: the rule ends at the end of that day wherever the rule's zone is.
            parts.append(f"UNTIL={until:%Y%m%d}T235959")
        elif ends == Ends.COUNT:
            count = data.get("count")
            if count is None:
                if "count" not in self.errors:
                    self.add_error("count", gettext("Enter how many times, or choose “Keeps going”."))
                return ""
            parts.append(f"COUNT={count}")
        return ";".join(parts)

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned fields as rule_create/rule_update take them."""
        return {
            **self.block_fields(),
            "kind": self.cleaned_data["kind"],
            "time_zone": self.cleaned_data["time_zone"],
            "rrule": self.cleaned_data["rrule"],
        }

    def error_field(self, name: str) -> str | None:
        """The form field that shows a service error about model field `name` (None: the whole form)."""
        if name == "rrule":
            return "custom_rrule" if self.cleaned_data.get("repeat") == Repeat.CUSTOM else "repeat"
        return name if name in self.fields else None

    @classmethod
    def initial_for(
        cls,
        *,
        day: dt.date,
        at: dt.time | None = None,
        until: dt.time | None = None,
        time_zone: str,
        kind: str = Rule.Kind.BUSY,
    ) -> dict[str, Any]:
        """A new block on `day` (whole day, or from `at` until `until` or for an hour), ready to repeat on
        that weekday."""
        return {
            **cls.times_initial(day=day, at=at, until=until),
            **_repeat_defaults(day),
            "kind": kind,
            "time_zone": time_zone,
        }

    @classmethod
    def initial_from_rule(cls, rule: Rule) -> dict[str, Any]:
        """The form as it was filled in for `rule`, reading its RRULE back into the friendly fields."""
        initial: dict[str, Any] = {
            "kind": rule.kind,
            "title": rule.title,
            "all_day": rule.all_day,
            "start_date": rule.start_date,
            "start_time": rule.start_time,
            "end_date": rule.end_date,
            "end_time": rule.end_time,
            "time_zone": rule.time_zone,
            **_repeat_defaults(rule.start_date),
        }
        if rule.rrule:
            initial.update(_repeat_initial(rule))
        return initial


def _repeat_defaults(day: dt.date) -> dict[str, Any]:
    ordinal = (day.day - 1) // 7 + 1
    if day + dt.timedelta(days=7) > _month_end(day):
        ordinal = -1
    code = WEEKDAYS[day.weekday()][0]
    return {
        "repeat": Repeat.NEVER,
        "interval": 1,
        "weekdays": [code],
        "monthly_mode": "date",
        "month_day": day.day,
        "month_ordinal": str(ordinal if ordinal <= 4 else -1),
        "month_weekday": code,
        "ends": Ends.NEVER,
    }


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def _repeat_initial(rule: Rule) -> dict[str, Any]:
    """The friendly fields for an RRULE, or the custom field when they cannot say it."""
    custom = {"repeat": Repeat.CUSTOM, "custom_rrule": rule.rrule}
    try:
        parts = engine.rrule_parts(rule.rrule)
        parsed = rrulestr(rule.rrule, dtstart=rule.local_start)
    except (engine.RuleError, ValueError):
        return custom
    freq = parts.get("FREQ")
    if set(parts) - FRIENDLY_KEYS or freq not in (Repeat.DAILY, Repeat.WEEKLY, Repeat.MONTHLY):
        return custom
    byweekday = parsed._original_rule.get("byweekday") or ()
    bymonthday = parsed._original_rule.get("bymonthday") or ()
    initial: dict[str, Any] = {"repeat": freq, "interval": parsed._interval}
    codes = [code for code, _ in WEEKDAYS]
    if freq == Repeat.DAILY and (byweekday or bymonthday):
        return custom
    if freq == Repeat.WEEKLY:
        if bymonthday or any(day.n for day in byweekday):
            return custom
        if byweekday:
            initial["weekdays"] = [codes[day.weekday] for day in byweekday]
    if freq == Repeat.MONTHLY:
        if bymonthday and not byweekday and len(bymonthday) == 1 and bymonthday[0] > 0:
            initial.update(monthly_mode="date", month_day=bymonthday[0])
        elif byweekday and not bymonthday and len(byweekday) == 1 and byweekday[0].n in (1, 2, 3, 4, -1):
            initial.update(
                monthly_mode="weekday", month_ordinal=str(byweekday[0].n), month_weekday=codes[byweekday[0].weekday]
            )
        elif byweekday or bymonthday:
            return custom
    if parsed._count:
        initial.update(ends=Ends.COUNT, count=parsed._count)
    elif parsed._until:
        initial.update(ends=Ends.UNTIL, until=parsed._until.date())
    return initial


class OccurrenceForm(BlockTimesForm):
    """One date of a repeating rule, changed on its own."""
