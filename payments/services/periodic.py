"""The worker's rounds: deposits not paid in time lapse, balances due are charged, checkouts end,
authorisations left waiting are captured, refunds Stripe did not take are asked again."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from bookings.services.ending import booking_lapse_unpaid

from ..models import Checkout, Payment
from ..selectors import due_now, hold_ends_at
from .checkout import _capture, checkout_complete, checkouts_end
from .payments import balance_charge, payment_sync, payments_tell_waiting
from .refunds import refunds_retry

logger = logging.getLogger(__name__)


def _client_bookings_waiting(now: dt.datetime):
    return (
        Booking.objects.filter(status=Booking.Status.BOOKED, client__isnull=False, paid_minor=0, starts_at__gt=now)
        .filter(status_changed_at__lte=now - dt.timedelta(hours=settings.DEPOSIT_HOLD_HOURS))
        .select_related("agreed_quote", "band")
    )


def deposits_lapse(*, now: dt.datetime | None = None) -> int:
    """A client's booked request whose first payment did not come within the hold lapses."""
    now = now or timezone.now()
    done = 0
    for booking in _client_bookings_waiting(now):
        ends = hold_ends_at(booking)
        if ends is None or ends > now:
            continue
        if booking_lapse_unpaid(booking=booking, now=now) is not None:
            done += 1
    return done


def balances_charge(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    done = 0
    rows = (
        Booking.objects.filter(status=Booking.Status.BOOKED, starts_at__gt=now, paid_minor__gt=0)
        .select_related("agreed_quote", "band", "client")
        .prefetch_related("payments")
    )
    for booking in rows:
        due = due_now(booking, now=now, payments=list(booking.payments.all()))
        due_now_here = due is not None and due.purpose == Payment.Purpose.BALANCE and due.due_at and due.due_at <= now
        if due_now_here and balance_charge(booking=booking, now=now) is not None:
            done += 1
    return done


def payments_sync(*, now: dt.datetime | None = None) -> int:
    """Authorisations of checkouts whose booking was made but not captured, and payments left
    processing, are read from Stripe again and finished."""
    now = now or timezone.now()
    done = 0
    stale = now - dt.timedelta(minutes=2)
    for payment in Payment.objects.filter(status=Payment.Status.AUTHORIZED).select_related("checkout"):
        if payment.booking_id:
            _capture(payment)
        elif payment.checkout and payment.checkout.status == Checkout.Status.OPEN:
            checkout_complete(payment)
        done += 1
    for payment in Payment.objects.filter(
        status__in=(Payment.Status.PROCESSING, Payment.Status.REQUIRES_ACTION), updated_at__lt=stale
    ).exclude(intent_id=""):
        payment_sync(payment=payment, now=now, on_authorized=checkout_complete)
        done += 1
    return done


def money_round(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "lapsed": deposits_lapse(now=now),
        "balances": balances_charge(now=now),
        "checkouts_ended": checkouts_end(now=now),
        "synced": payments_sync(now=now),
        "refunds_retried": refunds_retry(now=now),
        "told": payments_tell_waiting(now=now),
    }
