"""Input parsing for a client's request: the date, times and zone, and what the event is."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import local_exists, local_to_utc
from bands.models import Band
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput, OneLineField, TimeZoneField
from core.fields.scheduling import check_scheduled_days, scheduling_first_day, scheduling_today
from core.fields.timezones import zone_name

MAX_BUDGET = 10_000_000
MAX_GUESTS = 100_000
TIMES_HELP = "request-times-help"
EVENT_TYPES = ["Wedding", "Birthday", "Corporate", "Private party", "Other"]
# What the client reads; the English name is what is stored (and what the API takes).
EVENT_TYPE_CHOICES = [
    ("Wedding", _("Wedding")),
    ("Birthday", _("Birthday")),
    ("Corporate", _("Corporate")),
    ("Private party", _("Private party")),
    ("Other", _("Other")),
]

# What the services call a field, and the field of the request form it belongs to.
SERVICE_FIELDS = {"starts_at": "start", "ends_at": "end", "fee": "budget", "guests": "guests"}


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RequestTimesForm(forms.Form):
    """When the event is: a date, a start and an end in the event's time zone.

    An end at or before the start is on the next day (22:00–02:00), so a request never ends
    before it starts and is at most 24 hours long.
    """

    date = BoundedDateField(bound=Bound.PLAN, label=_("Date"), widget=IsoDateInput())
    start = forms.TimeField(label=_("Starts"), widget=_time_input())
    # The page says under the times that an earlier end is on the next day (TIMES_HELP).
    end = forms.TimeField(
        label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time", "aria-describedby": TIMES_HELP}, format="%H:%M")
    )
    time_zone = TimeZoneField(
        label=_("Time zone"), help_text=_("Where the event is; the times above are in this zone.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end, zone_key = (data.get(n) for n in ("date", "start", "end", "time_zone"))
        zone = zoneinfo.ZoneInfo(zone_key) if zone_key else None
        # A recent past date is the service's (and the live check's) to explain; years back is no date at all.
        today = scheduling_today(zone)
        if not check_scheduled_days(self, ["date"], today=today, earliest=scheduling_first_day(today)):
            return data
        if None in (day, start, end) or zone is None:
            return data
        starts = dt.datetime.combine(day, start)
        ends = dt.datetime.combine(day if end > start else day + dt.timedelta(days=1), end)
        for name, wall in (("start", starts), ("end", ends)):
            if not local_exists(wall, zone):
                self.add_error(
                    name,
                    gettext("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward then.")
                    % {
                        "time": time_format(wall, "CLOCK_FORMAT"),
                        "day": date_format(wall, "DAY_MONTH_FORMAT"),
                        "zone": zone_name(zone),
                    },
                )
        if not self.errors:
            data["starts_at"] = local_to_utc(starts, zone)
            data["ends_at"] = local_to_utc(ends, zone)
            data["next_day"] = ends.date() != starts.date()
        return data

    def times(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The start and end in UTC, once the fields are valid."""
        if not self.is_valid() or "starts_at" not in self.cleaned_data:
            return None
        return self.cleaned_data["starts_at"], self.cleaned_data["ends_at"]


class RequestForm(RequestTimesForm):
    """A client's request for a band to play a private event."""

    event_type = forms.ChoiceField(label=_("Event"), choices=[("", _("Choose…")), *EVENT_TYPE_CHOICES])
    location = OneLineField(label=_("Location"), max_length=200, help_text=_("Town, venue or address."))
    guests = forms.IntegerField(
        label=_("Guests"),
        required=False,
        min_value=1,
        max_value=MAX_GUESTS,
        help_text=_("About how many people come."),
        error_messages={"min_value": _("Enter at least one guest, or leave it empty.")},
    )
    budget = forms.IntegerField(
        label=_("Budget"),
        required=False,
        min_value=0,
        max_value=MAX_BUDGET,
        error_messages={"min_value": _("A budget cannot be negative.")},
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Anything the band should know: the programme, the room, what you would like to hear."),
    )

    def __init__(self, *args: Any, band: Band | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if band is not None:
            self.fields["budget"].help_text = gettext(
                "In %(currency)s, for the whole event. Leave empty to ask for a quote."
            ) % {"currency": band.currency}
        self.fields["guests"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["budget"].widget.attrs.update({"inputmode": "numeric"})

    def service_fields(self) -> dict[str, Any]:
        """The cleaned fields as booking_request takes them."""
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "time_zone": data["time_zone"],
            "event_type": data["event_type"],
            "location": data["location"],
            "guests": data["guests"],
            "fee": data["budget"],
            "message": data["message"],
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's messages next to the fields they are about."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, messages in exc.message_dict.items():
            for message in messages:
                field = SERVICE_FIELDS.get(name, name)
                self.add_error(field if field in self.fields else None, message)


class RequestManyForm(RequestForm):
    """One request for several bands (`bands`): the budget is in their currency, or left empty when they
    quote in different ones."""

    def __init__(self, *args: Any, bands: list[Band], **kwargs: Any) -> None:
        super().__init__(*args, band=bands[0] if bands else None, **kwargs)
        currencies = sorted({band.currency for band in bands})
        if len(currencies) > 1:
            self.fields["budget"].help_text = gettext(
                "These bands quote in different currencies (%(currencies)s): leave the budget empty and compare "
                "their quotes."
            ) % {"currencies": ", ".join(currencies)}
