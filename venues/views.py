"""Public venue pages: search and the profile."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bands.models import ApprovalStatus
from bands.selectors import genres_all
from bands.views import HtmxHttpRequest, results_or_page, wants_results_only

from .filters import VenueSearchForm
from .models import Venue
from .selectors import venue_countries, venue_profile, venue_search, venue_staff_role_of

PAGE_SIZE = 24


def venue_search_page(request: HtmxHttpRequest) -> HttpResponse:
    partial = wants_results_only(request)
    # The results alone do not show the country list; the form still checks the code.
    form = VenueSearchForm(request.GET, genres=genres_all(), countries=[] if partial else venue_countries())
    paginator = Paginator(venue_search(**form.filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "active_filters": form.active_filters(),
    }
    return results_or_page(request, "venues/search.html", context, partial=partial)


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
