"""Show every page in the viewer's time zone; refuse input with control characters in it; the
security headers of every response."""

import codecs
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from core.fields.dates import DateInputError
from core.fields.form_fields import control_character_in, control_character_words
from core.fields.timezones import viewer_zone


class TimezoneMiddleware:
    """Activate the viewer's zone (core.fields.timezones.viewer_zone) for the request, and keep where it came
    from on request.time_zone_source for the page to say."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone, request.time_zone_source = viewer_zone(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class AccountLanguageMiddleware:
    """A signed-in person reads the site in the language kept on their account; without one, as for
    anyone signed out, LocaleMiddleware's choice stands (the switcher's cookie, else the browser's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            language = translation.get_supported_language_variant(user.language)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class ControlCharacterMiddleware:
    """Refuse, with a 400 page that says which field, any request whose address contains a control
    character, and any POST (PUT, …) whose query or form fields do, or whose body names a charset
    other than UTF-8: every form of the site (ours, allauth's, the admin's) gets the same clear answer
    and nothing is saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem and request.path.startswith("/api/"):
            # The JSON API answers every error as application/problem+json (bookings/api/core.py).
            body = {"type": "about:blank", "title": _("Bad request"), "status": 400, "detail": problem}
            return HttpResponse(json.dumps(body), status=400, content_type="application/problem+json")
        if problem:
            response = render(request, "400.html", {"input_problem": problem}, status=400)
            if request.headers.get("HX-Request") == "true":
                # An HTMX form shows the message in place of the page's main part (stageslot.js).
                response["HX-Retarget"] = "#main"
                response["HX-Reswap"] = "innerHTML"
                response["HX-Reselect"] = "#main > *"
            return response
        return self.get_response(request)

    @staticmethod
    def _problem(request: HttpRequest) -> str:
        code = control_character_in(request.path)
        if code:
            # Translators: what is an invisible or broken character, named with its code.
            return _("The address contains %(what)s.") % {"what": control_character_words(code)}
        # A GET's query is a search or a filter: its form says what is wrong next to the field (and
        # keeps showing results), so only what is sent to change something is refused here.
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return ""
        charset = _declared_charset(request)
        if charset:
            # Translators: charset is the name of a character set the browser named, e.g. "windows-1252".
            return _("The form was sent in the character set “%(charset)s”; send it as UTF-8, as browsers do.") % {
                "charset": charset
            }
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                for text in [key, *values]:
                    code = control_character_in(text)
                    if code:
                        name = key if not control_character_in(key) else _("a field")
                        # Translators: what is an invisible or broken character, named with its code.
                        return _("The field “%(name)s” contains %(what)s.") % {
                            "name": name,
                            "what": control_character_words(code),
                        }
        return ""


class DateInputMiddleware:
    """A date in an address's query that is no date or out of its bound (core.fields.dates.query_date) is a 400
    page saying so, in place of the page's main part for htmx; nothing was changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DateInputError):
            return None
        # The API answers its own (422 by field, bookings/api/core.py) before an exception reaches here.
        response = render(request, "400.html", {"date_problem": " ".join(exception.messages)}, status=400)
        if request.headers.get("HX-Request") == "true":
            response["HX-Retarget"] = "#main"
            response["HX-Reswap"] = "innerHTML"
            response["HX-Reselect"] = "#main > *"
        return response


def _declared_charset(request: HttpRequest) -> str:
    """The charset a request body names when it is a real one other than UTF-8, else "".

    Django decodes a multipart form's fields with whatever charset its Content-Type names (utf-7,
    unicode_escape, …), which turns a few ASCII bytes into any character at all, lone surrogates
    included, past every check written for UTF-8. Browsers name none; Django itself refuses a
    url-encoded body that is not UTF-8.
    """
    charset = request.content_params.get("charset", "") if request.content_params else ""
    try:
        name = codecs.lookup(charset).name if charset else "utf-8"
    except LookupError:
        return ""  # an unknown name is ignored by Django too: the body is read as UTF-8
    return "" if name == "utf-8" else charset[:40]


class SecurityHeadersMiddleware:
    """Every response (pages, partials, feeds, share pages, static files, errors) carries a
    Content-Security-Policy, a Permissions-Policy and X-Frame-Options. Listed first in MIDDLEWARE so
    it also wraps what WhiteNoise answers. The Django admin gets STAGESLOT_CSP_ADMIN (inline style
    attributes, which its widgets and our thumbnails use); scripts are 'self' everywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        policy = settings.STAGESLOT_CSP_ADMIN if admin else settings.STAGESLOT_CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", settings.STAGESLOT_PERMISSIONS_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, with the message storage made only when a message is added or read.

    Most answers (a kept page, a partial, a feed) never touch messages: they skip building the storage
    (its class looked up, the cookie's and the session's backends made) and its update of the response,
    which for storage never used writes nothing. A request that adds or reads messages gets the same
    storage and the same cookie or session writes as before."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)
