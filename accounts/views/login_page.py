"""/accounts/login/: allauth's sign-in page, kept drawn for first visits (core/web/first_visit.py)."""

from allauth.account.views import login as allauth_login
from django.http import HttpRequest, HttpResponse

from core.web.first_visit import first_visit_page


def login_page(request: HttpRequest) -> HttpResponse:
    return first_visit_page(request, "login", lambda: allauth_login(request))
