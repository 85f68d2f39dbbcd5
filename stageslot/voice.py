"""The voice StageSlot speaks in each language (docs/languages.md): German "Sie", French "vous", Spanish
"usted", Italian "tu", Dutch "je". `off_voice` tells whether a translation addresses the reader in the
other voice; `library_catalogues` are the catalogues of the libraries whose words a person reads (allauth,
Django's forms, auth and admin). bin/library_words.py and stageslot/tests/test_languages.py read both."""

import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"

# The words of the voice StageSlot does not use, per language: where one appears in a translation
# addressed to the reader, that translation speaks in the other voice.
OFF_VOICE = {
    "de": re.compile(
        r"\b(?:du|dich|dir|dein|deine|deinen|deinem|deiner|deines|Du|Dich|Dir|Dein|Deine|Deinen|Deinem|Deiner|Deines)\b"
    ),
    "fr": re.compile(r"\b(?:tu|toi|ton|tes|Tu|Toi|Ton|Tes)\b"),
    "es": re.compile(r"(?<![\w-])(?:tú|Tú|tus|Tus|ti|contigo|puedes|debes|tienes|quieres|has|Has)(?![\w-])"),
    "it": re.compile(r"\b(?:Lei|Suo|Sua|Suoi|Sue|La sua|Il suo)\b"),
    "nl": re.compile(r"\b(?:u|uw|U|Uw)\b"),
}
LANGUAGES_VOICED = tuple(OFF_VOICE)

# The libraries' catalogues a person reads words of: allauth's, Django's own (forms and validation),
# its auth app's and its admin's (staff read the admin).
LIBRARY_DOMAINS = ("allauth", "django", "django.contrib.auth", "django.contrib.admin")


def off_voice(language: str, text: str) -> bool:
    pattern = OFF_VOICE.get(language)
    return bool(pattern and pattern.search(text))


def _locale_dir(module: str) -> Path:
    import importlib

    package = importlib.import_module(module.removesuffix(".conf") if module != "django" else "django.conf")
    return Path(package.__file__).resolve().parent / "locale"


def library_catalogues(language: str) -> list[polib.POFile]:
    found = []
    for module in LIBRARY_DOMAINS:
        path = _locale_dir(module) / language / "LC_MESSAGES" / "django.po"
        if path.exists():
            found.append(polib.pofile(str(path)))
    return found
