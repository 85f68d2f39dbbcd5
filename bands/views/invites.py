"""Invite links into the band: creating, listing and withdrawing them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited

from .. import services
from ..forms.invites import BandInviteForm
from ..invites import InviteError, invite_check_usable
from ..models import BandInvite
from ..permissions import add_errors, as_manager, band_for, render_manage
from ..selectors import band_invite_of, band_invite_path, band_invites_active, band_invites_past
from ..services import BandPermissionError


def _invite_state(invite: BandInvite, now) -> str:
    try:
        invite_check_usable(invite, now=now)
    except InviteError as exc:
        return exc.code
    return "active"


@login_required
@rate_limited("invite")
def band_invites_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    if request.method == "POST":
        form = BandInviteForm(request.POST)
        if form.is_valid():
            try:
                invite = services.band_invite_create(
                    band=band, by=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
                )
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if invite.email:
                    ready = gettext(
                        "The invite link is ready and emailed to %(email)s. Share it with the people you invite."
                    ) % {"email": invite.email}
                else:
                    ready = gettext("The invite link is ready. Share it with the people you invite.")
                messages.success(request, ready)
                return redirect(f"{request.path}#invite-{invite.pk}")
        status = 400
    else:
        form = BandInviteForm()
        status = 200
    now = timezone.now()
    active = [
        (invite, request.build_absolute_uri(band_invite_path(invite=invite)))
        for invite in band_invites_active(band=band, now=now)
    ]
    past = [(invite, _invite_state(invite, now)) for invite in band_invites_past(band=band, now=now)]
    context = {"band": band, "membership": membership, "form": form, "active": active, "past": past}
    return render_manage(request, "bands/invites/page.html", context, section="invites", status=status)


@login_required
@require_POST
def band_invite_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    invite = band_invite_of(band=band, pk=pk)
    as_manager(lambda: services.band_invite_revoke(invite=invite, by=request.user))
    messages.success(request, gettext("The invite link is withdrawn; it no longer lets anyone join."))
    return redirect("bands:invites", slug=band.slug)
