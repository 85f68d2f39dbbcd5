"""/bands/<slug>/: a band's public profile (its press kit)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from accounts.first_visit import first_visit_page

from ..models import ApprovalStatus, Band
from ..places import place_of
from ..selectors import band_membership_of, band_press_kit, press_kit_key


def band_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        kit = band_press_kit(slug=slug)
    except Band.DoesNotExist:
        raise Http404 from None
    band = kit.band
    membership = band_membership_of(kit=kit, user=request.user)
    # A band in review or suspended is private to its members and staff: others learn nothing, not even that it exists.
    if not band.is_public and membership is None and not request.user.is_staff:
        raise Http404
    context = {
        "band": band,
        "genres": kit.genres,
        "photos": kit.photos,
        "embeds": kit.embeds,
        "members": kit.members,
        "membership": membership,
        "can_manage": bool(membership and membership.can_manage),
        "place": place_of(band),
        "is_pending": band.status == ApprovalStatus.PENDING,
        "is_suspended": band.status == ApprovalStatus.SUSPENDED,
        # The parts of the page every visitor sees alike are drawn once per kit and language.
        "kit_key": f"{press_kit_key(kit)}:{translation.get_language()}",
    }
    # A first visitor gets the page kept for this kit: everything it shows is in the kit's digest.
    return first_visit_page(
        request, f"band:{context['kit_key']}", lambda: render(request, "bands/detail.html", context)
    )
