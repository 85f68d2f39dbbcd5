"""Invite links shared by bands and venues.

The database keeps a random token per invite; the link carries it signed, so a
link that was altered is told apart from one that never existed. Expiry, uses
and revocation live on the row, so an invite can be revoked at any time.
"""

from datetime import timedelta

from django.core import signing
from django.utils import timezone

from .models import InviteBase

SALT = "stageslot.invite"
DEFAULT_VALID_FOR = timedelta(days=14)


class InviteError(Exception):
    """Why an invite link cannot be used; `str()` is the message for the person holding it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def invite_link_token(*, kind: str, invite: InviteBase) -> str:
    """The token that goes into /join/<token>/ (kind is "band" or "venue")."""
    return signing.dumps({"k": kind, "t": invite.token}, salt=SALT, compress=True)


def invite_link_parse(signed: str) -> tuple[str, str]:
    """(kind, token) from a link token. Raises InviteError("tampered") when it was altered."""
    try:
        data = signing.loads(signed, salt=SALT)
        return str(data["k"]), str(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InviteError(
            "This invite link is damaged or incomplete. Ask for the link again and copy all of it.",
            code="tampered",
        ) from exc


def invite_check_usable(invite: InviteBase, *, now=None) -> None:
    """Raise InviteError saying exactly why an invite cannot be used (revoked, expired, used up)."""
    now = now or timezone.now()
    if invite.revoked_at is not None:
        raise InviteError("This invite link was withdrawn by the person who sent it.", code="revoked")
    if invite.expires_at <= now:
        raise InviteError(
            f"This invite link expired on {timezone.localtime(invite.expires_at):%d %b %Y at %H:%M}. "
            "Ask for a new one.",
            code="expired",
        )
    if invite.uses >= invite.max_uses:
        raise InviteError(
            "This invite link has been used as many times as it allows. Ask for a new one.", code="used_up"
        )
