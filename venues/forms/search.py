"""The search filters of /venues/: the band search's filters with capacity instead of fee."""

from bands.forms.search import SearchForm, range_end_field


class VenueSearchForm(SearchForm):
    capacity_min = range_end_field("Capacity from", placeholder="0")
    capacity_max = range_end_field("Capacity up to", placeholder="Any")

    sort_choices = [*SearchForm.sort_choices, ("capacity", "Largest first")]
    ranges = [("capacity_min", "capacity_max", "capacity")]
