"""Ready a web process before it takes its first request.

Django imports the URLconf, and with it every view, form and service module, on the first request a
process serves, and builds the reverse map of URLs and loads the translation catalogues on first use.
That is about 0.8 s of CPU on the first request of every gunicorn worker – after each deploy and each
recycle (--max-requests) – and, when a worker starts under load, the people queued behind that
request wait for it too. wsgi.py and asgi.py call warm_up() while the worker boots, before it accepts
a connection. It touches no database and no cache: with gunicorn's --preload it runs in the master,
before the fork, and the workers share what it loaded.
"""

import importlib
import sys

from django.conf import settings
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.urls import URLResolver, get_resolver
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string

# What the first request of a process imported after all that: the ORM's compiler, the date parser, the
# session serialiser and the message stores.
FIRST_REQUEST_IMPORTS = (
    "_strptime",
    "encodings.utf_8_sig",
    "django.db.models.sql.compiler",
    "django.contrib.sessions.serializers",
    "django.contrib.messages.storage.cookie",
    "django.contrib.messages.storage.session",
    "django.contrib.messages.storage.fallback",
)
# The pages most requests draw, with the templates they extend and include, compiled once here rather
# than by each worker's first request.
TEMPLATES = (
    "base.html",
    "accounts/partials/_bell.html",
    "account/login.html",
    "bands/detail.html",
    "stageslot/dashboard.html",
)


def warm_up() -> None:
    """Import every view (through the URLconf) and what a first request imports, build the URL reverse
    maps (the site's and each app's namespace) in each language the site speaks with its catalogue
    loaded, compile Django's lazily compiled patterns and the most used templates, and ready the
    calendar feeds (bookings.selectors.feeds.feed_warm_up)."""
    for module in FIRST_REQUEST_IMPORTS:
        importlib.import_module(module)
    import_string(settings.MESSAGE_STORAGE)
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _reverse_maps(resolver)
    _lazy_patterns_compiled()
    compiled: set[str] = set()
    for name in TEMPLATES:
        _compile_tree(name, compiled)
    from bookings.selectors.feeds import feed_warm_up  # an app's: after Django is set up

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            feed_warm_up()


def _compile_tree(name: str, compiled: set[str]) -> None:
    """Compile the template `name` and every template it extends or includes by a constant name (the
    cached loader keeps each; Django would compile them on the first render that reaches them)."""
    if name in compiled:
        return
    compiled.add(name)
    template = get_template(name)
    nodes = getattr(getattr(template, "template", None), "nodelist", None)
    if nodes is None:  # not a Django template (Jinja2 compiles its own)
        return
    for node in [*nodes.get_nodes_by_type(ExtendsNode), *nodes.get_nodes_by_type(IncludeNode)]:
        expression = node.parent_name if isinstance(node, ExtendsNode) else node.template
        literal = getattr(expression, "var", None)
        if isinstance(literal, str):
            _compile_tree(literal, compiled)


def _reverse_maps(resolver: URLResolver) -> None:
    """Build the reverse map of `resolver` and of every namespace under it, and compile each pattern,
    in the active language (Django builds a namespace's map on its first reverse)."""
    resolver.reverse_dict  # noqa: B018 (the property builds and keeps the map, per language)
    for pattern in resolver.url_patterns:
        pattern.pattern.regex  # noqa: B018 (compiled per language on first use)
        if isinstance(pattern, URLResolver):
            _reverse_maps(pattern)


def _lazy_patterns_compiled() -> None:
    """Compile the regular expressions Django's modules compile on first use (_lazy_re_compile)."""
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if (
                isinstance(value, SimpleLazyObject)
                and value._wrapped is empty
                and getattr(value._setupfunc, "__qualname__", "").startswith("_lazy_re_compile")
            ):
                value._setup()
