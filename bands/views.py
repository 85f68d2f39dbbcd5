"""Public band pages: search and the press kit."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def band_search(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stageslot/coming_soon.html",
        {
            "title": "Bands",
            "lead": "Browse bands by genre, city, fee and free date.",
            "detail": "Band press kits and search are being set up. Check back soon.",
        },
    )


def band_detail(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404
