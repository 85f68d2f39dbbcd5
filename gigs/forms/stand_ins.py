"""Input of stand-ins: a musician added to the pool, the stand-ins asked for a place."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField


class StandInForm(forms.Form):
    name = OneLineField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Email"), max_length=254)
    instrument = OneLineField(label=_("Instrument"), max_length=60)
    notes = OneLineField(
        label=_("Notes"), max_length=300, required=False, help_text=_("Only the band's leaders see them.")
    )


class StandInRequestForm(forms.Form):
    stand_ins = forms.TypedMultipleChoiceField(
        label=_("Whom to ask"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one stand-in to ask."),
            "invalid_choice": _("Choose stand-ins from the band's pool."),
        },
    )
    message = forms.CharField(
        label=_("Message (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, pool=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stand_ins"].choices = [(s.pk, f"{s.name} ({s.instrument})") for s in pool]
