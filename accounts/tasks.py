"""Background work of the accounts app."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from .idempotency import idempotency_keys_purge
from .ratelimit import rate_counts_prune
from .services import (
    NotificationEmailFailed,
    notification_digest_recipients,
    notification_digest_send,
    notification_email_retry_in,
    notification_email_send,
    notification_emails_requeue,
    notification_emails_send,
)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(
    self,
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one rendered account email (verification, password reset, …)."""
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


# The row counts the tries and gives up (accounts.services.NOTIFICATION_EMAIL_ATTEMPTS), not Celery.
# A send never outlives its claim on the row: cut short (a failed try) after half of it, ended after
# four fifths (the claim then runs out and the email is sent again).
@shared_task(
    bind=True,
    max_retries=None,
    soft_time_limit=settings.NOTIFICATION_EMAIL_CLAIM * 0.5,
    time_limit=settings.NOTIFICATION_EMAIL_CLAIM * 0.8,
)
def notification_email_task(self, *, notification_id: int) -> bool:
    """Send the email of one notification (see accounts.services.notification_email_send: at least
    once, twice only after a crash, with one Message-ID); a failure is tried again after a growing wait
    until the row says it gave up."""
    try:
        return notification_email_send(notification_id=notification_id)
    except NotificationEmailFailed as exc:
        # Run inline (no broker), the change that queued it must neither wait nor fail: the row
        # stays pending for the re-queue.
        if exc.given_up or self.request.is_eager:
            return False
        raise self.retry(exc=exc, countdown=notification_email_retry_in(exc.attempts)) from exc


@shared_task(
    bind=True,
    max_retries=None,
    soft_time_limit=settings.NOTIFICATION_EMAIL_CLAIM * 0.5,
    time_limit=settings.NOTIFICATION_EMAIL_CLAIM * 0.8,
)
def notification_emails_task(self, *, notification_ids: list[int]) -> int:
    """Send the emails of a batch of notifications over one connection (accounts.services.
    notification_emails_send: the same promise as one at a time); a failed send tries the rows left
    again after a growing wait."""
    try:
        return notification_emails_send(notification_ids=notification_ids)
    except NotificationEmailFailed as exc:
        if exc.given_up or self.request.is_eager:
            return 0
        raise self.retry(exc=exc, countdown=notification_email_retry_in(exc.attempts)) from exc


@shared_task
def notification_emails_requeue_task(*, limit: int = 500) -> int:
    """Periodic: queue again the emails of notifications still unsent after a while (the broker was
    down when they were written, or a worker died). A row being sent is left alone."""
    return notification_emails_requeue(limit=limit)


@shared_task
def notification_digests_task() -> int:
    """Hourly: one task per person whose daily digest is due now (08:xx in their zone, or waited too long)."""
    now = timezone.now()
    user_ids = notification_digest_recipients(now=now)
    for user_id in user_ids:
        notification_digest_task.delay(user_id=user_id, at=now.isoformat())
    return len(user_ids)


@shared_task(bind=True, max_retries=None)
def notification_digest_task(self, *, user_id: int, at: str) -> int:
    """Send one person's daily digest as due at `at` (the hourly run's time, kept across retries, so a
    retry after 09:00 still sends the 08:00 digest). At most once per notification."""
    try:
        return notification_digest_send(user_id=user_id, now=dt.datetime.fromisoformat(at))
    except NotificationEmailFailed as exc:
        if exc.given_up or self.request.is_eager:
            return 0
        raise self.retry(exc=exc, countdown=notification_email_retry_in(exc.attempts)) from exc


@shared_task
def rate_counts_prune_task() -> int:
    """Delete the rate-limit counts of windows that have ended (only used without Redis)."""
    return rate_counts_prune()


@shared_task
def idempotency_keys_purge_task() -> int:
    """Forget the changes devices sent more than 30 days ago (decision 0091)."""
    return idempotency_keys_purge()


# ---- Web Push
@shared_task
def notification_push_task(*, notification_ids: list[int]) -> dict[str, int]:
    """Push notifications to their recipients' devices (accounts.push: at least once, tagged by id)."""
    from .push import notification_push_send

    return notification_push_send(notification_ids=notification_ids)


@shared_task
def notification_pushes_requeue_task() -> int:
    """Periodic: pushes left pending are handed to the worker again once their wait is over."""
    from .push import notification_pushes_requeue

    return notification_pushes_requeue()
