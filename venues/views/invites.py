"""Invite links onto the venue's staff: creating, listing and withdrawing them."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from bands.forms.invites import InviteForm

from .. import services
from ..models import VenueInvite, VenueStaff
from ..permissions import OWNER, render_manage, venue_for
from ..selectors import venue_invite_of, venue_invites


def _invite_form(data=None) -> InviteForm:
    return InviteForm(data, role_choices=VenueStaff.Role.choices, initial_role=VenueStaff.Role.BOOKER)


def _created(invite: VenueInvite) -> str:
    if invite.email:
        return gettext("Invite created and emailed to %(email)s.") % {"email": invite.email}
    return gettext("Invite created. Copy its link below and send it to whoever should join.")


@login_required
@rate_limited("invite")
def venue_invites_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug, roles=(OWNER,))
    status = 200
    form = _invite_form()
    if request.method == "POST":
        form = _invite_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invite = services.venue_invite_create(
                    venue=venue,
                    by=request.user,
                    role=data["role"],
                    max_uses=data["max_uses"],
                    valid_for=timedelta(days=data["valid_days"]),
                    email=data["email"],
                    site_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _created(invite))
                return redirect("venues:invites", slug=venue.slug)
        status = 400
    invites = venue_invites(venue=venue)
    for invite in invites:
        invite.link = request.build_absolute_uri(invite.link_path) if invite.link_path else ""
    return render_manage(request, "venues/invites/page.html", venue, {"form": form, "invites": invites}, status=status)


@login_required
@require_POST
def venue_invite_revoke_view(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    venue = venue_for(request, slug, roles=(OWNER,))
    invite = venue_invite_of(venue=venue, pk=invite_id)
    services.venue_invite_revoke(invite=invite)
    messages.success(request, gettext("Invite withdrawn; its link no longer works."))
    return redirect("venues:invites", slug=venue.slug)
