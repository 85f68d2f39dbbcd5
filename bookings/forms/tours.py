"""The tour planner's question and the stops picked to apply to."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput
from core.fields.scheduling import check_scheduled_days, scheduling_today
from places.models import City

from ..selectors.tours import KINDS, city_for_text
from ..tours import route_problem

KIND_CHOICES = [(KINDS[0], _("Open slots (as headliner)")), (KINDS[1], _("Support places"))]
MAX_DRIVE_KM = 1500
MAX_STOPS = 60


class CityText(forms.CharField):
    """A city typed as text, resolved through the gazetteer; an unknown one is said so by name."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}), **kwargs)

    def clean(self, value: Any) -> City:
        text = super().clean(value)
        city = city_for_text(text)
        if city is None:
            raise forms.ValidationError(
                gettext("We know no city called “%(text)s”. Check the spelling, or try a bigger town nearby.")
                % {"text": text},
                code="unknown",
            )
        return city


class TourForm(forms.Form):
    start = CityText(
        label=_("Start city"),
        help_text=_("Where the band sets off on the first day, e.g. Hamburg (or “Hamburg, DE”)."),
        error_messages={"required": _("Enter the city the tour starts in.")},
    )
    end = CityText(
        label=_("End city"),
        help_text=_("Where the band must be by the end of the last day."),
        error_messages={"required": _("Enter the city the tour ends in.")},
    )
    first_day = BoundedDateField(
        bound=Bound.PLAN,
        label=_("First day"),
        widget=IsoDateInput(),
        error_messages={"required": _("Enter the first day."), "invalid": _("Enter a date, like 2026-06-13.")},
    )
    last_day = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Last day"),
        widget=IsoDateInput(),
        error_messages={"required": _("Enter the last day."), "invalid": _("Enter a date, like 2026-06-30.")},
    )
    drive_km = forms.IntegerField(
        label=_("Drive per day (km)"),
        initial=400,
        min_value=1,
        max_value=MAX_DRIVE_KM,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("How far the band drives in a day. A day off lets it drive further to the next stop."),
        error_messages={
            "required": _("Enter how far the band drives in a day, e.g. 400."),
            "min_value": _("The band must drive more than 0 km a day."),
            "max_value": format_lazy(
                _("Enter at most {max} km a day."), max=lazy(number_format, str)(MAX_DRIVE_KM, force_grouping=True)
            ),
            "invalid": _("Enter whole km, e.g. 400."),
        },
    )
    kinds = forms.MultipleChoiceField(
        label=_("Stops"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Pick open slots, support places or both."),
            "invalid_choice": _("Pick open slots, support places or both."),
        },
    )

    prefer_demand = forms.BooleanField(
        label=_("Prefer cities where fans asked us to come"),
        required=False,
        help_text=_("Among routes that fill as many nights, those through more of these cities come first."),
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.zone = zone

    @property
    def time_zone_name(self) -> str:
        return self.zone.key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first is None or last is None:
            return cleaned
        today = scheduling_today(self.zone)
        if not check_scheduled_days(
            self,
            ["first_day", "last_day"],
            today=today,
            earliest=today,
            earliest_message=gettext("That day has passed."),
        ):
            return cleaned
        # A missing drive already has its own message.
        problems = route_problem(first_day=first, last_day=last, drive_km=cleaned.get("drive_km") or 1)
        for name, problem in problems.items():
            self.add_error(name, problem)
        return cleaned


def tour_initial(today: dt.date, band_city: City | None) -> dict[str, Any]:
    """What the empty planner suggests: from the band's city, starting in a week, for ten days."""
    first = today + dt.timedelta(days=7)
    return {
        "start": band_city.name if band_city else "",
        "first_day": first,
        "last_day": first + dt.timedelta(days=9),
        "drive_km": 400,
        "kinds": list(KINDS),
    }


class TourApplyForm(forms.Form):
    """The stops picked on a route: "<slot id>:<role>" each, as the route offered them. Each stop takes
    the fee its venue offers (as an application from the gig finder with the fee left empty)."""

    stop = forms.MultipleChoiceField(
        label=_("Stops"),
        error_messages={
            "required": _("Tick at least one stop to apply to."),
            "invalid_choice": _("One of the stops could not be read; draw the routes again and tick the stops."),
        },
    )
    message = forms.CharField(
        label=_("Message to each venue"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with every application. Who you are, what you sound like, that you are on tour."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stop"].choices = self._posted_choices()

    def _posted_choices(self) -> list[tuple[str, str]]:
        values = self.data.getlist("stop") if hasattr(self.data, "getlist") else []
        good = []
        for value in values[:MAX_STOPS]:
            pk, _, role = str(value).partition(":")
            if pk.isdigit() and role in KINDS:
                good.append((value, value))
        return good

    def picks(self) -> list[tuple[int, str]]:
        """(slot id, role) per ticked stop, in the order posted, each once."""
        seen, out = set(), []
        for value in self.cleaned_data["stop"]:
            pk, _, role = value.partition(":")
            if int(pk) not in seen:
                seen.add(int(pk))
                out.append((int(pk), role))
        return out
