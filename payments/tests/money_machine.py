"""The money of a booking as a state machine, driven at random by Hypothesis over the real services and a
real localstripe behind a proxy that loses answers (payments.testing.StripeProxy): quotes agreed and
changed, deposits and balances paid (cards that work and cards that are declined), the balance charged by
the worker, refunds, cancellations by either side, Stripe's events delivered late, twice, out of order or
forged, answers lost and the worker killed right after a request left. After every step the invariants
that must hold even while an answer is missing are checked; after the recovery round (the money round
with Stripe reachable again, as the periodic task runs it), the ones that say nothing is left unknown.

Used by payments/tests/test_money_machine.py (a bounded run in CI) and benchmarks/money_machine.py (a long
run that prints how many sequences it tried).
"""

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bands.tests.factories import MembershipFactory
from bookings.errors import BookingError
from bookings.models import Booking
from bookings.services import answering, quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world
from payments import localstripe as local
from payments import stripe_api
from payments.models import LedgerEntry, Payment, Refund
from payments.selectors import fee_minor_of, schedule_of
from payments.services import payments as pay
from payments.services import refunds
from payments.services.periodic import balances_charge, money_round
from payments.services.reconcile import ledger_reconcile
from payments.services.stripe_events import stripe_event_receive
from payments.testing import StripeProxy, WorkerKilled

Status = Payment.Status
# Where a lost answer can fall: an intent's create or confirmation, a refund, the payer's customer.
PATHS = ("/v1/payment_intents", "/confirm", "/v1/refunds", "/v1/customers")
GOOD, DECLINED = "4242424242424242", "4000000000000002"
# What the services may say to a person when Stripe or the state refuses: never anything else.
SAID = (
    BookingError,
    stripe_api.PaymentsUnavailable,
    pay.PaymentDeclined,
    WorkerKilled,
)


def terms(fee: int, deposit: int) -> Terms:
    return Terms(
        deal="flat",
        fee_minor=fee,
        currency="EUR",
        deposit_percent=deposit,
        balance_due_days=7,
        cancel_preset="custom",
        cancel_windows=((30, 100), (14, 50)),
    )


class MoneyMachine(RuleBasedStateMachine):
    """Set `proxy` (a StripeProxy in front of localstripe) and `port` (localstripe's) before running."""

    proxy: StripeProxy
    port: int

    def __init__(self):
        super().__init__()
        # Each sequence in a savepoint of its own, rolled back at its end; localstripe emptied for it.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        local.flush(self.port)
        self.proxy.heal()
        self.scaffold = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, base_addresses={"api": local.base_url(self.port)}, max_network_retries=0
        )
        world = make_world(uuid.uuid4().hex[:6])
        MembershipFactory(band=world.band)
        self.world, self.booking = world, world.request
        self.now = timezone.now()
        self.foreign: set[str] = set()  # intents a forger made: not ours, never to be applied
        self.undelivered: list[tuple[str, str]] = []  # events our webhook asked Stripe to send again
        self.cancel_refund: int | None = None  # what the terms shown gave back on cancelling
        self._kill = None

    # What the sequences did, summed over a run (benchmarks/money_machine.py prints it).
    seen: dict[str, int] = {}

    def _saw(self, what: str) -> None:
        MoneyMachine.seen[what] = MoneyMachine.seen.get(what, 0) + 1

    def teardown(self):
        self._saw("sequences")
        try:
            if getattr(self, "booking", None) is not None:
                self.recover()
                self._saw(f"booking {self._fresh().status}")
                for payment in self._payments():
                    self._saw(f"payment {payment.status}")
                    for refund in payment.refunds.all():
                        self._saw(f"refund {refund.status}")
        finally:
            self._disarm()
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # ---- helpers -----------------------------------------------------------------------------------

    def _fresh(self) -> Booking:
        return Booking.objects.select_related("agreed_quote", "band", "client").get(pk=self.booking.pk)

    def _payments(self) -> list[Payment]:
        return list(Payment.objects.filter(booking=self.booking).order_by("pk"))

    def _card(self, number: str) -> str:
        card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        return self.scaffold.v1.payment_methods.create(params={"type": "card", "card": card}).id

    def _intents(self) -> list:
        return [
            i for i in self.scaffold.v1.payment_intents.list(params={"limit": 100}).data if i.id not in self.foreign
        ]

    def _refunded_at_stripe(self, intent_id: str) -> int:
        found = self.scaffold.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data
        return sum(r.amount for r in found if r.status == "succeeded")

    def _deliver(self, event_id: str, intent_id: str, kind: str = "payment_intent.succeeded", body=None) -> None:
        obj = {"id": intent_id, "object": "payment_intent", "status": "succeeded", **(body or {})}
        event = {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
        payload = json.dumps(event).encode()
        stamp = int(time.time())
        mac = hmac.new(settings.STRIPE_WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
        try:
            stripe_event_receive(payload=payload, signature=f"t={stamp},v1={mac.hexdigest()}")
        except stripe.StripeError:
            self.undelivered.append((event_id, intent_id))  # a 503: Stripe sends it again

    def _arm_kill(self) -> None:
        """The next request that goes out through the proxy is carried out, and the caller dies."""
        original = stripe.RequestsClient.request
        proxy_url = self.proxy.url

        def request(client, method, url, headers, post_data=None):
            answer = original(client, method, url, headers, post_data)
            if url.startswith(proxy_url) and method == "post" and ("payment_intents" in url or "refunds" in url):
                stripe.RequestsClient.request = original
                self._kill = None
                raise WorkerKilled(url)
            return answer

        self._kill = original
        stripe.RequestsClient.request = request

    def _disarm(self) -> None:
        if self._kill is not None:
            stripe.RequestsClient.request = self._kill
            self._kill = None

    def _step(self, call) -> None:
        """Run a service as a person or the worker would: what it may say is said, anything else fails."""
        # No transaction around it: what the service committed stays committed when it fails or is killed.
        try:
            call()
            self._saw(f"done: {getattr(call, 'what', 'a step')}")
        except SAID as exc:
            self._saw(f"said: {type(exc).__name__}: {str(exc)[:50]}")
        except Exception as exc:
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            self._saw(f"said: {exc.messages[0][:60]}")

    def _booked(self) -> bool:
        return self._fresh().status == Booking.Status.BOOKED

    # ---- what people and Stripe do -----------------------------------------------------------------

    @initialize(
        fee=st.sampled_from([60000, 80000, 95500]),
        deposit=st.sampled_from([0, 30, 100]),
        how=st.sampled_from(["quote accepted", "accepted anyway"]),
    )
    def agree(self, fee, deposit, how="quote accepted"):
        """The band quotes and the client accepts; or the client counters and the band's leader accepts
        the request anyway (a stand-in for a busy member): the terms on the table are agreed either way."""

        def call():
            band_quote = quotes.quote_propose(
                booking=self.booking, by=self.world.leader, terms=terms(fee, deposit), send_anyway=True, now=self.now
            )
            if how == "quote accepted":
                quotes.quote_accept(quote=band_quote, by=self.world.client, now=self.now)
            else:
                quotes.quote_counter(
                    quote=band_quote,
                    by=self.world.client,
                    terms=terms(fee - 5000, deposit),
                    send_anyway=True,
                    now=self.now,
                )
                answering.booking_accept(booking=self._fresh(), by=self.world.leader, stand_in=True, now=self.now)

        self._step(call)
        booking = self._fresh()
        if booking.status == Booking.Status.BOOKED:
            assert booking.agreed_quote is not None and fee_minor_of(booking) > 0, "booked without the terms"

    @precondition(lambda self: self._booked())
    @rule(fee=st.sampled_from([50000, 80000, 120000]), deposit=st.sampled_from([30, 100]))
    def change_fee(self, fee, deposit):
        def call():
            quote = quotes.quote_propose(
                booking=self._fresh(), by=self.world.leader, terms=terms(fee, deposit), send_anyway=True, now=self.now
            )
            quotes.quote_accept(quote=quote, by=self.world.client, now=self.now)

        self._step(call)

    @precondition(lambda self: self._booked())
    @rule(declined=st.sampled_from([False, False, True]))
    def pay(self, declined):
        method = self._card(DECLINED if declined else GOOD)

        def call():
            payment = pay.payment_start(booking=self._fresh(), by=self.world.client, now=self.now)
            pay.payment_pay(payment=payment, by=self.world.client, payment_method_id=method, now=self.now)

        call.what = "paid"
        self._step(call)

    @precondition(lambda self: self._booked())
    @rule(declined=st.sampled_from([False, False, True]))
    def pay_again_a_few_minutes_later(self, declined):
        self.now += dt.timedelta(minutes=3)
        self.pay(declined)

    # Days later, an unpaid deposit has lapsed the booking (deposits_lapse): the jump waits for a payment.
    @precondition(lambda self: self._booked() and self._fresh().paid_minor > 0)
    @rule(days_before=st.sampled_from([20, 6, 2]))
    def worker_charges_the_balance(self, days_before):
        self.now = max(self.now, self.booking.starts_at - dt.timedelta(days=days_before))
        self._step(lambda: balances_charge(now=self.now))

    @rule(minutes=st.sampled_from([2, 30, 600]))
    def money_round(self, minutes):
        self.now += dt.timedelta(minutes=minutes)
        self._step(lambda: money_round(now=self.now))

    @rule(count=st.integers(1, 2), where=st.sampled_from(PATHS))
    def lose_answers(self, count, where):
        self.proxy.drop(count, only=where)
        self._saw("answers lost")

    @rule()
    def kill_the_next_caller_that_moves_money(self):
        if self._kill is None:
            self._arm_kill()

    @rule(data=st.data(), twice=st.booleans(), kind=st.sampled_from(["succeeded", "processing", "payment_failed"]))
    def stripe_sends_an_event(self, data, twice, kind):
        intents = self._intents()
        if not intents:
            return
        intent = data.draw(st.sampled_from(intents), label="intent")
        event_id = f"evt_{intent.id}_{kind}"
        for _ in range(2 if twice else 1):
            self._step(lambda: self._deliver(event_id, intent.id, f"payment_intent.{kind}"))

    @rule(data=st.data(), how=st.sampled_from(["amount", "currency"]))
    def forger_sends_a_signed_event(self, data, how):
        payments = self._payments()
        if not payments:
            return
        payment = data.draw(st.sampled_from(payments), label="payment")
        customer = self.scaffold.v1.customers.create(params={"email": "forger@example.com"})
        method = self._card(GOOD)
        self.scaffold.v1.payment_methods.attach(method, params={"customer": customer.id})
        intent = self.scaffold.v1.payment_intents.create(
            params={
                "amount": 100 if how == "amount" else payment.amount_minor,
                "currency": "usd" if how == "currency" else payment.currency.lower(),
                "customer": customer.id,
                "payment_method": method,
                "metadata": {"payment": str(payment.uid), "booking": str(uuid.uuid4())},
                "confirm": True,
                "off_session": True,
            }
        )
        self.foreign.add(intent.id)
        body = {"amount": payment.amount_minor, "currency": payment.currency.lower()}
        self._step(lambda: self._deliver(f"evt_forged_{intent.id}", intent.id, body=body))

    @rule(data=st.data(), share=st.sampled_from([10, 50, 100]))
    def staff_refund(self, data, share):
        paid = [p for p in self._payments() if p.status == Status.SUCCEEDED and p.refunded_minor < p.amount_minor]
        if not paid:
            return
        payment = data.draw(st.sampled_from(paid), label="payment")
        amount = max((payment.amount_minor - payment.refunded_minor) * share // 100, 1)
        self._step(lambda: refunds.refund_create(payment=payment, amount_minor=amount, reason="other", by=None))

    @precondition(lambda self: self._booked() and self.cancel_refund is None)
    @rule(by=st.sampled_from(["client", "leader"]), days_before=st.sampled_from([29, 20, 3]))
    def cancel(self, by, days_before):
        who = getattr(self.world, by)
        self.now = max(self.now, self.booking.starts_at - dt.timedelta(days=days_before))
        booking = self._fresh()
        plan = refunds.refund_plan(booking=booking, by=who, now=self.now)
        before = self._cancel_refunds()
        try:
            refunds.booking_cancel_refund(booking=booking, by=who, reason="Plans changed", now=self.now)
        except SAID:
            return
        self.cancel_refund = before + plan.refund_minor

    def _cancel_refunds(self) -> int:
        reasons = (Refund.Reason.CLIENT_CANCELLED, Refund.Reason.BAND_CANCELLED)
        rows = Refund.objects.filter(payment__booking=self.booking, reason__in=reasons).exclude(
            status=Refund.Status.FAILED
        )
        return rows.aggregate(s=Sum("amount_minor"))["s"] or 0

    @rule()
    def recover(self):
        """Stripe reachable again, nobody killed: the money round runs as the periodic task would, and
        the events Stripe was asked to send again arrive."""
        self.proxy.heal()
        self._disarm()
        for minutes in (2, 10):
            self.now += dt.timedelta(minutes=minutes)
            money_round(now=self.now)
        for event_id, intent_id in self.undelivered:
            self._deliver(event_id, intent_id)
        self.undelivered = []
        self.check_recovered()

    # ---- what must hold --------------------------------------------------------------------------------

    @invariant()
    def nothing_is_charged_twice_or_claimed_without_money(self):
        at_stripe = {i.id: i for i in self._intents()}
        took: dict[str, int] = {}
        for intent in at_stripe.values():
            net = intent.amount - self._refunded_at_stripe(intent.id) if intent.status == "succeeded" else 0
            if net > 0:
                named = (intent.metadata or {}).to_dict().get("payment", "")
                took[named] = took.get(named, 0) + 1
        assert all(count == 1 for count in took.values()), f"a payment charged twice at Stripe: {took}"
        for payment in self._payments():
            entries = LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.PAYMENT).count()
            if payment.status == Status.SUCCEEDED:
                intent = at_stripe.get(payment.intent_id)
                assert intent is not None and intent.status == "succeeded", f"{payment} paid without a charge"
                assert intent.amount == payment.amount_minor
                assert entries == 1, f"{payment} has {entries} PAYMENT entries"
            else:
                assert entries == 0, f"{payment} not paid but in the ledger"
            counted = Refund.objects.filter(payment=payment, status__in=Refund.COUNTED).aggregate(
                s=Sum("amount_minor")
            )["s"]
            assert payment.refunded_minor == (counted or 0) <= payment.amount_minor

    @invariant()
    def the_paid_figure_is_what_was_taken_less_what_was_given_back(self):
        booking = self._fresh()
        taken = sum(p.amount_minor for p in self._payments() if p.status == Status.SUCCEEDED)
        back = (
            Refund.objects.filter(payment__booking=booking, status=Refund.Status.SUCCEEDED).aggregate(
                s=Sum("amount_minor")
            )["s"]
            or 0
        )
        assert booking.paid_minor == taken - back
        ledger = LedgerEntry.objects.filter(
            booking=booking, member__isnull=True, kind__in=(LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND)
        ).aggregate(s=Sum("amount_minor"))["s"]
        assert (ledger or 0) == taken - back

    def check_recovered(self):
        payments = self._payments()
        assert not [p for p in payments if p.status in (Status.UNKNOWN, Status.PROCESSING)], "a payment still waits"
        assert not Refund.objects.filter(payment__booking=self.booking, status=Refund.Status.UNKNOWN).exists()
        # Every charge at Stripe that kept money has exactly one payment of ours, paid.
        for intent in self._intents():
            if intent.status != "succeeded" or intent.amount - self._refunded_at_stripe(intent.id) <= 0:
                continue
            owners = [p for p in payments if p.intent_id == intent.id and p.status == Status.SUCCEEDED]
            assert len(owners) == 1, f"{intent.id} took money that no payment of ours stands for"
        # Every refund at Stripe of ours is a refund row that went through, for the same amount.
        for payment in payments:
            if not payment.intent_id:
                continue
            for item in self.scaffold.v1.refunds.list(params={"payment_intent": payment.intent_id}).data:
                named = (item.metadata or {}).to_dict().get("refund")
                if named:
                    row = Refund.objects.get(uid=named)
                    assert row.status == Refund.Status.SUCCEEDED and row.amount_minor == item.amount
        booking = self._fresh()
        if booking.status == Booking.Status.BOOKED:
            paid = sum(
                p.amount_minor
                for p in payments
                if p.status == Status.SUCCEEDED and p.purpose != Payment.Purpose.SETTLEMENT
            )
            left = sum(d.amount_minor for d in schedule_of(booking, payments) if not d.paid)
            assert left == max(fee_minor_of(booking) - paid, 0), "due is not agreed less paid"
        if self.cancel_refund is not None:
            assert self._cancel_refunds() == self.cancel_refund, "the refund is not what the terms shown gave"
        foreign_charges = set()
        for intent_id in self.foreign:
            intent = self.scaffold.v1.payment_intents.retrieve(intent_id)
            foreign_charges.add(
                intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
            )
        differences = [d for d in ledger_reconcile() if not any(c in d.text for c in foreign_charges)]
        assert not differences, differences
