"""Input of the hold pages: parsing and validation only (holds.services decides who may and what fits)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bands.models import ApprovalStatus, Band
from bookings.forms.venue_slots import NonexistentTime, band_lookup, local_span
from core.fields.dates import Bound, BoundedDateField, DateInputError
from core.fields.form_fields import OneLineField
from core.fields.scheduling import check_scheduled_days, scheduling_today
from venues.models import Venue

from .models import MAX_LEVEL

EXPIRY_DAYS = 14


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _add_span(form: forms.Form, data: dict) -> bool:
    """The form's date, start and end in its zone as `starts_at` and `ends_at` (an end before the start runs
    past midnight); False, with the error on the form, where they do not make a time within the horizon."""
    if not check_scheduled_days(form, ["date"], today=scheduling_today(form.zone)):
        return False
    day, start, end = data.get("date"), data.get("start"), data.get("end")
    if not (day and start and end):
        return False
    try:
        data["starts_at"], data["ends_at"] = local_span(day, start, end, form.zone)
    except NonexistentTime as exc:
        form.add_error("start", str(exc))
        return False
    return True


class HoldForm(forms.Form):
    band = OneLineField(
        label=_("Band"),
        max_length=120,
        help_text=_("Type the band's name and pick it from the suggestions (or its address, e.g. the-night-owls)."),
        error_messages={"required": _("Type the name of the band to hold the date for.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "hold-band-options"}),
    )
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None, empty_label=None)
    date = BoundedDateField(bound=Bound.AHEAD, label=_("Date"), error_messages={"required": _("Pick the date.")})
    start = forms.TimeField(label=_("Start"), widget=_time_input(), initial=dt.time(20, 0))
    end = forms.TimeField(
        label=_("End"),
        widget=_time_input(),
        initial=dt.time(23, 0),
        help_text=_("An end before the start runs past midnight."),
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("The next free level")), *((str(n), str(n)) for n in range(1, MAX_LEVEL + 1))],
    )
    expires_in = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=365,
        initial=EXPIRY_DAYS,
        help_text=_("Unconfirmed, the hold lets go by itself then (at the latest when the date begins)."),
    )
    note = OneLineField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, venue, stages, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(venue.time_zone)
        self.fields["stage"].queryset = stages

    def clean_band(self) -> Band:
        text = self.cleaned_data["band"].strip()
        matches = list(band_lookup(text)[:2])
        if not matches:
            raise forms.ValidationError(
                _("No band on StageSlot is called “%(text)s”. Pick one of the suggestions."),
                code="unknown",
                params={"text": text},
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("More than one band is called “%(text)s”. Type its address instead, e.g. %(slug)s."),
                code="ambiguous",
                params={"text": text, "slug": matches[0].slug},
            )
        return matches[0]

    def clean(self) -> dict:
        data = super().clean()
        if _add_span(self, data):
            days = data.get("expires_in") or EXPIRY_DAYS
            data["expires_at"] = min(data["starts_at"], timezone.now() + dt.timedelta(days=days))
        return data


class ConfirmForm(forms.Form):
    fee = forms.IntegerField(label=_("Fee offered"), required=False, min_value=0, max_value=1_000_000)
    message = forms.CharField(label=_("Message to the band"), required=False, max_length=2000, widget=forms.Textarea)


class AskHoldsForm(forms.Form):
    """An agency asks venues to hold a date for a band: the venues' addresses, the date and times in the
    asker's own time zone."""

    venues = OneLineField(
        label=_("Venues"),
        max_length=600,
        help_text=_("The venues' names, separated by commas, e.g. Kellerbar, The Lantern."),
    )
    date = BoundedDateField(bound=Bound.AHEAD, label=_("Date"), error_messages={"required": _("Pick the date.")})
    start = forms.TimeField(label=_("Start"), widget=_time_input(), initial=dt.time(20, 0))
    end = forms.TimeField(
        label=_("End"),
        widget=_time_input(),
        initial=dt.time(23, 0),
        help_text=_("An end before the start runs past midnight."),
    )
    note = OneLineField(label=_("Note to the venues"), required=False, max_length=300)

    def __init__(self, *args, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_venues(self) -> list[Venue]:
        """Each venue by its name (any case) or its address (the last part of its page's address)."""
        parts = [part.strip() for part in self.cleaned_data["venues"].split(",")]
        parts = list(dict.fromkeys(p for p in parts if p))
        if not parts:
            raise forms.ValidationError(_("Name at least one venue."), code="required")
        approved = Venue.objects.filter(status=ApprovalStatus.APPROVED)
        slugs = {p: p.strip("/").split("/")[-1].lower() for p in parts}
        by_slug = {v.slug: v for v in approved.filter(slug__in=slugs.values())}
        names = [p for p in parts if slugs[p] not in by_slug]
        by_name: dict[str, list[Venue]] = {}
        if names:
            query = Q()
            for name in names:
                query |= Q(name__iexact=name)
            for venue in approved.filter(query).order_by("name", "pk"):
                by_name.setdefault(venue.name.casefold(), []).append(venue)
        venues, unknown, ambiguous = [], [], []
        for part in parts:
            if slugs[part] in by_slug:
                venues.append(by_slug[slugs[part]])
                continue
            matches = by_name.get(part.casefold(), [])
            if len(matches) == 1:
                venues.append(matches[0])
            elif matches:
                ambiguous.append(f"{part} ({', '.join(v.slug for v in matches)})")
            else:
                unknown.append(part)
        if unknown:
            raise forms.ValidationError(
                _("No venue on StageSlot is called %(names)s. Check the spelling, or pick them on the agency's roster.")
                % {"names": ", ".join(unknown)},
                code="unknown",
            )
        if ambiguous:
            raise forms.ValidationError(
                _("More than one venue has the name %(names)s: type the address instead.")
                % {"names": "; ".join(ambiguous)},
                code="ambiguous",
            )
        return list(dict.fromkeys(venues))

    def clean(self) -> dict:
        data = super().clean()
        _add_span(self, data)
        return data


class AnswerHoldRequestForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None, empty_label=None)
    expires_in = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=365,
        initial=EXPIRY_DAYS,
        help_text=_("Unconfirmed, the hold lets go by itself then (at the latest when the date begins)."),
    )

    def __init__(self, *args, stages, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages


class BookerCalendarForm(forms.Form):
    """What the bookers' calendar shows: month, week or day, around which date. A view it does not know falls
    back to the month; a date that is none, or out of the browsing bound (core/fields/dates.py), is a
    DateInputError (a 400 page that names the first or last date) – or, `fallback`, today."""

    view = forms.ChoiceField(choices=[("month", _("Month")), ("week", _("Week")), ("day", _("Day"))], required=False)
    date = BoundedDateField(bound=Bound.BROWSE, required=False)

    def choice(self, today: dt.date, *, fallback: bool = False) -> tuple[str, dt.date]:
        self.is_valid()
        if "date" in self.errors and not fallback:
            raise DateInputError("date", " ".join(self.errors["date"]))
        data = self.cleaned_data
        return data.get("view") or "month", data.get("date") or today


class MoveHoldForm(forms.Form):
    """Where a hold moves: a room of the calendar, a day, and a level (empty: the level it has)."""

    stage = forms.ModelChoiceField(label=_("Room"), queryset=None, empty_label=None)
    date = BoundedDateField(bound=Bound.AHEAD, label=_("Date"), error_messages={"required": _("Pick the date.")})
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("The level it has")), *((str(n), str(n)) for n in range(1, MAX_LEVEL + 1))],
    )

    def __init__(self, *args, stages, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages
        self.fields["stage"].error_messages["invalid_choice"] = _("Pick one of the rooms you book for.")


class ClosedDayForm(forms.Form):
    date = BoundedDateField(bound=Bound.AHEAD, label=_("Date"), error_messages={"required": _("Pick the date.")})
    note = OneLineField(label=_("Why (optional)"), required=False, max_length=200)
