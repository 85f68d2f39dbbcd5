"""The second factor before money and contracts, and for staff (docs/decisions/0043-signing-in.md,
docs/decisions/0056-one-step-up-rule.md).

The step-up rule, the same at every door (a page, htmx, a fetch, the JSON API, the admin):
- An account that turned two-factor on (an authenticator app or a passkey: allauth.mfa) gives it once
  before it moves money or signs a contract, and not again for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds:
  signing in with it (code or passkey) counts, as does the "confirm it is you" step with it.
- Through the API, the token stands for that step: a token with a money scope (STEP_UP_SCOPES) acts for
  an account with two-factor on only if it was made by a session that had just given its second factor
  (ApiToken.second_factor_at), and it expires within STEP_UP_TOKEN_DAYS.
- An account without two-factor is not asked (the password it signed in with is all it has).
- Staff must have two-factor before the admin and the staff pages open; the admin's money views are
  behind the same decorator as the site's.

`step_up_due` is the rule; `second_factor_required` puts it on a view (a function or an admin method), the
API's `caller` (bookings/api/core.py) on every call that needs a money scope, and `step_up_token_refusal`
says why a token may not.
"""

import datetime as dt
import time
from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The staff's own pages, besides the admin: they open only with two-factor on.
STAFF_PATHS = ("/admin/", "/analytics/platform/")
# API token scopes that move money: a token with one acts only when made right after the second factor.
STEP_UP_SCOPES = frozenset({"payments"})
# The longest a token with a money scope lives.
STEP_UP_TOKEN_DAYS = 90


def second_factor_at(request: HttpRequest) -> float | None:
    """When this session last gave the second factor (a code, a recovery code or a passkey, at sign-in or
    since), as a Unix time, if within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds; else None."""
    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    now = time.time()
    times = [
        float(record.get("at", 0))
        for record in get_authentication_records(request, request.user)
        if record.get("method") == "mfa"
    ]
    recent = [at for at in times if now - at < window]
    return max(recent) if recent else None


def second_factor_recent(request: HttpRequest) -> bool:
    """Whether this session gave the second factor within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds."""
    return second_factor_at(request) is not None


def step_up_token_refusal(token) -> str | None:
    """Why this API token may not move money, or None when it may: its user has two-factor on and the token
    was not made right after the second factor was given."""
    if STEP_UP_SCOPES.isdisjoint(token.scopes):
        return _("This token has no scope that moves money.")
    if token.second_factor_at is None and is_mfa_enabled(token.user):
        return _(
            "This token was made without your second factor, so it cannot move money. Make a new one at "
            "/me/tokens/; you will be asked for your second factor."
        )
    return None


def step_up_token_expiry_refusal(*, scopes, expires_at: dt.datetime | None, now: dt.datetime) -> str | None:
    """Why a new token with these scopes may not have this expiry: one with a money scope lives at most
    STEP_UP_TOKEN_DAYS."""
    if STEP_UP_SCOPES.isdisjoint(scopes):
        return None
    if expires_at is None or expires_at > now + dt.timedelta(days=STEP_UP_TOKEN_DAYS, minutes=1):
        return _("A token that can move money must expire within %(days)s days.") % {"days": STEP_UP_TOKEN_DAYS}
    return None


def second_factor_due(request: HttpRequest) -> bool:
    """Whether this request must give the second factor first: a change (not a read) by a signed-in
    account with two-factor on that has not given it within the window."""
    user = getattr(request, "user", None)
    if request.method in SAFE_METHODS or user is None or not user.is_authenticated:
        return False
    return is_mfa_enabled(user) and not second_factor_recent(request)


def step_up_due(request: HttpRequest) -> bool:
    """The step-up rule for one request that moves money or signs: through an API token, whether the token
    may not (step_up_token_refusal); in a browser, whether the second factor must be given first
    (second_factor_due)."""
    from .models import ApiToken

    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return step_up_token_refusal(token) is not None
    return second_factor_due(request)


def _reauthenticate_url(request: HttpRequest) -> str:
    """allauth's step that asks for the second factor (never the password): the code form, or the passkey
    one for an account with passkeys only."""
    methods = get_account_adapter().get_reauthentication_methods(request.user)
    urls = [m["url"] for m in methods if m["id"].startswith("mfa_reauthenticate")]
    return urls[0] if urls else reverse("mfa_reauthenticate")


def _page_behind(request: HttpRequest) -> str:
    """The page the person was on (htmx names it; a fetch gives the Referer), as a path of this site."""
    for url in (request.headers.get("HX-Current-URL", ""), request.headers.get("Referer", "")):
        if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
            path = url.split(request.get_host(), 1)[-1] if "://" in url else url
            if path.startswith("/"):
                return path
    return reverse("dashboard")


def second_factor_response(request: HttpRequest) -> HttpResponse:
    """Send the person to give their second factor.

    A plain form's POST is kept (allauth's suspend_request) and carried out once the factor is given, so
    nothing typed is lost. An htmx request gets HX-Redirect, which the browser follows, and comes back to
    the page it was on; a fetch that wants JSON (the card form) gets the address to go to."""
    reauth = _reauthenticate_url(request)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if getattr(request, "htmx", False) or wants_json:
        url = f"{reauth}?{urlencode({'next': _page_behind(request)})}"
        message = _("Confirm it is you with your second factor first; nothing was done yet.")
        if wants_json:
            return JsonResponse({"state": "second_factor", "message": message, "next": url}, status=403)
        messages.info(request, message)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    messages.info(request, _("Confirm it is you with your second factor; then we carry on with what you sent."))
    return suspend_request(request, reauth)


def second_factor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view decorator for what moves money or signs a contract: a POST by an account with two-factor on
    goes through only with the second factor given within the window; else second_factor_response.
    It fits a view function and a ModelAdmin's view method (request first after self) alike."""

    @wraps(view)
    def wrapped(*args, **kwargs) -> HttpResponse:
        request = args[0] if isinstance(args[0], HttpRequest) else args[1]
        if step_up_due(request):
            return second_factor_response(request)
        return view(*args, **kwargs)

    wrapped.second_factor_required = True  # type: ignore[attr-defined]
    return wrapped


def has_step_up(view) -> bool:
    """Whether a view (or a view wrapped by other decorators) is behind second_factor_required."""
    while view is not None:
        if getattr(view, "second_factor_required", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


class StaffTwoFactorMiddleware:
    """Staff without two-factor are sent to set it up before the admin and the staff pages open. (The
    admin's money views ask for it again through second_factor_required, as the site's do.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        user = getattr(request, "user", None)
        if (
            path.startswith(STAFF_PATHS)
            and not path.startswith("/admin/login/")
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and settings.STAGESLOT_STAFF_REQUIRE_MFA
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _("Staff accounts must use two-factor. Set up an authenticator app or a passkey, then go on."),
            )
            return redirect(f"{reverse('mfa_index')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
