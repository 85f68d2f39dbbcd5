"""Signed one-click links in a notification email: accept or decline a booking from the inbox.

A link names the booking, the action, the person it was sent to and the booking's `sequence` at
the time. It expires after a week and works once: any change of the booking (this link used, the
other link, an answer on the site) grows the sequence and so retires every link sent before.
The link only opens a confirmation page; nothing changes before the person confirms there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from accounts.models import User

from ..models import Booking

SALT = "bookings.email-action"
MAX_AGE = timedelta(days=7)
# The buttons of the email; read in the recipient's language when the notification is written.
ACTIONS = {
    "accept": pgettext_lazy("booking email button", "Accept"),
    "decline": pgettext_lazy("booking email button", "Decline"),
}


@dataclass(frozen=True)
class EmailAction:
    booking_uid: str
    action: str
    user_id: int
    sequence: int


def email_action_token(*, booking: Booking, user: User, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"Not an email action: {action}")
    payload = {"b": str(booking.uid), "a": action, "u": user.pk, "s": booking.sequence}
    return signing.dumps(payload, salt=SALT, compress=True)


def email_action_read(token: str, *, expired_ok: bool = False) -> EmailAction:
    """The action a token names. Raises signing.SignatureExpired after a week (unless `expired_ok`:
    to point the reader of an old link to its booking), signing.BadSignature for anything else that
    is not a link we sent."""
    data = signing.loads(token, salt=SALT, max_age=None if expired_ok else MAX_AGE)
    try:
        action = EmailAction(
            booking_uid=str(data["b"]), action=data["a"], user_id=int(data["u"]), sequence=int(data["s"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise signing.BadSignature("Malformed action link") from exc
    if action.action not in ACTIONS:
        raise signing.BadSignature("Unknown action")
    return action


def email_actions_for(booking: Booking) -> Callable[[User], list[dict]]:
    """For NotificationItem.actions_for: each recipient's own signed Accept and Decline links."""

    def actions(user: User) -> list[dict]:
        return [
            {
                "label": label,
                "path": reverse(
                    "bookings:email_action", args=[email_action_token(booking=booking, user=user, action=a)]
                ),
            }
            for a, label in ACTIONS.items()
        ]

    return actions
