"""The site's 500 handler: the JSON API answers every fault as application/problem+json (a 503 with
Retry-After when the database is away, also when a middleware met it before any view ran); every other
address gets the 500 page."""

import sys

from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error as page_server_error

from bookings.api.core import server_problem

API_PREFIX = "/api/"


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return server_problem(sys.exc_info()[1])
    return page_server_error(request)
