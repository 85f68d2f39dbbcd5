"""Background work of the accounts app."""

from datetime import timedelta

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from .models import Notification


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


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def notification_email_task(self, *, notification_id: int) -> bool:
    """Send the email of one notification, at most once (see accounts.services.notification_email_send)."""
    from .services import notification_email_send

    return notification_email_send(notification_id=notification_id)


@shared_task
def notification_emails_requeue_task(*, older_than_minutes: int = 10, limit: int = 500) -> int:
    """Periodic: queue again the emails of notifications still unsent after a while (the broker was
    down when they were written, or a worker died). Sending stays once per notification."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Notification.objects.filter(email_state=Notification.Email.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        notification_email_task.delay(notification_id=pk)
    return len(ids)
