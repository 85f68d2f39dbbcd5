"""Pages where a venue's owners and bookers manage it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def venue_create(request: HttpRequest) -> HttpResponse:
    raise Http404
