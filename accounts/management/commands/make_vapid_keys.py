"""Make a VAPID key pair for Web Push: writes the private key (PEM) and prints the public key."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.transport.webpush import b64url, vapid_key_pem_new


class Command(BaseCommand):
    help = "Write a new VAPID private key for Web Push (set WEBPUSH_VAPID_PRIVATE_KEY to its path)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="Where to write the private key (PEM); it must not exist yet.")

    def handle(self, *args, path: str, **options) -> None:
        from cryptography.hazmat.primitives import serialization

        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists already: browsers subscribed with its key would be lost.")
        pem = vapid_key_pem_new()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pem)
        target.chmod(0o600)
        key = serialization.load_pem_private_key(pem, password=None)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"Private key written to {target}\nPublic key (application server key): {b64url(public)}")
        self.stdout.write("Set WEBPUSH_VAPID_PRIVATE_KEY to the file's path and WEBPUSH_VAPID_SUBJECT to mailto:you@…")
