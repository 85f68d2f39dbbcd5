"""Ready a web process before it takes its first request.

Django imports the URLconf, and with it every view, form and service module, on the first request a
process serves, and builds the reverse map of URLs and loads the translation catalogues on first use.
That is about 0.8 s of CPU on the first request of every gunicorn worker – after each deploy and each
recycle (--max-requests) – and, when a worker starts under load, the people queued behind that
request wait for it too. wsgi.py and asgi.py call warm_up() while the worker boots, before it accepts
a connection. It touches no database and no cache: with gunicorn's --preload it runs in the master,
before the fork, and the workers share what it loaded.

What only a process of its own can ready – its first connection to the database and to Redis, which load
psycopg's and redis-py's per-process state – worker_warm_up() readies in each worker before it accepts a
connection (deploy/gunicorn.conf.py's post_worker_init), so that a worker that answers /health/ answers
the busiest pages as fast as an old one (docs/decisions/0087-reloads-that-never-stall.md).
"""

import contextlib
import importlib
import re
import sys
import threading
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import caches
from django.db import connections
from django.template import engines
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import formats, translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string

from stageslot import readiness

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
DOTTED_CLASS = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+\.[A-Z]\w*$")
ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_SUFFIXES = {".html", ".txt", ".xml", ".ics", ".js", ".svg"}


def warm_up() -> None:
    """Import every view (through the URLconf) and what a first request imports, build the URL reverse
    maps (the site's and each app's namespace) in each language the site speaks with its catalogue
    loaded, compile Django's lazily compiled patterns and every template in templates/, make the
    cache backends (importing redis-py, about 0.6 s, without connecting) and ready the calendar feeds
    (bookings.selectors.feeds.feed_warm_up)."""
    for module in FIRST_REQUEST_IMPORTS:
        importlib.import_module(module)
    import_string(settings.MESSAGE_STORAGE)
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _reverse_maps(resolver)
            _namespace_maps(resolver)
    _lazy_patterns_compiled()
    templates_compiled()
    for engine in engines.all():
        # Django's engine imports its context processors on the first render with a request.
        getattr(getattr(engine, "engine", None), "template_context_processors", None)
    for code, _name in settings.LANGUAGES:
        formats.get_format_modules(code)  # each language's format modules, Django's and ours, imported on first use
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)  # kept per process; the first request asks
    for path in _named_classes():
        with contextlib.suppress(ImportError):  # a setting that names nothing is the system checks' to report
            import_string(path)
    for alias in settings.CACHES:
        caches[alias]  # made and kept per process; a Redis one connects on its first use
    from bookings.selectors.feeds import feed_warm_up  # an app's: after Django is set up

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            feed_warm_up()


def worker_warm_up() -> None:
    """Connect to the database and to the Redis caches once, in the process that will serve: psycopg's and
    Django's per-process state (adapters, the extensions' type ids) is loaded and Redis's connection pool,
    which the request threads share, holds a connection. The database connection is let go: each request
    thread opens its own. A database or cache that does not answer is left to the requests and /health/
    to report: the worker starts either way."""
    for connection in connections.all():
        with contextlib.suppress(Exception):  # /health/ reports a database that does not answer
            connection.ensure_connection()
        connection.close()
    for alias in settings.CACHES:
        with contextlib.suppress(Exception):  # the Redis cache fails open, and logs it
            caches[alias].get("warm")


def thread_warm_up() -> None:
    """Open this request thread's own database connection before its first request, and keep it (Django's
    connections are per thread and kept for CONN_MAX_AGE), and compile the reads every signed-in request makes
    (core.db.prepared, per thread): a new worker's threads would each do both on their first request, under
    load 50 to 300 ms each."""
    from core.db import prepared  # the application is loaded

    for connection in connections.all():
        with contextlib.suppress(Exception):  # /health/ reports a database that does not answer
            connection.ensure_connection()
    with contextlib.suppress(Exception):  # nor a read: its request will say why
        prepared.thread_warm_up()
    readiness.thread_ready()


def threads_warm_up(pool, threads: int, *, timeout: float = 10.0) -> int:
    """thread_warm_up() on each of the `threads` threads of `pool` (gthread's request threads, a
    ThreadPoolExecutor): each task holds its thread until all have started, so the pool starts every thread
    instead of reusing an idle one. Returns how many threads were readied."""
    barrier = threading.Barrier(threads)

    def task() -> int:
        thread_warm_up()
        try:
            barrier.wait(timeout)
        except threading.BrokenBarrierError:
            return 0
        return threading.get_ident()

    tasks = [pool.submit(task) for _ in range(threads)]
    return len({t.result(timeout=2 * timeout) for t in tasks} - {0})


def templates_compiled() -> int:
    """Compile every template in the engines' directories (templates/ and templates/jinja2/), by the name a
    view or an include asks for (the cached loader keeps each; Django and Jinja2 would compile them on the
    first render that reaches them, 0.1 to 0.5 s for a page with its fragments). A directory of another
    engine inside an engine's (templates/jinja2/ in templates/) is that engine's. Returns how many."""
    directories = {Path(d) for engine in engines.all() for d in engine.template_dirs}
    count = 0
    for engine in engines.all():
        for directory in map(Path, engine.template_dirs):
            others = [d for d in directories if d != directory and d.is_relative_to(directory)]
            for path in sorted(directory.rglob("*")):
                if path.suffix in TEMPLATE_SUFFIXES and path.is_file() and not any(map(path.is_relative_to, others)):
                    engine.get_template(path.relative_to(directory).as_posix())
                    count += 1
    return count


def _reverse_maps(resolver: URLResolver) -> None:
    """Build the reverse map of `resolver` and of every namespace under it, and compile each pattern,
    in the active language (Django builds a namespace's map on its first reverse)."""
    resolver.reverse_dict  # noqa: B018 (the property builds and keeps the map, per language)
    for pattern in resolver.url_patterns:
        pattern.pattern.regex  # noqa: B018 (compiled per language on first use)
        if isinstance(pattern, URLResolver):
            _reverse_maps(pattern)


def _namespace_maps(resolver: URLResolver, namespaces: tuple[str, ...] = ()) -> None:
    """Build, in the active language, the reverse map of the resolver Django makes for each namespace the
    first time a name in it is reversed ("bands:detail": a resolver of its own, kept by
    get_ns_resolver): 30 ms of CPU on the first dashboard a worker draws, which names seven namespaces.
    Reversing a name no namespace has builds it, then finds nothing."""
    for namespace, (_prefix, inner) in resolver.namespace_dict.items():
        path = (*namespaces, namespace)
        with contextlib.suppress(NoReverseMatch):
            reverse(":".join((*path, "-")))
        _namespace_maps(inner, path)


def _named_classes() -> list[str]:
    """The project's own classes the settings name by dotted path ("accounts.adapters.AccountAdapter",
    allauth's forms), which the code that reads them imports on its first use: a first sign-in page."""
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and not Path(config.path).is_relative_to(sys.prefix)
    }
    found = []
    for name in dir(settings):
        if not name.isupper():
            continue
        value = getattr(settings, name)
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else [value]
        found += [v for v in values if isinstance(v, str) and DOTTED_CLASS.match(v) and v.split(".")[0] in ours]
    return found


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
