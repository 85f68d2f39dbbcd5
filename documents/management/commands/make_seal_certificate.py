"""Write a development key and self-signed certificate for the platform's seal on signed contracts.

    manage.py make_seal_certificate [--directory DIR] [--common-name NAME] [--force]

Without --directory, BASE_DIR/.cache/seal/ (ignored by git), which the seal uses when
DOCUMENTS_SEAL_KEY_FILE and DOCUMENTS_SEAL_CERT_FILE are not set. A production site sets those to a
certificate of its own (docs/decisions/0036-paper.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from documents import seal


class Command(BaseCommand):
    help = "Write a development key and self-signed certificate for sealing signed contracts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--directory", type=Path, default=None, help="where to write them (default .cache/seal/)")
        parser.add_argument("--common-name", default=seal.DEV_COMMON_NAME, help="the certificate's CN")
        parser.add_argument("--force", action="store_true", help="replace a key and certificate already there")

    def handle(self, *args, directory: Path | None, common_name: str, force: bool, **options) -> None:
        directory = directory or seal.dev_directory()
        key, cert = directory / seal.DEV_KEY_NAME, directory / seal.DEV_CERT_NAME
        if (key.exists() or cert.exists()) and not force:
            raise CommandError(f"{key} or {cert} exists already: pass --force to replace them.")
        files = seal.certificate_make(directory=directory, common_name=common_name)
        self.stdout.write(f"Key: {files.key}\nCertificate: {files.cert}")
        self.stdout.write(
            "For a production site, set DOCUMENTS_SEAL_KEY_FILE and DOCUMENTS_SEAL_CERT_FILE "
            "to a certificate of its own."
        )
