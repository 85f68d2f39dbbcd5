"""The Jinja2 environment of the fragments drawn many times per page (templates/jinja2/; docs/decisions/0030).

Django's template engine draws every page; a fragment repeated per row, such as a search result card,
is a Jinja2 template instead: it compiles to Python and draws 24 cards several times faster. Words go
through Django's gettext by the i18n extension (`{{ _("Genres") }}`, `{% trans %}`).
"""

from django.utils import translation
from jinja2 import Environment


def environment(**options) -> Environment:
    env = Environment(**options)  # noqa: S701  (Django's backend turns autoescape on unless told otherwise)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    return env
