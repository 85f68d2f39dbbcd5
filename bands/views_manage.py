"""Pages where a band's leaders and admins manage it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def band_create(request: HttpRequest) -> HttpResponse:
    raise Http404
