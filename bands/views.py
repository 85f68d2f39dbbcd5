"""Public band pages: search and the press kit."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from .filters import BandSearchForm, SearchForm
from .models import ApprovalStatus, Band
from .selectors import band_countries, band_membership_of, band_press_kit, band_search, genres_all

PAGE_SIZE = 24


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_results_only(request: HtmxHttpRequest) -> bool:
    """An HTMX filter change gets the results; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def shareable_url(request: HttpRequest) -> str:
    """The address of this search without the empty fields a form submits, for the browser's address bar."""
    pairs = [(key, value) for key, values in request.GET.lists() for value in values if value]
    return f"{request.path}?{urlencode(pairs)}" if pairs else request.path


def results_or_page(request: HtmxHttpRequest, template: str, context: dict, *, partial: bool) -> HttpResponse:
    if not partial:
        return render(request, template, context)
    return push_url(render(request, f"{template}#results", context), shareable_url(request))


class KeysFirstPaginator(Paginator):
    """Pages through a queryset whose filter is costly to run (free dates), running it once per request.

    A plain Paginator runs the search twice, for the count and for the page. This one fetches
    the ordered primary keys of every match (the count is their number), then loads only the
    page's rows by key, with the queryset's annotations, ordering and prefetches.
    """

    @cached_property
    def keys(self) -> list:
        return list(self.object_list.values_list("pk", flat=True))

    @cached_property
    def count(self) -> int:
        return len(self.keys)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.keys[bottom:top]
        rows = list(self.object_list.filter(pk__in=keys)) if keys else []
        return self._get_page(rows, number, self)


def search_page(
    request: HtmxHttpRequest,
    *,
    form_class: type[SearchForm],
    search: Callable[..., QuerySet],
    countries: Callable[[], list[str]],
    template: str,
) -> HttpResponse:
    """A band or venue search: the whole page, or only its results for an HTMX filter change."""
    partial = wants_results_only(request)
    # The results alone do not show the country list; the form still checks the code.
    form = form_class(request.GET, genres=genres_all(), countries=[] if partial else countries())
    filters = form.filters()
    # Only band searches have a free-date filter; it is the costly one.
    paginator_class = KeysFirstPaginator if filters.get("free_between") else Paginator
    paginator = paginator_class(search(**filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "active_filters": form.active_filters(),
    }
    return results_or_page(request, template, context, partial=partial)


def band_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request, form_class=BandSearchForm, search=band_search, countries=band_countries, template="bands/search.html"
    )


def place_of(thing: Band) -> str:
    """ "Leeds, West Yorkshire, United Kingdom": the parts that are set, a region equal to the city only once."""
    region = thing.region if thing.region != thing.city else ""
    return ", ".join(part for part in (thing.city, region, thing.country.name if thing.country else "") if part)


def band_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        band = band_press_kit(slug=slug)
    except Band.DoesNotExist:
        raise Http404 from None
    membership = band_membership_of(band=band, user=request.user)
    # A band in review or suspended is private to its members and staff: others learn nothing, not even that it exists.
    if not band.is_public and membership is None and not request.user.is_staff:
        raise Http404
    context = {
        "band": band,
        "membership": membership,
        "can_manage": bool(membership and membership.can_manage),
        "members": band.memberships.all(),
        "place": place_of(band),
        "is_pending": band.status == ApprovalStatus.PENDING,
        "is_suspended": band.status == ApprovalStatus.SUSPENDED,
    }
    return render(request, "bands/detail.html", context)
