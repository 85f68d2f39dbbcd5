"""The guided booking's four steps, one form each: what (a package or something else), when, where,
and the review with the message. Each validates alone; the draft in the session holds them together."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import local_exists, local_to_utc
from bands.models import Band, Deliverable, Package
from bands.packages import package_length_label, package_price_label
from core.fields.dates import Bound, BoundedDateField, BoundedDateTimeField
from core.fields.form_fields import BoundedIntegerField, IsoDateInput, IsoDateTimeInput, OneLineField
from core.fields.scheduling import check_scheduled_days, scheduling_today
from core.fields.timezones import zone_name

from ..models import Booking, BookingFile
from .requests import EVENT_TYPE_CHOICES, MAX_BUDGET, MAX_GUESTS

OTHER = "other"
STEP_TITLES = (_("What"), _("When"), _("Where"), _("Review"))


class WhatForm(forms.Form):
    """Step 1: one of the band's packages, or something else described in words."""

    package = forms.ChoiceField(label=_("What would you like?"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe it"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For something else: what you have in mind, e.g. “an acoustic duo during dinner”."),
    )
    budget = forms.IntegerField(
        label=_("Budget"),
        required=False,
        min_value=0,
        max_value=MAX_BUDGET,
        help_text=_("For something else: your budget for the whole event. Leave empty to ask for a quote."),
        error_messages={"min_value": _("A budget cannot be negative.")},
    )

    def __init__(self, *args: Any, band: Band, packages: list[Package], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(p.pk),
                (
                    gettext("%(name)s – %(length)s, %(price)s · instant booking")
                    if p.instant
                    else gettext("%(name)s – %(length)s, %(price)s")
                )
                % {"name": p.name, "length": package_length_label(p), "price": package_price_label(p)},
            )
            for p in packages
        ]
        self.fields["package"].choices = [*choices, (OTHER, gettext("Something else"))]
        currency = band.currency
        self.fields["budget"].help_text = gettext(
            "For something else: your budget for the whole event, in %(currency)s. Leave empty to ask for a quote."
        ) % {"currency": currency}
        self.fields["budget"].widget.attrs["inputmode"] = "numeric"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("package") == OTHER and not (data.get("description") or "").strip():
            self.add_error("description", gettext("Describe what you would like, so the band can answer."))
        return data


class WhenForm(forms.Form):
    """Step 2: the date and start in the band's zone, and how long (a package sets its own length)."""

    date = BoundedDateField(bound=Bound.PLAN, label=_("Date"), widget=IsoDateInput())
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(
        label=_("How long (minutes)"),
        min_value=15,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
        error_messages={"min_value": _("At least 15 minutes."), "max_value": _("At most 24 hours (1440 minutes).")},
    )

    def __init__(self, *args: Any, band: Band, package: Package | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.band, self.package = band, package
        if package is not None:
            self.fields["minutes"].initial = package.length_minutes
        self.fields["date"].help_text = gettext("In %(band)s's time zone, %(zone)s.") % {
            "band": band.name,
            "zone": zone_name(band.time_zone),
        }
        if package is not None and package.price_unit == Package.PriceUnit.FIXED:
            self.fields["minutes"].disabled = True
            self.fields["minutes"].help_text = gettext("%(package)s lasts %(length)s.") % {
                "package": package.name,
                "length": package_length_label(package),
            }
        elif package is not None:
            self.fields["minutes"].min_value = package.length_minutes
            self.fields["minutes"].help_text = gettext("At least %(minutes)s (%(length)s); priced %(unit)s.") % {
                "minutes": package.length_minutes,
                "length": package_length_label(package),
                "unit": package.get_price_unit_display(),
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = self.band_zone
        if not check_scheduled_days(self, ["date"], today=scheduling_today(zone)):
            return data
        day, start, minutes = data.get("date"), data.get("start"), data.get("minutes")
        if self.package is not None and minutes is not None and minutes < self.package.length_minutes:
            self.add_error(
                "minutes",
                gettext("%(package)s lasts at least %(minutes)s minutes.")
                % {"package": self.package.name, "minutes": self.package.length_minutes},
            )
        if day is None or start is None or minutes is None or self.errors:
            return data
        wall = dt.datetime.combine(day, start)
        if not local_exists(wall, zone):
            self.add_error(
                "start",
                gettext("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward.")
                % {
                    "time": time_format(wall, "CLOCK_FORMAT"),
                    "day": date_format(wall, "DAY_MONTH_FORMAT"),
                    "zone": zone_name(zone),
                },
            )
            return data
        data["starts_at"] = local_to_utc(wall, zone)
        data["ends_at"] = data["starts_at"] + dt.timedelta(minutes=minutes)
        if data["starts_at"] <= timezone.now():
            self.add_error("start", gettext("This start is in the past. Choose a time from now on."))
        return data

    @property
    def band_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.band.time_zone)


class WhereForm(forms.Form):
    """Step 3: where, inside or out, how many guests, and what the band should know to set up."""

    location = OneLineField(label=_("Venue or address"), max_length=200)
    setting = forms.ChoiceField(
        label=_("Indoors or outdoors"), choices=Booking.Setting.choices, widget=forms.RadioSelect, required=False
    )
    event_type = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("Choose…")), *EVENT_TYPE_CHOICES])
    guests = forms.IntegerField(
        label=_("Guests"),
        required=False,
        min_value=1,
        max_value=MAX_GUESTS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": _("Enter at least one guest, or leave it empty.")},
    )
    power_notes = OneLineField(
        label=_("Power"), required=False, max_length=300, help_text=_("Sockets near the stage, a generator outdoors…")
    )
    load_in_notes = OneLineField(
        label=_("Load-in"),
        required=False,
        max_length=300,
        help_text=_("Where to park and unload, stairs, a lift, times."),
    )


class ReviewForm(forms.Form):
    """Step 4: a message, and the total the client confirms (checked against the price again)."""

    message = forms.CharField(
        label=_("Message to the band"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    price = BoundedIntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class RescheduleForm(forms.Form):
    """New times for a booked gig, in the event's zone, with the reason."""

    starts_at = BoundedDateTimeField(bound=Bound.PLAN, label=_("New start"), widget=IsoDateTimeInput())
    ends_at = BoundedDateTimeField(bound=Bound.PLAN, label=_("New end"), widget=IsoDateTimeInput())
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("What went wrong"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG, JPEG, plain text or audio, up to 25 MB."))
    title = OneLineField(label=_("Title"), required=False, max_length=120, help_text=_("Empty: the file's name."))
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    replaces = forms.TypedChoiceField(label=_("A new version of"), required=False, coerce=int, empty_value=None)
    deliverable = forms.ChoiceField(
        label=_("Delivers"),
        required=False,
        choices=[],
        help_text=_("After the gig: what the band hands over, as its package promises."),
    )

    def __init__(self, *args: Any, documents: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = BookingFile.Kind.choices
        self.fields["deliverable"].choices = [("", gettext("– nothing: an ordinary file –")), *Deliverable.choices]
        self.fields["replaces"].choices = [
            ("", gettext("– a new document –")),
            *((str(f.pk), f.title) for f in documents),
        ]
