"""A band with gigs whose money moved, for the money pages' tests: bookings agreed through quotes and paid
through payments' own services, Stripe's answer given as the PaymentIntent it would send (no Stripe
call), so these tests need no localstripe."""

from types import SimpleNamespace

from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments.models import Payment
from payments.services import payments as pay

FLAT = Terms(
    deal="flat",
    fee_minor=80000,
    currency="EUR",
    deposit_percent=30,
    balance_due_days=7,
    cancel_preset="custom",
    cancel_windows=((30, 100), (14, 50)),
)


def money_world(suffix: str = "") -> SimpleNamespace:
    """make_world's people, with an admin in the band beside its leader and member."""
    world = make_world(suffix)
    world.admin = MembershipFactory(band=world.band, role=Membership.Role.ADMIN, user__display_name="Ada Admin").user
    return world


def agreed(booking: Booking, *, band_side, other_side, terms: Terms = FLAT) -> Booking:
    """The booking booked on `terms`: the band proposes, the other side accepts."""
    quote = quotes.quote_propose(booking=booking, by=band_side, terms=terms, send_anyway=True)
    quotes.quote_accept(quote=quote, by=other_side)
    return Booking.objects.select_related("agreed_quote", "band").get(pk=booking.pk)


def pay_next(booking: Booking, *, by) -> Payment:
    """The payer pays what is due next; Stripe's answer (a PaymentIntent that succeeded) is applied as
    a webhook or the page's request would apply it."""
    payment = pay.payment_start(booking=booking, by=by)
    intent_id = f"pi_test_{payment.uid.hex[:16]}"
    Payment.objects.filter(pk=payment.pk).update(intent_id=intent_id)
    return pay.payment_apply(
        payment_id=payment.pk,
        intent={"id": intent_id, "status": "succeeded", "amount": payment.amount_minor, "currency": payment.currency},
    )
