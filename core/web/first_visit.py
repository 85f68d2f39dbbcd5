"""Pages kept drawn for first visits: the sign-in page and a band's public page (and, for the band page, every
visitor who is not signed in).

A visitor without a session sees the same page as every other visitor but for the CSRF token in its
forms. A GET with no session cookie, no pending message, no query and no htmx is answered from a copy
this process drew earlier for the same page key, language, time zone cookie, host and settings, with
this request's own token put into each form. Every other request (a POST, a `next`, a signed-in
person, a message after signing out) is drawn as before. The caller's view makes its access checks
first and names what the page shows in its key (the band page: the digest of its press kit), so a
change to what it shows is another key, never a stale page.

A page may also answer from the copy (`kept_page`) a visitor who has a session but is not signed in and has
no message waiting (is_signed_out_visit: a second visit, a fan who followed a band, someone who signed out)
when it depends on the session for nothing else, as the band page does. The session is read to know (one
query); the copy is the first visitors' (docs/decisions/0114).

The copies are kept in the process's "fragments" cache, so they never outlive the code and templates
that drew them, and for five minutes at most. A copy holds nothing of anyone: the token is cut out.
"""

import itertools
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import caches
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from core.fields.timezones import ZONE_COOKIE

KEEP_SECONDS = 300
TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
HOLE = b"\x00csrf\x00"
# Headers the view set that a kept copy answers with again (the middleware add the rest each time).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")

# Moved on whenever a setting changes (tests change the sign-in ways a page offers), so a copy drawn
# under other settings is never handed out.
_generation = itertools.count()
_current = [next(_generation)]


def _settings_changed(**_kwargs) -> None:
    _current[0] = next(_generation)


setting_changed.connect(_settings_changed, weak=False, dispatch_uid="first_visit_pages")


def is_first_visit(request: HttpRequest) -> bool:
    """Whether the page drawn for this request is the one every first visitor gets."""
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


def is_signed_out_visit(request: HttpRequest) -> bool:
    """Whether this request, with a session, gets the page every first visitor gets: a plain GET (as
    is_first_visit asks) by someone not signed in with no message waiting, in the messages cookie or the
    session (nothing is read off either: a page drawn anew shows it)."""
    return (
        request.method == "GET"
        and not request.GET
        and "messages" not in request.COOKIES
        and not request.headers.get("HX-Request")
        and not request.user.is_authenticated
        # Messages not in their cookie are in the session (the fallback storage), under this key.
        and not request.session.get(SessionStorage.session_key)
    )


def _key(request: HttpRequest, name: str) -> str:
    zone = request.COOKIES.get(ZONE_COOKIE, "")[:64]
    language = translation.get_language()
    return f"first-visit:{_current[0]}:{name}:{language}:{request.get_host()}:{request.scheme}:{zone}"


def first_visit_page(request: HttpRequest, name: str, draw: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `draw()` draws; for a first visit (is_first_visit), the copy kept under `name`, drawn and
    kept now when there is none."""
    if not is_first_visit(request):
        return draw()
    return kept_page(request, name, draw)


def kept_page(request: HttpRequest, name: str, draw: Callable[[], HttpResponse]) -> HttpResponse:
    """The copy kept under `name` for this request's language, zone, host and settings, with this request's
    own CSRF token; drawn and kept now when there is none. For a caller that has checked is_first_visit or,
    for a page that depends on the session for nothing else, is_signed_out_visit."""
    cache = caches["fragments"]
    key = _key(request, name)
    kept = cache.get(key)
    if kept is None:
        response = draw()
        if hasattr(response, "render"):
            response.render()
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        body, holes = TOKEN.subn(rb"\1" + HOLE + rb"\2", response.content)
        if holes or b"csrfmiddlewaretoken" not in response.content:
            headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
            never = "no-store" in response.get("Cache-Control", "")
            cache.set(key, (body, headers, never, bool(holes)), KEEP_SECONDS)
        return response
    body, headers, never, has_token = kept
    if has_token:
        body = body.replace(HOLE, get_token(request).encode())
    response = HttpResponse(body)
    for header, value in headers.items():
        response[header] = value
    if never:
        add_never_cache_headers(response)
    return response
