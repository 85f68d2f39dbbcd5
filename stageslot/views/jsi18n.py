"""/jsi18n/<language>/<version>/: the words of static/js in the reader's language (Django's JavaScript
catalogue: gettext(), ngettext(), interpolate() and the locale's formats for our scripts).

The address names the language and the catalogue's version (stageslot/js_catalogue.py), so browsers keep
the answer for a year and fetch it once, not on every page. The page's <head> links it before our scripts
(stageslot/templatetags/nav.py head_assets).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import condition, require_GET
from django.views.i18n import JavaScriptCatalog

from ..js_catalogue import PACKAGES, catalogue_version

A_YEAR = 365 * 24 * 60 * 60

_catalogue = JavaScriptCatalog.as_view(domain="djangojs", packages=PACKAGES)


def _etag(request: HttpRequest, language: str, version: str) -> str:
    return f"{language}-{catalogue_version()}"


@require_GET
@condition(etag_func=_etag)
def javascript_catalog(request: HttpRequest, language: str, version: str) -> HttpResponse:
    """The catalogue in `language`. An old `version` still answers (a page cached before a release), but
    only the current one may be kept for a year."""
    try:
        language = translation.get_supported_language_variant(language)
    except LookupError:
        raise Http404 from None
    with translation.override(language):
        response = _catalogue(request)
    if version == catalogue_version():
        response["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response
