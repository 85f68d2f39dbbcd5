"""A made-up locale for finding words that are not marked for translation.

Its catalogue wraps every string it is asked for: "Genres" comes back as "⟦Genres⟧". A page drawn in it
shows every marked word wrapped, so any letters left outside the brackets – once the data on the page
(names, places, e-mail addresses…) is taken out – are words nobody can translate. `unwrapped_text`
lists them, each with the element it sits in.

    with pseudo_locale():
        html = client.get("/").content.decode()
    assert unwrapped_text(html, data=database_words()) == []
"""

import contextlib
import gettext as gettext_module
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import trans_real

from accounts.people import people_draw

CODE = "en-xa"
OPEN, CLOSE = "⟦", "⟧"
CONTEXT_SEPARATOR = "\x04"


class PseudoTranslation(gettext_module.NullTranslations):
    """Every message wrapped in ⟦…⟧; placeholders inside stay as they are, so formatting still works."""

    def language(self) -> str:
        return CODE

    def to_language(self) -> str:
        return CODE

    def gettext(self, message: str) -> str:
        if not message:
            return message
        if CONTEXT_SEPARATOR in message:  # pgettext asks for "context\x04message"
            message = message.split(CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        if CONTEXT_SEPARATOR in singular:
            singular = singular.split(CONTEXT_SEPARATOR, 1)[1]
            plural = plural.split(CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{singular if number == 1 else plural}{CLOSE}"


@contextlib.contextmanager
def pseudo_locale() -> Iterator[None]:
    """Pages drawn inside it (test client requests included) speak the pseudo-locale.

    The made-up code has no catalogue on disk: its catalogue is put where Django keeps the loaded ones."""
    from django.conf import settings as django_settings

    previous = django_settings.LANGUAGE_CODE, translation.get_language_from_request, trans_real._default
    active = getattr(trans_real._active, "value", None)
    trans_real._translations[CODE] = PseudoTranslation()
    django_settings.LANGUAGE_CODE = CODE
    # LocaleMiddleware would settle on a language with a catalogue on disk ("en"): every request asks
    # for the made-up one.
    translation.get_language_from_request = lambda request, check_path=False: CODE
    try:
        translation.activate(CODE)
        yield
    finally:
        django_settings.LANGUAGE_CODE, translation.get_language_from_request, trans_real._default = previous
        if active is None:
            translation.deactivate()
        else:
            trans_real._active.value = active
        trans_real._translations.pop(CODE, None)


# ---- finding what came through unwrapped ----------------------------------------------------------

SKIPPED_ELEMENTS = {"script", "style", "template", "svg", "code", "pre", "textarea"}
# Attributes a person reads or hears (screen readers read aria-label, title and alt).
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "aria-description"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# What may stand outside the brackets: no letters at all, or a word that is no language's (a time
# zone's abbreviation, a unit, the product's name, a currency code).
NAMES = {"StageSlot", "UTC", "GMT", "CET", "CEST", "BST", "EET", "EEST", "WET", "WEST", "km", "EUR", "GBP", "USD"}
LETTERS = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Unwrapped:
    where: str  # the element (and attribute) the text sits in
    text: str

    def __str__(self) -> str:
        return f"<{self.where}> {self.text!r}"


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.found: list[tuple[str, str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = tag + (f"#{attrs['id']}" if attrs.get("id") else "")
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.found.append((f"{where} {name}", attrs[name], True))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.found.append((f"{where} value", attrs["value"], True))
        if tag not in VOID:
            # An element with a lang of its own is written in that language on purpose: the language
            # switcher names each language in itself ("Deutsch").
            self.stack.append(where + ("@lang" if attrs.get("lang") and tag != "html" else ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].split("@", 1)[0].split("#", 1)[0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if any(where.split("#", 1)[0] in SKIPPED_ELEMENTS or where.endswith("@lang") for where in self.stack):
            return
        if data.strip():
            self.found.append((self.stack[-1] if self.stack else "document", data, False))


def _outside(text: str, depth: int) -> tuple[str, int]:
    """The parts of `text` outside ⟦…⟧, given the brackets already open before it (a wrapped
    sentence may hold a link: "⟦Please <a>sign up</a> first.⟧" spans three text nodes)."""
    out = []
    for char in text:
        if char == OPEN:
            depth += 1
        elif char == CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(char)
    return "".join(out), depth


class PageData:
    """The data values a page may show (`unwrapped_text`'s `data`), filed once for many pages.

    The data holds every text of the database (some 100,000 with the gazetteer's cities): going through all of them
    for each page was most of the check's time. Filed, a short value is found by set intersection with the page's
    runs of its length, and a long one is looked for only where the page has its first LONG letters: a test that
    reads many pages against the same data files it once (`PageData(database_words())`)."""

    LONG = 8

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.short: dict[int, set[str]] = {}  # values of 2 to LONG - 1 letters, by length
        self.by_start: dict[str, set[str]] = {}  # longer values, by their first LONG letters
        self.base: PageData | None = None  # the data these values were added to (`|`)
        for value in values:
            if len(value) >= self.LONG:
                self.by_start.setdefault(value[: self.LONG], set()).add(value)
            elif len(value) > 1:
                self.short.setdefault(len(value), set()).add(value)

    def __or__(self, values: Iterable[str]) -> "PageData":
        """The same data with more values (a message's links): the new values filed apart, over this one, which is
        neither copied (filing 100,000 values again for each message was most of a mail check's time) nor
        changed."""
        joined = PageData(values)
        joined.base = self
        return joined

    def on(self, page: str) -> set[str]:
        """The values that occur in `page`."""
        found: set[str] = self.base.on(page) if self.base is not None else set()
        for length, values in self.short.items():
            found |= values & _runs(page, length)
        for start in _runs(page, self.LONG):
            found.update(value for value in self.by_start.get(start, ()) if value in page)
        return found


def _runs(page: str, length: int) -> set[str]:
    """Every run of `length` characters in `page`."""
    return {page[i : i + length] for i in range(len(page) - length + 1)}


def _data_on(data: Iterable[str] | PageData, page: str) -> set[str]:
    """The values of `data` that occur in `page`: through PageData's files when `data` is filed, else by going
    through the values once, looking in the page only for those whose first three letters are on it (quicker than
    filing them for one page)."""
    if isinstance(data, PageData):
        return data.on(page)
    starts = _runs(page, 3)
    return {value for value in data if len(value) > 1 and (len(value) == 2 or value[:3] in starts) and value in page}


def unwrapped_text(html: str, *, data: Iterable[str] | PageData = ()) -> list[Unwrapped]:
    """Each text node and read attribute of `html` with letters outside ⟦…⟧, once every string of
    `data` (the page's own data: names, places…, or the same filed as PageData) and the words of NAMES are
    taken out."""
    walker = _Walker()
    walker.feed(html)
    # Only the data the page holds at all can be taken out of one of its texts: looking for each value in
    # the whole page once is far cheaper than in each text.
    page = "\n".join(text for _where, text, _is_attribute in walker.found)
    found = _data_on(data, page)
    values = sorted(found, key=len, reverse=True)
    out = []
    depth = 0
    for where, text, is_attribute in walker.found:
        if is_attribute:
            rest, _ = _outside(text, 0)
        else:
            rest, depth = _outside(text, depth)
        if not LETTERS.search(rest):
            continue
        for value in values:
            if value in rest:
                rest = rest.replace(value, " ")
        words = [w for w in LETTERS.findall(rest) if w not in NAMES]
        if words:
            out.append(Unwrapped(where, " ".join(text.split())))
    return out


def database_words() -> set[str]:
    """Every text value in the database (names, places, addresses, e-mails, slugs, genres, messages
    people wrote) and the time zones' names: what a page shows of them is data, not words to translate."""
    words: set[str] = set(zoneinfo.available_timezones())
    words |= {zone.replace("_", " ") for zone in words}
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, str) and value:
                    # A kept text names people by reference; a page shows it with their names drawn in.
                    for text in {value, people_draw(value)}:
                        words.add(text)
                        words.update(line.strip() for line in text.splitlines() if line.strip())
    return words
