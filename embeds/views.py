"""The band's website widget: the page other sites frame (/embed/bands/<slug>/) and the band's page
that hands out the snippets and keeps its colours (/bands/<slug>/manage/website/).

The widget is drawn for nobody in particular: no cookie is read or set (embeds.middleware), its
time zone comes from its address, its language from the address or else the visitor's browser
(Accept-Language), and its body is kept a minute per band, address and language,
and dropped at once when a booking or show of the band changes (its feed marks are in the key).
"""

import base64
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from bands.permissions import band_for, render_manage
from bands.services import BandPermissionError
from core.web.site import site_url

from .colours import palette
from .forms import EmbedParams, EmbedStyleForm, embed_params
from .selectors import band_colours, band_embed_content, embed_band_or_404, embed_colours_of
from .services import embed_style_set

# Grows when the widget's markup changes, so no body drawn by older templates is served.
EMBED_FORMAT = "1"
# How long a drawn widget is kept: what bookings change drops it at once (feed marks); the members'
# busy time leaves no marks, so the green days may be this late.
EMBED_CACHE_SECONDS = 60
BROWSER_CACHE = "public, max-age=300"


def _csp(style_hash: str) -> str:
    """Framed by any site; scripts, styles and images from us only, plus the one <style> of colours."""
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'sha256-{style_hash}'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors *"
    )


def _draw(band, params: EmbedParams, accent: str, background: str) -> tuple[str, str]:
    """The widget's HTML and its Content-Security-Policy."""
    colours = palette(accent=accent, background=background, dark=params.theme == "dark")
    css = colours.css()
    with translation.override(params.lang):
        content = band_embed_content(
            band=band, weeks=params.weeks, shows=params.shows, zone=params.tz or band.time_zone, now=timezone.now()
        )
        body = render_to_string(
            "embeds/band.html",
            {"c": content, "params": params, "palette_css": css, "band_url": site_url() + band_url(band)},
        )
    style_hash = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return body, _csp(style_hash)


def band_url(band) -> str:
    return reverse("bands:detail", args=[band.slug])


@require_GET
@xframe_options_exempt
def band_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's availability strip, next shows and Book button, for its own website to frame."""
    band = embed_band_or_404(slug=slug)
    # The session's language is never read here (no cookies): the address's `lang`, else the browser's.
    params = embed_params(request.GET, browser_language=translation.get_language_from_request(request))
    accent, background = band_colours(band)
    parts = [EMBED_FORMAT, str(band.pk), band.updated_at.isoformat(), str(band.marks_n), str(band.marks_s or 0)]
    parts += [accent, background, params.key(), site_url()]
    key = "embed:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    drawn = caches["pages"].get(key)
    if drawn is None:
        drawn = _draw(band, params, accent, background)
        caches["pages"].set(key, drawn, EMBED_CACHE_SECONDS)
    body, csp = drawn
    response = HttpResponse(body)
    response["Content-Security-Policy"] = csp
    response["Cache-Control"] = BROWSER_CACHE
    response["Content-Language"] = params.lang
    if not params.lang_from_address:
        # Drawn in the browser's language: a cache keeps one answer per Accept-Language.
        patch_vary_headers(response, ["Accept-Language"])
        response.varies_on_language = True
    return response


# ---- The band's page: the snippets, the colours, a preview ---------------------------------------


def _snippets(band) -> dict:
    site = site_url()
    static = settings.STATIC_URL if settings.STATIC_URL.startswith("http") else site + settings.STATIC_URL
    embed = site + reverse("embeds:band", args=[band.slug])
    return {
        # The script's address has no hash in it, so a snippet pasted once keeps working across releases.
        "script_src": static + "js/embed.js",
        "embed_url": embed,
        "preview_url": reverse("embeds:band", args=[band.slug]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def band_website(request: HttpRequest, slug: str) -> HttpResponse:
    """Leaders and admins: the two snippets to copy, the widget's colours, and a live preview."""
    band, membership = band_for(request, slug)
    accent, background = embed_colours_of(band=band)
    status = 200
    if request.method == "POST":
        form = EmbedStyleForm(request.POST)
        if form.is_valid():
            try:
                embed_style_set(band=band, by=request.user, **form.cleaned_data)
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            messages.success(request, gettext("The widget's colours are saved."))
            return redirect("embeds:website", slug=band.slug)
        status = 400
    else:
        form = EmbedStyleForm(initial={"accent": accent, "background": background})
    colours = palette(accent=accent, background=background, dark=False)
    context = {"band": band, "membership": membership, "form": form, "colours": colours, **_snippets(band)}
    # The widget speaks every language the site does (embeds.forms): its data-lang codes, from the settings.
    context["language_codes"] = ", ".join(code for code, _name in settings.LANGUAGES)
    response = render_manage(request, "embeds/website.html", context, section="website", status=status)
    # The preview frames our own widget: this page (alone) lets frames from this site in.
    response["Content-Security-Policy"] = settings.STAGESLOT_CSP.replace("frame-src ", "frame-src 'self' ", 1)
    return response
