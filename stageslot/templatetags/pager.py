"""{% pager %}, {% found_text %}, {% page_of %}: the page links under a list of results and the results
heading's count. The markup is in templates/jinja2/stageslot/partials/pager.html and
templates/stageslot/partials/_page_of.html; this
works out the links (one copy of the query for all of them, not one per {% querystring %})."""

from django import template
from django.core.paginator import Page
from django.http import QueryDict
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from .fragments import render_jinja

register = template.Library()


def page_query(params: QueryDict, number: int) -> str:
    """The query string of `params` (a mutable copy of the request's) with `page` set to `number`: what
    {% querystring page=number %} gives."""
    params["page"] = number
    return f"?{params.urlencode()}"


def pager_context(page: Page, page_range, query: QueryDict, target: str) -> dict:
    """What _pager.html draws for `page` (page_range from Paginator.get_elided_page_range): the previous and
    next links (None at either end) and each entry of the range (a number, its link, whether it is this
    page; or a gap). `pages` is empty with only one page."""
    if not page.has_other_pages():
        return {"pages": []}
    params = query.copy()  # one copy for every link (a copy is a deep copy)
    entries = []
    for number in page_range:
        if not isinstance(number, int):  # the ellipsis (a lazy translation: compared, it is translated again)
            entries.append({"gap": True})
        elif number == page.number:
            entries.append({"number": number, "here": True})
        else:
            entries.append({"number": number, "url": page_query(params, number)})
    return {
        "target": target,
        "previous": page_query(params, page.previous_page_number()) if page.has_previous() else None,
        "next": page_query(params, page.next_page_number()) if page.has_next() else None,
        "pages": entries,
    }


def pager_html(page: Page, page_range, query: QueryDict, target: str) -> SafeString:
    """The pager of `page` as its Jinja2 template draws it (templates/jinja2/stageslot/partials/pager.html:
    a Django template took a search page 1.6 ms for it); "" with only one page."""
    return render_jinja("stageslot/partials/pager.html", pager_context(page, page_range, query, target))


@register.simple_tag(takes_context=True)
def pager(context, page: Page, target: str, page_range=None) -> SafeString:
    """{% pager page_obj "results" %}: links to the other pages of `page`, each loading into the element
    with id `target` by HTMX and, without JavaScript, as a whole page. `page_range` defaults to the
    paginator's elided range around the page."""
    if page_range is None:
        page_range = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return pager_html(page, page_range, context.request.GET, target)


@register.simple_tag
def found_text(page: Page, thing: str) -> str:
    """ "24 bands", "1 band": how many results a search found, for its heading and live status line."""
    count = page.paginator.count
    n = localize(count)
    if getattr(page.paginator, "more", False):
        # A nationwide search counts only a few pages ahead (bands.search_pages.BoundedPaginator).
        if thing == "band":
            return ngettext("more than %(n)s band", "more than %(n)s bands", count) % {"n": n}
        if thing == "venue":
            return ngettext("more than %(n)s venue", "more than %(n)s venues", count) % {"n": n}
        if thing == "slot":
            return ngettext("more than %(n)s slot", "more than %(n)s slots", count) % {"n": n}
    if thing == "band":
        return ngettext("%(n)s band", "%(n)s bands", count) % {"n": n}
    if thing == "venue":
        return ngettext("%(n)s venue", "%(n)s venues", count) % {"n": n}
    if thing == "slot":
        return ngettext("%(n)s slot", "%(n)s slots", count) % {"n": n}
    return f"{n} {thing}"


@register.inclusion_tag("stageslot/partials/_page_of.html")
def page_of(page: Page) -> dict:
    """ "· page 2 of 9" after a results heading, or nothing when all results fit on one page ("· page 2"
    when the search counted only a few pages ahead: there are more)."""
    return {"number": page.number, "pages": page.paginator.num_pages, "more": getattr(page.paginator, "more", False)}
