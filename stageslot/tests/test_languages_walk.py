"""Pages walked in every language StageSlot speaks show no source English: each text a page draws and
each attribute a person reads (title, aria-label, placeholder…) is compared with the English catalogue's
sentences; one found as the English writes it, where the language's translation says otherwise, is a word
left untranslated (a string not marked, a catalogue not compiled, a language not activated for a part).
And the browser journeys walk every language: together their markers name every one besides English and
German (stageslot.tests.words.MORE_BROWSER_LOCALES)."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from accounts.models import User
from stageslot.tests import demo_once
from stageslot.tests.once import rows_for_the_module
from stageslot.tests.pseudo import _Walker, database_words
from stageslot.tests.words import MORE_BROWSER_LOCALES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.xdist_group("pseudo_locale_demo"),
    pytest.mark.slow(reason="renders the pages of each role in each language"),
]

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
SPOKEN = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|\{[A-Za-z_][\w.]*\}|\{\d+\}|<[^>]+>")
WORD = re.compile(r"[A-Za-z]{2,}")

VISITOR = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/privacy/", "/shows/", "/bands/"]
SIGNED_IN = {
    "mara@demo.stageslot.test": [
        "/dashboard/",
        "/me/profile/",
        "/me/availability/",
        "/notifications/",
        "/notifications/settings/",
        "/me/data/",
        "/bookings/",
        "/slots/",
        "/gigs/tours/",
    ],
    "kellerbar-owner@demo.stageslot.test": ["/dashboard/", "/bookings/"],
    "client@demo.stageslot.test": ["/dashboard/", "/bookings/"],
}


def _fragments(text: str) -> set[str]:
    """The runs of a msgid between its placeholders and tags, as a page shows them: at least two words."""
    found = set()
    for part in PLACEHOLDER.split(text):
        part = " ".join(part.split()).strip(" .,:;–-")
        if len(WORD.findall(part)) >= 2:
            found.add(part)
    return found


def _english(language: str) -> set[str]:
    """The English catalogue's sentences that the language's own translation does not also say."""
    english, theirs = set(), set()
    for domain in ("django", "djangojs"):
        for entry in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po")):
            if entry.obsolete:
                continue
            english |= _fragments(entry.msgid) | (_fragments(entry.msgid_plural) if entry.msgid_plural else set())
            for text in [entry.msgstr, *entry.msgstr_plural.values()]:
                theirs |= _fragments(text)
    return english - theirs


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, pytestconfig):
    with rows_for_the_module(django_db_blocker):
        demo_once.seed(pytestconfig, pictures=False)
        yield database_words() | {value for value in settings.STAGESLOT_OPERATOR.values() if value}


def _english_on(client, url: str, english: set[str], data: set[str], accept: str) -> list[str]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200, (url, response.status_code)
    walker = _Walker()
    walker.feed(response.content.decode())
    found = []
    for where, text, _is_attribute in walker.found:
        text = " ".join(text.split()).strip(" .,:;–-")
        if text in english and text not in data:
            found.append(f"{url} {where}: {text}")
    return found


@pytest.mark.parametrize("language", SPOKEN)
def test_every_role_reads_its_pages_without_source_english(client, demo, language):
    english = _english(language)
    accept = f"{language},{language}-{language.upper()};q=0.9"
    found = []
    for url in VISITOR:
        found += _english_on(client, url, english, demo, accept)
    for email, urls in SIGNED_IN.items():
        person = User.objects.get(email=email)
        person.language = ""  # the page follows the browser's language
        person.save(update_fields=["language"])
        client.force_login(person)
        for url in urls:
            found += _english_on(client, url, english, demo, accept)
        client.logout()
    assert found == [], "\n".join(found)


def test_the_browser_journeys_together_walk_every_language_we_speak():
    """Every language we speak besides English and German has its browser locale in MORE_BROWSER_LOCALES, and a
    journey (the sign-up) walks all of them: `@pytest.mark.locales(*MORE_BROWSER_LOCALES)`."""
    assert {locale.split("-")[0] for locale in MORE_BROWSER_LOCALES} == set(SPOKEN) - {"de"}
    walking = [
        path
        for path in ROOT.glob("*/tests/test_*.py")
        if re.search(r"^@pytest\.mark\.locales\(\*MORE_BROWSER_LOCALES\)", path.read_text(), re.M)
    ]
    assert walking, "no browser journey walks the languages besides English and German"
