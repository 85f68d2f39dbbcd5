"""Webhooks: a band or venue registers an https address and the events it wants; each event about its
bookings becomes a WebhookDelivery row in the same transaction as the change (an outbox, like the
notification rows of emails), and the Celery worker POSTs it after commit, signed, with retries and
backoff, logging status and response time. A delivery can be sent again from /me/webhooks/.

Signature (as Stripe's): header `StageSlot-Signature: t=<unix time>,v1=<hex>` where hex is
HMAC-SHA256(secret, f"{t}.{body}"). A receiver recomputes it, compares in constant time and refuses
a `t` older than a few minutes (replays).

A target must be https and resolve to public addresses only: the one outbound guard (core.transport.outbound)
checks it when the webhook is saved (address_check, the words every door shows) and again on every
attempt (outbound_session: the connection goes to the address that was checked, no second lookup a DNS
rebinding could turn). Redirects are not followed. settings.WEBHOOK_ALLOW_HOSTS ("127.0.0.1:8471") lets
a local listener through, over plain http too, in tests and on a developer's machine; production refuses
to start with it set.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from bands.models import Band
from core.queue import task_queue
from core.transport.outbound import OutboundError, OutboundRefused, address_check, failure_kind, outbound_session
from core.web.site import site_url
from venues.models import Slot, Venue

from ..models import Booking, Webhook, WebhookDelivery
from ..selectors.bookings import can_manage_band, is_venue_staff

logger = logging.getLogger(__name__)

Event = Webhook.Event
State = WebhookDelivery.State

MAX_PER_OWNER = 10
MAX_ATTEMPTS = 8
TIMEOUT = 10.0
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)
CLAIM_FOR = dt.timedelta(minutes=2)  # an attempt that died holding its claim is retried after this
USER_AGENT = "StageSlot webhooks (+https://stageslot.example/)"
SIGNATURE_HEADER = "StageSlot-Signature"
# What a booking's notification event (bookings.services.notices) is to a webhook.
NOTICE_EVENTS = {
    "created": Event.BOOKING_CREATED,
    "invite_claimed": Event.BOOKING_CREATED,
    "booked": Event.BOOKING_ACCEPTED,
    "declined": Event.BOOKING_DECLINED,
    "expired": Event.BOOKING_DECLINED,
    "withdrawn": Event.BOOKING_WITHDRAWN,
    "cancelled": Event.BOOKING_CANCELLED,
    "slot_cancelled": Event.BOOKING_CANCELLED,
    "disputed": Event.BOOKING_DISPUTED,
    "rescheduled": Event.BOOKING_RESCHEDULED,
    "played": Event.BOOKING_COMPLETED,
}


class WebhookPermissionError(Exception):
    """The person may not manage this band's or venue's webhooks."""


MSG_ADDRESS = gettext_lazy("Enter the full https:// address of your endpoint.")
# What a delivery's log says when an attempt failed on the way (the guard's refusals speak for themselves).
MSG_TIMEOUT = gettext_lazy("No answer within %(seconds)s seconds.")
MSG_CERTIFICATE = gettext_lazy("The server's certificate is not valid for “%(host)s”.")
MSG_TLS = gettext_lazy("We could not open a secure connection to “%(host)s”.")
MSG_REFUSED = gettext_lazy("“%(host)s” refused the connection.")
MSG_GARBLED = gettext_lazy("The endpoint sent an answer we could not understand.")
MSG_UNREACHABLE = gettext_lazy("We could not reach “%(host)s”.")
MSG_UNEXPECTED = gettext_lazy("Something went wrong sending this event; it is tried again later.")
# The most of an endpoint's answer that is read (its body is not used).
MAX_ANSWER_BYTES = 1024 * 1024


# ---- Registering ----------------------------------------------------------------------------------


def _allowed_hosts() -> frozenset[str]:
    return frozenset(getattr(settings, "WEBHOOK_ALLOW_HOSTS", ()))


def webhook_url_check(url: str) -> str:
    """The address to POST to, normalised; raises ValidationError({"url": …}) unless it is https and every
    address its host resolves to is public (or it is one of settings.WEBHOOK_ALLOW_HOSTS): the outbound
    guard's check, in the words every door shows."""
    try:
        return address_check(url, allow_hosts=_allowed_hosts(), https_only=True)
    except OutboundRefused as refused:
        if refused.code in ("invalid", "insecure"):
            raise ValidationError({"url": [MSG_ADDRESS]}) from None
        raise ValidationError({"url": [str(refused)]}) from None


def webhook_may_manage(*, user: User, band: Band | None, venue: Venue | None) -> bool:
    """A band's leaders and admins manage its webhooks; a venue's staff manage the venue's."""
    if band is not None:
        return can_manage_band(band.pk, user)
    return venue is not None and is_venue_staff(venue.pk, user)


def webhook_create(
    *, by: User, band: Band | None = None, venue: Venue | None = None, url: str, events: Iterable[str]
) -> Webhook:
    """Register `url` for `events` of `band` or `venue` (one of them). Returns the webhook, whose secret
    the page shows this once. Raises BookingPermissionError (not a manager of the band or staff of the
    venue) and ValidationError by field (the address, no or unknown events, too many webhooks)."""
    if (band is None) == (venue is None):
        raise ValidationError(_("Choose one band or one venue."))
    if not webhook_may_manage(user=by, band=band, venue=venue):
        raise WebhookPermissionError(_("Only a band's leaders and admins, or a venue's staff, can add its webhooks."))
    events = list(dict.fromkeys(events))
    errors: dict[str, list[str]] = {}
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif unknown := [e for e in events if e not in Event.values]:
        errors["events"] = [_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}]
    try:
        url = webhook_url_check(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    owned = Webhook.objects.filter(band=band) if band is not None else Webhook.objects.filter(venue=venue)
    if owned.count() >= MAX_PER_OWNER:
        errors["url"] = [
            ngettext(
                "%(owner)s has %(count)d webhook, the most there can be.",
                "%(owner)s has %(count)d webhooks, the most there can be.",
                MAX_PER_OWNER,
            )
            % {"owner": (band or venue).name, "count": MAX_PER_OWNER}
        ]
    if errors:
        raise ValidationError(errors)
    return Webhook.objects.create(
        band=band, venue=venue, url=url, events=[e for e in Event.values if e in events], created_by=by
    )


def webhook_delete(*, webhook: Webhook, by: User) -> None:
    """Remove a webhook and its delivery log."""
    if not webhook_may_manage(user=by, band=webhook.band, venue=webhook.venue):
        raise WebhookPermissionError(
            _("Only a band's leaders and admins, or a venue's staff, can remove its webhooks.")
        )
    webhook.delete()


# ---- Events ---------------------------------------------------------------------------------------


def _utc(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def booking_payload(booking: Booking) -> dict:
    """What an event says about a booking: the fields of the API's booking, without the private ones
    (the client's name, the message)."""
    return {
        "uid": str(booking.uid),
        "kind": booking.kind,
        "role": booking.role,
        "status": booking.status,
        "band": booking.band.slug,
        "band_name": booking.band.name,
        "venue": booking.venue.slug if booking.venue_id else None,
        "venue_name": booking.venue.name if booking.venue_id else None,
        "slot_id": booking.slot_id,
        "starts_at": _utc(booking.starts_at),
        "ends_at": _utc(booking.ends_at),
        "time_zone": booking.time_zone,
        "fee": booking.fee,
        "currency": booking.currency,
        "status_note": booking.status_note,
        "sequence": booking.sequence,
        "url": f"{site_url()}/bookings/{booking.uid}/",
    }


def _deliveries_queue(ids: list[int]) -> None:
    def queue() -> None:
        for pk in ids:
            try:
                task_queue("bookings.tasks.webhook_deliver_task", delivery_id=pk)
            except Exception:  # the broker is down: the periodic requeue sends it later
                logger.warning("Could not queue webhook delivery %s", pk, exc_info=True)

    if ids:
        transaction.on_commit(queue)


def webhook_events_emit(
    *,
    event: str,
    bookings: Iterable[Booking],
    now: dt.datetime | None = None,
    extra: dict | None = None,
    also_band_ids: Iterable[int] = (),
    band_only: bool = False,
) -> int:
    """Write a delivery of `event` for every live webhook of each booking's band and venue that wants it,
    in the caller's transaction; they are queued after its commit. `extra` adds keys beside "booking" in
    the event's data (the same for every booking); the bands of `also_band_ids` hear of every booking too
    (a show's headliner of its openers). With `band_only` only the bands' webhooks hear of it (what is the
    band's own business: who plays). Returns how many. Two queries."""
    bookings = list(bookings)
    if not bookings:
        return 0
    also = set(also_band_ids)
    band_ids = {b.band_id for b in bookings} | also
    venue_ids = set() if band_only else {b.venue_id for b in bookings if b.venue_id}
    hooks = [
        hook
        for hook in Webhook.objects.filter(Q(band_id__in=band_ids) | Q(venue_id__in=venue_ids), active=True)
        if event in hook.events
    ]
    if not hooks:
        return 0
    created = _utc(now or timezone.now())
    rows = []
    for booking in bookings:
        data = {"booking": booking_payload(booking), **(extra or {})}
        for hook in hooks:
            if (
                hook.band_id == booking.band_id
                or (hook.band_id and hook.band_id in also)
                or (hook.venue_id and hook.venue_id == booking.venue_id)
            ):
                event_id = uuid.uuid4()
                body = {"id": str(event_id), "type": event, "created_at": created, "data": data}
                rows.append(WebhookDelivery(webhook=hook, event=event, event_id=event_id, body=json.dumps(body)))
    WebhookDelivery.objects.bulk_create(rows)
    if not all(row.pk for row in rows):  # a database that does not return keys from bulk inserts
        rows = list(WebhookDelivery.objects.filter(event_id__in=[r.event_id for r in rows]))
    _deliveries_queue([row.pk for row in rows])
    return len(rows)


def webhook_emit(
    *, event: str, data: dict, band_ids: Iterable[int] = (), venue_ids: Iterable[int] = (), now=None
) -> int:
    """Write a delivery of `event` carrying `data` for every live webhook of the bands `band_ids` and the
    venues `venue_ids` that wants it, in the caller's transaction; queued after its commit. For events
    about something that is not a booking (a hold). Returns how many. Two queries at most."""
    band_ids, venue_ids = set(band_ids), set(venue_ids)
    hooks = [
        hook
        for hook in Webhook.objects.filter(Q(band_id__in=band_ids) | Q(venue_id__in=venue_ids), active=True)
        if event in hook.events
    ]
    if not hooks:
        return 0
    created = _utc(now or timezone.now())
    rows = []
    for hook in hooks:
        event_id = uuid.uuid4()
        body = {"id": str(event_id), "type": event, "created_at": created, "data": data}
        rows.append(WebhookDelivery(webhook=hook, event=event, event_id=event_id, body=json.dumps(body)))
    WebhookDelivery.objects.bulk_create(rows)
    if not all(row.pk for row in rows):  # a database that does not return keys from bulk inserts
        rows = list(WebhookDelivery.objects.filter(event_id__in=[r.event_id for r in rows]))
    _deliveries_queue([row.pk for row in rows])
    return len(rows)


def notice_emit(booking: Booking, notice_event: str) -> None:
    """A booking's notification event (bookings.services.notices.booking_notify), as webhook events."""
    event = NOTICE_EVENTS.get(notice_event)
    if notice_event == "dispute_resolved":  # staff decided: the gig counts as played, or it is cancelled
        completed = booking.status == Booking.Status.COMPLETED
        event = Event.BOOKING_COMPLETED if completed else Event.BOOKING_CANCELLED
    if event is not None:
        webhook_events_emit(event=event, bookings=[booking])


def file_added_emit(*, booking: Booking, file) -> None:
    """A file (a BookingFile, or a new version of one) was shared on `booking`: the event names it and the
    API address it is downloaded from (with a token allowed to read the booking)."""
    webhook_events_emit(
        event=Event.FILE_ADDED,
        bookings=[booking],
        extra={
            "file": {
                "id": file.pk,
                "document": str(file.document),
                "version": file.version,
                "kind": file.kind,
                "title": file.title,
                "content_type": file.content_type,
                "size": file.size,
                "side": file.side,
            }
        },
    )


def show_payload(slot: Slot) -> dict:
    """What a show event says about the show (a hosted show, or a venue's slot)."""
    return {
        "id": slot.pk,
        "title": slot.title,
        "hosted": slot.host_band_id is not None,
        "starts_at": _utc(slot.starts_at),
        "ends_at": _utc(slot.ends_at),
        "doors_at": _utc(slot.doors_at),
        "curfew_at": _utc(slot.curfew_at),
        "entry": slot.entry,
        "sold_out": slot.sold_out,
        "cancelled": slot.cancelled_at is not None,
        "sequence": slot.sequence,
        "url": f"{site_url()}/shows/{slot.pk}/",
    }


def show_event_emit(
    *, event: str, slot: Slot, bookings: Iterable[Booking] | None = None, also_band_ids: Iterable[int] = ()
) -> int:
    """A show's event, to the webhooks of the bands on its bill and of its venue (`bookings`: the acts it
    concerns; by default every act booked on it). In the caller's transaction, sent after commit."""
    if bookings is None:
        bookings = Booking.objects.filter(slot_id=slot.pk, status=Booking.Status.BOOKED).select_related("band", "venue")
    return webhook_events_emit(
        event=event, bookings=bookings, extra={"show": show_payload(slot)}, also_band_ids=also_band_ids
    )


def slot_filled_emit(*, slot: Slot, booking: Booking) -> None:
    """`booking` has just taken the last open place of `slot` (locked, counters fresh): tell the venue."""
    if slot.place_open("headliner") or slot.place_open("support"):
        return
    webhook_events_emit(event=Event.SLOT_FILLED, bookings=[booking])


# ---- Delivering -----------------------------------------------------------------------------------


def webhook_sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_backoff(attempts: int) -> dt.timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again: 30 s, 1, 2, 4 min … 6 h
    (the first wait is settings.WEBHOOK_RETRY_FIRST_SECONDS)."""
    first = dt.timedelta(seconds=getattr(settings, "WEBHOOK_RETRY_FIRST_SECONDS", BACKOFF_FIRST.total_seconds()))
    return min(first * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


class DeliveryFailed(Exception):
    """An attempt that did not end in a 2xx; `str()` is the log's line."""


def webhook_post(url: str, body: str, headers: dict[str, str], *, timeout: float = TIMEOUT) -> int:
    """POST `body` to `url` through the outbound guard, without following redirects; the HTTP status.
    Raises DeliveryFailed with the log's words."""
    host = urlsplit(url).hostname or url
    session = outbound_session(
        allow_hosts=_allowed_hosts(), https_only=True, max_redirects=0, max_bytes=MAX_ANSWER_BYTES, timeout=timeout
    )
    try:
        with session:
            return session.post(url, data=body.encode(), headers=headers, timeout=timeout).status_code
    except OutboundRefused as refused:
        raise DeliveryFailed(str(refused)) from None
    except OutboundError as error:
        kind = failure_kind(error)
        words = {
            "timeout": MSG_TIMEOUT,
            "certificate": MSG_CERTIFICATE,
            "tls": MSG_TLS,
            "refused": MSG_REFUSED,
            "protocol": MSG_GARBLED,
            "damaged": MSG_GARBLED,
        }.get(kind, MSG_UNREACHABLE)
        raise DeliveryFailed(words % {"host": host, "seconds": f"{timeout:g}"}) from None


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id, state=State.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_FOR))
            .first()
        )
        if delivery is None:
            return None
        delivery.claimed_at = now
        delivery.save(update_fields=["claimed_at"])
    return delivery


def webhook_delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt at a pending, due delivery (claimed first, so two workers never send it at once).

    A 2xx answer delivers it; anything else is logged (status, response time, error) and it is tried
    again after webhook_backoff, up to MAX_ATTEMPTS, then it is FAILED. Returns the delivery, or None
    when it was not due (delivered, given up, claimed by another worker, or waiting for its next try).
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    hook = delivery.webhook
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: webhook_sign(hook.secret, stamp, delivery.body),
        "StageSlot-Event": delivery.event,
        "StageSlot-Delivery": str(delivery.event_id),
    }
    began = time.monotonic()
    status, error = None, ""
    if not hook.active:
        error = _("The webhook is switched off.")
    else:
        try:
            status = webhook_post(hook.url, delivery.body, headers)
            if not 200 <= status < 300:
                error = _("The endpoint answered HTTP %(status)s.") % {"status": status}
        except DeliveryFailed as exc:
            error = str(exc)
        except Exception:
            # One endpoint's surprise is its delivery's failure, logged and tried again, never the worker's.
            logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
            error = str(MSG_UNEXPECTED)
    elapsed = int((time.monotonic() - began) * 1000)
    done = timezone.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_ms, delivery.last_error = status, elapsed, error[:300]
    delivery.last_attempt_at, delivery.claimed_at = done, None
    if not error:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = State.DELIVERED, done, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = State.FAILED, None
    else:
        delivery.next_attempt_at = done + webhook_backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts", "last_status", "last_ms", "last_error", "last_attempt_at", "claimed_at", "state",
            "delivered_at", "next_attempt_at",
        ]
    )  # fmt: skip
    return delivery


def webhook_deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due and that no live attempt holds (periodic requeue)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(state=State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_FOR))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_delivery_resend(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same body and event id (a receiver that
    has it already can tell), queued at once."""
    hook = delivery.webhook
    if not webhook_may_manage(user=by, band=hook.band, venue=hook.venue):
        raise WebhookPermissionError(_("Only a band's leaders and admins, or a venue's staff, can resend its events."))
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            webhook=hook, event=delivery.event, event_id=delivery.event_id, body=delivery.body
        )
        _deliveries_queue([again.pk])
    return again
