"""The one module that talks to browsers' push services (Web Push: RFC 8030, VAPID RFC 8292, aes128gcm RFC
8291), through pywebpush.

The VAPID key pair identifies StageSlot to the push services. Production sets WEBPUSH_VAPID_PRIVATE_KEY
(a PEM file's path, or the PEM itself) and WEBPUSH_VAPID_SUBJECT; unset, a development pair is made on
first use in .cache/webpush/ (as documents/seal.py does for the contract seal), and `manage.py
make_vapid_keys` writes one on demand.

Every push goes through the outbound guard (core.transport.outbound): pywebpush is handed our session, so a
subscription that points into our own network is refused at the connection, whatever it resolves to.
"""

import base64
import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext as _
from py_vapid import Vapid02, VapidException
from pywebpush import WebPushException, webpush

from core.transport.outbound import OutboundError, OutboundRefused, OutboundSession, outbound_session

logger = logging.getLogger(__name__)

DEV_KEY = Path(settings.BASE_DIR) / ".cache" / "webpush" / "vapid_private.pem"
# A push service that does not answer in this time is tried again later.
TIMEOUT = 5.0
# The most of a push service's answer that is read (it says little).
MAX_ANSWER_BYTES = 256 * 1024


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
    error: str = ""  # what went wrong, in words for the device's row


_local = threading.local()


def _requests_session() -> OutboundSession:
    """The guarded session pushes go through, one per thread (a worker keeps its connections to the push
    services), made again when settings.WEBPUSH_ALLOW_HOSTS changes."""
    allow = tuple(settings.WEBPUSH_ALLOW_HOSTS)
    kept = getattr(_local, "session", None)
    if kept is None or kept[0] != allow:
        if kept is not None:
            kept[1].close()
        session = outbound_session(
            allow_hosts=allow, https_only=True, max_redirects=0, max_bytes=MAX_ANSWER_BYTES, timeout=TIMEOUT
        )
        kept = _local.session = (allow, session)
    return kept[1]


def push_send(*, endpoint: str, p256dh: str, auth: str, payload: dict, ttl: int, urgency: str = "normal") -> PushResult:
    """Encrypt `payload` (JSON) for one browser and POST it to its push service, signed with our VAPID key.
    At most once per call; the caller decides about trying again from `retry`. An address the guard
    refuses, or one the push library cannot sign for (an IPv6 literal has no `aud` it accepts), is a
    failure of this device, not worth trying again."""
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
        error = _("The push service answered HTTP %(status)s.") % {"status": status} if status else str(exc)[:200]
        return _result(status, error)
    except OutboundRefused as exc:
        return PushResult(status=0, gone=False, retry=False, error=str(exc))
    except VapidException:
        logger.info("Push to %s cannot be signed", endpoint[:60])
        return PushResult(
            status=0, gone=False, retry=False, error=_("We cannot sign pushes for this push service's address.")
        )
    except (OutboundError, OSError, ValueError) as exc:
        logger.info("Push to %s failed: %s", endpoint[:60], exc)
        return _result(0, _("The push service could not be reached."))
    return _result(status, "")


def _result(status: int, error: str) -> PushResult:
    return PushResult(
        status=status,
        gone=status in (404, 410),
        retry=status == 0 or status == 429 or status >= 500,
        error="" if 200 <= status < 300 else error,
    )
