"""The engine's refusals in people's words: RuleError, and the translation hooks Django fills in when it starts
(AvailabilityConfig.ready); without Django the English stays."""

from __future__ import annotations

from collections.abc import Callable


class RuleError(ValueError):
    """A rule or block that cannot be used. The message is user-facing, in plain words."""


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


# The refusals are read by people, in their language. The engine imports no Django: the availability app
# hands it Django's gettext/ngettext when Django starts (AvailabilityConfig.ready); without Django the
# English stays. Each message is translated when it is raised, in the language active then.
translator: Callable[[str], str] = str
plural_translator: Callable[[str, str, int], str] = _english_plural


def _(message: str) -> str:
    return translator(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return plural_translator(singular, plural, n)
