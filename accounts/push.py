"""Web Push: the devices a person turned push on for, and pushing their notifications to them.

A notification is pushed when its email goes "at once" (the same preference decides, so a kind someone
wants only in the digest or not by email is not pushed either), to every device of its recipient. The
worker sends it after the notification's transaction commits; a push service that does not answer, or
answers 429 or 5xx, is tried again by the periodic round with growing waits (at least once: the
notification's id is the push's tag, so a rare double shows once); one that answers 404 or 410 forgot the
device, whose subscription is then deleted.

A subscription's address is a string the browser (or anyone signed in) hands us, and the worker POSTs to
it: it goes through the one outbound guard (core.transport.outbound) when it is saved and on every push. One
device never stops the others: whatever goes wrong with one is written on its row (`last_error`,
`failures`) and the round goes on.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core.queue import task_queue
from core.transport.outbound import OutboundRefused, address_check
from core.transport.webpush import PushResult, b64url_decode, push_send
from core.web.site import site_url

from .models import Notification, PushSubscription, User
from .people import people_draw

logger = logging.getLogger(__name__)

PUSH_TASK = "accounts.tasks.notification_push_task"
PUSH_ATTEMPTS = 6
PUSH_BACKOFF = dt.timedelta(seconds=30)
# A device whose push service refused this many in a row (other than 404/410) is dropped.
MOST_FAILURES = 5
# How long a push service keeps a push for a device that is offline.
TTL_SECONDS = 24 * 3600
URGENT_KINDS = {"rsvp_asked", "rsvp_at_risk", "rsvp_reminder", "stand_in_asked", "booking_created", "booking_cancelled"}
MOST_DEVICES = 20


# ---- Devices -----------------------------------------------------------------------------------------


def push_endpoint_check(endpoint: str) -> str:
    """The push service's address, checked by the outbound guard: https and public (or one of
    settings.WEBPUSH_ALLOW_HOSTS, a local push service in tests). ValidationError({"endpoint": …}) in the
    words every door shows for a private address."""
    if len(endpoint) > 1000:
        raise ValidationError({"endpoint": [_("This is not the address of a browser's push service.")]})
    try:
        return address_check(endpoint, allow_hosts=settings.WEBPUSH_ALLOW_HOSTS, https_only=True)
    except OutboundRefused as refused:
        if refused.code in ("invalid", "insecure"):
            raise ValidationError({"endpoint": [_("This is not the address of a browser's push service.")]}) from None
        raise ValidationError({"endpoint": [str(refused)]}) from None


def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str, label: str = "") -> PushSubscription:
    """Turn push on for one of the user's browsers (the subscription its push manager gave). A browser that
    subscribes again keeps one row; one that another person used before is now this person's. Raises
    ValidationError for an address that is not a push service's (or a private one) or keys of the wrong size.
    The address is stored as the browser gave it: the push service knows it by that spelling."""
    endpoint, p256dh, auth = (endpoint or "").strip(), (p256dh or "").strip(), (auth or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        push_endpoint_check(endpoint)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        key = b64url_decode(p256dh)
        if len(key) != 65 or key[0] != 4:
            raise ValueError
    except (ValueError, TypeError):
        errors["p256dh"] = [_("The browser's key is not one we can encrypt for.")]
    try:
        if len(b64url_decode(auth)) != 16:
            raise ValueError
    except (ValueError, TypeError):
        errors["auth"] = [_("The browser's secret is not one we can encrypt for.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint).count() >= MOST_DEVICES:
            raise ValidationError({"endpoint": [_("Push is on for 20 devices already: remove one first.")]})
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": p256dh,
                "auth": auth,
                "label": (label or "")[:120],
                "failures": 0,
                "last_error": "",
            },
        )
    return subscription


def push_subscriptions_of(*, user: User) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(user=user).order_by("-created_at"))


def push_subscription_delete(*, user: User, subscription_id: int | None = None, endpoint: str = "") -> int:
    """Turn push off for one of the user's devices (by id, or by the address the browser knows); another
    person's device is not there for them. Returns how many were removed (0 or 1)."""
    rows = PushSubscription.objects.filter(user=user)
    if subscription_id is not None:
        rows = rows.filter(pk=subscription_id)
    elif endpoint:
        rows = rows.filter(endpoint=endpoint)
    else:
        return 0
    return rows.delete()[0]


# ---- Pushing -----------------------------------------------------------------------------------------


def notification_pushes_enqueue(ids: Iterable[int]) -> bool:
    """Hand the notifications to the worker to push (one task for them all); a broker that cannot be reached
    leaves them to the periodic round (they are marked pending first)."""
    ids = list(ids)
    if not ids:
        return False
    try:
        task_queue(PUSH_TASK, notification_ids=ids)
    except OperationalError:
        Notification.objects.filter(pk__in=ids, push_state="").update(push_state="pending")
        logger.warning("Broker unreachable; %d push(es) wait for the periodic round", len(ids))
        return False
    except Exception:
        # Run here when tasks are eager: a push that breaks must not break the request that notified.
        logger.exception("Pushing notifications %s failed; the periodic round tries again", ids[:10])
        Notification.objects.filter(pk__in=ids, push_state="").update(push_state="pending")
        return False
    return True


def _payload(note: Notification) -> dict:
    base = site_url()
    actions = note.data.get("actions", []) if isinstance(note.data, dict) else []
    # Browsers show two buttons at most: for "Can you play?", the sure yes and the no.
    chosen = [a for a in actions if a.get("answer") in ("definitely", "cant")] or actions[:2]
    return {
        "title": "StageSlot",
        "body": people_draw(note.text),
        "url": base + (note.link or "/notifications/"),
        "tag": f"notification-{note.pk}",
        "actions": [
            {"action": f"a{n}", "title": str(a.get("label", ""))[:40], "url": base + a["path"]}
            for n, a in enumerate(chosen[:2])
            if a.get("path")
        ],
    }


def notification_push_send(*, notification_ids: Iterable[int], now: dt.datetime | None = None) -> dict[str, int]:
    """Push each notification (whose email goes at once) to every device of its recipient. Returns counts:
    sent, gone (subscriptions deleted), retry (notifications left pending), devices."""
    now = now or timezone.now()
    notes = list(
        Notification.objects.filter(pk__in=list(notification_ids))
        .exclude(email_state__in=[Notification.Email.SKIPPED, Notification.Email.DIGEST])
        .exclude(push_state__in=["sent", "failed"])
    )
    counts = {"sent": 0, "gone": 0, "retry": 0, "devices": 0}
    if not notes:
        return counts
    devices: dict[int, list[PushSubscription]] = {}
    for sub in PushSubscription.objects.filter(user_id__in={n.recipient_id for n in notes}):
        devices.setdefault(sub.user_id, []).append(sub)
    for note in notes:
        mine = devices.get(note.recipient_id, [])
        if not mine:
            continue
        payload = _payload(note)
        urgency = "high" if note.kind in URGENT_KINDS else "normal"
        again = False
        for sub in mine:
            counts["devices"] += 1
            result = _push_one(sub, payload=payload, urgency=urgency)
            rows = PushSubscription.objects.filter(pk=sub.pk)
            if 200 <= result.status < 300:
                counts["sent"] += 1
                rows.update(last_success_at=now, failures=0, last_error="")
            elif result.gone:
                counts["gone"] += 1
                rows.delete()
            elif result.retry:
                again = True
                rows.update(last_error=result.error[:300])
            else:
                rows.update(failures=F("failures") + 1, last_error=result.error[:300])
                rows.filter(failures__gte=MOST_FAILURES).delete()
        attempts = note.push_attempts + 1
        if again and attempts < PUSH_ATTEMPTS:
            state = "pending"
            counts["retry"] += 1
        else:
            state = "failed" if again else "sent"
        Notification.objects.filter(pk=note.pk).update(push_state=state, push_attempts=attempts, push_tried_at=now)
    return counts


def _push_one(sub: PushSubscription, *, payload: dict, urgency: str) -> PushResult:
    """One device's push. Whatever it raises is that device's failure (recorded on its row by the caller),
    never the other devices' or the request's that notified."""
    try:
        return push_send(
            endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, payload=payload, ttl=TTL_SECONDS, urgency=urgency
        )
    except Exception:
        logger.exception("Push to device %s failed", sub.pk)
        return PushResult(status=0, gone=False, retry=False, error=_("Sending a push to this device failed."))


def push_backoff(attempts: int) -> dt.timedelta:
    return PUSH_BACKOFF * (2 ** max(0, attempts - 1))


def notification_pushes_requeue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The periodic round: pushes left pending (a push service that did not answer, a broker that was down)
    are handed to the worker again once their wait is over. Returns how many."""
    now = now or timezone.now()
    waiting = list(
        Notification.objects.filter(push_state="pending")
        .filter(Q(push_tried_at__isnull=True) | Q(push_tried_at__lte=now - PUSH_BACKOFF))
        .values_list("pk", "push_attempts", "push_tried_at")[:limit]
    )
    due = [pk for pk, attempts, tried in waiting if tried is None or tried <= now - push_backoff(attempts)]
    if due:
        notification_pushes_enqueue(due)
    return len(due)
