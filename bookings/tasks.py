"""Background work of the bookings app."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .services import alerts, feeds, losers, mail_replies, periodic, quotes, reminders, request_groups, webhooks


@shared_task
def bookings_start_task() -> int:
    """Every few minutes: booked gigs whose start has passed are in progress."""
    return periodic.bookings_start()


@shared_task
def bookings_complete_task() -> int:
    """Every few minutes: booked gigs whose end has passed become completed."""
    return periodic.bookings_complete()


@shared_task
def bookings_expire_task() -> int:
    """Every few minutes: pending bookings whose start has passed lapse (declined, both sides told)."""
    return periodic.bookings_expire()


@shared_task
def quotes_lapse_task() -> int:
    """Every few minutes: open quotes past their time lapse (both sides told)."""
    return quotes.quotes_lapse()


@shared_task(ignore_result=True)
def booking_losers_decline_task(*, winner_id: int, by_id: int | None = None, now: str | None = None) -> None:
    """Right after an accept: decline the pending bookings the booked gig made impossible."""
    losers.booking_losers_decline(winner_id=winner_id, by_id=by_id, now=now)


@shared_task
def booking_losers_sweep_task() -> int:
    """Every few minutes: decline what a booked gig made impossible, and withdraw the other bands' requests
    of a request sent to several bands, should its task have been lost."""
    return losers.booking_losers_sweep() + request_groups.request_groups_sweep()


@shared_task
def feed_marks_prune_task() -> int:
    """Daily: delete the calendar feeds' change marks older than a week."""
    return feeds.feed_marks_prune()


@shared_task
def gig_reminders_task() -> int:
    """Hourly: both sides of every gig booked within the next two days are reminded of it, once."""
    return reminders.gig_reminders_send(now=timezone.now())


@shared_task
def waiting_reminders_task() -> int:
    """Hourly: the side that must answer a booking waiting 3 (and then 7) days is reminded, once each."""
    return reminders.waiting_reminders_send(now=timezone.now())


@shared_task(ignore_result=True)
def webhook_deliver_task(*, delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failure is tried again after its backoff."""
    delivery = webhooks.webhook_delivery_send(delivery_id=delivery_id)
    if delivery is None or delivery.next_attempt_at is None:
        return
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        wait = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        webhook_deliver_task.apply_async(kwargs={"delivery_id": delivery_id}, countdown=wait)
    # Run inline (no broker), the periodic webhook_deliveries_requeue_task tries it again when due.


@shared_task(ignore_result=True)
def webhook_deliveries_requeue_task() -> int:
    """Every minute: queue the webhook deliveries that are due and not queued (a broker outage, a worker
    that died mid-attempt, or inline runs)."""
    due = webhooks.webhook_deliveries_due()
    for pk in due:
        webhook_deliver_task.delay(delivery_id=pk)
    return len(due)


@shared_task
def saved_search_alerts_task() -> int:
    """Every few minutes: new slots and support calls that match a band's saved search and its green zone."""
    return alerts.saved_search_alerts_send(now=timezone.now())


@shared_task
def mail_reply_apply_task(*, inbound_id: int) -> str:
    """A reply to a thread email, stored by the inbound webhook: post it to its thread, or refuse it with a
    bounce (bookings.services.mail_replies: once per stored email)."""
    return mail_replies.mail_reply_apply(inbound_id=inbound_id)
