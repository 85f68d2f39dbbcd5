"""The search filters of /venues/: the band search's filters with capacity instead of fee."""

from django.utils.translation import gettext_lazy as _

from bands.forms.search import SearchForm, range_end_field


class VenueSearchForm(SearchForm):
    capacity_min = range_end_field(_("Capacity from"), placeholder="0")
    capacity_max = range_end_field(_("Capacity up to"), placeholder=_("Any"))

    sort_choices = [*SearchForm.sort_choices, ("capacity", _("Largest first"))]
    ranges = [("capacity_min", "capacity_max", _("capacity"))]
    range_labels = {
        "capacity_min": (_("Capacity %(low)s–%(high)s"), _("Capacity from %(low)s"), _("Capacity up to %(high)s"))
    }
