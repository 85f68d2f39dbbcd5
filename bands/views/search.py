"""/bands/: the band search."""

from django.http import HttpResponse

from accounts.htmx import HtmxHttpRequest

from ..blocks import bands_hidden_from
from ..cards import band_card
from ..forms.search import BandSearchForm
from ..search_pages import search_page
from ..selectors import band_countries, band_search


def band_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request,
        form_class=BandSearchForm,
        search=band_search,
        countries=band_countries,
        card=band_card,
        hidden=bands_hidden_from,
        template="bands/search.html",
    )
