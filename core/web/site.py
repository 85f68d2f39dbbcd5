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
_request: ContextVar[HttpRequest | None] = ContextVar("request", default=None)


def site_url() -> str:
    """The site's address without a trailing slash, e.g. "https://stageslot.example"."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    request = _request.get()
    return (request.build_absolute_uri("/") if request is not None else DEFAULT_SITE_URL).rstrip("/")


class SiteURLMiddleware:
    """Remembers, while a request is served, the request, so a link can follow the address it came to
    (a host ALLOWED_HOSTS accepts); worked out only when a page makes such a link."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
