"""The website widget's answers carry no cookie either way (docs/decisions/0046-embed-widget.md).

Listed first in MIDDLEWARE, so it wraps everything else: for /embed/… it drops the request's cookies
before the session, CSRF and messages middleware read them (the widget is drawn for nobody in
particular, and a cache may keep it for everyone), and drops whatever cookie and `Vary` on cookies the
inner middleware still add on the way out, and the `Vary` on language unless the answer speaks the
browser's language (an address with no `lang`: the view marks it `varies_on_language`). A view marked
`xframe_options_exempt` loses the X-Frame-Options that accounts.middleware.SecurityHeadersMiddleware
puts on every answer; its Content-Security-Policy (the view's own, with frame-ancestors) is left as the
view set it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re

EMBED_PREFIX = "/embed/"
# The widget's body follows its address (zone, language) and, with no language in it, the browser's
# Accept-Language alone: never a cookie.
UNVARIED = {"cookie", "accept-language"}


class EmbedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(EMBED_PREFIX):
            return self.get_response(request)
        request.META.pop("HTTP_COOKIE", None)
        request.__dict__.pop("COOKIES", None)
        response = self.get_response(request)
        response.cookies.clear()
        if response.has_header("Vary"):
            unvaried = UNVARIED - {"accept-language"} if getattr(response, "varies_on_language", False) else UNVARIED
            kept = [v for v in cc_delim_re.split(response["Vary"]) if v and v.lower() not in unvaried]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        if getattr(response, "xframe_options_exempt", False):
            del response["X-Frame-Options"]
        return response
