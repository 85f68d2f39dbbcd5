"""Ready a web process before it takes its first request.

Django imports the URLconf, and with it every view, form and service module, on the first request a
process serves, and builds the reverse map of URLs and loads the translation catalogues on first use.
That is about 0.8 s of CPU on the first request of every gunicorn worker – after each deploy and each
recycle (--max-requests) – and, when a worker starts under load, the people queued behind that
request wait for it too. wsgi.py and asgi.py call warm_up() while the worker boots, before it accepts
a connection. It touches no database and no cache: with gunicorn's --preload it runs in the master,
before the fork, and the workers share what it loaded.
"""

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    """Import every view (through the URLconf), build the URL reverse map in each language the site
    speaks with its catalogue loaded, and compile the base page template."""
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 (the property builds and keeps the map, per language)
    get_template("base.html")
