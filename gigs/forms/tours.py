"""Input of a band's tour: its name and gigs, a stay, a traveller, a cost (in whole units of the tour's
currency: the view gives the service minor units)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.dates import Bound, BoundedDateField
from accounts.form_fields import BoundedIntegerField, FeeField, OneLineField

from ..models import TourCost, TourTraveller


class TourForm(forms.Form):
    """A new tour: its name, and the booked gigs picked and/or a saved tour plan whose days it takes."""

    name = OneLineField(label=_("Name of the tour"), max_length=120)
    gigs = forms.TypedMultipleChoiceField(
        label=_("Booked gigs"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    plan = forms.TypedChoiceField(
        label=_("Or take the booked gigs on the days of a tour plan"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, gigs=(), plans=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gigs"].choices = list(gigs)
        self.fields["plan"].choices = [("", _("No plan")), *plans]


class TourGigsForm(forms.Form):
    gigs = forms.TypedMultipleChoiceField(label=_("Add booked gigs"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, gigs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gigs"].choices = list(gigs)


class StayForm(forms.Form):
    name = OneLineField(label=_("Hotel or place"), max_length=120)
    address = OneLineField(label=_("Address"), max_length=300, required=False)
    night = BoundedDateField(label=_("First night"), bound=Bound.PLAN)
    nights = BoundedIntegerField(label=_("Nights"), min_value=1, max_value=30, initial=1)
    check_in = forms.TimeField(label=_("Check-in from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    check_out = forms.TimeField(label=_("Check-out by"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    confirmation = OneLineField(label=_("Confirmation number"), max_length=60, required=False)
    phone = OneLineField(label=_("Phone"), max_length=40, required=False)
    rooms = forms.CharField(
        label=_("Who sleeps where"),
        max_length=1000,
        required=False,
        help_text=_("One room a line, e.g. 12: Mara, Ayla."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TravellerForm(forms.Form):
    email = forms.EmailField(label=_("Email of their account"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=TourTraveller.Role.choices)
    sees_money = forms.BooleanField(label=_("May see the tour's money"), required=False)


class CostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TourCost.Kind.choices)
    label = OneLineField(label=_("What for"), max_length=120, required=False)
    gig = forms.TypedChoiceField(label=_("Show"), coerce=int, required=False, empty_value=None)
    planned = FeeField(label=_("Planned"))
    actual = FeeField(label=_("Actual"), required=False)

    def __init__(self, *args, gigs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gig"].choices = [("", _("The whole tour")), *gigs]
