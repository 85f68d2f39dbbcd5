"""Walking pages in the pseudo-locale: what each app's test_pseudo_locale.py shares.

`words_left_unmarked(client, urls)` draws each page in the pseudo-locale and lists, per URL, the text
that came through unwrapped – minus what `_not_ours` drops, which another change is moving into
templates right now (issue 27): the top menu, the search heading and result cards, the pager and
Python-drawn form widgets. Remove the filter once that has landed.
"""

import os
from collections.abc import Iterable

from accounts.models import User
from stageslot.tests.pseudo import Unwrapped, database_words, pseudo_locale, unwrapped_text

# The top menu's and the base page's links, drawn by the `nav` template tags (accounts/base markup).
TOP_MENU_LABELS = {
    "Skip to content",
    "Bands",
    "Venues",
    "Gig finder",
    "Log in",
    "Sign up",
    "Dashboard",
    "Menu",
    "Bookings",
    "Availability",
    "Notifications",
}
# stageslot/partials/_rating_summary.html (the lead's) names a sub-rating by its code ("Performance"
# from "performance"); the labels are in reviews.models.SUB_RATINGS, marked.
RATING_BAR_CLASSES = ("rating-bars",)
# The search pages' heading (`search_head`): its eyebrow is drawn in Python.
SEARCH_HEAD_LABELS = {"Discover"}
# Elements whose markup Python draws today: the search page heading (`search_head`), result cards
# (bands/cards.py, venues/cards.py), the pager, the city picker and map widgets (places/templatetags).
NOT_OURS_CLASSES = ("discovery", "search-head", "result-card", "pager", "city-picker", *RATING_BAR_CLASSES)


def _not_ours(found: list[Unwrapped], html: str) -> list[Unwrapped]:
    """`found` without the findings of markup another helper is moving into templates (see the module)."""
    from html.parser import HTMLParser

    class Classes(HTMLParser):
        """The text nodes and read attributes that sit inside an element with one of NOT_OURS_CLASSES."""

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[bool] = []
            self.inside: set[str] = set()

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            classes = attrs.get("class") or ""
            ours = not any(name in classes for name in NOT_OURS_CLASSES)
            theirs = (self.stack and self.stack[-1]) or not ours
            if theirs:
                for value in attrs.values():
                    if value:
                        self.inside.add(" ".join(value.split()))
            if tag not in {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}:
                self.stack.append(bool(theirs))

        def handle_endtag(self, tag):
            if self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if self.stack and self.stack[-1] and data.strip():
                self.inside.add(" ".join(data.split()))

    theirs = Classes()
    theirs.feed(html)
    labels = TOP_MENU_LABELS | SEARCH_HEAD_LABELS
    return [f for f in found if f.text not in labels and f.text not in theirs.inside]


def page_data() -> set[str]:
    """What a page may show that is data, not words: the database's text and the time zones' names
    (`database_words`), and each word of people's names (pages show first names)."""
    data = database_words()
    for name in User.objects.values_list("display_name", flat=True):
        data.update((name or "").split())
    data.add("https://")  # an empty link field's placeholder: a scheme, no language's word
    return data


def words_left_unmarked(client, urls: list[str], *, data: Iterable[str] = ()) -> dict[str, list[str]]:
    """{url: [unwrapped text…]} for each page in `urls` (fetched with `client`) that has any.

    Each page is drawn in English first, so a fragment cached without its language shows up too."""
    data = page_data() | set(data)
    out = {}
    for url in urls:
        assert client.get(url).status_code == 200, url
    with pseudo_locale():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
            found = _not_ours(unwrapped_text(html, data=data), html)
            if found:
                if os.environ.get("PSEUDO_DEBUG"):
                    print(f"\n=== {url}", *found, sep="\n    ")
                out[url] = [str(f) for f in found]
    return out
