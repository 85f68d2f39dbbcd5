"""Input of the imported calendars page: a calendar's secret address and its name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField


class ImportForm(forms.Form):
    """The secret address of a person's own calendar."""

    url = OneLineField(
        label=_("Secret address in iCal format"),
        max_length=2000,
        help_text=_(
            "Starts with https:// or webcal://. Google Calendar: Settings → your calendar → "
            "“Secret address in iCal format”. Apple Calendar: Share calendar → Public calendar → copy link."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
    )
    name = OneLineField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("Optional, e.g. “Work”, to tell your calendars apart."),
    )
