"""What the band, venue and gig searches share: the page-or-results switch and the paging.

A filter change (HTMX) gets only the results, with the search's address pushed to the browser;
a first visit or a history restore gets the whole page.
"""

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django_htmx.http import push_url

from core.web.htmx import HtmxHttpRequest, is_partial

from .cards import ResultCard
from .forms.search import SearchForm
from .selectors import bands_free_on_among, genre_choices

PAGE_SIZE = 24


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


# A search that matches nationwide counts its results only this many pages past the page asked for:
# its cost follows the page, not the site (decision 0092). Past that the heading says "more than".
PAGES_AHEAD = 5
# A search whose filter is read exactly in Python (`settle`) counts one page ahead, and reads this many
# times as many keys at once, for the rows the check drops.
PAGES_AHEAD_SETTLED = 1
SETTLE_ROUNDS = 3


def asked_page(number) -> int:
    """The page number a request asks for, as Paginator.get_page reads it (1 for anything but a number)."""
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1


class BoundedPaginator(Paginator):
    """A Paginator that counts the matches only up to PAGES_AHEAD pages past the page `asked` (one
    `COUNT(*)` over a `LIMIT`ed sub-select): `more` says there are more than `count`. The page itself is
    read as Paginator reads it (one `LIMIT`/`OFFSET` query)."""

    def __init__(self, object_list, per_page, *, asked=None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.limit = (asked_page(asked) + PAGES_AHEAD) * per_page
        self.more = False

    @cached_property
    def count(self) -> int:
        found = self.object_list[: self.limit + 1].count()
        self.more = found > self.limit
        return min(found, self.limit)


class BoundedKeysPaginator(KeysFirstPaginator):
    """KeysFirstPaginator that reads the ordered keys only up to PAGES_AHEAD pages past the page `asked`
    (`more`: there are more than `count`).

    With `settle`, for a filter the queryset leaves out (the free-on band search), PAGES_AHEAD_SETTLED
    pages ahead: the keys of SETTLE_ROUNDS batches are read in the queryset's order in one query, each
    with the `settle_fields` given, and `settle(rows)` returns the keys of those that match, so everything
    read follows the page, not the site, in the same queries at any size. Past those rows the count says
    "more than"."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        asked=None,
        settle: Callable[[list], set] | None = None,
        settle_fields: tuple[str, ...] = (),
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        ahead = PAGES_AHEAD if settle is None else PAGES_AHEAD_SETTLED
        self.limit = (asked_page(asked) + ahead) * per_page
        self.settle, self.settle_fields = settle, settle_fields
        self.more = False

    @cached_property
    def keys(self) -> list:
        if self.settle is None:
            keys = list(self.object_list.values_list("pk", flat=True)[: self.limit + 1])
            self.more = len(keys) > self.limit
            return keys[: self.limit]
        # Every batch at once: one read of the keys and one `settle`, so the queries are the same however
        # many batches the filter would have needed (decision 0092).
        bound = SETTLE_ROUNDS * (self.limit + 1)
        rows = list(self.object_list.values_list("pk", *self.settle_fields)[:bound])
        matched = self.settle(rows) if rows else set()
        keys = [row[0] for row in rows if row[0] in matched]
        # Past the bound rows are left unread: there may be more.
        self.more = len(keys) > self.limit or len(rows) == bound
        return keys[: self.limit]


def _settle_free_on(rows: list, *, free_on, now) -> set:
    return bands_free_on_among(rows=rows, free_on=free_on, now=now)


def search_page(
    request: HtmxHttpRequest,
    *,
    form_class: type[SearchForm],
    search: Callable[..., QuerySet],
    countries: Callable[[], list[str]],
    card: Callable[..., ResultCard],
    template: str,
    results_map: Callable[..., dict] | None = None,
    hidden: Callable[..., Q] | None = None,
) -> HttpResponse:
    """A band or venue search: the whole page, or only its results for an HTMX filter change.

    `card` turns one row of `search` into what its result card shows (bands.cards, venues.cards);
    `results_map`, given, the page's rows and their cards into the markers of the map beside them
    (places.maps); `hidden`, given, the rows the viewer's searches leave out (their blocks, decision 0081).
    """
    partial = is_partial(request)
    # The results alone do not show the country list; the form still checks the code.
    form = form_class(request.GET, genres=genre_choices(), countries=[] if partial else countries())
    filters = form.filters()
    # Only band searches have a free-date filter; it is the costly one: its keys are read once, no further
    # than a few pages past the one asked for (decision 0092). The free-on filter runs on those keys alone,
    # a batch at a time, exactly (BoundedKeysPaginator's `settle`).
    free_search = bool(filters.get("free_between") or filters.get("free_on_local"))
    free_on = filters.get("free_on_local")
    rows = search(**{**filters, "free_on_local": None}) if free_on else search(**filters)
    if hidden is not None:
        rows = rows.filter(hidden(request.user))
    number = request.GET.get("page")
    if free_search:
        settle = functools.partial(_settle_free_on, free_on=free_on, now=filters.get("now")) if free_on else None
        paginator = BoundedKeysPaginator(
            rows, PAGE_SIZE, asked=number, settle=settle, settle_fields=("time_zone", "min_gig_minutes")
        )
    else:
        paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(number)
    # Each card of a free-date search says when that band is free, on its own clock.
    if free_search:
        cards = [card(row, note=form.result_note(row)) for row in page.object_list]
    else:
        cards = [card(row) for row in page.object_list]
    context = {
        "form": form,
        "page_obj": page,
        "cards": cards,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "active_filters": form.active_filters(),
        "results_map": results_map(page.object_list, cards, total=paginator.count) if results_map else None,
    }
    return results_or_page(request, template, context, partial=partial)
