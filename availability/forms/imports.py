"""Input of the imported calendars page: a calendar's secret address and its name."""

from django import forms


class ImportForm(forms.Form):
    """The secret address of a person's own calendar."""

    url = forms.CharField(
        label="Secret address in iCal format",
        max_length=2000,
        help_text="Starts with https:// or webcal://. Google Calendar: Settings → your calendar → "
        "“Secret address in iCal format”. Apple Calendar: Share calendar → Public calendar → copy link.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
    )
    name = forms.CharField(
        label="Name",
        max_length=80,
        required=False,
        help_text="Optional, e.g. “Work”, to tell your calendars apart.",
    )
