"""What the views of every app share: the request they are given and the page-or-part switch.

An HTMX swap asks for one `{% partialdef %}` of a page; everything else (a first visit, a link
opened in a new tab, a history restore) gets the whole page.
"""

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser  # the site's user model (accounts.User); the ground floor names no app above it


def is_partial(request: HttpRequest) -> bool:
    """An HTMX swap gets the part; a history restore needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    partial: str = "",
    status: int = 200,
) -> HttpResponse:
    """`template` whole, or only its `partial` when an HTMX swap asks for it."""
    name = f"{template}#{partial}" if partial and is_partial(request) else template
    return render(request, name, context, status=status)


def from_own_page(request: HttpRequest) -> bool:
    """An HTMX request sent by the page at the request's own address: a form opened on its own page (in a new
    tab, say), where the parts a dialog's answer goes into (the page that opened the dialog) are absent."""
    htmx = getattr(request, "htmx", None)
    current = htmx.current_url if htmx else None
    return bool(current) and urlsplit(current).path == request.path


def page_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """The whole page goes to `url`: a redirect, or for HTMX an HX-Redirect the browser follows."""
    if getattr(request, "htmx", None):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def dialog_or_redirect(
    request: HttpRequest, *, dialog: Callable[[], HttpResponse], url: str, notice: str = ""
) -> HttpResponse:
    """After a form inside a dialog (or a slot of another page) did its work: `dialog()` answers the page that
    holds it; the form on its own page, with or without HTMX, goes to `url` with `notice` as a message."""
    if is_partial(request) and not from_own_page(request):
        return dialog()
    if notice:
        messages.success(request, notice)
    return page_redirect(request, url)
