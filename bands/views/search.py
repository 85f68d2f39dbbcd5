"""/bands/: the band search."""

from functools import partial

from django.http import HttpResponse

from accounts.blocks import hidden_from
from accounts.models import PartyKind
from core.db.replica import reads_from_replica
from core.web.htmx import HtmxHttpRequest

from ..cards import band_card
from ..forms.search import BandSearchForm
from ..search_pages import search_page
from ..selectors import band_countries, band_search


@reads_from_replica
def band_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request,
        form_class=BandSearchForm,
        search=band_search,
        countries=band_countries,
        card=band_card,
        hidden=partial(hidden_from, kind=PartyKind.BAND.value),
        template="bands/search.html",
    )
