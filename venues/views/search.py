"""/venues/: the venue search."""

from django.http import HttpResponse

from accounts.htmx import HtmxHttpRequest
from bands.search_pages import search_page

from ..blocks import venues_hidden_from
from ..cards import venue_card, venues_map
from ..forms.search import VenueSearchForm
from ..selectors import venue_countries, venue_search


def venue_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request,
        form_class=VenueSearchForm,
        search=venue_search,
        countries=venue_countries,
        card=venue_card,
        hidden=venues_hidden_from,
        template="venues/search.html",
        results_map=venues_map,
    )
