"""Demo money: a deposit paid with the balance due next week, a cancellation refunded by the agreed terms,
a band's earnings with its members' split of a gig and a payout, and an instant booking paid.

Every step goes through payments' own services. Stripe's part is the answer it would give – a
PaymentIntent that succeeded, a refund made – under an id that says "demo": seed_demo runs before
`make run` starts localstripe, and no money moves (reconcile_payments leaves demo ids out when it talks
to localstripe). The notifications' emails are marked as not wanted, as the demo people have no real
mailboxes. Runs once: skipped when there are payments already.
"""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from accounts.models import Notification, User
from bands.models import Band
from bookings.errors import BookingError
from bookings.models import Booking
from bookings.services import asking, ending, quotes
from bookings.services.quotes import Terms
from payments.models import Payment, Refund
from payments.selectors import band_owed, due_now
from payments.services import payments as pay
from payments.services.payouts import payout_record
from payments.services.refunds import refund_plan, refund_succeeded
from payments.services.splits import member_split_set

logger = logging.getLogger(__name__)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DEMO_INTENT = "pi_demo_"
DEMO_REFUND = "re_demo_"


def _person(part: str) -> User | None:
    return User.objects.filter(email=f"{part}@demo.stageslot.test").first()


def paid_demo(booking: Booking, *, by: User, now: dt.datetime) -> Payment:
    """The payer pays what is due next; Stripe's answer is a demo PaymentIntent that succeeded."""
    payment = pay.payment_start(booking=booking, by=by, now=now)
    intent_id = f"{DEMO_INTENT}{payment.uid.hex[:20]}"
    Payment.objects.filter(pk=payment.pk).update(intent_id=intent_id)
    return pay.payment_apply(
        payment_id=payment.pk,
        intent={"id": intent_id, "status": "succeeded", "amount": payment.amount_minor, "currency": payment.currency},
        now=now,
    )


def refund_demo(payment: Payment, *, amount_minor: int, reason: str, by: User) -> Refund:
    """A refund as refund_create makes it, Stripe's answer a demo refund id."""
    refund = Refund.objects.create(
        payment=payment, amount_minor=amount_minor, currency=payment.currency, reason=reason, by=by
    )
    Payment.objects.filter(pk=payment.pk).update(refunded_minor=F("refunded_minor") + amount_minor)
    return refund_succeeded(refund=refund, refund_id=f"{DEMO_REFUND}{refund.uid.hex[:20]}")


def _booked_request(
    band: Band, client: User, leader: User, terms_for: Callable[[int], Terms], *, days: range, event: str, now
) -> Booking | None:
    """A private event requested by `client`, quoted by the band on `terms_for(days ahead)` and accepted:
    booked, on the first evening in `days` that the band is free and nobody is waiting for an answer about
    (accepting it would decline the other demo bookings pending then; None when there is no such evening)."""
    for offset in days:
        terms = terms_for(offset)
        day = (now.astimezone(BERLIN) + dt.timedelta(days=offset)).date()
        starts_at = dt.datetime.combine(day, dt.time(20, 0), tzinfo=BERLIN)
        if Booking.objects.filter(
            band=band,
            status__in=(Booking.Status.PENDING, Booking.Status.BOOKED),
            starts_at__lt=starts_at + dt.timedelta(hours=3),
            ends_at__gt=starts_at,
        ).exists():
            continue
        try:
            with transaction.atomic():
                request = asking.booking_request(
                    band=band,
                    client=client,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(hours=3),
                    time_zone="Europe/Berlin",
                    event_type=event,
                    location="Prinzessinnengarten, Berlin",
                    guests=90,
                    fee=terms.fee_minor // 100,
                    message="Could you play two sets, with a break for the speeches?",
                    now=now,
                )
                quote = quotes.quote_propose(booking=request, by=leader, terms=terms, send_anyway=True, now=now)
                quotes.quote_accept(quote=quote, by=client, now=now)
        except BookingError as exc:
            logger.debug("Demo payments: %s on %s, trying the next day", exc, day)
            continue
        return Booking.objects.select_related("agreed_quote", "band").get(pk=request.pk)
    logger.warning("Demo payments: %s has no free evening %s to %s days ahead", band.name, days.start, days.stop)
    return None


def _deposit_with_balance_next_week(now: dt.datetime) -> None:
    """The Night Owls at Charlotte's garden party in three weeks or so: the deposit is paid, the balance
    is due a week from now (the terms' days before the gig)."""
    band, client, leader = Band.objects.get(slug="the-night-owls"), _person("client"), _person("mara")

    def terms(days_ahead: int) -> Terms:
        return Terms(
            fee_minor=110000, currency="EUR", deposit_percent=30, balance_due_days=days_ahead - 7, sound=True,
            set_minutes=90, cancel_preset="moderate",
        )  # fmt: skip

    booking = _booked_request(band, client, leader, terms, days=range(21, 35), event="Garden party", now=now)
    if booking is not None:
        paid_demo(booking, by=client, now=now)


def _refunded_cancellation(now: dt.datetime) -> None:
    """Brass & Bones booked for Charlotte's company party: the deposit paid, then the party called off
    three weeks or so before, inside the half-refund window: half of the deposit goes back."""
    band, client, leader = Band.objects.get(slug="brass-and-bones"), _person("client"), _person("sam")
    terms = Terms(
        fee_minor=160000, currency="EUR", deposit_percent=30, balance_due_days=7, sound=True,
        cancel_preset="custom", cancel_windows=((30, 100), (14, 50)),
    )  # fmt: skip
    booking = _booked_request(
        band, client, leader, lambda _days: terms, days=range(16, 29), event="Company party", now=now
    )
    if booking is None:
        return
    paid_demo(booking, by=client, now=now)
    booking.refresh_from_db()
    plan = refund_plan(booking=booking, by=client, now=now)
    ending.booking_cancel(
        booking=booking, by=client, reason="Our office move was brought forward.", now=now, refund_handled=True
    )
    for payment, amount in plan.parts:
        refund_demo(payment, amount_minor=amount, reason=plan.reason, by=client)


def _earnings_split_and_payout(now: dt.datetime) -> None:
    """The Night Owls' next booked club gig: the band's own split (the singer writes the songs), the
    venue pays all of it, and StageSlot pays the band out part of what it is owed."""
    band = Band.objects.get(slug="the-night-owls")
    gig = (
        Booking.objects.filter(band=band, status=Booking.Status.BOOKED, venue__isnull=False, client__isnull=True)
        .filter(starts_at__gt=now)
        .select_related("agreed_quote", "band", "venue")
        .order_by("starts_at", "pk")
        .first()
    )
    if gig is None or due_now(gig, now=now) is None:
        logger.warning("Demo payments: no booked club gig of The Night Owls with a fee to pay")
        return
    people = {part: _person(part) for part in ("mara", "jonas", "ayla", "theo")}
    member_split_set(
        booking=gig,
        by=people["mara"],
        shares={people["mara"].pk: Decimal(40), people["jonas"].pk: Decimal(25),
                people["ayla"].pk: Decimal(25), people["theo"].pk: Decimal(10)},
    )  # fmt: skip
    payer = gig.venue.staff_roles.order_by("pk").first().user
    for _part in range(2):  # the deposit, then the balance paid early (or the whole fee at once)
        gig.refresh_from_db()
        if due_now(gig, now=now) is None:
            break
        paid_demo(gig, by=payer, now=now)
    owed = band_owed(band_id=band.pk, currency=gig.currency)
    if owed > 0:
        payout_record(
            band=band,
            amount_minor=owed // 2 // 100 * 100,
            currency=gig.currency,
            reference="SEPA-DEMO-0001",
            note="First payout of the season.",
            by=User.objects.filter(is_staff=True).order_by("pk").first(),
        )


def _instant_booking_paid(now: dt.datetime) -> None:
    """Charlotte's instant booking, paid in full at once."""
    client = _person("client")
    booking = (
        Booking.objects.filter(client=client, instant=True, status=Booking.Status.BOOKED, starts_at__gt=now)
        .select_related("agreed_quote", "band")
        .order_by("starts_at", "pk")
        .first()
    )
    if booking is None or due_now(booking, now=now) is None:
        logger.warning("Demo payments: no booked instant booking to pay")
        return
    paid_demo(booking, by=client, now=now)


def seed_payments(*, now: dt.datetime) -> None:
    if Payment.objects.exists():
        return
    bands = Band.objects.filter(slug__in=("the-night-owls", "brass-and-bones")).count()
    if not (_person("client") and _person("mara") and _person("sam") and bands == 2):
        logger.warning("Demo payments: skipped, some demo bands or people are missing")
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    for story in (_deposit_with_balance_next_week, _refunded_cancellation, _earnings_split_and_payout,
                  _instant_booking_paid):  # fmt: skip
        try:
            with transaction.atomic():
                story(now)
        except (BookingError, ValidationError) as exc:  # a demo world shaped otherwise: keep the other stories
            logger.warning("Demo payments, %s: %s", story.__name__.strip("_"), exc)
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
