"""Which Celery queue each task goes to: by what waiting costs (docs/decisions/0100-queues-by-what-waiting-costs.md).

- urgent: a person is waiting for it right now, or money is moving: sign-in codes and the other account emails,
  a payment's news, the money round.
- default: notices, rounds and deliveries that should leave within the minute.
- bulk: large fan-outs and slow housekeeping that may wait: fan alerts, digests, saved-search alerts,
  calendar refreshes, nightly extensions, exports, erasure and retention.

Every task the project registers names its tier here (stageslot/tests/test_queues.py discovers the tasks);
a new task without one fails the suite. The queues' names come from settings (CELERY_QUEUE_NAMES): tests
give each run its own."""

URGENT, DEFAULT, BULK = "urgent", "default", "bulk"
TIERS = (URGENT, DEFAULT, BULK)

TASK_TIERS: dict[str, str] = {
    # urgent
    "accounts.tasks.send_email": URGENT,
    "payments.tasks.payment_tell_task": URGENT,
    "payments.tasks.money_round_task": URGENT,
    # default
    "accounts.tasks.notification_email_task": DEFAULT,
    "accounts.tasks.notification_emails_task": DEFAULT,
    "accounts.tasks.notification_emails_requeue_task": DEFAULT,
    "accounts.tasks.notification_push_task": DEFAULT,
    "accounts.tasks.notification_pushes_requeue_task": DEFAULT,
    "bookings.tasks.booking_losers_decline_task": DEFAULT,
    "bookings.tasks.booking_losers_sweep_task": DEFAULT,
    "bookings.tasks.bookings_complete_task": DEFAULT,
    "bookings.tasks.bookings_expire_task": DEFAULT,
    "bookings.tasks.bookings_start_task": DEFAULT,
    "bookings.tasks.gig_reminders_task": DEFAULT,
    "bookings.tasks.mail_reply_apply_task": DEFAULT,
    "bookings.tasks.quotes_lapse_task": DEFAULT,
    "bookings.tasks.waiting_reminders_task": DEFAULT,
    "bookings.tasks.webhook_deliver_task": DEFAULT,
    "bookings.tasks.webhook_deliveries_requeue_task": DEFAULT,
    "documents.tasks.contracts_round_task": DEFAULT,
    "documents.tasks.invoice_send_task": DEFAULT,
    "documents.tasks.paper_round_task": DEFAULT,
    "festivals.tasks.call_notices_task": DEFAULT,
    "gigs.tasks.advance_reminders_task": DEFAULT,
    "gigs.tasks.lineups_round_task": DEFAULT,
    "gigs.tasks.sections_round_task": DEFAULT,
    "holds.tasks.holds_settle_task": DEFAULT,
    "reviews.tasks.reviews_due_task": DEFAULT,
    # bulk
    "accounts.tasks.idempotency_keys_purge_task": BULK,
    "accounts.tasks.notification_digest_task": BULK,
    "accounts.tasks.notification_digests_task": BULK,
    "accounts.tasks.rate_counts_prune_task": BULK,
    "availability.tasks.calendar_sync_task": BULK,
    "availability.tasks.calendars_refresh": BULK,
    "availability.tasks.horizon_extend_task": BULK,
    "bands.tasks.band_blocks_extend_task": BULK,
    "bookings.tasks.feed_marks_prune_task": BULK,
    "bookings.tasks.saved_search_alerts_task": BULK,
    "calendars.tasks.connected_calendar_refresh_task": BULK,
    "calendars.tasks.connected_calendar_write_task": BULK,
    "calendars.tasks.connected_calendars_round": BULK,
    "calendars.tasks.grant_revocations_task": BULK,
    "fans.tasks.asks_met_task": BULK,
    "fans.tasks.demand_refresh_task": BULK,
    "fans.tasks.show_alert_chunk_task": BULK,
    "fans.tasks.show_alerts_round_task": BULK,
    "fans.tasks.weekly_round_task": BULK,
    "stageslot.tasks.account_erasures_task": BULK,
    "stageslot.tasks.data_export_task": BULK,
    "stageslot.tasks.retention_task": BULK,
}


def task_routes(names: dict[str, str]) -> dict[str, dict[str, str]]:
    """Celery's task_routes: each task to the queue of its tier, `names` naming each tier's queue."""
    return {task: {"queue": names[tier]} for task, tier in TASK_TIERS.items()}


def task_queues(names: dict[str, str]) -> tuple:
    """Celery's task_queues: the three queues, most urgent first (what a worker without -Q consumes)."""
    from kombu import Queue

    return tuple(Queue(names[tier], routing_key=names[tier]) for tier in TIERS)
