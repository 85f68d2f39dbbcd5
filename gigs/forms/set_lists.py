"""Input of a song of the band's library (its length as m:ss)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField


class SongForm(forms.Form):
    title = OneLineField(label=_("Title"), max_length=200)
    key = OneLineField(label=_("Key"), max_length=12, required=False, help_text=_("For example A minor or F#."))
    length = OneLineField(
        label=_("Length"),
        max_length=10,
        help_text=_("Minutes and seconds, e.g. 3:45."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "3:45"}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    links = forms.CharField(
        label=_("Links"),
        max_length=2000,
        required=False,
        help_text=_("One web address a line: a recording, a chart."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
