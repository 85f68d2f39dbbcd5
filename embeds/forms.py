"""The website widget's inputs: the query of an embed address (every value bounded, anything odd read
as its default – the address is typed into other people's sites) and the band's colour form."""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField
from core.fields.timezones import time_zone_names

from .colours import DEFAULT_ACCENT, DEFAULT_BACKGROUND
from .models import hex_colour
from .selectors import SHOWS_DEFAULT, SHOWS_MAX, WEEKS_DEFAULT, WEEKS_MAX

THEMES = ("light", "dark")


@dataclass(frozen=True)
class EmbedParams:
    weeks: int
    shows: int
    lang: str
    theme: str
    tz: str  # "" when the address names no (known) zone: the band's is used
    # The address names the language (`lang`); else the widget speaks the browser's, and its answer
    # varies with the browser's Accept-Language.
    lang_from_address: bool = True

    def key(self) -> str:
        return f"w{self.weeks}:s{self.shows}:{self.lang}:{self.theme}:{self.tz}"


def _bounded(value: str | None, default: int, low: int, high: int) -> int:
    """An integer in [low, high]: a number outside is brought inside, anything else is `default`."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return default
    return high if len(text) > 6 else min(max(int(text), low), high)


def embed_params(query, *, browser_language: str = settings.LANGUAGE_CODE) -> EmbedParams:
    """The widget's options from its query (`weeks`, `shows`, `lang`, `theme`, `tz`). With no known
    `lang`, the language is `browser_language` (what the visitor's browser asks for)."""
    languages = {code for code, _name in settings.LANGUAGES}
    lang = (query.get("lang") or "").strip().lower()
    theme = (query.get("theme") or "").strip().lower()
    tz = (query.get("tz") or "").strip()
    return EmbedParams(
        weeks=_bounded(query.get("weeks"), WEEKS_DEFAULT, 1, WEEKS_MAX),
        shows=_bounded(query.get("shows"), SHOWS_DEFAULT, 0, SHOWS_MAX),
        lang=lang if lang in languages else browser_language,
        theme=theme if theme in THEMES else THEMES[0],
        tz=tz if len(tz) < 64 and tz in time_zone_names() else "",
        lang_from_address=lang in languages,
    )


class ColourInput(forms.TextInput):
    input_type = "color"


class EmbedStyleForm(forms.Form):
    accent = OneLineField(
        label=_("Button colour"),
        initial=DEFAULT_ACCENT,
        max_length=7,
        validators=[hex_colour],
        widget=ColourInput,
        help_text=_("The Book button. Its text is black or white, whichever reads better on it."),
    )
    background = OneLineField(
        label=_("Background colour"),
        initial=DEFAULT_BACKGROUND,
        max_length=7,
        validators=[hex_colour],
        widget=ColourInput,
        help_text=_("Behind the widget in its light theme. The dark theme keeps its own dark background."),
    )

    def clean_accent(self) -> str:
        return self.cleaned_data["accent"].lower()

    def clean_background(self) -> str:
        return self.cleaned_data["background"].lower()
