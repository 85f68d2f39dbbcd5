"""{% pager %}: the page links under a list of results, drawn in Python (docs/decisions/0017).

Drawn as a template, with a loop and three {% querystring %} tags, the pager cost a search page
about a tenth of a millisecond on every request; this is the same markup in a few microseconds.
"""

from html import escape

from django import template
from django.core.paginator import Page
from django.http import QueryDict
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

STEP_LINK = (
    '<a class="pager__step" href="{url}" rel="{rel}" hx-get="{url}" hx-target="#{target}" '
    'hx-swap="outerHTML show:#{target}:top" hx-push-url="true">{label}</a>'
)
STEP_OFF = '<span class="pager__step" aria-disabled="true">{label}</span>'
PAGE_LINK = (
    '<a class="pager__page" href="{url}" hx-get="{url}" hx-target="#{target}" '
    'hx-swap="outerHTML show:#{target}:top" hx-push-url="true"><span class="visually-hidden">Page</span> {number}</a>'
)
PAGE_HERE = '<span class="pager__page" aria-current="page"><span class="visually-hidden">Page</span> {number}</span>'
GAP = '<span class="pager__gap">…</span>'


def page_query(params: QueryDict, number: int) -> str:
    """The query string of `params` (a mutable copy of the request's) with `page` set to `number`: what
    {% querystring page=number %} gives."""
    params["page"] = number
    return f"?{params.urlencode()}"


def pager_html(page: Page, page_range, query: QueryDict, target: str) -> str:
    """The pager of `page` (page_range from Paginator.get_elided_page_range); "" with only one page."""
    if not page.has_other_pages():
        return ""
    target = escape(target)
    params = query.copy()  # one copy for every link (a copy is a deep copy)

    def url(number: int) -> str:
        return escape(page_query(params, number))

    if page.has_previous():
        previous = STEP_LINK.format(url=url(page.previous_page_number()), rel="prev", target=target, label="← Previous")
    else:
        previous = STEP_OFF.format(label="← Previous")
    if page.has_next():
        following = STEP_LINK.format(url=url(page.next_page_number()), rel="next", target=target, label="Next →")
    else:
        following = STEP_OFF.format(label="Next →")
    items = [previous]
    for number in page_range:
        if not isinstance(number, int):  # the ellipsis (a lazy translation: compared, it is translated again)
            items.append(GAP)
        elif number == page.number:
            items.append(PAGE_HERE.format(number=number))
        else:
            items.append(PAGE_LINK.format(url=url(number), target=target, number=number))
    items.append(following)
    links = "".join(f"<li>{item}</li>" for item in items)
    return f'<nav class="pager" aria-label="Pages of results"><ul>{links}</ul></nav>'


@register.simple_tag(takes_context=True)
def pager(context, page: Page, target: str, page_range=None) -> SafeString:
    """{% pager page_obj "results" %}: links to the other pages of `page`, each loading into the element
    with id `target` by HTMX and, without JavaScript, as a whole page. `page_range` defaults to the
    paginator's elided range around the page."""
    if page_range is None:
        page_range = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return mark_safe(pager_html(page, page_range, context.request.GET, target))  # noqa: S308  (escaped above)


@register.simple_tag
def found_text(page: Page, thing: str) -> str:
    """ "24 bands", "1 band": how many results a search found, for its heading and live status line."""
    count = page.paginator.count
    return f"{localize(count)} {thing}{'' if count == 1 else 's'}"


@register.simple_tag
def page_of(page: Page) -> SafeString:
    """ "· page 2 of 9" after a results heading, or nothing when all results fit on one page."""
    pages = page.paginator.num_pages
    if pages <= 1:
        return mark_safe("")
    return mark_safe(f' <span class="muted">· page {localize(page.number)} of {localize(pages)}</span>')  # noqa: S308  (numbers)
