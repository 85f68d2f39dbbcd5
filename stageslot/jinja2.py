"""The Jinja2 environment of the fragments drawn many times per page (templates/jinja2/; docs/decisions/0030).

Django's template engine draws every page; a fragment repeated per row, such as a search result card,
is a Jinja2 template instead: it compiles to Python and draws 24 cards several times faster. Words go
through Django's gettext by the i18n extension, written as Django's makemessages finds them:
`{{ _("Genres") }}`, and with a placeholder `{{ _("Photo of %(name)s")|format(name=thing.name) }}` (old-style
gettext, so `_()` returns the plain translation and the template escapes it).
"""

from django.utils import translation
from jinja2 import Environment


def environment(**options) -> Environment:
    env = Environment(**options)  # noqa: S701  (Django's backend turns autoescape on unless told otherwise)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=False)
    return env
