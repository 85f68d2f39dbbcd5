"""The words our scripts show come from Django's JavaScript catalogue, in the reader's language.

Every page links the catalogue before static/js (so gettext() is there when they run); its address names
the language and a version, so browsers keep it for a year. The source is read too: every string our
scripts pass to gettext() is in the English catalogue (locale/en/LC_MESSAGES/djangojs.po, made by
`make messages`), and no English sentence is written into the page without it.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from stageslot.js_catalogue import catalogue_url, catalogue_version

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
JS_CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "djangojs.po"


def test_the_catalogue_answers_with_the_gettext_machinery_and_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("javascript_catalog", args=["en-gb", catalogue_version()]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    for machinery in ("django.gettext", "django.ngettext", "django.pgettext", "django.interpolate"):
        assert machinery in body
    assert "immutable" in response["Cache-Control"]
    assert "max-age=31536000" in response["Cache-Control"]


def test_a_second_visit_is_not_modified(client):
    url = reverse("javascript_catalog", args=["en", catalogue_version()])
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304


def test_an_old_version_still_answers_but_is_not_kept_for_long(client):
    response = client.get(reverse("javascript_catalog", args=["en", "0ld"]))
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]


def test_a_language_we_do_not_speak_is_not_found(client):
    assert client.get(reverse("javascript_catalog", args=["xx-nope", catalogue_version()])).status_code == 404


def test_every_page_loads_the_catalogue_of_its_language_before_our_scripts(client):
    html = client.get(reverse("home")).content.decode()
    with translation.override("en-gb"):
        url = catalogue_url()
    assert f"/jsi18n/en-gb/{catalogue_version()}/" in url
    assert f'<script src="{url}" defer></script>' in html
    assert html.index(url) < html.index("js/stageslot.js")
    assert html.index(url) < html.index("js/places.js")


# --- The source ---------------------------------------------------------------------------------

_LITERAL = r'"(?:[^"\\\n]|\\.)*"' + "|" + r"'(?:[^'\\\n]|\\.)*'"
# gettext("…"), ngettext("…", "…", n), pgettext("context", "…"): the literals right after the call.
_MARKED = re.compile(r"\b(n?p?gettext)\(\s*((?:(?:" + _LITERAL + r")\s*,?\s*)+)")
# Where a script writes words into the page: text, markup, an accessible name, a tooltip, a new option.
_WRITES = re.compile(
    r"\.(?:textContent|innerText|innerHTML|title|placeholder|alt)\s*=(?!=)(?P<assigned>[^;]*);"
    r"|setAttribute\(\s*[\"'](?:aria-label|aria-description|title|placeholder|alt)[\"']\s*,(?P<attribute>[^;]*);"
    r"|new Option\((?P<option>[^,;]*),"
)


def _text(literal: str) -> str:
    return literal[1:-1].replace("\\'", "'").replace('\\"', '"')


def marked_strings(source: str) -> list[tuple[str | None, str]]:
    """(context, message) for every string a script marks: the msgids its catalogue must hold."""
    found = []
    for call, arguments in _MARKED.findall(source):
        literals = [_text(m.group()) for m in re.finditer(_LITERAL, arguments)]
        if call in ("pgettext", "npgettext"):
            context, literals = literals[0], literals[1:]
        else:
            context = None
        found += [(context, text) for text in literals]
    return found


def unmarked_writes(source: str) -> list[str]:
    """English words a script writes into the page without gettext()."""
    found = []
    for match in _WRITES.finditer(source):
        expression = next(group for group in match.groups() if group is not None)
        expression = _MARKED.sub("", expression)
        found += [
            _text(literal.group())
            for literal in re.finditer(_LITERAL, expression)
            if re.search(r"[A-Za-z]{2}", literal.group())
        ]
    return found


def _catalogue_entries() -> set[tuple[str | None, str]]:
    """(context, msgid) and (context, msgid_plural) of the English JavaScript catalogue."""
    entries, context = set(), None
    text = JS_CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        context = None
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            head = re.match(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (\".*\")$", line)
            if head:
                key = head.group(1)
                fields[key] = head.group(2)[1:-1]
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        context = fields.get("msgctxt")
        for key in ("msgid", "msgid_plural"):
            if fields.get(key):
                entries.add((context, fields[key].replace('\\"', '"')))
    return entries


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_every_word_a_script_marks_is_in_the_english_catalogue(script):
    entries = _catalogue_entries()
    missing = [entry for entry in marked_strings(script.read_text(encoding="utf-8")) if entry not in entries]
    assert missing == [], "run 'make messages' and commit locale/"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_no_script_writes_an_unmarked_sentence_into_the_page(script):
    assert unmarked_writes(script.read_text(encoding="utf-8")) == []


def test_the_source_checks_find_what_they_look_for():
    source = (
        'button.textContent = "Copied";\n'
        'button.textContent = gettext("Copied");\n'
        'toggle.textContent = show ? gettext("Hide map") : "Show map";\n'
        'el.setAttribute("aria-label", "Close the map");\n'
        'el.setAttribute("aria-expanded", "true");\n'
        'out.textContent = interpolate(ngettext("%(count)s left", "%(count)s left all", n), {count: n}, true);\n'
        'sort.insertBefore(new Option("Nearest first", "distance"), sort.firstChild);\n'
        'list.innerHTML = "";\n'
        'var label = pgettext("map pin", "Show");\n'
    )
    assert unmarked_writes(source) == ["Copied", "Show map", "Close the map", "Nearest first"]
    assert marked_strings(source) == [
        (None, "Copied"),
        (None, "Hide map"),
        (None, "%(count)s left"),
        (None, "%(count)s left all"),
        ("map pin", "Show"),
    ]


def test_the_scripts_speak_the_pseudo_locale_where_the_page_does():
    """The pseudo-locale (stageslot/tests/pseudo.py) has no catalogue on disk, so the words our scripts
    show are checked above from the source; the page still links the catalogue of its own language."""
    from stageslot.tests.pseudo import CODE, pseudo_locale

    with pseudo_locale():
        url = catalogue_url()
    assert url == reverse("javascript_catalog", args=[CODE, catalogue_version()])
