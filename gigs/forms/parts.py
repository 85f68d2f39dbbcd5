"""Input of a gig's parts: which section one place plays at the gig."""

from django import forms
from django.utils.translation import gettext_lazy as _

MOST_PLACES = 2_000_000_000


class PartForm(forms.Form):
    place = forms.IntegerField(min_value=1, max_value=MOST_PLACES, widget=forms.HiddenInput)
    part = forms.TypedChoiceField(
        label=_("Part at this gig"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the band's sections.")},
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = [("", _("Their usual sections")), *((s.pk, s.name) for s in sections)]
