"""The second factor before money and contracts, and for staff (docs/decisions/0043-signing-in.md).

An account that turned two-factor on (an authenticator app or a passkey: allauth.mfa) is asked for it
once before a view that moves money or signs a contract, and not again for
ACCOUNT_REAUTHENTICATION_TIMEOUT seconds: signing in with it (code or passkey) counts, as does allauth's
"confirm it is you" step with it. An account without two-factor is not asked (the password it signed in
with is all it has). Staff must have two-factor before the admin and the staff pages open, and give it
again before a refund or a payout there.
"""

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
# Staff pages that move money (a refund to a payer, a payout to a band): a POST there asks for the second
# factor again, as the money views of the site do.
STAFF_MONEY_PATHS = ("/admin/payments/",)


def second_factor_recent(request: HttpRequest) -> bool:
    """Whether this session gave the second factor (a code, a recovery code or a passkey, at sign-in or
    since) within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds."""
    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    now = time.time()
    return any(
        record.get("method") == "mfa" and now - float(record.get("at", 0)) < window
        for record in get_authentication_records(request, request.user)
    )


def second_factor_due(request: HttpRequest) -> bool:
    """Whether this request must give the second factor first: a change (not a read) by a signed-in
    account with two-factor on that has not given it within the window."""
    user = getattr(request, "user", None)
    if request.method in SAFE_METHODS or user is None or not user.is_authenticated:
        return False
    return is_mfa_enabled(user) and not second_factor_recent(request)


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
    goes through only with the second factor given within the window; else second_factor_response."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if second_factor_due(request):
            return second_factor_response(request)
        return view(request, *args, **kwargs)

    wrapped.second_factor_required = True  # type: ignore[attr-defined]
    return wrapped


class StaffTwoFactorMiddleware:
    """Staff without two-factor are sent to set it up before the admin and the staff pages open; staff
    with it give it again (within the window) before a refund or payout in the admin."""

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
        ):
            if not is_mfa_enabled(user):
                messages.warning(
                    request,
                    _("Staff accounts must use two-factor. Set up an authenticator app or a passkey, then go on."),
                )
                return redirect(f"{reverse('mfa_index')}?{urlencode({'next': request.get_full_path()})}")
            if path.startswith(STAFF_MONEY_PATHS) and second_factor_due(request):
                return second_factor_response(request)
        return self.get_response(request)
