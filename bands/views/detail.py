"""/bands/<slug>/: a band's public profile (its press kit)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import ApprovalStatus, Band
from ..places import place_of
from ..selectors import band_membership_of, band_press_kit


def band_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        band = band_press_kit(slug=slug)
    except Band.DoesNotExist:
        raise Http404 from None
    membership = band_membership_of(band=band, user=request.user)
    # A band in review or suspended is private to its members and staff: others learn nothing, not even that it exists.
    if not band.is_public and membership is None and not request.user.is_staff:
        raise Http404
    context = {
        "band": band,
        "membership": membership,
        "can_manage": bool(membership and membership.can_manage),
        "members": band.memberships.all(),
        "place": place_of(band),
        "is_pending": band.status == ApprovalStatus.PENDING,
        "is_suspended": band.status == ApprovalStatus.SUSPENDED,
    }
    return render(request, "bands/detail.html", context)
