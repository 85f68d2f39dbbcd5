"""Writes of the accounts app."""

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import Notification, NotificationPreference, User
from .notification_kinds import kind_of
from .tasks import notification_email_task, send_email
from .timezones import when_text

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


# ---- Notifications -----------------------------------------------------------------------


DEDUPE_KEY_LENGTH = Notification._meta.get_field("dedupe_key").max_length


def _dedupe_key(key: str, recipient_id: int) -> str:
    """`key:recipient`, within the column; a long key is shortened by a hash so the recipient stays in it."""
    full = f"{key}:{recipient_id}"
    if len(full) <= DEDUPE_KEY_LENGTH:
        return full
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    tail = f"~{digest}:{recipient_id}"
    return key[: DEDUPE_KEY_LENGTH - len(tail)] + tail


@dataclass(frozen=True)
class NotificationItem:
    """One event to tell people about: see notifications_create.

    `text` may hold "{when}": each recipient reads `starts_at`–`ends_at` there in their own zone.
    `actions_for(user)` gives the one-click links of that person's email, as
    [{"label": "Accept", "path": "/…/"}] (signed for them; see bookings.email_actions).
    """

    recipients: Iterable[User]
    kind: str
    text: str
    key: str
    link: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    actions_for: Callable[[User], list[dict]] | None = None


def notifications_create(
    *,
    recipients: Iterable[User],
    kind: str,
    text: str,
    link: str = "",
    key: str,
    actor: User | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    actions_for: Callable[[User], list[dict]] | None = None,
) -> list[Notification]:
    """Tell each recipient (never `actor`, who knows already) about an event, in the app and by email,
    as each of them chose on their preferences page.

    Call inside the transaction that made the change: the rows commit or roll back with it, and
    their emails are queued only once it commits. `key` names the event; the same event notifies
    a person once however often this runs (the unique dedupe key per recipient).
    """
    item = NotificationItem(
        recipients=recipients,
        kind=kind,
        text=text,
        link=link,
        key=key,
        starts_at=starts_at,
        ends_at=ends_at,
        actions_for=actions_for,
    )
    return notifications_create_many(items=[item], actor=actor)


def _text_for(item: NotificationItem, user: User) -> str:
    if item.starts_at is None or "{when}" not in item.text:
        return item.text
    return item.text.replace("{when}", when_text(item.starts_at, item.ends_at or item.starts_at, user.zone))


def notifications_create_many(*, items: Iterable[NotificationItem], actor: User | None = None) -> list[Notification]:
    """notifications_create for many events at once: four queries and one email hand-off, whatever
    their number (an accept that declines a hundred other bookings stays quick under its locks)."""
    items = list(items)
    people: dict[int, User] = {}
    wanted: list[tuple[NotificationItem, list[User]]] = []
    for item in items:
        chosen = {u.pk: u for u in item.recipients if u is not None and (actor is None or u.pk != actor.pk)}
        people.update(chosen)
        wanted.append((item, [chosen[pk] for pk in sorted(chosen)]))
    if not people:
        return []
    prefs = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in=list(people), kind__in={item.kind[:40] for item in items}
        )
    }
    rows = []
    for item, users in wanted:
        kind = item.kind[:40]
        for user in users:
            pref = prefs.get((user.pk, kind))
            in_app = pref.in_app if pref else True
            email = pref.email if pref else NotificationPreference.Email.INSTANT
            if email == NotificationPreference.Email.DIGEST and not kind_of(kind).low_priority:
                email = NotificationPreference.Email.INSTANT
            if not in_app and email == NotificationPreference.Email.OFF:
                continue
            state = {
                NotificationPreference.Email.INSTANT: Notification.Email.PENDING,
                NotificationPreference.Email.DIGEST: Notification.Email.DIGEST,
            }.get(email, Notification.Email.SKIPPED)
            data = {}
            if item.actions_for is not None and state == Notification.Email.PENDING:
                data["actions"] = item.actions_for(user)
            rows.append(
                Notification(
                    recipient_id=user.pk,
                    kind=kind,
                    text=_text_for(item, user)[:500],
                    link=item.link[:300],
                    dedupe_key=_dedupe_key(item.key, user.pk),
                    data=data,
                    in_app=in_app,
                    email_state=state,
                )
            )
    if not rows:
        return []
    keys = [r.dedupe_key for r in rows]
    # Told already (a retried event): no second row, and no second email queued from here.
    known = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    Notification.objects.bulk_create([r for r in rows if r.dedupe_key not in known], ignore_conflicts=True)
    created = list(Notification.objects.filter(dedupe_key__in=[k for k in keys if k not in known]).order_by("pk"))
    ids = [n.pk for n in created if n.email_state == Notification.Email.PENDING]
    if ids:
        transaction.on_commit(lambda: notification_emails_enqueue(ids))
    return created


def notification_emails_enqueue(ids: Iterable[int]) -> None:
    """Hand notification emails to the worker. A broker that cannot be reached costs nothing but
    time: the rows stay pending and the periodic re-queue sends them once it is back."""
    for pk in ids:
        try:
            notification_email_task.delay(notification_id=pk)
        except OperationalError:
            logger.warning("Broker unreachable; notification %s waits for the periodic re-queue", pk)
            return


def notification_email_send(*, notification_id: int) -> bool:
    """Send a notification's email once: the row is claimed under a lock and marked sent in the same
    transaction, so a second or concurrent run sends nothing. A failure to send rolls the claim back
    (the task retries). Returns whether an email went out now."""
    with transaction.atomic():
        # Only the notification row: locking the recipient too would hold up every write that
        # refers to them (a booking event, a busy interval) for as long as the mail server takes.
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_state=Notification.Email.PENDING)
            .first()
        )
        if note is None:
            return False
        recipient = note.recipient
        if not recipient.is_active or not recipient.email:
            note.email_state = Notification.Email.SKIPPED
            note.save(update_fields=["email_state"])
            return False
        link = f"{settings.SITE_URL.rstrip('/')}{note.link}" if note.link.startswith("/") else note.link
        context = {"note": note, "recipient": recipient, "link": link}
        message = EmailMultiAlternatives(
            subject=f"StageSlot: {note.text[:120]}",
            body=render_to_string("accounts/email/notification.txt", context),
            to=[recipient.email],
        )
        message.attach_alternative(render_to_string("accounts/email/notification.html", context), "text/html")
        message.send()
        note.email_state = Notification.Email.SENT
        note.email_sent_at = timezone.now()
        note.save(update_fields=["email_state", "email_sent_at"])
    return True
