"""What a person's device may keep, and what no shared cache may (decision 0091).

- `@kept_offline` marks a page the service worker may keep on this person's device: `private, no-cache`
  (the device asks again whenever it is online) and `X-StageSlot-Keep: <user id>`. The worker keeps only a
  page listed for this person by /me/offline/ *and* marked so, never a partial.
- `PrivateCacheMiddleware`: every answer to someone signed in is `private` (and `no-store` unless the view
  said otherwise), with `Vary: Cookie`; a few answers that are the same for everyone are left as they are.
- Any answer that signs the person out (logging out, closing the account, whatever door ends the session)
  carries `Clear-Site-Data: "cache", "storage"`: the browser drops what the site kept on the device (Cache
  Storage, IndexedDB, the worker); the page and the worker wipe it too (static/js/road.js).
"""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers

KEEP_HEADER = "X-StageSlot-Keep"
KEPT_CACHE_CONTROL = "private, no-cache"
PRIVATE_CACHE_CONTROL = "private, no-store"
CLEAR_SITE_DATA = '"cache", "storage"'
# Answers that are the same for whoever asks: the scripts' words, the worker and the app's manifest.
SAME_FOR_EVERYONE = ("/jsi18n/", "/sw.js", "/manifest.webmanifest", "/static/")


def kept_offline(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark the page (a 200 GET, not a partial) as one this person's device may keep for the road."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        partial = request.headers.get("HX-Request") == "true"
        # A view may decline for one answer (a booking's file not marked for the road): it stays `no-store`.
        wanted = getattr(response, "kept_offline", True)
        if (
            wanted
            and request.method == "GET"
            and response.status_code == 200
            and not partial
            and request.user.is_authenticated
        ):
            response[KEEP_HEADER] = str(request.user.pk)
            response["Cache-Control"] = KEPT_CACHE_CONTROL
        return response

    wrapped.kept_offline = True  # type: ignore[attr-defined]
    return wrapped


class PrivateCacheMiddleware:
    """No answer to a signed-in person lands in a shared cache, and none is kept by the browser unless the
    view marked it (`@kept_offline`). Logging out clears what the site kept on the device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        response = self.get_response(request)
        # Signed in when the request came, signed out when it leaves: whatever door did it, the device forgets.
        signed_out = signed_in and not getattr(request, "user", user).is_authenticated
        if signed_out or (request.method == "POST" and request.path == reverse("account_logout")):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        if signed_in and not request.path.startswith(SAME_FOR_EVERYONE):
            _make_private(response)
        return response


def _make_private(response: HttpResponse) -> None:
    given = [part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()]
    names = {part.split("=")[0].lower() for part in given}
    if "private" not in names or "public" in names:
        kept = [part for part in given if part.split("=")[0].lower() not in ("public", "private", "s-maxage")]
        response["Cache-Control"] = ", ".join([*kept, "private"]) if kept else PRIVATE_CACHE_CONTROL
    patch_vary_headers(response, ("Cookie",))
