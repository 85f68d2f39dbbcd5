"""The search filters of /venues/: the band search's filters with capacity instead of fee."""

from django import forms

from bands.filters import MAX_AMOUNT, SearchForm


class VenueSearchForm(SearchForm):
    capacity_min = forms.IntegerField(
        label="Capacity from",
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )
    capacity_max = forms.IntegerField(
        label="Capacity up to",
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "Any"}),
    )

    sort_choices = [*SearchForm.sort_choices, ("capacity", "Largest first")]
    ranges = [("capacity_min", "capacity_max", "capacity")]
    field_order = ["q", "genre", "city", "region", "country", "capacity_min", "capacity_max", "sort"]
