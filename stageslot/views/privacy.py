"""/me/data/: what StageSlot holds about you, and closing your account (docs/decisions/0082).

Closing asks for the password (and, with two-factor on, the second factor: accounts/mfa.py), then ends the
account at once; the worker erases it after the grace period. Signed in again meanwhile, a closed account
sees only /me/data/keep/ (stageslot/privacy/middleware.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exports import DataExportRefused, data_export_for_owner, data_export_request, data_exports_of
from accounts.mfa import second_factor_required
from accounts.policy import policy_accept
from core.files.stored_files import stored_file_response

from ..forms import AccountCloseForm
from ..privacy.erasure import ClosureRefused, account_close, account_keep, closure_blockers, closure_pending


def _data_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    context = {"grace_days": settings.STAGESLOT_ACCOUNT_GRACE_DAYS, "exports": data_exports_of(user=request.user)}
    return render(request, "stageslot/privacy/data.html", context, status=status)


@login_required
def data_home(request: HttpRequest) -> HttpResponse:
    """Your data: download it, or close your account."""
    return _data_page(request)


@login_required
@require_POST
def data_export_ask(request: HttpRequest) -> HttpResponse:
    """Ask for an archive of everything StageSlot holds about you; the worker builds it."""
    try:
        data_export_request(user=request.user)
    except DataExportRefused as exc:
        messages.error(request, str(exc))
        return _data_page(request, status=409)
    messages.success(request, _("Your archive is being made. We email you when it is ready."))
    return redirect("privacy:data")


@login_required
def data_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Your archive, to you alone (anyone else, staff too, gets the 404 of a missing one)."""
    export = data_export_for_owner(user=request.user, pk=pk)
    if export is None:
        raise Http404
    return stored_file_response(
        export.file, filename=f"stageslot-data-{export.ready_at:%Y-%m-%d}.zip", content_type="application/zip"
    )


def _close_page(request: HttpRequest, form: AccountCloseForm, *, status: int = 200) -> HttpResponse:
    blockers = closure_blockers(request.user)
    context = {
        "form": form,
        "handovers": [b for b in blockers if b.kind == "handover"],
        "money": [b for b in blockers if b.kind == "money"],
        "grace_days": settings.STAGESLOT_ACCOUNT_GRACE_DAYS,
    }
    return render(request, "stageslot/privacy/close.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@second_factor_required
def account_close_page(request: HttpRequest) -> HttpResponse:
    """Close my account, after the password (and second factor) is given."""
    if request.method != "POST":
        return _close_page(request, AccountCloseForm(user=request.user))
    form = AccountCloseForm(request.POST, user=request.user)
    if not form.is_valid():
        return _close_page(request, form, status=400)
    try:
        closure = account_close(user=request.user)
    except ClosureRefused as exc:
        for blocker in exc.blockers:
            form.add_error(None, blocker.text)
        return _close_page(request, form, status=409)
    logout(request)
    return render(request, "stageslot/privacy/closed.html", {"closure": closure})


@login_required
@require_http_methods(["GET", "POST"])
def account_keep_page(request: HttpRequest) -> HttpResponse:
    """A closed account, signed in during the grace period: keep it, or sign out."""
    closure = closure_pending(user=request.user)
    if request.user.closed_at is None or closure is None:
        return redirect("dashboard")
    if request.method == "POST":
        user = account_keep(user=request.user)
        update_session_auth_hash(request, user)
        messages.success(request, _("Welcome back: your account is open again."))
        return redirect("dashboard")
    return render(request, "stageslot/privacy/keep.html", {"closure": closure})


@login_required
@require_POST
def policy_read(request: HttpRequest) -> HttpResponse:
    """The banner's "I have read it": the current privacy notice's version is recorded; back where they were."""
    policy_accept(user=request.user)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return redirect(back)
