"""The page behind an email's one-click Accept / Decline link: confirm, then act."""

from django.http import HttpRequest, HttpResponse


def email_action(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError
