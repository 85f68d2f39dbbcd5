"""HTML to PDF with WeasyPrint, kept by content.

`pdf_render` renders a template to HTML, hashes the HTML, and returns the stored `RenderedPdf` for that
hash if there is one; otherwise WeasyPrint turns the HTML into PDF bytes once and they are kept. The
same content asked for twice gives the same bytes (a signature's SHA-256 stays true), and a page that
shows a PDF again costs a look-up, not a render.

WeasyPrint fetches nothing but our own static files (`static_path` gives a template one as a file://
URL): `StaticFilesOnly` reads a file:// URL without a host only when its real path (percent-escapes
decoded, `..` and links resolved) lies under a static root, and refuses everything else – other files
(`.env`, booking files), any host (`file://localhost/…`), http, data: – so WeasyPrint leaves the
resource out. User text reaches a PDF through the template engine's escaping, as text, never as markup.
"""

import ctypes.util
import hashlib
import logging
import mimetypes
import time
import zoneinfo
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import AppDirectoriesFinder, FileSystemFinder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import RenderedPdf

logger = logging.getLogger(__name__)

# Every PDF we make carries the same fonts (Debian's DejaVu, installed with WeasyPrint's libraries).
PDF_STYLESHEET = "css/pdf.css"


def weasyprint():
    """WeasyPrint, imported on first use. Importing it turns Pillow's LOAD_TRUNCATED_IMAGES on for the
    whole process, which would let a damaged upload through core.files.images' check: it is turned off
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


def static_roots() -> list[Path]:
    """The real paths of the folders our static files come from: STATICFILES_DIRS, the apps' static
    folders and STATIC_ROOT (where collectstatic gathers them)."""
    roots: list[str] = []
    for finder in finders.get_finders():
        if isinstance(finder, FileSystemFinder):
            roots += [root for _prefix, root in finder.locations]
        elif isinstance(finder, AppDirectoriesFinder):
            roots += [storage.location for storage in finder.storages.values()]
    if settings.STATIC_ROOT:
        roots.append(str(settings.STATIC_ROOT))
    return [Path(root).resolve() for root in roots]


def static_file_of(url: str) -> Path | None:
    """The static file a URL names, or None when it names anything else: only `file:` URLs without a
    host whose real path is a file under a static root."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc or parts.query:
        return None
    try:
        path = Path(unquote(parts.path, errors="strict")).resolve(strict=True)
    except (OSError, RuntimeError, UnicodeDecodeError, ValueError):
        return None  # missing, a link loop, bytes that are no path
    if not path.is_file() or not any(path.is_relative_to(root) for root in static_roots()):
        return None
    return path


class PdfFetchRefused(ValueError):
    """A URL WeasyPrint asked for that is not one of our static files: WeasyPrint leaves it out."""


def static_fetcher():
    """WeasyPrint's URL fetcher for every PDF we make (a URLFetcher, as WeasyPrint 70 requires): our
    own static files, read from disk without urllib; anything else raises PdfFetchRefused, which
    WeasyPrint logs and skips (fail_on_errors stays off)."""
    module = weasyprint()
    from weasyprint.urls import URLFetcherResponse

    class StaticFilesOnly(module.URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_of(url)
            if path is None:
                logger.info("A PDF asked for %s; refused, as it is not one of our static files", url[:200])
                raise PdfFetchRefused("PDF rendering reads only the site's own static files")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticFilesOnly(allowed_protocols=("file",))


def static_path(name: str) -> str:
    """A static file as a file:// URL WeasyPrint can read."""
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(name)
    return Path(found).resolve().as_uri()


def html_to_pdf(*pages: str) -> bytes:
    """WeasyPrint's bytes for one HTML document, or for several one after the other in one PDF (a
    contract's draft and its signature page). Deterministic: the same HTML gives the same bytes.
    The one place PDFs are rendered: every caller gets the same stylesheet and the same fetcher."""
    module = weasyprint()
    fetcher = static_fetcher()
    stylesheet = module.CSS(filename=finders.find(PDF_STYLESHEET), url_fetcher=fetcher)
    # No base URL: a relative address in a template resolves to nothing, so names nothing to fetch.
    documents = [module.HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet]) for html in pages]
    if len(documents) > 1:
        documents = [documents[0].copy([page for document in documents for page in document.pages])]
    # WeasyPrint writes no creation date and derives the file's identifier from its content, so the bytes
    # depend on the HTML alone.
    return documents[0].write_pdf()


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
