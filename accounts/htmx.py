"""What the views of every app share: the request they are given and the page-or-part switch.

An HTMX swap asks for one `{% partialdef %}` of a page; everything else (a first visit, a link
opened in a new tab, a history restore) gets the whole page.
"""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from .models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


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
