"""Input of a gig's day sheet: its details (times as wall clock times of the gig's day in its zone) and
one checklist item marked advanced or reopened."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import local_exists, local_to_utc
from bookings.models import Booking
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import OneLineField, bounded_formfield
from core.fields.timezones import zone_name
from gigs.models import AdvanceItem, DaySheet, Side
from gigs.services.day_sheets import TEXT_FIELDS

# The form's wall times by the sheet's fields.
TIME_INPUTS = {"load_in_at": "load_in", "soundcheck_at": "soundcheck", "doors_at": "doors", "curfew_at": "curfew"}


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _zone(booking: Booking) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(booking.time_zone or "UTC")


def gig_wall(booking: Booking, wall: dt.time) -> dt.datetime:
    """A wall time of the gig's day, as a naive local moment: on the gig's start date in its zone, or
    the next day when that would be more than 14 hours before the start (a 00:30 curfew after a 22:00
    start)."""
    start = booking.starts_at.astimezone(_zone(booking))
    local = dt.datetime.combine(start.date(), wall)
    if local < start.replace(tzinfo=None) - dt.timedelta(hours=14):
        local += dt.timedelta(days=1)
    return local


def near_gig(booking: Booking, wall: dt.time) -> dt.datetime:
    """gig_wall as UTC."""
    return local_to_utc(gig_wall(booking, wall), _zone(booking))


class ContactPersonField(forms.TypedChoiceField):
    """Who a side's contact on the day is, by their account: one of `people`, or nobody (a contact typed by hand
    in the fields beside it). Cleans to the account or None."""

    def __init__(self, *, people=(), **kwargs) -> None:
        self.people = {person.pk: person for person in people}
        choices = [("", _("Someone else: type the details")), *((pk, p.name) for pk, p in self.people.items())]
        super().__init__(
            choices=choices,
            coerce=int,
            empty_value=None,
            required=False,
            label=_("Who"),
            help_text=_("Someone with an account shows with their own name and email, as they keep them."),
            error_messages={"invalid_choice": _("Pick someone from the list, or type the contact's details.")},
            **kwargs,
        )

    def clean(self, value):
        pk = super().clean(value)
        return None if pk is None else self.people[pk]


class DaySheetForm(forms.ModelForm):
    """The details the side running the day writes. Its times are read in the gig's zone."""

    load_in = forms.TimeField(label=_("Load-in"), required=False, widget=_time())
    soundcheck = forms.TimeField(label=_("Soundcheck"), required=False, widget=_time())
    doors = forms.TimeField(label=_("Doors"), required=False, widget=_time())
    curfew = forms.TimeField(label=_("Curfew"), required=False, widget=_time())

    class Meta:
        formfield_callback = bounded_formfield
        model = DaySheet
        fields = TEXT_FIELDS
        labels = {
            "venue_contact_name": _("Name"),
            "venue_contact_phone": _("Phone"),
            "venue_contact_email": _("Email"),
            "band_contact_name": _("Name"),
            "band_contact_phone": _("Phone"),
            "band_contact_email": _("Email"),
            "backline": _("Backline"),
            "hospitality": _("Hospitality"),
            "accommodation": _("Accommodation"),
            "parking": _("Parking"),
            "notes": _("Notes"),
        }
        help_texts = {
            "backline": _("What is on stage for the band: amps, drums, DI boxes, power."),
            "hospitality": _("Food, drinks, guest list, green room."),
            "accommodation": _("Where the band sleeps, and how to get in."),
            "parking": _("Where the van goes, and for how long."),
        }
        widgets = {
            "backline": forms.Textarea(attrs={"rows": 2}),
            "hospitality": forms.Textarea(attrs={"rows": 2}),
            "accommodation": forms.Textarea(attrs={"rows": 2}),
            "parking": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "venue_contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "band_contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    FIELD_FOR = TIME_INPUTS

    def __init__(self, *args, booking: Booking, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.booking = booking
        zone = _zone(booking)
        sheet = self.instance
        self.fields["venue_contact_person"] = ContactPersonField(
            people=people, initial=sheet.venue_contact_person_id if sheet.pk else None
        )
        self.order_fields(["venue_contact_person"])
        if not self.is_bound:
            for name, field in TIME_INPUTS.items():
                value = getattr(sheet, name) if sheet.pk else None
                if value is None and name == "load_in_at":
                    value = booking.load_in_at
                if value is not None:
                    self.initial[field] = value.astimezone(zone).time()
        for field in TIME_INPUTS.values():
            self.fields[field].help_text = gettext("In %(zone)s.") % {"zone": zone_name(zone)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = _zone(self.booking)
        for field in TIME_INPUTS.values():
            wall = data.get(field)
            if wall is not None and not local_exists(gig_wall(self.booking, wall), zone):
                self.add_error(
                    field, gettext("This time does not exist on that day in %(zone)s.") % {"zone": zone_name(zone)}
                )
        return data

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        values: dict[str, Any] = {name: d.get(name, "") for name in TEXT_FIELDS}
        values["venue_contact_person"] = d.get("venue_contact_person")
        for name, field in TIME_INPUTS.items():
            values[name] = near_gig(self.booking, d[field]) if d.get(field) else None
        return values

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, messages in exc.message_dict.items():
            field = self.FIELD_FOR.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class AdvanceForm(forms.Form):
    """One checklist item marked advanced (confirmed) or reopened."""

    item = forms.ChoiceField(
        label=_("Item"),
        choices=AdvanceItem.Item.choices,
        error_messages={"invalid_choice": _("The checklist has no such item."), "required": _("Say which item.")},
    )
    advanced = forms.TypedChoiceField(
        label=_("Advanced"),
        choices=(("1", _("Advanced")), ("0", _("Still open"))),
        coerce=lambda value: value == "1",
        error_messages={"invalid_choice": _("Say whether the item is advanced or open.")},
    )
    note = OneLineField(label=_("Note"), max_length=300, required=False)


class BandContactForm(forms.ModelForm):
    """The band's own contact on the day, written by its leaders."""

    class Meta:
        formfield_callback = bounded_formfield
        model = DaySheet
        fields = ("band_contact_name", "band_contact_phone", "band_contact_email")
        labels = {
            "band_contact_name": _("Name"),
            "band_contact_phone": _("Phone"),
            "band_contact_email": _("Email"),
        }
        widgets = {
            "band_contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sheet = self.instance
        self.fields["band_contact_person"] = ContactPersonField(
            people=people, initial=sheet.band_contact_person_id if sheet.pk else None
        )
        self.order_fields(["band_contact_person"])


class AdvancePlanForm(forms.Form):
    """Whose one checklist item is to confirm, and by when (a date of the gig's zone)."""

    item = forms.ChoiceField(
        label=_("Item"),
        choices=AdvanceItem.Item.choices,
        error_messages={"invalid_choice": _("The checklist has no such item."), "required": _("Say which item.")},
    )
    owner = forms.ChoiceField(
        label=_("Confirmed by"),
        choices=Side.choices,
        error_messages={"invalid_choice": _("Say which side confirms this item."), "required": _("Say which side.")},
    )
    due_on = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Due by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the due date as a date."), "required": _("Pick a due date.")},
    )


class AdvanceCommentForm(forms.Form):
    """A comment on one checklist item."""

    item = forms.ChoiceField(
        label=_("Item"),
        choices=AdvanceItem.Item.choices,
        error_messages={"invalid_choice": _("The checklist has no such item."), "required": _("Say which item.")},
    )
    text = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        error_messages={
            "required": _("Write a comment."),
            "max_length": _("Keep the comment to 1000 characters."),
        },
    )
