"""{% pager %}: the page links under a list of results, each keeping the rest of the query."""

from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import Context, Template

from stageslot.templatetags.pager import found_text, pager_html


def pager(number: int, query: str = "", count: int = 240) -> str:
    paginator = Paginator(list(range(count)), 24)
    page = paginator.get_page(number)
    return pager_html(page, paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
                      QueryDict(query), "results")  # fmt: skip


def test_one_page_has_no_pager():
    assert pager(1, count=20) == ""


def test_links_keep_the_query_and_set_the_page():
    html = pager(5, "q=owls&genre=rock&genre=jazz&page=5")
    assert 'href="?q=owls&amp;genre=rock&amp;genre=jazz&amp;page=4" rel="prev"' in html
    assert 'href="?q=owls&amp;genre=rock&amp;genre=jazz&amp;page=6" rel="next"' in html
    assert '<span class="pager__page" aria-current="page"><span class="visually-hidden">Page</span> 5</span>' in html
    assert 'hx-target="#results"' in html and 'hx-push-url="true"' in html
    assert html.count('<span class="pager__gap">…</span>') == 2  # 1 … 4 5 6 … 10
    assert "</span> 1</a>" in html and "</span> 10</a>" in html


def test_the_first_and_last_pages_have_no_way_further():
    assert '<span class="pager__step" aria-disabled="true">← Previous</span>' in pager(1)
    assert '<span class="pager__step" aria-disabled="true">Next →</span>' in pager(10)


def test_a_query_value_is_escaped():
    assert '"><script>' not in pager(2, "q=%22%3E%3Cscript%3E")


def page_of(page) -> str:
    return Template("{% load pager %}{% page_of page %}").render(Context({"page": page}))


def test_the_results_heading_counts_and_pages():
    paginator = Paginator(list(range(25)), 24)
    assert found_text(paginator.get_page(1), "band") == "25 bands"
    assert page_of(paginator.get_page(2)) == ' <span class="muted">· page 2 of 2</span>'
    one = Paginator([1], 24)
    assert found_text(one.get_page(1), "venue") == "1 venue" and page_of(one.get_page(1)) == ""
    assert found_text(Paginator([], 24).get_page(1), "slot") == "0 slots"
