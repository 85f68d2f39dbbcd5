"""Input of a show's guest list: a guest added, each side's cap."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField
from gigs.models import GuestEntry, Side


class GuestForm(forms.Form):
    """One guest on one side's part of the list."""

    side = forms.ChoiceField(
        label=_("Whose guest"),
        choices=Side.choices,
        error_messages={"invalid_choice": _("Say whose guest this is: the band's or the venue's.")},
    )
    name = OneLineField(
        label=_("Name"),
        max_length=GuestEntry._meta.get_field("name").max_length,
        error_messages={"required": _("Write the guest's name."), "max_length": _("Keep the name to 120 characters.")},
    )
    plus_ones = forms.IntegerField(
        label=_("Plus-ones"),
        min_value=0,
        max_value=9,
        initial=0,
        error_messages={
            "invalid": _("A guest brings from 0 to 9 people."),
            "min_value": _("A guest brings from 0 to 9 people."),
            "max_value": _("A guest brings from 0 to 9 people."),
            "required": _("A guest brings from 0 to 9 people."),
        },
    )
    note = OneLineField(
        label=_("Note"),
        max_length=GuestEntry._meta.get_field("note").max_length,
        required=False,
        error_messages={"max_length": _("Keep the note to 200 characters.")},
    )

    def __init__(self, *args, sides=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sides:
            self.fields["side"].choices = [(value, label) for value, label in Side.choices if value in sides]


class GuestCapsForm(forms.Form):
    """How many people each side may put on the list; empty: no cap."""

    band_cap = forms.IntegerField(
        label=_("Band's places"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=_("Each guest and their plus-ones. Empty: no cap."),
        error_messages={
            "invalid": _("A cap is a number from 0 to 999, or empty for no cap."),
            "min_value": _("A cap is a number from 0 to 999, or empty for no cap."),
            "max_value": _("A cap is a number from 0 to 999, or empty for no cap."),
        },
    )
    venue_cap = forms.IntegerField(
        label=_("Venue's places"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=_("Each guest and their plus-ones. Empty: no cap."),
        error_messages={
            "invalid": _("A cap is a number from 0 to 999, or empty for no cap."),
            "min_value": _("A cap is a number from 0 to 999, or empty for no cap."),
            "max_value": _("A cap is a number from 0 to 999, or empty for no cap."),
        },
    )
