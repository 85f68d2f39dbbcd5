"""/venues/: the venue search."""

from functools import partial

from django.http import HttpResponse

from accounts.blocks import hidden_from
from accounts.models import PartyKind
from bands.search_pages import search_page
from core.db.replica import reads_from_replica
from core.web.htmx import HtmxHttpRequest

from ..cards import venue_card, venues_map
from ..forms.search import VenueSearchForm
from ..selectors import venue_countries, venue_search


@reads_from_replica
def venue_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request,
        form_class=VenueSearchForm,
        search=venue_search,
        countries=venue_countries,
        card=venue_card,
        hidden=partial(hidden_from, kind=PartyKind.VENUE.value),
        template="venues/search.html",
        results_map=venues_map,
    )
