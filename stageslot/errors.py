"""The site's 400, 404 and 500 handlers: the JSON API answers every fault as application/problem+json (a
503 with Retry-After when the database is away, also when a middleware met it before any view ran), and
a body Django cannot read (a multipart form without its boundary, too many fields) as a 400 problem;
every other address gets the 400, 404 or 500 page. The 404 page says so when what is missing is a
stored file its row still lists (core.files.stored_files)."""

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as page_bad_request
from django.views.defaults import page_not_found as page_missing
from django.views.defaults import server_error as page_server_error

from bookings.api.core import problem_response, server_problem
from core.files.stored_files import StoredFileMissing
from core.web.json_body import BodyUnreadable

API_PREFIX = "/api/"


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return server_problem(sys.exc_info()[1])
    return page_server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(413, _("The body is too large. Nothing was done."))
        if isinstance(exception.__cause__, BodyUnreadable):
            return problem_response(exception.__cause__.status, exception.__cause__.detail)
        return problem_response(
            400, _("The body could not be read: send JSON, or multipart/form-data with its boundary. Nothing was done.")
        )
    return page_bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page; for a stored file that is gone, the same page saying so and whom to ask."""
    if isinstance(exception, StoredFileMissing):
        return render(request, "404.html", {"stored_file_missing": str(exception)}, status=404)
    return page_missing(request, exception)
