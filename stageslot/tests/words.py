"""Our own words as a browser in a given locale reads them, so a browser test can walk a journey in
that language: `t = words(browser_locale)`, then `page.get_by_role("button", name=t("Sign In"))`.

The words come from the same catalogues the site renders with (ours, Django's, allauth's), so a test
looks for what a German reader sees. Data (band names, messages typed in) is never translated."""

import html
import re
from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation.trans_real import DjangoTranslation

TAG = re.compile(r"<[^>]+>")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# The site's language for each browser locale the tests use (what LocaleMiddleware picks from the
# Accept-Language header the browser sends).
LANGUAGE_OF_LOCALE = {"en-US": "en", "en-GB": "en-gb", "de": "de", "de-DE": "de"}
# The browser locales of the languages we speak besides English and German ("fr-FR", …), from the settings:
# the sign-up journey and the date inputs walk each (stageslot/tests/test_languages_walk.py checks it).
MORE_BROWSER_LOCALES = tuple(
    f"{code}-{code.upper()}" for code, _name in settings.LANGUAGES if code not in ("en", "en-gb", "de")
)


def language_of(locale: str) -> str:
    """The site's language for a browser locale ("de-DE" → "de", "en-GB" → "en-gb")."""
    if locale in LANGUAGE_OF_LOCALE:
        return LANGUAGE_OF_LOCALE[locale]
    return translation.get_supported_language_variant(locale.lower())


def words(locale: str) -> Callable[..., str]:
    """A function translating an English msgid into the language a browser in `locale` reads:
    `t("Sign In")`, `t("May", context="long month name")`, `t("%(band)s is free", band="The Owls")`
    (the msgid is translated first, then the placeholders filled in), `t("%(n)s band", "%(n)s bands", 2, n=2)`
    for plurals. Markup in a msgid is dropped (`<strong>%(zone)s</strong>` reads as the zone), as a reader
    sees it. `t.label("Email")` is a form field's label as Django draws it, with its suffix ("E-Mail:");
    `t.date(day, "WEEKDAY_MONTH_LONG_FORMAT")` a date in that language's format; `t.js("Card number")` a word
    of our JavaScript; `t.pattern("%(start)s–%(end)s next day (%(zone)s)")` a regular expression matching
    the sentence whatever fills its placeholders."""
    language = language_of(locale)

    def t(msgid: str, plural: str | None = None, count: int | None = None, *, context: str | None = None, **values):
        with translation.override(language):
            if plural is not None:
                text = (
                    translation.npgettext(context, msgid, plural, count)
                    if context
                    else translation.ngettext(msgid, plural, count)
                )
            else:
                text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
        text = html.unescape(TAG.sub("", text))
        return text % values if values else text

    def label(msgid: str, *, context: str | None = None, **values) -> str:
        return t(msgid, context=context, **values) + t(":")

    def pattern(msgid: str, *, context: str | None = None) -> re.Pattern:
        """The translated msgid as a regular expression, each placeholder standing for any text."""
        parts = PLACEHOLDER.split(t(msgid, context=context))
        return re.compile("".join(".+?" if i % 2 else re.escape(part) for i, part in enumerate(parts)))

    def js(msgid: str) -> str:
        """A word our JavaScript writes (the djangojs catalogue, as the JavaScript catalogue serves it)."""
        return DjangoTranslation(language, domain="djangojs").gettext(msgid)

    def date(value, format_name: str) -> str:
        with translation.override(language):
            return date_format(value, format_name)

    t.language = language
    t.label = label
    t.date = date
    t.js = js
    t.pattern = pattern
    return t
