"""Delivery events from the mail service (django-anymail's `tracking` signal), recorded before applied.

The receiver (connected in AccountsConfig.ready) only calls mail_event_receive. Each event becomes a
MailEvent row keyed by its id at the service (or, where it has none, a digest of what it says) before it
has any effect, in the same transaction as the effect: an event posted twice – services retry, and send
batches again – finds its row and changes nothing. What an event does:

- a hard bounce, the service refusing an address it knows is dead, or a complaint (the person marked our
  mail as spam): notification mail to that address stops (MailSuppression); the person reads why on their
  notification settings;
- a soft bounce (a full mailbox, a server that says "try later"; anymail's `deferred`, or a `bounced` the
  service calls temporary): counted for the address; MAIL_SOFT_BOUNCE_LIMIT of them within
  MAIL_SOFT_BOUNCE_DAYS, with no delivery to it since, suppress it as a hard bounce does (Discourse's bounce
  score: one hiccup is forgiven, an address that keeps failing is not written to for ever);
- a delivery, anything else: recorded only;
- an event for an address that is no account's (a forward's bounce): recorded with the problem, nothing
  applied.
"""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MailEvent, MailSuppression, User
from .suppression import mail_suppression_add
from .tokens import address_mark

logger = logging.getLogger(__name__)

# Bounces a service reports as such that are only for now (a full mailbox, a DNS hiccup): never suppress.
SOFT_BOUNCE_TYPES = {"softbounce", "transient", "dnserror"}
SOFT_BOUNCE = "soft bounce"


def _event_key(event, esp: str) -> str:
    if event.event_id:
        return f"{esp.casefold()}:{event.event_id}"[:100]
    parts = [esp, event.event_type, event.message_id, event.recipient, event.timestamp]
    return "digest:" + hashlib.sha256("|".join(str(part or "") for part in parts).encode()).hexdigest()


def _is_soft(event) -> bool:
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    return str(raw.get("Type", "")).casefold() in SOFT_BOUNCE_TYPES or raw.get("severity") == "temporary"


def soft_bounces_counted(*, mark: str, now: dt.datetime | None = None) -> int:
    """Soft bounces of the address with this mark within MAIL_SOFT_BOUNCE_DAYS and since its last delivery."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.MAIL_SOFT_BOUNCE_DAYS)
    events = MailEvent.objects.filter(recipient_mark=mark)
    delivered = events.filter(kind="delivered").aggregate(last=Max("received_at"))["last"]
    return events.filter(outcome=SOFT_BOUNCE, received_at__gt=max(since, delivered or since)).count()


def _apply(event, esp: str, row: MailEvent) -> tuple[str, str]:
    """(outcome, problem) of one recorded event."""
    recipient = (event.recipient or "").strip().casefold()
    # The service refusing to send to an address it knows is dead (its own suppression list) is a hard bounce.
    dead = event.event_type == "rejected" and event.reject_reason in ("bounced", "invalid")
    soft = event.event_type == "deferred" or (event.event_type == "bounced" and _is_soft(event))
    if event.event_type not in ("bounced", "complained") and not dead and not soft:
        return "recorded", ""
    detail = str(event.description or event.mta_response or "")
    if soft:
        counted = soft_bounces_counted(mark=row.recipient_mark) + 1 if row.recipient_mark else 1
        if counted < settings.MAIL_SOFT_BOUNCE_LIMIT:
            return SOFT_BOUNCE, ""
        detail = _("%(count)s temporary failures in %(days)s days. %(detail)s") % {
            "count": counted,
            "days": settings.MAIL_SOFT_BOUNCE_DAYS,
            "detail": detail,
        }
    if not recipient or not User.objects.filter(email__iexact=recipient).exists():
        return "ignored", "The recipient is no account's address (a forwarded address bounced?)."
    reason = MailSuppression.Reason.COMPLAINED if event.event_type == "complained" else MailSuppression.Reason.BOUNCED
    created = mail_suppression_add(email=recipient, reason=reason, detail=detail.strip(), esp=esp)
    return ("suppressed" if created else "suppressed already"), ""


def mail_event_receive(*, event, esp: str) -> str:
    """Record one event of the mail service and apply it once; returns the outcome ("already applied" for a
    repeat). A strange event is recorded with its problem; one that names no message and no address (an empty
    body) is nothing to record: ValueError, which the webhook answers 400 (accounts.views.mail)."""
    if not event.recipient and not event.message_id:
        raise ValueError("A mail event that names no message and no address.")
    key = _event_key(event, esp)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = MailEvent.objects.create(
                    key=key,
                    esp=esp[:40],
                    kind=str(event.event_type or "unknown")[:20],
                    recipient_mark=address_mark(event.recipient) if event.recipient else "",
                    message_id=str(event.message_id or "")[:200],
                )
        except IntegrityError:
            return "already applied"
        row.outcome, row.problem = _apply(event, esp, row)
        row.save(update_fields=["outcome", "problem"])
    if row.problem:
        logger.info("Mail event %s from %s: %s", key, esp, row.problem)
    return row.outcome


def mail_tracking_received(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's `tracking` signal: one call per event of a batch."""
    mail_event_receive(event=event, esp=esp_name)
