"""A closed account, signed in again during its grace period, sees only the page that keeps it
(docs/decisions/0082): every other page sends it there."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# What a closed account may still reach: the keep page itself, signing out, and what a page needs to draw.
OPEN_PATHS = ("/me/data/keep/", "/accounts/logout/", "/static/", "/jsi18n/", "/language/", "/sw.js")


class ClosedAccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "closed_at", None) is not None
            and not request.path.startswith(OPEN_PATHS)
        ):
            url = reverse("privacy:keep")
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return self.get_response(request)
