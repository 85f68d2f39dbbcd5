"""The checks: a machine that cannot make PDFs is told how to mend it (every `manage.py` command), and
(check --deploy) a production site seals contracts with its own certificate, not with the development
one made on first use."""

from pathlib import Path

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def seal_certificate_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    key, cert = settings.DOCUMENTS_SEAL_KEY_FILE, settings.DOCUMENTS_SEAL_CERT_FILE
    if key and cert and Path(key).is_file() and Path(cert).is_file():
        return []
    return [
        checks.Warning(
            "DOCUMENTS_SEAL_KEY_FILE and DOCUMENTS_SEAL_CERT_FILE do not name readable files, so signed contracts "
            "are sealed with a self-signed development certificate.",
            hint="Set DOCUMENTS_SEAL_KEY_FILE, DOCUMENTS_SEAL_CERT_FILE (PEM) and, if the key is encrypted, "
            "DOCUMENTS_SEAL_KEY_PASSWORD (see docs/decisions/0036-paper.md).",
            id="documents.W001",
        )
    ]


@checks.register()
def pdfs_can_be_made(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .pdf import pdf_unavailable

    problem = pdf_unavailable()
    if not problem:
        return []
    return [
        checks.Warning(
            f"Contracts, invoices and day sheets cannot be made as PDFs here: {problem}",
            hint="WeasyPrint needs Pango: on Debian or Ubuntu, apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            "fonts-dejavu-core.",
            id="documents.W002",
        )
    ]
