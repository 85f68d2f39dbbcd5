"""The date range of an analytics page: parsing and validation only."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput

# Two full years and a little: the longest range a page compares with the one before it.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in the viewer's time zone."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(start=end - dt.timedelta(days=self.days - 1), end=end)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The aware moments the period runs from (included) and to (excluded)."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches, in order."""
        month = self.start.replace(day=1)
        months = []
        while month <= self.end:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return months


def default_period(today: dt.date | None = None) -> Period:
    """The last twelve months: from the first of the month eleven months ago to today."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _month in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Period(start=first, end=today)


class PeriodForm(forms.Form):
    """From and to, each a record's date (core/fields/dates.py: from 2000 up to the horizon); one left out is taken
    from the last twelve months."""

    start = BoundedDateField(bound=Bound.RECORD, label=_("From"), widget=IsoDateInput(), required=False)
    end = BoundedDateField(bound=Bound.RECORD, label=_("To"), widget=IsoDateInput(), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default = default_period()
        start, end = data.get("start") or default.start, data.get("end") or default.end
        if end < start:
            raise forms.ValidationError(_("The range ends before it starts: pick a “To” date after the “From” date."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Pick a range of at most three years: it is compared with the range of the same length before it.")
            )
        data["period"] = Period(start=start, end=end)
        return data


def period_from(params) -> tuple[PeriodForm, Period]:
    """The form bound to the query string and the period it names (the last twelve months while it has errors)."""
    form = PeriodForm(params if ("start" in params or "end" in params) else None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period"]
    period = default_period()
    if not form.is_bound:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    return form, period
