"""The worker's rounds: deposits not paid in time lapse, balances due are charged, checkouts end,
authorisations left waiting are captured, payments and refunds whose answer was lost are asked of
Stripe (never sent anew)."""

import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from bookings.models import Booking, unpaid_client_since
from bookings.services.ending import booking_lapse_unpaid

from ..models import Checkout, Payment
from ..selectors import due_now, hold_ends_at
from .checkout import _capture, checkout_complete, checkouts_end
from .payments import balance_charge, payments_resolve, payments_tell_waiting
from .refunds import refunds_resolve

logger = logging.getLogger(__name__)


def _client_bookings_waiting(now: dt.datetime):
    return (
        # By the expression of the index bookings_unpaid_client: with nothing waiting, no row is read.
        Booking.objects.alias(unpaid_since=unpaid_client_since())
        .filter(unpaid_since__lte=now - dt.timedelta(hours=settings.DEPOSIT_HOLD_HOURS))
        .filter(status=Booking.Status.BOOKED, client__isnull=False, paid_minor=0, starts_at__gt=now)
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
    # Only a booking with agreed terms has a balance with a due date (payments.selectors.schedule_of), due
    # `balance_due_days` before the gig: on PostgreSQL the rows read are those whose balance is due by now,
    # not every booked gig ahead (decision 0088; SQLite cannot multiply an interval). due_now still decides.
    balance_due = Q(agreed_quote__isnull=False)
    if connection.vendor == "postgresql":
        days = F("agreed_quote__balance_due_days") * Value(dt.timedelta(days=1))
        balance_due &= Q(starts_at__lte=ExpressionWrapper(Value(now) + days, output_field=DateTimeField()))
    rows = (
        Booking.objects.filter(balance_due, status=Booking.Status.BOOKED, starts_at__gt=now, paid_minor__gt=0)
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
    """Authorisations of checkouts whose booking was made but not captured are finished; payments whose
    answer was lost or that wait at Stripe are asked of it (payments_resolve)."""
    now = now or timezone.now()
    done = 0
    for payment in Payment.objects.filter(status=Payment.Status.AUTHORIZED).select_related("checkout"):
        if payment.booking_id:
            _capture(payment)
        elif payment.checkout and payment.checkout.status == Checkout.Status.OPEN:
            checkout_complete(payment)
        else:
            checkout_complete(payment)  # ended meanwhile: the authorisation is released
        done += 1
    return done + payments_resolve(now=now, on_authorized=checkout_complete)


def money_round(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "lapsed": deposits_lapse(now=now),
        "balances": balances_charge(now=now),
        "checkouts_ended": checkouts_end(now=now),
        "synced": payments_sync(now=now),
        "refunds_resolved": refunds_resolve(now=now),
        "told": payments_tell_waiting(now=now),
    }
