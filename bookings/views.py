from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def gig_finder(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stageslot/coming_soon.html",
        {
            "title": "Gig finder",
            "lead": "Open slots at venues, matched to the dates your band is free.",
            "detail": "Venues have not posted slots yet. Check back soon.",
        },
    )


def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "stageslot/coming_soon.html", {"title": "Bookings"})
