"""/me/calendars/google/…: connecting a member's Google Calendar (OAuth 2.0 with PKCE).

Start (a POST, so no other site can start a connection for someone) keeps `state`, the PKCE verifier and
the redirect address in the member's session and sends them to Google. The callback checks the state,
trades the code for a refresh token and stores it encrypted. Whatever goes wrong there ends on the
member's calendars page with a message, nothing stored. Disconnecting is the page's own button
(services.connected_calendar_disconnect tells Google to forget the grant).
"""

import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.ratelimit import rate_limited
from core.web.htmx import HtmxHttpRequest
from core.web.site import site_url

from .. import google, services

SESSION_KEY = "calendars_google_connect"
# The member has this long on Google's consent page before the callback refuses the answer.
CONNECT_WINDOW_SECONDS = 15 * 60
PAGE = "calendars:page"


def _redirect_uri() -> str:
    return site_url() + reverse("calendars:google_callback")


@login_required
@require_POST
@rate_limited("calendar_connect")
def google_connect(request: HtmxHttpRequest) -> HttpResponse:
    if not google.is_configured():
        raise Http404("Google Calendar is not set up.")
    redirect_uri = _redirect_uri()
    start = google.authorization_start(redirect_uri=redirect_uri, login_hint=request.user.email)
    request.session[SESSION_KEY] = {
        "state": start.state,
        "verifier": start.code_verifier,
        "redirect_uri": redirect_uri,
        "at": time.time(),
    }
    return redirect(start.url)


def _refused(request: HtmxHttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(PAGE)


@login_required
@require_GET
def google_callback(request: HtmxHttpRequest) -> HttpResponse:
    started = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(started, dict)
        or not state
        or not secrets.compare_digest(str(started.get("state", "")), state)
        or time.time() - float(started.get("at", 0)) > CONNECT_WINDOW_SECONDS
    ):
        return _refused(
            request,
            gettext("That answer from Google does not belong to a connection you started here; nothing was connected."),
        )
    if request.GET.get("error"):
        if request.GET["error"] == "access_denied":
            return _refused(
                request, gettext("You did not allow StageSlot to see your calendar; nothing was connected.")
            )
        return _refused(request, gettext("Google could not connect your calendar; nothing was connected. Try again."))
    code = request.GET.get("code", "")
    if not code:
        return _refused(request, gettext("Google sent no permission with its answer; nothing was connected."))
    try:
        grant = google.code_exchange(code=code, code_verifier=started["verifier"], redirect_uri=started["redirect_uri"])
    except google.GoogleError as e:
        return _refused(request, gettext("Nothing was connected: %(reason)s") % {"reason": e})
    try:
        calendar = services.google_calendar_connect(user=request.user, grant=grant)
    except ValidationError as e:
        return _refused(request, " ".join(e.messages))
    messages.success(
        request,
        gettext("Your Google Calendar (%(account)s) is connected; your busy times appear in a minute.")
        % {"account": calendar.account_email or gettext("Google account")},
    )
    return redirect(PAGE)
