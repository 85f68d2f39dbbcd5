"""HTML to PDF with WeasyPrint, kept by content.

`pdf_render` renders a template to HTML, hashes the HTML, and returns the stored `RenderedPdf` for that
hash if there is one; otherwise WeasyPrint turns the HTML into PDF bytes once and they are kept. The
same content asked for twice gives the same bytes (a signature's SHA-256 stays true), and a page that
shows a PDF again costs a look-up, not a render.

Stylesheets come from `static/` by their file path and images by `file://` (the template tag
`pdf_static`), so rendering never makes a network request; any other URL is refused by the fetcher.
"""

import ctypes.util
import hashlib
import logging
import time
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import RenderedPdf

logger = logging.getLogger(__name__)

# Every PDF we make carries the same fonts (Debian's DejaVu, installed with WeasyPrint's libraries).
PDF_STYLESHEET = "css/pdf.css"


def weasyprint():
    """WeasyPrint, imported on first use. Importing it turns Pillow's LOAD_TRUNCATED_IMAGES on for the
    whole process, which would let a damaged upload through accounts.images' check: it is turned off
    again here, on every use (our PDFs carry no damaged image)."""
    import weasyprint as module
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return module


def pdf_unavailable() -> str:
    """Why this machine cannot make PDFs, or "" when it can: WeasyPrint loads Pango (Debian:
    libpango-1.0-0 libpangoft2-1.0-0) when first imported. Asks the system's library index, which is
    quicker than importing WeasyPrint (every manage.py command runs this through the checks)."""
    missing = [name for name in ("pango-1.0", "pangoft2-1.0") if ctypes.util.find_library(name) is None]
    if missing:
        return "cannot find the libraries " + ", ".join(f"lib{name}" for name in missing)
    return ""


def _fetcher(url: str, timeout: int = 10, ssl_context=None):
    """Only files of our own (file:// under the static directories); nothing from the network."""
    default_url_fetcher = weasyprint().default_url_fetcher

    if not url.startswith("file://"):
        raise ValueError(f"PDF rendering fetches no {url.split(':', 1)[0]} URL")
    path = Path(url.removeprefix("file://")).resolve()
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS] + [Path(settings.BASE_DIR).resolve()]
    if not any(path.is_relative_to(root) for root in roots):
        raise ValueError("PDF rendering reads only the project's own files")
    return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)


def static_path(name: str) -> str:
    """A static file as a file:// URL WeasyPrint can read."""
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(name)
    return Path(found).resolve().as_uri()


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint's bytes for this HTML. Deterministic: the same HTML gives the same bytes."""
    CSS, HTML = weasyprint().CSS, weasyprint().HTML

    stylesheet = CSS(filename=finders.find(PDF_STYLESHEET), url_fetcher=_fetcher)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_fetcher)
    # WeasyPrint writes no creation date and derives the file's identifier from its content, so the bytes
    # depend on the HTML alone.
    return document.write_pdf(stylesheets=[stylesheet])


def pdf_from_html(html: str) -> RenderedPdf:
    """The kept PDF of this HTML, rendered now if it is new."""
    source = hashlib.sha256(html.encode()).hexdigest()
    found = RenderedPdf.objects.filter(source_sha256=source).first()
    if found is not None:
        return found
    started = time.perf_counter()
    data = html_to_pdf(html)
    took = round((time.perf_counter() - started) * 1000)
    try:
        with transaction.atomic():
            return RenderedPdf.objects.create(
                source_sha256=source,
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                size=len(data),
                render_ms=took,
            )
    except IntegrityError:
        # Rendered at the same moment by another request: theirs is kept, and it has the same content.
        return RenderedPdf.objects.get(source_sha256=source)


def pdf_render(template: str, context: dict, *, zone: zoneinfo.ZoneInfo | None = None) -> RenderedPdf:
    """Render a template to HTML and return its kept PDF. The context must be fully resolved (no
    request: a PDF is the same for every reader, in the language active now). With `zone`, the
    template's dates and times are in that zone (the event's), whoever asks for the PDF."""
    if zone is None:
        return pdf_from_html(render_to_string(template, context))
    with timezone.override(zone):
        return pdf_from_html(render_to_string(template, context))


def pdf_key(pdf: RenderedPdf) -> str:
    return pdf.sha256
