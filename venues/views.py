"""Public venue pages: search and the profile."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def venue_search(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stageslot/coming_soon.html",
        {
            "title": "Venues",
            "lead": "Find venues by city, genre and capacity.",
            "detail": "Venue profiles are being set up. Check back soon.",
        },
    )


def venue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404
