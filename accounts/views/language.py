"""/language/: the switcher in every page's footer. Sets the language for this browser (Django's
language cookie) and, for someone signed in, keeps it on the account."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..services import user_language_set


def _back(request: HttpRequest) -> str:
    """Where the switcher was used: a page of this site, else the home page."""
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return "/"
    return target


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})


# Signed out, the switcher only sets this browser's cookie: its form carries no CSRF token, so that
# public pages set no CSRF cookie. Signed in, it changes the account, and the token is checked.
@csrf_exempt
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and (refusal := _csrf_refusal(request)) is not None:
        return refusal
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_back(request))
    if code not in dict(settings.LANGUAGES):
        messages.error(request, translation.gettext("StageSlot does not speak that language."))
        return response
    if request.user.is_authenticated:
        try:
            user_language_set(user=request.user, language=code)
        except ValidationError as error:  # pragma: no cover - the code was checked above
            messages.error(request, error.messages[0])
            return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response
