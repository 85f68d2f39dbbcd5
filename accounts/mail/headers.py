"""The headers of notification mail, built here alone (docs/decisions/0080).

Every notification email and the daily digest carries `List-Unsubscribe` (one https link, signed for the
person and the kind) with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058: a mail client
POSTs to the link, without cookies), `List-Id`, and `Auto-Submitted` so auto-replies stay away. A thread
email also gets a `Reply-To` address signed for the person and the booking. Security mail (sign-in codes,
password reset, address confirmation) is sent elsewhere and carries none of these.
"""

from urllib.parse import urlsplit

from django.urls import reverse

from core.web.site import site_url

from ..models import User
from .tokens import address_unsubscribe_token, reply_address, unsubscribe_token


def unsubscribe_url(*, user: User, kind: str) -> str:
    """The absolute one-click link that turns off `kind` email for `user`."""
    return f"{site_url()}{reverse('mail:unsubscribe', args=[unsubscribe_token(user=user, kind=kind)])}"


def notification_mail_headers(*, user: User, kind: str, message_id: str) -> dict[str, str]:
    """The headers of an email of `kind` (a notification kind, or tokens.DIGEST) to `user`."""
    domain = urlsplit(site_url()).hostname or "stageslot.local"
    return {
        "Message-ID": message_id,
        "List-Id": f"StageSlot notifications <notifications.{domain}>",
        "List-Unsubscribe": f"<{unsubscribe_url(user=user, kind=kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def address_mail_headers(*, email: str) -> dict[str, str]:
    """The headers of mail to an address without an account (a stand-in's ask, an offer or an invitation by
    email): a one-click `List-Unsubscribe` that stops StageSlot's mail to that address, as notification mail
    has (mail_suppressed then holds the next one back)."""
    domain = urlsplit(site_url()).hostname or "stageslot.local"
    link = f"{site_url()}{reverse('mail:unsubscribe', args=[address_unsubscribe_token(email=email)])}"
    return {
        "List-Id": f"StageSlot invitations <invitations.{domain}>",
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def thread_reply_to(*, user: User, booking_id: int | None) -> list[str]:
    """The Reply-To of a thread email to `user`: their signed address for the booking's thread, or none
    (no booking, or no reply domain set)."""
    if booking_id is None:
        return []
    address = reply_address(user=user, booking_id=booking_id)
    return [address] if address else []
