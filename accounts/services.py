"""Writes of the accounts app."""

import logging

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from kombu.exceptions import OperationalError

from .models import User
from .tasks import send_email

logger = logging.getLogger(__name__)


def email_queue(*, message: EmailMessage) -> None:
    """Queue a rendered email for the worker once the current transaction commits.

    A broker that cannot be reached must not cost the user their email: the
    message is then sent from this process instead.
    """
    html = None
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    payload = {
        "subject": message.subject,
        "body": message.body,
        "to": list(message.to),
        "from_email": message.from_email,
        "html": html,
        "headers": dict(message.extra_headers) or None,
    }

    def enqueue() -> None:
        try:
            send_email.delay(**payload)
        except OperationalError:
            logger.warning("Broker unreachable; sending %r inline", message.subject)
            send_email.apply(kwargs=payload)

    transaction.on_commit(enqueue)


def user_profile_update(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Change what others see of a user and the zone their times are shown in.

    `avatar` must already be validated and re-encoded (accounts.images.image_clean).
    The replaced image file is deleted only after the change commits.
    """
    old_avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user.display_name = display_name.strip()
        user.time_zone = time_zone
        user.full_clean(exclude=["password", "avatar"])
        if avatar is not None:
            user.avatar.save(avatar.name, avatar, save=False)
        elif remove_avatar:
            user.avatar = None
        user.save(update_fields=["display_name", "time_zone", "avatar"])
        new_name = user.avatar.name if user.avatar else ""
        if old_avatar_name and old_avatar_name != new_name:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user
