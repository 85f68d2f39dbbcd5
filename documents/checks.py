"""The deploy check (manage.py check --deploy): a production site seals contracts with its own
certificate, not with the development one made on first use."""

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
