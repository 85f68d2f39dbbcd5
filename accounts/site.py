"""The site's own address, for links that leave the page: feeds, share links, emails.

STAGESLOT_SITE_URL wins when it is set (production, and `make run`, which sets it from HOST). Without
it, a link made while serving a request follows the address that request came to; outside a request
(a worker, a command) it is http://127.0.0.1:8000.
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
_request_site: ContextVar[str] = ContextVar("request_site", default="")


def site_url() -> str:
    """The site's address without a trailing slash, e.g. "https://stageslot.example"."""
    return (settings.SITE_URL or _request_site.get() or DEFAULT_SITE_URL).rstrip("/")


class SiteURLMiddleware:
    """Remembers, while a request is served, the address it came to (a host ALLOWED_HOSTS accepts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_site.set(request.build_absolute_uri("/"))
        try:
            return self.get_response(request)
        finally:
            _request_site.reset(token)
