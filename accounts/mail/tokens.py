"""The keyed values in notification mail: one-click unsubscribe links and reply addresses.

Both are keyed with SECRET_KEY (and its fallbacks) and bound to the person's current address: a token
names the account and a short keyed digest of its email, so changing the address – or an erased
account, whose address is replaced – retires every link and reply address sent before. An unsubscribe
token is encrypted (AES-GCM), not only signed: whoever sees a link (a forwarded mail, a proxy's log) reads
neither the account's id nor the kind of mail from it.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import signing
from django.utils.encoding import force_bytes

from ..models import User
from ..notification_kinds import KINDS

UNSUBSCRIBE_SALT = "stageslot.mail.unsubscribe"
REPLY_SALT = "stageslot.mail.reply"
# The pseudo-kind of the daily digest: its link turns the digest off (those kinds then send no email).
DIGEST = "digest"
# The pseudo-kind of mail to an address without an account (a stand-in's ask, an offer or invitation by
# email): its link stops StageSlot's mail to that address.
ADDRESS = "address"


def _keys() -> list[bytes]:
    return [force_bytes(key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def address_mark(email: str) -> str:
    """A short keyed digest of an address (its case ignored): a token carries this, never the address."""
    digest = hmac.new(force_bytes(settings.SECRET_KEY), email.strip().casefold().encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


def _address_matches(user: User, mark: str) -> bool:
    email = user.email.strip().casefold().encode()
    return any(hmac.compare_digest(hmac.new(key, email, hashlib.sha256).hexdigest()[:10], mark) for key in _keys())


# ---- One-click unsubscribe ----------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link names: the person and the kind of mail (a notification kind, or DIGEST)."""

    user: User | None
    kind: str
    email: str = ""  # the address, for ADDRESS (mail to someone without an account)


def _token_key(key: bytes) -> bytes:
    return hashlib.sha256(UNSUBSCRIBE_SALT.encode() + b":" + key).digest()


def unsubscribe_token(*, user: User, kind: str) -> str:
    """The token of `user`'s link that turns off email of `kind` (no expiry: RFC 8058 links must keep working):
    the account, the kind and the address's mark, encrypted – opaque to anyone without the key."""
    return _seal({"u": user.pk, "k": kind, "m": address_mark(user.email)})


def address_unsubscribe_token(*, email: str) -> str:
    """The token of the link that stops StageSlot's mail to an address without an account (sealed as above)."""
    return _seal({"k": ADDRESS, "e": email.strip().casefold()})


def _seal(data: dict) -> str:
    plain = json.dumps(data, separators=(",", ":")).encode()
    key = _token_key(_keys()[0])
    # The nonce is keyed from what it seals: the same person and kind give the same link in every header and
    # footer, and two different contents never share a nonce.
    nonce = hmac.new(key, plain, hashlib.sha256).digest()[:12]
    sealed = AESGCM(key).encrypt(nonce, plain, UNSUBSCRIBE_SALT.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _token_open(token: str) -> dict:
    if not isinstance(token, str) or not 40 <= len(token) <= 400:
        raise signing.BadSignature("Not an unsubscribe token.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise signing.BadSignature("Not an unsubscribe token.") from exc
    for key in _keys():
        try:
            plain = AESGCM(_token_key(key)).decrypt(raw[:12], raw[12:], UNSUBSCRIBE_SALT.encode())
        except (InvalidTag, ValueError):
            continue
        try:
            return json.loads(plain)
        except ValueError as exc:
            raise signing.BadSignature("Not an unsubscribe token.") from exc
    raise signing.BadSignature("Not an unsubscribe token.")


def unsubscribe_read(token: str) -> Unsubscribe:
    """The person and kind a token names. Raises signing.BadSignature for a forged or altered token, one for
    a kind we do not have, and one whose person is gone or has changed their address since."""
    data = _token_open(token)
    if not isinstance(data, dict):
        raise signing.BadSignature("Not an unsubscribe token.")
    if data.get("k") == ADDRESS and isinstance(data.get("e"), str) and "@" in data["e"]:
        return Unsubscribe(user=None, kind=ADDRESS, email=data["e"])
    kind, user_id, mark = data.get("k"), data.get("u"), data.get("m")
    if not isinstance(kind, str) or (kind not in KINDS and kind != DIGEST) or not isinstance(mark, str):
        raise signing.BadSignature("Not an unsubscribe token.")
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None or not _address_matches(user, mark):
        raise signing.BadSignature("The person this link was sent to is gone or has a new address.")
    return Unsubscribe(user=user, kind=kind)


# ---- Reply addresses ---------------------------------------------------------------------------

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(number: int) -> str:
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _B36[rest] + out
        if not number:
            return out


def _reply_mac(key: bytes, purpose: str, thread_id: int, user: User) -> str:
    value = f"{purpose}:{thread_id}:{user.pk}:{user.email.strip().casefold()}".encode()
    mac = hmac.new(key, REPLY_SALT.encode() + b":" + value, hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:20]


def reply_address(*, user: User, booking_id: int) -> str:
    """The address a reply to a thread email goes to: `t-<booking>-<person>-<mac>@MAIL_REPLY_DOMAIN`, lower
    case and hyphens only (some lists drop "+"), under 64 characters before the @. "" without a reply domain."""
    if not settings.MAIL_REPLY_DOMAIN:
        return ""
    local = f"t-{_b36(booking_id)}-{_b36(user.pk)}-{_reply_mac(_keys()[0], 't', booking_id, user)}"
    return f"{local}@{settings.MAIL_REPLY_DOMAIN}"


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply address names: its purpose ("t": a booking thread), the thread and the person."""

    purpose: str
    thread_id: int
    user: User


class BadReplyAddress(Exception):
    """The address is not one of ours, altered, or names a person gone or with a new address."""


def reply_address_purpose(address: str) -> str:
    """The purpose letter of a reply address of ours ("t"), or "" for any other address (nothing checked)."""
    local, _, domain = address.strip().casefold().rpartition("@")
    if not settings.MAIL_REPLY_DOMAIN or domain != settings.MAIL_REPLY_DOMAIN.casefold():
        return ""
    purpose = local.split("-", 1)[0]
    return purpose if purpose in settings.MAIL_INBOUND_PURPOSES else ""


def reply_address_read(address: str) -> ReplyTarget:
    """Check a reply address and say what it names. Raises BadReplyAddress."""
    local, _, domain = address.strip().casefold().rpartition("@")
    if not settings.MAIL_REPLY_DOMAIN or domain != settings.MAIL_REPLY_DOMAIN.casefold():
        raise BadReplyAddress("Not a reply address of ours.")
    parts = local.split("-")
    if len(parts) != 4 or parts[0] not in settings.MAIL_INBOUND_PURPOSES:
        raise BadReplyAddress("Not a reply address of ours.")
    purpose, thread_part, user_part, mac = parts
    try:
        thread_id, user_id = int(thread_part, 36), int(user_part, 36)
    except ValueError as exc:
        raise BadReplyAddress("Not a reply address of ours.") from exc
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not any(hmac.compare_digest(_reply_mac(key, purpose, thread_id, user), mac) for key in _keys()):
        raise BadReplyAddress("The reply address is altered, or its person is gone or has a new address.")
    return ReplyTarget(purpose=purpose, thread_id=thread_id, user=user)
