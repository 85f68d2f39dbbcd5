"""Input of a band's tour: its name and gigs, a stay, a traveller, a cost (in whole units of the tour's
currency: the view gives the service minor units)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import BoundedIntegerField, FeeField, OneLineField

from ..models import MAX_ATTENDANCE, MAX_RATE, RATE_PLACES, TourCost, TourTraveller


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
    city = OneLineField(
        label=_("Town"),
        max_length=120,
        required=False,
        help_text=_("The itinerary then warns when it is far from where you play or stop that night."),
    )
    night = BoundedDateField(label=_("First night"), bound=Bound.PLAN)
    nights = BoundedIntegerField(label=_("Nights"), min_value=1, max_value=30, initial=1)
    check_in = forms.TimeField(label=_("Check-in from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    check_out = forms.TimeField(label=_("Check-out by"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    confirmation = OneLineField(label=_("Confirmation number"), max_length=60, required=False)
    phone = OneLineField(label=_("Phone"), max_length=40, required=False)
    rooms = forms.CharField(
        label=_("Note on the rooms"),
        max_length=1000,
        required=False,
        help_text=_("Who sleeps in which room is set for each person once the stay is added."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RoomsForm(forms.Form):
    """Who sleeps where in one stay: for each person of the touring party, whether they sleep here and
    their room. Fields `here_<account id>` and `room_<account id>`."""

    def __init__(self, *args, people=(), guests=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        guests = guests or {}
        self.people = list(people)
        for person in self.people:
            pk, name = person.user.pk, person.user.name
            self.fields[f"here_{pk}"] = forms.BooleanField(
                label=_("%(name)s sleeps here") % {"name": name}, required=False, initial=pk in guests
            )
            self.fields[f"room_{pk}"] = OneLineField(
                label=_("Room of %(name)s") % {"name": name}, max_length=20, required=False, initial=guests.get(pk, "")
            )

    def rooms(self) -> dict[int, str | None]:
        data = self.cleaned_data
        return {p.user.pk: (data[f"room_{p.user.pk}"] if data[f"here_{p.user.pk}"] else None) for p in self.people}


class AttendanceForm(forms.Form):
    expected = BoundedIntegerField(
        label=_("Expected attendance"), min_value=0, max_value=MAX_ATTENDANCE, required=False
    )


class TravellerForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email"),
        max_length=254,
        help_text=_("They get an invitation and travel with you once they accept it, with an account or a new one."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=TourTraveller.Role.choices)
    sees_money = forms.BooleanField(label=_("May see the tour's money"), required=False)


class CostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TourCost.Kind.choices)
    label = OneLineField(label=_("What for"), max_length=120, required=False)
    gig = forms.TypedChoiceField(label=_("Show"), coerce=int, required=False, empty_value=None)
    person = forms.TypedChoiceField(
        label=_("For whom"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Someone of the touring party it is for, such as the driver for their fee: shown by their name."),
    )
    planned = FeeField(label=_("Planned"))
    actual = FeeField(label=_("Actual"), required=False)

    def __init__(self, *args, gigs=(), people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gig"].choices = [("", _("The whole tour")), *gigs]
        self.fields["person"].choices = [("", _("Nobody in particular")), *((p.user.pk, p.user.name) for p in people)]


class RateForm(forms.Form):
    """What one unit of another currency on the tour is worth in the tour's currency (1 CHF = 1.0480 EUR):
    more than 0, at most MAX_RATE, six decimal places at most. The service checks it again."""

    currency = forms.CharField(widget=forms.HiddenInput, max_length=3)
    rate = forms.DecimalField(
        label=_("Exchange rate"),
        max_digits=6 + RATE_PLACES,
        decimal_places=RATE_PLACES,
        min_value=Decimal(1).scaleb(-RATE_PLACES),
        max_value=MAX_RATE,
        error_messages={
            "required": _("Enter the exchange rate, e.g. 1.0480."),
            "invalid": _("Enter the exchange rate as a number, e.g. 1.0480."),
            "min_value": _("An exchange rate is more than 0."),
            "max_value": _("An exchange rate is at most 100,000."),
            "max_digits": _("An exchange rate is at most 100,000, with at most 6 decimal places."),
            "max_decimal_places": _("Give the exchange rate with at most 6 decimal places."),
            "max_whole_digits": _("An exchange rate is at most 100,000."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
