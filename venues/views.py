from django.http import HttpRequest, HttpResponse
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
