"""An instant booking paid at once: select a time → pay → confirmed.

Nothing is held while the client types their card: the checkout stores what they chose, the card is
authorised (not captured), and only then is the booking made, through bookings' own instant booking
under the band's lock and the exclusion constraint. If another client took the time meanwhile, the
authorisation is cancelled at once (nothing is charged) and the client is told; the winner's payment
is captured. Fifty clients paying for one time make exactly one booking.
"""

import datetime as dt
import logging

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Package
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.selectors.quotes import money_text_lazy
from bookings.services.instant import TEXT_FIELDS, booking_instant, booking_instant_check

from .. import stripe_api
from ..models import Checkout, Payment
from ..selectors import split_percent
from .payments import MoneyMismatch, PayResult, payment_apply, payment_pay, payment_resolve

logger = logging.getLogger(__name__)

Status = Payment.Status


def checkout_start(
    *,
    band: Band,
    package: Package,
    client: User,
    starts_at: dt.datetime,
    price: int,
    minutes: int | None = None,
    guests: int | None = None,
    setting: str = "",
    texts: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Checkout:
    """Check everything an instant booking checks (without holding anything) and open a checkout with
    its payment of the whole price, computed here. Raises as bookings.services.instant.booking_instant."""
    now = now or timezone.now()
    minutes, texts = booking_instant_check(
        band=band,
        package=package,
        client=client,
        starts_at=starts_at,
        price=price,
        minutes=minutes,
        guests=guests,
        setting=setting,
        texts=texts or {},
        now=now,
    )
    if price <= 0:
        raise BookingError(_("This package has no price to pay: book it directly."))
    with transaction.atomic():
        checkout = Checkout.objects.create(
            client=client,
            band=band,
            package=package,
            starts_at=starts_at,
            minutes=minutes,
            price=price,
            currency=package.currency,
            guests=guests,
            setting=setting,
            details=texts,
            expires_at=now + dt.timedelta(minutes=settings.CHECKOUT_MINUTES),
        )
        Payment.objects.create(
            checkout=checkout,
            purpose=Payment.Purpose.FULL,
            amount_minor=price * 100,
            currency=package.currency,
            platform_fee_minor=split_percent(price * 100, settings.PLATFORM_FEE_PERCENT),
            payer=client,
            manual_capture=True,
        )
    return checkout


def checkout_payment(checkout: Checkout) -> Payment:
    """The checkout's live payment, or a new attempt after a declined card."""
    live = Payment.objects.filter(checkout=checkout, status__in=Payment.LIVE).first()
    if live is not None:
        return live
    return Payment.objects.create(
        checkout=checkout,
        purpose=Payment.Purpose.FULL,
        amount_minor=checkout.price * 100,
        currency=checkout.currency,
        platform_fee_minor=split_percent(checkout.price * 100, settings.PLATFORM_FEE_PERCENT),
        payer=checkout.client,
        manual_capture=True,
    )


def checkout_pay(*, checkout: Checkout, by: User, payment_method_id: str, now: dt.datetime | None = None) -> PayResult:
    """Pay an open checkout by card; once authorised the booking is made (checkout_complete)."""
    now = now or timezone.now()
    if checkout.client_id != by.pk:
        raise BookingPermissionError(_("Only the client who chose this time can pay for it."))
    if checkout.status != Checkout.Status.OPEN:
        raise BookingConflict(_("This checkout has ended: %(status)s.") % {"status": checkout.get_status_display()})
    if checkout.expires_at <= now:
        raise BookingConflict(_("This checkout ran out of time. Nothing was charged; choose the time again."))
    with transaction.atomic():
        locked = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("band", "package", "client")
            .get(pk=checkout.pk)
        )
        if locked.status != Checkout.Status.OPEN:
            raise BookingConflict(_("This checkout has ended: %(status)s.") % {"status": locked.get_status_display()})
        payment = checkout_payment(locked)
        # Nothing at Stripe yet: a time somebody booked meanwhile is refused here, before any card is
        # authorised (booking_instant still decides under the band's lock).
        lost = _lose_unpaid(locked, payment, now=now) if payment.status == Status.CREATED else ""
    if lost:
        raise BookingConflict(_("%(reason)s Nothing was charged.") % {"reason": lost})
    return payment_pay(
        payment=payment, by=by, payment_method_id=payment_method_id, now=now, on_authorized=checkout_complete
    )


def _lose_unpaid(checkout: Checkout, payment: Payment, *, now: dt.datetime) -> str:
    """In the checkout's lock: if its time can no longer be booked (a gig took it, the band stopped
    taking bookings, the price changed), the checkout is LOST and its payment cancelled before anything
    reached Stripe; returns why (empty when it can still be booked)."""
    try:
        booking_instant_check(
            band=checkout.band,
            package=checkout.package,
            client=checkout.client,
            starts_at=checkout.starts_at,
            price=checkout.price,
            minutes=checkout.minutes,
            guests=checkout.guests,
            setting=checkout.setting,
            texts=checkout.details,
            now=now,
        )
    except (BookingError, ValidationError) as exc:
        words = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
    else:
        return ""
    checkout.status, checkout.note = Checkout.Status.LOST, words[:300]
    checkout.save(update_fields=["status", "note"])
    Payment.objects.filter(pk=payment.pk, status=Status.CREATED).update(status=Status.CANCELLED)
    return words


def checkout_complete(payment: Payment) -> None:
    """An authorised checkout payment: make the booking under bookings' locks, then capture; or, the
    time taken meanwhile, cancel the authorisation and tell the client. Runs once per checkout."""
    won = False
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("band", "package", "client")
            .get(pk=payment.checkout_id)
        )
        # Not open any more: booked already (nothing to do), or ended unbooked (the authorisation to release).
        stranded = (checkout.booking_id is None) if checkout.status != Checkout.Status.OPEN else None
    if stranded is not None:
        if stranded:  # ended (out of time) while the card was being authorised: release it
            _release_lost(payment, checkout, tell=False)
        return
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("band", "package", "client")
            .get(pk=payment.checkout_id)
        )
        if checkout.status != Checkout.Status.OPEN:
            return
        try:
            booking = booking_instant(
                band=checkout.band,
                package=checkout.package,
                client=checkout.client,
                starts_at=checkout.starts_at,
                price=checkout.price,
                minutes=checkout.minutes,
                guests=checkout.guests,
                setting=checkout.setting,
                **{name: checkout.details.get(name, "") for name in TEXT_FIELDS},
            )
        except (BookingError, ValidationError) as exc:
            words = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            checkout.status, checkout.note = Checkout.Status.LOST, words[:300]
            checkout.save(update_fields=["status", "note"])
        else:
            won = True
            checkout.status, checkout.booking = Checkout.Status.BOOKED, booking
            checkout.save(update_fields=["status", "booking"])
            Payment.objects.filter(pk=payment.pk).update(booking=booking)
    if won:
        _capture(payment)
    else:
        _release_lost(payment, checkout)


def _capture(payment: Payment) -> None:
    try:
        intent = stripe_api.client().v1.payment_intents.capture(payment.intent_id)
    except stripe.StripeError as exc:
        # The booking stands and the authorisation holds: the worker captures it (payments_sync).
        logger.warning("Capturing %s failed, the worker retries: %s", payment.intent_id, exc)
        return
    payment_apply(payment_id=payment.pk, intent=intent)


def _release_lost(payment: Payment, checkout: Checkout, *, tell: bool = True) -> None:
    try:
        intent = stripe_api.client().v1.payment_intents.cancel(payment.intent_id)
        payment_apply(payment_id=payment.pk, intent=intent)
    except stripe.StripeError as exc:
        logger.warning("Cancelling %s failed, the worker retries: %s", payment.intent_id, exc)
    if not tell:
        return
    notifications_create(
        recipients=[checkout.client],
        kind="booking_payment",
        text=lazy_text(
            gettext_lazy(
                "%(band)s was booked by someone else meanwhile, so your booking was not made and your card "
                "was not charged (%(amount)s released)."
            ),
            band=checkout.band.name,
            amount=money_text_lazy(payment.amount_minor, payment.currency),
        ),
        link=f"/payments/checkout/{checkout.uid}/",
        key=f"checkout:{checkout.pk}:lost",
    )


def checkouts_end(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Periodic: an open checkout past its time ends; an authorisation it left is cancelled."""
    now = now or timezone.now()
    done = 0
    for pk in Checkout.objects.filter(status=Checkout.Status.OPEN, expires_at__lte=now).values_list("pk", flat=True)[
        :limit
    ]:
        with transaction.atomic():
            checkout = Checkout.objects.select_for_update().filter(pk=pk, status=Checkout.Status.OPEN).first()
            if checkout is None:
                continue
            checkout.status = Checkout.Status.ENDED
            checkout.save(update_fields=["status"])
            live = list(
                Payment.objects.filter(checkout=checkout, status__in=Payment.LIVE).exclude(status=Status.SUCCEEDED)
            )
        for payment in live:
            if not payment.intent_id and payment.sent_at:
                # Its create went out and the answer was lost: the intent is found first, then cancelled.
                payment = payment_resolve(payment=payment, now=now)
            if payment.intent_id:
                try:
                    intent = stripe_api.client().v1.payment_intents.cancel(payment.intent_id)
                    payment_apply(payment_id=payment.pk, intent=intent)
                    continue
                except (stripe.StripeError, MoneyMismatch) as exc:
                    # Left authorised or unknown: the money round cancels it (checkout_complete finds it ended).
                    logger.warning("Cancelling %s failed: %s", payment.intent_id, exc)
                    continue
            Payment.objects.filter(
                pk=payment.pk, status__in=(Status.CREATED, Status.PROCESSING), sent_at__isnull=True
            ).update(status=Status.CANCELLED)
        done += 1
    return done
