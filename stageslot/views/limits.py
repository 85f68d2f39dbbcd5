"""The 429 page of the login, signup and password-reset limits (django-allauth asks for
`handler429` in the root URLconf). Our own per-person limits render the same template with their
figures (accounts.ratelimit); these limits count attempts per address and say so in general terms."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "429.html", {"by_address": True}, status=429)
