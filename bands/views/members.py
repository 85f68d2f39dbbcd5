"""The band's members: who plays in it, their roles and instruments, leaving the band."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from .. import services
from ..permissions import band_for, render_manage
from ..selectors import band_member_of, band_members
from ..services import BandError, BandPermissionError


@login_required
def band_members_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug, manage=False)
    context = {"band": band, "membership": membership, "members": band_members(band=band)}
    return render_manage(request, "bands/members/page.html", context, section="members")


@login_required
@require_POST
def band_member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    member = band_member_of(band=band, pk=pk)
    try:
        services.membership_remove(membership=member, by=request.user)
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BandError as exc:
        messages.error(request, str(exc))
        return redirect("gigs:member_edit", slug=band.slug, pk=member.pk)
    if member.user_id == request.user.pk:
        messages.success(request, gettext("You have left %(name)s.") % {"name": band.name})
        return redirect("dashboard")
    messages.success(
        request, gettext("%(name)s is no longer in %(band)s.") % {"name": member.user.name, "band": band.name}
    )
    return redirect("bands:members", slug=band.slug)


@login_required
@require_POST
def band_leave(request: HttpRequest, slug: str) -> HttpResponse:
    band, _ = band_for(request, slug, manage=False)
    try:
        services.membership_leave(band=band, by=request.user)
    except BandError as exc:
        messages.error(request, str(exc))
        return redirect("bands:members", slug=band.slug)
    messages.success(request, gettext("You have left %(name)s.") % {"name": band.name})
    return redirect("dashboard")
