"""The one module that talks to browsers' push services (Web Push: RFC 8030, VAPID RFC 8292, aes128gcm RFC
8291), through pywebpush.

The VAPID key pair identifies StageSlot to the push services. Production sets WEBPUSH_VAPID_PRIVATE_KEY
(a PEM file's path, or the PEM itself) and WEBPUSH_VAPID_SUBJECT; unset, a development pair is made on
first use in .cache/webpush/ (as documents/seal.py does for the contract seal), and `manage.py
make_vapid_keys` writes one on demand.
"""

import base64
import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

logger = logging.getLogger(__name__)

DEV_KEY = Path(settings.BASE_DIR) / ".cache" / "webpush" / "vapid_private.pem"
# A push service that does not answer in this time is tried again later.
TIMEOUT = 5.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_key_pem_new() -> bytes:
    """A new P-256 private key, PEM (PKCS#8)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem() -> bytes:
    configured = settings.WEBPUSH_VAPID_PRIVATE_KEY
    if configured:
        if configured.lstrip().startswith("-----BEGIN"):
            return configured.encode()
        return Path(configured).read_bytes()
    if not DEV_KEY.is_file():
        DEV_KEY.parent.mkdir(parents=True, exist_ok=True)
        DEV_KEY.write_bytes(vapid_key_pem_new())
        DEV_KEY.chmod(0o600)
    return DEV_KEY.read_bytes()


@functools.lru_cache(maxsize=4)
def _vapid(pem: bytes) -> Vapid02:
    return Vapid02.from_pem(pem)


def vapid() -> Vapid02:
    return _vapid(_pem())


def vapid_public_key() -> str:
    """The application server key browsers subscribe with: the public key's uncompressed point, base64url."""
    point = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


@dataclass(frozen=True)
class PushResult:
    status: int  # the push service's HTTP status; 0 when it could not be reached
    gone: bool  # 404 / 410: the browser dropped the subscription
    retry: bool  # worth trying again later (429, 5xx, no answer)


_session: requests.Session | None = None


def _requests_session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


def push_send(*, endpoint: str, p256dh: str, auth: str, payload: dict, ttl: int, urgency: str = "normal") -> PushResult:
    """Encrypt `payload` (JSON) for one browser and POST it to its push service, signed with our VAPID key.
    At most once per call; the caller decides about trying again from `retry`."""
    claims = {"sub": settings.WEBPUSH_VAPID_SUBJECT}
    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload, separators=(",", ":")),
            vapid_private_key=vapid(),
            vapid_claims=claims,
            ttl=ttl,
            timeout=TIMEOUT,
            headers={"Urgency": urgency},
            requests_session=_requests_session(),
        )
        status = response.status_code
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else 0
    except (requests.RequestException, OSError, ValueError) as exc:
        logger.info("Push to %s failed: %s", endpoint[:60], exc)
        status = 0
    return PushResult(status=status, gone=status in (404, 410), retry=status == 0 or status == 429 or status >= 500)
