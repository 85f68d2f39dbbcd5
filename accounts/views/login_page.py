"""/accounts/login/: allauth's sign-in page, kept drawn for first visits.

The sign-in page is what a visitor without a session sees first, and it is the same page for all of
them but for the CSRF token in its forms. A GET with no session, no pending message, no query and no
htmx is answered from a copy drawn earlier in this process for the same language, time zone cookie
and host, with this request's own token put in; every other request (a POST, an error, a `next`, a
signed-in person, a message after signing out) is allauth's view as before. The copy is kept in the
process's "fragments" cache, so it never outlives the code and templates that drew it, and for five
minutes at most.
"""

import itertools
import re

from allauth.account.views import login as allauth_login
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from ..timezones import ZONE_COOKIE

KEEP_SECONDS = 300
TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
HOLE = b"\x00csrf\x00"


def _first_visit(request: HttpRequest) -> bool:
    """Whether the page drawn for this request is the one every first visitor gets."""
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


# Moved on whenever a setting changes (tests change the sign-in ways a page offers), so a copy drawn
# under other settings is never handed out.
_generation = itertools.count()
_current = [next(_generation)]


def _settings_changed(**_kwargs) -> None:
    _current[0] = next(_generation)


setting_changed.connect(_settings_changed, weak=False, dispatch_uid="login_page")


def _key(request: HttpRequest) -> str:
    zone = request.COOKIES.get(ZONE_COOKIE, "")[:64]
    return f"login-page:{_current[0]}:{translation.get_language()}:{request.get_host()}:{request.scheme}:{zone}"


def login_page(request: HttpRequest) -> HttpResponse:
    if not _first_visit(request):
        return allauth_login(request)
    cache = caches["fragments"]
    key = _key(request)
    kept = cache.get(key)
    if kept is None:
        response = allauth_login(request)
        if hasattr(response, "render"):
            response.render()
        if response.status_code != 200 or (getattr(request, "user", None) and request.user.is_authenticated):
            return response
        body, holes = TOKEN.subn(rb"\1" + HOLE + rb"\2", response.content)
        if holes:
            cache.set(key, (body, response["Content-Type"]), KEEP_SECONDS)
        return response
    body, content_type = kept
    response = HttpResponse(body.replace(HOLE, get_token(request).encode()), content_type=content_type)
    add_never_cache_headers(response)
    return response
