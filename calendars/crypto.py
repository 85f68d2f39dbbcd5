"""The secrets of connected calendars (CalDAV app passwords, Google refresh tokens), encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`. The key is CALENDAR_SECRETS_KEY: one or more
Fernet keys, comma-separated, the first encrypting and all decrypting (so a key can be rotated), or by
default a key derived from SECRET_KEY. A database dump alone does not give away anybody's calendar.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured keys (the key changed)."""


def derived_key(secret_key: str) -> str:
    """A Fernet key made from Django's SECRET_KEY, used when CALENDAR_SECRETS_KEY is not set."""
    digest = hashlib.sha256(f"stageslot.calendars:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in (settings.CALENDAR_SECRETS_KEY or "").split(",") if key.strip()]
    if not keys:
        keys = [derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(plain: str) -> str:
    """The token to store for `plain` ("" stays "")."""
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The plain secret; raises SecretUnreadable when no configured key opens it."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable from None
