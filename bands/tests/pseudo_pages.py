"""Walking pages in the pseudo-locale: what each app's test_pseudo_locale.py shares.

`words_left_unmarked(client, urls)` draws each page in the pseudo-locale and lists, per URL, the text
that came through unwrapped.
"""

import os
from collections.abc import Iterable

from accounts.models import User
from stageslot.tests.pseudo import PageData, database_words, pseudo_locale, unwrapped_text


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
    data = PageData(page_data() | set(data))
    out = {}
    for url in urls:
        assert client.get(url).status_code == 200, url
    with pseudo_locale():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
            found = unwrapped_text(html, data=data)
            if found:
                if os.environ.get("PSEUDO_DEBUG"):
                    print(f"\n=== {url}", *found, sep="\n    ")
                out[url] = [str(f) for f in found]
    return out
