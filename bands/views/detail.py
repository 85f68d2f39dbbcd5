"""/bands/<slug>/: a band's public profile (its press kit)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from core.db.replica import reads_from_replica
from core.web.first_visit import is_first_visit, is_signed_out_visit, kept_page

from ..models import ApprovalStatus, Band
from ..places import place_of
from ..selectors import PressKitRows, band_hidden_from, band_membership_of, press_kit_rows


@reads_from_replica
def band_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = press_kit_rows(slug=slug)
    except Band.DoesNotExist:
        raise Http404 from None
    # The parts of the page every visitor sees alike are drawn once per kit and language.
    kit_key = f"{found.digest}:{translation.get_language()}"
    if is_first_visit(request) or is_signed_out_visit(request):
        # Someone not signed in (without a session, or with one): neither a member nor staff. A band in review
        # or suspended is private to its members and staff: others learn nothing, not even that it exists.
        if not found.is_public:
            raise Http404
        # The page kept for this kit (its digest names everything it shows); drawn only when there is none.
        return kept_page(request, f"band:{kit_key}", lambda: _draw(request, found, kit_key, membership=None))
    membership = band_membership_of(kit=found, user=request.user)
    if not found.band.is_public and membership is None and not request.user.is_staff:
        raise Http404
    # A band blocked either way is left out of what the viewer is shown, its page as its search card.
    if membership is None and band_hidden_from(band=found.band, user=request.user):
        raise Http404
    return _draw(request, found, kit_key, membership=membership)


def _draw(request: HttpRequest, found: PressKitRows, kit_key: str, *, membership) -> HttpResponse:
    band = found.band
    # The lists become instances only if a part of the page that shows them is drawn, not when it is kept.
    kit = SimpleLazyObject(found.kit)
    context = {
        "band": band,
        "genres": SimpleLazyObject(lambda: kit.genres),
        "photos": SimpleLazyObject(lambda: kit.photos),
        "embeds": SimpleLazyObject(lambda: kit.embeds),
        "members": SimpleLazyObject(lambda: kit.members),
        "membership": membership,
        "can_manage": bool(membership and membership.can_manage),
        "place": place_of(band),
        "is_pending": band.status == ApprovalStatus.PENDING,
        "is_suspended": band.status == ApprovalStatus.SUSPENDED,
        "kit_key": kit_key,
    }
    return render(request, "bands/detail.html", context)
