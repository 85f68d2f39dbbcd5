"""/venues/<slug>/: a venue's public profile."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bands.models import ApprovalStatus
from core.db.replica import reads_from_replica

from ..models import Venue
from ..selectors import venue_hidden_from, venue_profile, venue_staff_role_of


@reads_from_replica
def venue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        venue = venue_profile(slug=slug)
    except Venue.DoesNotExist:
        raise Http404 from None
    role = venue_staff_role_of(venue=venue, user=request.user)
    # A venue in review or suspended is private to its staff and StageSlot staff: others learn nothing.
    if not venue.is_public and role is None and not request.user.is_staff:
        raise Http404
    # A venue blocked either way is left out of what the viewer is shown, its page as its search card.
    if role is None and venue_hidden_from(venue=venue, user=request.user):
        raise Http404
    context = {
        "venue": venue,
        "staff_role": role,
        "can_manage": role is not None,
        "is_pending": venue.status == ApprovalStatus.PENDING,
        "is_suspended": venue.status == ApprovalStatus.SUSPENDED,
    }
    return render(request, "venues/detail.html", context)
