"""The JavaScript catalogue's address: the language and a version made from the catalogues on disk, so a
browser keeps it for a year and a new catalogue is a new address (stageslot/views/jsi18n.py answers it)."""

import hashlib
from functools import lru_cache
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

# Our apps: their locale/ folders and the project's LOCALE_PATHS hold the "djangojs" catalogues.
PACKAGES = ["stageslot", "places", "accounts", "availability", "bands", "venues", "bookings", "reviews"]


@lru_cache(maxsize=1)
def catalogue_version() -> str:
    """A short hash of every djangojs.mo our catalogue reads, and of Django's version (its formats and
    the catalogue's script): it changes when a translation does. Worked out once per process."""
    folders = [Path(folder) for folder in settings.LOCALE_PATHS]
    folders += [Path(apps.get_app_config(name).path) / "locale" for name in PACKAGES]
    digest = hashlib.sha256(django.get_version().encode())
    for folder in folders:
        for mo in sorted(folder.glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(mo.relative_to(folder).as_posix().encode())
            digest.update(mo.read_bytes())
    return digest.hexdigest()[:12]


def catalogue_url() -> str:
    """The catalogue's address for the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return reverse("javascript_catalog", args=[language, catalogue_version()])
