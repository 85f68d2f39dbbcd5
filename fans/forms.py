"""Input of the fans' pages: signing up with an email alone, the home city and distance, an ask's city,
and the what's-on filters."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import OneLineField
from places.forms import CityField

from .models import DEFAULT_RADIUS_KM, MAX_FAN_RADIUS_KM

RADIUS_CHOICES = (10, 25, 50, 100, 200)


class _Form(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class JoinForm(_Form):
    email = forms.EmailField(label=_("Your email"), max_length=254)
    display_name = OneLineField(
        label=_("Your name"),
        max_length=80,
        required=False,
        help_text=_("Shown to bands and venues you deal with. Left empty, you are “a StageSlot member”."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class ProfileForm(_Form):
    city = CityField(label=_("Home city"), required=False)
    radius_km = forms.IntegerField(
        label=_("Distance (km)"), min_value=1, max_value=MAX_FAN_RADIUS_KM, initial=DEFAULT_RADIUS_KM
    )
    any_distance = forms.BooleanField(label=_("Tell me of new shows of what I follow at any distance"), required=False)
    weekly = forms.BooleanField(label=_("A weekly “this week near you”"), required=False, initial=True)


class AskForm(_Form):
    city = CityField(label=_("Your city"))


WHEN_CHOICES = (
    ("", _("Any day")),
    ("tonight", _("Tonight")),
    ("weekend", _("This weekend")),
)


class WhatsOnForm(_Form):
    near = OneLineField(label=_("City"), required=False, max_length=200)
    km = forms.IntegerField(label=_("Within (km)"), required=False, min_value=1, max_value=MAX_FAN_RADIUS_KM)
    when = forms.ChoiceField(label=_("When"), choices=WHEN_CHOICES, required=False)
    start = BoundedDateField(label=_("From"), bound=Bound.BROWSE, required=False)
    end = BoundedDateField(label=_("To"), bound=Bound.BROWSE, required=False)
    genre = forms.SlugField(label=_("Genre"), required=False, max_length=60)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day comes before the first."))
        if start and end and (end - start) > dt.timedelta(days=400):
            self.add_error("end", _("Pick at most 400 days."))
        return data
