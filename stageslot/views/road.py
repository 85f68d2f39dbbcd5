"""StageSlot as an app on the road (decision 0091): its manifest, its one service worker (Web Push and the
show day kept offline), the list of what this person's device keeps, the person's next shows (the app's
start page) and the page shown offline for a page not kept."""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.offline import kept_offline

from ..js_catalogue import catalogue_url
from ..road import KEEPABLE, REPLAYABLE, road_keep_list, road_shows
from ..templatetags.nav import HEAD_SCRIPTS, HEAD_STYLESHEETS, ICON

THEME_COLOUR = "#2b2f77"  # --brand in static/css/stageslot.css
BACKGROUND_COLOUR = "#1b1d3a"  # --ink


def _shell() -> list[str]:
    """What any page needs offline: the offline page, the stylesheets, scripts and icon, the words."""
    assets = [static(name) for name in (*HEAD_STYLESHEETS, *HEAD_SCRIPTS, ICON)]
    return [reverse("offline"), catalogue_url(), *assets]


def _build(shell: list[str]) -> str:
    return hashlib.sha256(json.dumps(shell).encode()).hexdigest()[:12]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """/manifest.webmanifest: installable, opening on the person's next shows."""
    body = {
        "name": "StageSlot",
        "short_name": "StageSlot",
        "description": _("Your next shows, on the road and offline: day sheets, set lists, guest lists."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("road"),
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": static(ICON), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: shows pushed notifications, keeps this person's next shows and serves them offline."""
    shell = _shell()
    context = {
        "build": _build(shell),
        "keepable": json.dumps(KEEPABLE),
        "keep_url": reverse("road_keep"),
        "offline_url": reverse("offline"),
        "static_url": static(""),
    }
    response = render(request, "stageslot/road/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def road_keep(request: HttpRequest) -> JsonResponse:
    """/me/offline/: what this device keeps for the person signed in (nothing, and wiped, for no one),
    with a fresh CSRF token for the changes it sends later. Never stored anywhere (no-store)."""
    if not request.user.is_authenticated:
        response = JsonResponse({"user": None, "keep": [], "shell": []})
    else:
        body = road_keep_list(user=request.user, now=timezone.now())
        body.update(csrf=get_token(request), shell=_shell(), replayable=REPLAYABLE)
        response = JsonResponse(body)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@kept_offline
def road(request: HttpRequest) -> HttpResponse:
    """/me/road/: my next shows, each with its pages kept on this device and the band's contacts."""
    shows = road_shows(user=request.user, now=timezone.now(), with_members=True)
    for show in shows:
        show.title = booking_title(show.booking)
        show.when = when_text(show.booking.starts_at, show.booking.ends_at, show.booking.zone)
    return render(request, "stageslot/road/road.html", {"shows": shows})


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """/offline/: what the worker shows for a page not kept on this device while there is no network."""
    response = render(request, "stageslot/road/offline.html", {"road_url": reverse("road")})
    response["Cache-Control"] = "no-cache"
    return response
