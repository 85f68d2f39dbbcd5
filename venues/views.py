"""Public venue pages: search and the profile."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bands.models import ApprovalStatus
from bands.views import HtmxHttpRequest, search_page

from .filters import VenueSearchForm
from .models import Venue
from .selectors import venue_countries, venue_profile, venue_search, venue_staff_role_of


def venue_search_page(request: HtmxHttpRequest) -> HttpResponse:
    return search_page(
        request,
        form_class=VenueSearchForm,
        search=venue_search,
        countries=venue_countries,
        template="venues/search.html",
    )


def venue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        venue = venue_profile(slug=slug)
    except Venue.DoesNotExist:
        raise Http404 from None
    role = venue_staff_role_of(venue=venue, user=request.user)
    # A venue in review or suspended is private to its staff and StageSlot staff: others learn nothing.
    if not venue.is_public and role is None and not request.user.is_staff:
        raise Http404
    context = {
        "venue": venue,
        "staff_role": role,
        "can_manage": role is not None,
        "is_pending": venue.status == ApprovalStatus.PENDING,
        "is_suspended": venue.status == ApprovalStatus.SUSPENDED,
    }
    return render(request, "venues/detail.html", context)
