"""Payments: the pay page, Stripe's webhook, a band's balance over its ledger, and 50 clients paying
for one instant time at once.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/payments.py
        [--page] [--webhook] [--balance] [--race]   (none: all four)
        [--runs 200] [--bookings 200] [--entries 10000] [--other-entries 90000] [--explain]
        [--clients 50] [--rounds 2] [--port 8870] [--stripe-port 8871] [--workers 4]
        [--database-name stageslot_bench_payments] [--keep]
    .venv/bin/python benchmarks/payments.py --page --webhook --balance   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file, where the race is skipped. Every part
builds its own data through the services where a person would (requests, quotes, checkouts, payments)
and in bulk where only volume matters (the ledger). Beside the times it prints the CPU each request
used (this process and its PostgreSQL backend; in the race gunicorn's workers, localstripe and the
backends), which a loaded machine does not stretch: what the times would come to on idle cores. Exits
with 1 when a budget is missed or a result is wrong.

1. --page: one band has --bookings clients' requests booked on agreed terms (a 30 % deposit due now).
   GET /payments/bookings/<uid>/ as each client in turn (Django's test client, in this process),
   --runs times: p50/p95/max and the queries per request, and how often Stripe was called (never:
   nothing is processing, so the page reads the database only). Again once the deposits are paid
   (after part 2): the payments listed, the balance due and the refund a cancellation would give.
   Budget: p95 under 150 ms.
2. --webhook: each of those bookings' deposit is PROCESSING at Stripe with its PaymentIntent; a
   payment_intent.succeeded event for each, signed as Stripe signs them (t=…,v1=HMAC-SHA256 of
   "t.body" with settings.STRIPE_WEBHOOK_SECRET), is POSTed to /payments/stripe/webhook/: each applied
   (payment succeeded, the ledger written, the booking's paid figure kept, the telling handed to the
   worker after the commit). Then 20 of them again: "already applied", nothing written twice. Then what
   the worker does next for each, timed apart: both sides told and our webhooks sent (payment_tell),
   every notification checked. Budget: the webhook applied in p95 under 30 ms.
3. --balance: one band with --entries ledger entries (its gigs' payments, platform fees, band and
   member shares, refunds, payouts and payments made outside StageSlot, in EUR and GBP) among
   --other-entries of other bands; payments.selectors.band_money timed --runs times, its figures
   checked against the rows. Budget: p95 under 20 ms; over it (or with --explain) the plan is printed.
4. --race (PostgreSQL): gunicorn (--workers sync workers on 127.0.0.1:--port) and a localstripe of
   its own (payments.localstripe, on --stripe-port). One band with an instant package; --clients
   clients each open a checkout for the same start (payments.services.checkout.checkout_start), ask
   the server for a SetupIntent (POST /payments/checkout/<uid>/setup/ with their session cookie) and
   confirm it at localstripe with a 4242 card, as Stripe.js does. Then every client's POST
   /payments/checkout/<uid>/pay/ is sent at once (a thread each, on its own connection, released by
   a barrier). Prints p50/p99/max latency and checks: one booking made for that time, its checkout
   BOOKED and its payment SUCCEEDED (captured), every other checkout LOST with its payment CANCELLED
   and its PaymentIntent canceled at localstripe. --rounds times, a new start each; the load average
   and the CPU a request took in gunicorn, localstripe and PostgreSQL. Budget: p99 under 3 s.
"""

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
# The project first: this file's name is the payments app's, which must win.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import booking as booking_bench  # noqa: E402  (benchmarks/booking.py: gunicorn, its workers' CPU, the CSRF pair)
import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers, percentiles)

PAGE_BUDGET_P95_MS = 150.0
WEBHOOK_BUDGET_P95_MS = 30.0
BALANCE_BUDGET_P95_MS = 20.0
RACE_BUDGET_P99_S = 3.0
RESENT = 20
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
PARTS = ("page", "webhook", "balance", "race")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for part in PARTS:
        parser.add_argument(f"--{part}", action="store_true", help=f"run part {part} (none named: every part)")
    parser.add_argument("--runs", type=int, default=200, help="page requests and balance reads")
    parser.add_argument("--bookings", type=int, default=200, help="booked requests: pay pages and webhook events")
    parser.add_argument("--entries", type=int, default=10_000, help="the band's ledger entries")
    parser.add_argument("--other-entries", type=int, default=90_000, help="other bands' ledger entries")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of band_money's query")
    parser.add_argument("--clients", type=int, default=50, help="clients paying for one instant time at once")
    parser.add_argument("--rounds", type=int, default=2, help="races, each for a new start")
    parser.add_argument("--port", type=int, default=8870, help="gunicorn's port for the race")
    parser.add_argument("--stripe-port", type=int, default=8871, help="localstripe's port for the race")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's sync workers for the race")
    parser.add_argument("--database-name", default="stageslot_bench_payments")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.parts = [p for p in PARTS if getattr(args, p)] or list(PARTS)
    return args


def ms(seconds: float) -> float:
    return seconds * 1000


def spread(values: list[int]) -> str:
    values = sorted(set(values))
    return f"{values[0]}" if len(values) == 1 else f"{values[0]}–{values[-1]}"


def figures(values_ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(values_ms):6.1f} ms  p95 {search_bench.percentile(values_ms, 95):6.1f} ms  "
        f"p99 {search_bench.percentile(values_ms, 99):6.1f} ms  max {max(values_ms):6.1f} ms"
    )


class Verdicts:
    """What the run found wrong or over budget; the exit status."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def budget(self, label: str, value: float, budget: float, unit: str) -> None:
        within = value < budget
        print(f"{label}: {value:.1f} {unit}, {'within' if within else 'OVER'} the {budget:g} {unit} budget")
        if not within:
            self.problems.append(f"{label} {value:.1f} {unit} over {budget:g} {unit}")

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            print(f"    !! {what}")
            self.problems.append(what)


class StripeCalls:
    """Counts payments.stripe_api.client() calls in this process: every Stripe request goes through it."""

    def __init__(self) -> None:
        from payments import stripe_api

        self.count = 0
        real = stripe_api.client

        def counting():
            self.count += 1
            return real()

        stripe_api.client = counting


class Samples:
    """Each call's time as measured (a loaded machine stretches it), its queries, and the CPU it used here
    and in the PostgreSQL backend serving it (what it would take on an idle core)."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self.cpu: list[float] = []
        self.queries: list[int] = []
        self.database = search_bench.ServerCPU()

    def take(self, fn):
        from django.db import connection

        counter = search_bench.QueryCounter()
        database = self.database.ms() or 0.0
        with connection.execute_wrapper(counter):
            cpu, start = time.process_time(), time.perf_counter()
            result = fn()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        self.ms.append(ms(elapsed))
        self.cpu.append(ms(cpu) + (self.database.ms() or 0.0) - database)
        self.queries.append(counter.count)
        return result

    @property
    def p95(self) -> float:
        return search_bench.percentile(self.ms, 95)

    def __str__(self) -> str:
        from django.db import connection

        where = "this process + its PostgreSQL backend" if connection.vendor == "postgresql" else "this process"
        return (
            f"{figures(self.ms)}  queries {spread(self.queries)}\n"
            f"  CPU ({where}): p50 {statistics.median(self.cpu):.1f} ms, "
            f"p95 {search_bench.percentile(self.cpu, 95):.1f} ms"
        )


def new_user(name: str, tag: str, zone: str = "Europe/Berlin"):
    from accounts.models import User

    return User.objects.create(email=f"{name}.{tag}@bench.stageslot.test", display_name=name, time_zone=zone)


def new_band(name: str, tag: str, members: int = 3, **fields):
    """An approved band in Berlin with its leader and `members` more members: (band, leader, everyone)."""
    from bands.models import ApprovalStatus, Band, Membership

    band = Band.objects.create(
        name=name, slug=f"{name.lower().replace(' ', '-')}-{tag}", status=ApprovalStatus.APPROVED,
        time_zone="Europe/Berlin", city="Berlin", country="DE", **fields,
    )  # fmt: skip
    leader = new_user(f"leader.{band.slug}", tag)
    Membership.objects.create(band=band, user=leader, role=Membership.Role.LEADER)
    people = [leader]
    for i in range(members):
        person = new_user(f"player{i}.{band.slug}", tag)
        Membership.objects.create(band=band, user=person, role=Membership.Role.MEMBER)
        people.append(person)
    return band, leader, people


def berlin(days: int, hour: int) -> dt.datetime:
    import zoneinfo

    from django.utils import timezone

    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    day = timezone.localtime(timezone.now(), zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


# ---- 1. The pay page and 2. the webhook: one band's booked requests ------------------------------------------


def booked_requests(count: int) -> SimpleNamespace:
    """A band of four and `count` clients, each with a private request booked on agreed terms (a flat
    800 EUR, 30 % deposit due now, the balance 7 days before the gig), through the services."""
    from bookings.models import Booking
    from bookings.services import quotes
    from bookings.services.asking import booking_request
    from bookings.services.quotes import Terms

    tag = uuid.uuid4().hex[:6]
    band, leader, _people = new_band("Pay Page Band", tag)
    terms = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)
    started = time.perf_counter()
    pairs = []
    for i in range(count):
        client = new_user(f"client{i}", tag)
        request = booking_request(
            band=band, client=client, starts_at=berlin(20 + i, 17), ends_at=berlin(20 + i, 22),
            time_zone="Europe/Berlin", event_type="Wedding", location="Gut Kleinow, Brandenburg", guests=80,
            fee=800, message="First dance at nine.",
        )  # fmt: skip
        quote = quotes.quote_propose(booking=request, by=leader, terms=terms, send_anyway=True)
        quotes.quote_accept(quote=quote, by=client)
        pairs.append((Booking.objects.get(pk=request.pk), client))
    booked = Booking.objects.filter(band=band, status=Booking.Status.BOOKED).count()
    print(f"{booked} requests booked on agreed terms (deposit due) in {time.perf_counter() - started:.1f} s")
    return SimpleNamespace(band=band, leader=leader, pairs=pairs)


def measure_page(args, world: SimpleNamespace, verdicts: Verdicts, *, label: str, expect: str) -> None:
    from django.test import Client
    from django.urls import reverse

    calls = StripeCalls()
    pages = world.pairs[: min(len(world.pairs), 20)]
    clients = []
    for booking, person in pages:
        client = Client()
        client.force_login(person)
        clients.append((client, reverse("payments:booking", args=[booking.uid])))
    for client, url in clients[:2]:  # templates compiled, the first connection made
        client.get(url)
    calls.count = 0
    samples = Samples()
    for i in range(args.runs):
        client, url = clients[i % len(clients)]
        response = samples.take(lambda: client.get(url))  # noqa: B023
        verdicts.check(response.status_code == 200, f"{url}: {response.status_code}")
        if i < len(clients):
            verdicts.check(expect in response.content.decode(), f"{url} does not say {expect!r}")
    print(
        f"\npay page, {label} ({len(samples.ms)} requests, {len(clients)} clients' pages; load average "
        f"{search_bench.load_average()})\n  {samples}\n  Stripe calls {calls.count}"
    )
    verdicts.check(calls.count == 0, f"the pay page called Stripe {calls.count} times")
    verdicts.budget(f"  pay page ({label}) p95", samples.p95, PAGE_BUDGET_P95_MS, "ms")


def signed_event(payment, secret: str) -> tuple[bytes, str]:
    """A payment_intent.succeeded event for `payment`'s intent as Stripe sends it, and its Stripe-Signature."""
    now = int(time.time())
    intent = {
        "id": payment.intent_id, "object": "payment_intent", "amount": payment.amount_minor,
        "amount_capturable": 0, "amount_received": payment.amount_minor, "capture_method": "automatic",
        "confirmation_method": "automatic", "created": now - 5, "currency": payment.currency.lower(),
        "customer": payment.customer_id, "description": None, "last_payment_error": None,
        "latest_charge": f"ch_{uuid.uuid4().hex[:24]}", "livemode": False,
        "metadata": {"payment": str(payment.uid), "booking": str(payment.booking.uid)},
        "next_action": None, "payment_method": payment.payment_method_id, "payment_method_types": ["card"],
        "status": "succeeded",
    }  # fmt: skip
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2024-06-20", "created": now,
        "data": {"object": intent}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": "payment_intent.succeeded",
    }  # fmt: skip
    body = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={now},v1={signature}"


def measure_webhook(args, world: SimpleNamespace, verdicts: Verdicts) -> None:
    from payments import localstripe, stripe_api

    # The webhook reads each intent again from Stripe before applying it: a localstripe of its own.
    log = Path(tempfile.gettempdir()) / f"stageslot-bench-localstripe-{args.stripe_port}.log"
    stripe_server = localstripe.start(args.stripe_port, log=log)
    try:
        measure_webhook_against(world, verdicts, stripe_api.client())
    finally:
        localstripe.stop(stripe_server)


def measure_webhook_against(world: SimpleNamespace, verdicts: Verdicts, stripe) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Notification
    from bookings.models import Booking
    from payments.models import LedgerEntry, Payment
    from payments.services.payments import payment_start, payment_tell

    customer = stripe.v1.customers.create(params={"email": "payer@example.com"})
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = stripe.v1.payment_methods.create(params={"type": "card", "card": card}).id
    stripe.v1.payment_methods.attach(method, params={"customer": customer.id})
    # Each deposit as payment_pay leaves it when the bank is slow: PROCESSING, its intent stored; the
    # intent at Stripe has succeeded meanwhile.
    events = []
    for booking, person in world.pairs:
        payment = payment_start(booking=booking, by=person)
        intent = stripe.v1.payment_intents.create(
            params={
                "amount": payment.amount_minor, "currency": payment.currency.lower(), "customer": customer.id,
                "payment_method": method, "metadata": {"payment": str(payment.uid)}, "confirm": True,
                "off_session": True,
            }
        )  # fmt: skip
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.PROCESSING, intent_id=intent.id, customer_id=customer.id, payment_method_id=method
        )
        payment.refresh_from_db()
        events.append((payment, *signed_event(payment, settings.STRIPE_WEBHOOK_SECRET)))
    calls = StripeCalls()
    client = Client()
    url = reverse("payments:stripe_webhook")

    def post(body: bytes, signature: str):
        return client.post(url, body, content_type="application/json", headers={"Stripe-Signature": signature})

    samples, outcomes = Samples(), []
    for payment, body, signature in events:
        response = samples.take(lambda: post(body, signature))  # noqa: B023
        outcome = response.json().get("outcome", "") if response.status_code == 200 else str(response.status_code)
        outcomes.append(outcome == f"payment {payment.uid}: succeeded")
    again, repeated = Samples(), []
    for _payment, body, signature in events[:RESENT]:
        response = again.take(lambda: post(body, signature))  # noqa: B023
        repeated.append(response.status_code == 200 and response.json().get("outcome") == "already applied")
    ids = [p.pk for p, _b, _s in events]
    told_samples, told = Samples(), []
    for pk in ids:
        told.append(told_samples.take(lambda: payment_tell(payment_id=pk)))  # noqa: B023
    notified = Notification.objects.filter(kind="booking_payment", dedupe_key__startswith="payment:").count()
    succeeded = Payment.objects.filter(pk__in=ids, status=Payment.Status.SUCCEEDED).count()
    posted = LedgerEntry.objects.filter(payment_id__in=ids, kind=LedgerEntry.Kind.PAYMENT).count()
    entries = LedgerEntry.objects.filter(payment_id__in=ids).count()
    paid = sum(Booking.objects.filter(pk__in=[b.pk for b, _ in world.pairs]).values_list("paid_minor", flat=True))
    print(
        f"\nwebhook: {len(events)} payment_intent.succeeded events, signed, POSTed once each (load average "
        f"{search_bench.load_average()})\n  {samples}\n"
        f"  applied {sum(outcomes)}; payments succeeded {succeeded}; PAYMENT entries {posted} "
        f"({entries} entries in all); bookings' paid figures {paid / 100:,.0f} EUR; Stripe calls {calls.count}\n"
        f'  {len(again.ms)} sent again, "already applied" {sum(repeated)}:\n  {again}\n'
        f"  then the worker tells both sides of each (payment_tell; {notified} notifications):\n  {told_samples}"
    )
    verdicts.check(all(told) and notified == 2 * len(events), "a payment's people were not told, or told twice")
    verdicts.check(all(outcomes), f"{len(outcomes) - sum(outcomes)} events not applied")
    verdicts.check(succeeded == len(events) and posted == len(events), "a payment or its ledger is missing")
    verdicts.check(all(repeated), "an event sent again was applied again")
    verdicts.check(
        LedgerEntry.objects.filter(payment_id__in=ids).count() == entries, "an event sent again wrote the ledger"
    )
    verdicts.budget("  webhook applied p95", samples.p95, WEBHOOK_BUDGET_P95_MS, "ms")


# ---- 3. A band's balance over its ledger ---------------------------------------------------------------------


def ledger_world(rng: random.Random, entries: int, other_entries: int) -> SimpleNamespace:
    """One band of five with `entries` ledger entries from its past gigs, in bulk as the postings write
    them (payments.services.ledger): private gigs paid by card (deposit and balance; a few cancelled
    with part refunded), venue gigs paid by card in full or outside StageSlot, payouts every few
    weeks; a quarter in GBP. And `other_entries` of other bands. Returns the band, its members and the
    totals the rows hold."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bands.models import ApprovalStatus, Band
    from bookings.models import Booking
    from payments.models import LedgerEntry, Payment, Payout, Refund
    from payments.selectors import split_percent
    from venues.models import Slot, Stage, Venue

    Kind = LedgerEntry.Kind
    started = time.perf_counter()
    tag = uuid.uuid4().hex[:6]
    band, leader, people = new_band("Ledger Band", tag, members=4)
    clients = [new_user(f"ledger.client{i}", tag) for i in range(40)]
    venue = Venue.objects.create(name="Ledger Hall", slug=f"ledger-hall-{tag}", city="Berlin", country="DE",
                                 time_zone="Europe/Berlin", status=ApprovalStatus.APPROVED)  # fmt: skip
    stage = Stage.objects.create(venue=venue, name="Main room")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    fee_percent = settings.PLATFORM_FEE_PERCENT

    # The gigs, one a day going back; what was paid for each. Kinds: "client", "venue card", "venue outside".
    plans, count, day = [], 0, 3
    per_payment = 3 + len(people)  # PAYMENT, PLATFORM_FEE, BAND_SHARE and a MEMBER_SHARE each
    while count < entries:
        kind = rng.choice(["client", "client", "venue card", "venue outside"])
        currency = "GBP" if rng.random() < 0.25 else "EUR"
        fee = rng.choice([60000, 80000, 120000, 150000, 250000])
        cancelled = kind == "client" and rng.random() < 0.06
        if kind == "client":
            count += per_payment * (1 if cancelled else 2) + (per_payment if cancelled else 0)
        else:
            count += per_payment if kind == "venue card" else 1 + len(people)
        plans.append(SimpleNamespace(kind=kind, currency=currency, fee=fee, cancelled=cancelled, day=day))
        day += 1
        if len(plans) % 12 == 0:
            count += 2  # a payout in each currency
    starts = {p.day: now.replace(hour=19) - dt.timedelta(days=p.day) for p in plans}
    slots = Slot.objects.bulk_create(
        Slot(venue=venue, stage=stage, starts_at=starts[p.day], ends_at=starts[p.day] + dt.timedelta(hours=4),
             title="Night", fee=p.fee // 100, headliner_booked=1)
        for p in plans if p.kind != "client"
    )  # fmt: skip
    slot_of = dict(zip([p.day for p in plans if p.kind != "client"], slots, strict=True))
    bookings = []
    for p in plans:
        fields = {
            "band": band, "starts_at": starts[p.day], "ends_at": starts[p.day] + dt.timedelta(hours=4),
            "time_zone": "Europe/Berlin", "fee": p.fee // 100, "currency": p.currency,
            "status": Booking.Status.CANCELLED if p.cancelled else Booking.Status.COMPLETED,
        }  # fmt: skip
        if p.kind == "client":
            client = rng.choice(clients)
            bookings.append(Booking(kind=Booking.Kind.REQUEST, client=client, requested_by=client, **fields))
        else:
            bookings.append(Booking(kind=Booking.Kind.OFFER, slot=slot_of[p.day], venue=venue, requested_by=leader,
                                    **fields))  # fmt: skip
    bookings = Booking.objects.bulk_create(bookings, batch_size=1000)

    def payment(booking, p, purpose: str, amount: int, *, outside: bool = False, refunded: int = 0) -> Payment:
        return Payment(
            booking=booking, purpose=purpose, status=Payment.Status.SUCCEEDED,
            method=Payment.Method.OUTSIDE if outside else Payment.Method.CARD, amount_minor=amount,
            currency=p.currency, platform_fee_minor=0 if outside else split_percent(amount, fee_percent),
            refunded_minor=refunded, payer=booking.client, intent_id="" if outside else f"pi_{uuid.uuid4().hex[:24]}",
            reference=f"TRF-{booking.pk}" if outside else "", paid_at=booking.starts_at - dt.timedelta(days=20),
        )  # fmt: skip

    payments = []
    for booking, p in zip(bookings, plans, strict=True):
        if p.kind == "client":
            deposit = split_percent(p.fee, 30)
            payments.append(payment(booking, p, "deposit", deposit, refunded=deposit // 2 if p.cancelled else 0))
            if not p.cancelled:
                payments.append(payment(booking, p, "balance", p.fee - deposit))
        else:
            payments.append(payment(booking, p, "full", p.fee, outside=p.kind == "venue outside"))
    payments = Payment.objects.bulk_create(payments, batch_size=1000)
    refunds = Refund.objects.bulk_create(
        Refund(payment=pay, amount_minor=pay.refunded_minor, currency=pay.currency, status=Refund.Status.SUCCEEDED,
               reason=Refund.Reason.CLIENT_CANCELLED, refund_id=f"re_{uuid.uuid4().hex[:24]}")
        for pay in payments if pay.refunded_minor
    )  # fmt: skip
    refund_of = {r.payment_id: r for r in refunds}
    booking_by_id = {b.pk: b for b in bookings}

    rows: list[LedgerEntry] = []
    totals: dict[str, dict[str, int]] = {}

    def add(kind: str, amount: int, currency: str, **fields) -> None:
        rows.append(LedgerEntry(kind=kind, amount_minor=amount, currency=currency, **fields))
        if fields.get("band") is not None and fields.get("member") is None:
            total = totals.setdefault(currency, {"share": 0, "outside": 0, "payout": 0})
            key = {Kind.BAND_SHARE: "share", Kind.OUTSIDE: "outside", Kind.PAYOUT: "payout"}.get(kind)
            if key:
                total[key] += amount

    def members(amount: int, currency: str, **fields) -> None:
        each, left = divmod(abs(amount), len(people))
        sign = -1 if amount < 0 else 1
        for i, person in enumerate(people):
            add(Kind.MEMBER_SHARE, sign * (each + (1 if i < left else 0)), currency, band=band, member=person,
                **fields)  # fmt: skip

    for pay in payments:
        booking = booking_by_id[pay.booking_id]
        common = {"booking": booking, "payment": pay}
        memo = {"memo": pay.get_purpose_display()}
        if pay.method == Payment.Method.OUTSIDE:
            add(Kind.OUTSIDE, pay.amount_minor, pay.currency, band=band, memo=pay.reference, **common)
            members(pay.amount_minor, pay.currency, memo=pay.reference, **common)
        else:
            share = pay.amount_minor - pay.platform_fee_minor
            add(Kind.PAYMENT, pay.amount_minor, pay.currency, **memo, **common)
            add(Kind.PLATFORM_FEE, pay.platform_fee_minor, pay.currency, **memo, **common)
            add(Kind.BAND_SHARE, share, pay.currency, band=band, **memo, **common)
            members(share, pay.currency, **memo, **common)
        if (refund := refund_of.get(pay.pk)) is not None:
            fee_back = (pay.platform_fee_minor * refund.amount_minor + pay.amount_minor // 2) // pay.amount_minor
            back = {"refund": refund, "memo": refund.get_reason_display(), **common}
            add(Kind.REFUND, -refund.amount_minor, pay.currency, **back)
            add(Kind.PLATFORM_FEE, -fee_back, pay.currency, **back)
            add(Kind.BAND_SHARE, -(refund.amount_minor - fee_back), pay.currency, band=band, **back)
            members(-(refund.amount_minor - fee_back), pay.currency, **back)
    # Payouts: most of the band's shares in each currency (outside money never passes through StageSlot),
    # sent in instalments, about one a currency every twelve gigs.
    payouts = []
    instalments = max(1, len(plans) // 12)
    for currency, total in sorted(totals.items()):
        part = total["share"] * 9 // 10 // instalments
        payouts += [
            Payout(band=band, amount_minor=part, currency=currency, reference=f"PO-{currency}-{n}")
            for n in range(instalments)
        ]
    payouts = Payout.objects.bulk_create(payouts)
    for payout in payouts:
        add(Kind.PAYOUT, -payout.amount_minor, payout.currency, band=band, payout=payout, memo=payout.reference)
    mine = len(rows)

    # Other bands' ledgers: enough rows that the band's own are a few among many.
    others = Band.objects.bulk_create(
        Band(name=f"Other Band {i}", slug=f"other-band-{i}-{tag}", status=ApprovalStatus.APPROVED,
             time_zone="Europe/Berlin", city="Hamburg", country="DE")
        for i in range(60)
    )  # fmt: skip
    player = new_user("other.player", tag)
    kinds = [Kind.PAYMENT, Kind.PLATFORM_FEE, Kind.BAND_SHARE, Kind.MEMBER_SHARE, Kind.MEMBER_SHARE,
             Kind.MEMBER_SHARE, Kind.PAYOUT, Kind.OUTSIDE, Kind.REFUND]  # fmt: skip
    for _ in range(other_entries):
        kind = rng.choice(kinds)
        fields = {}
        if kind in (Kind.BAND_SHARE, Kind.MEMBER_SHARE, Kind.PAYOUT, Kind.OUTSIDE):
            fields["band"] = rng.choice(others)
        if kind == Kind.MEMBER_SHARE:
            fields["member"] = player
        amount = rng.randint(1000, 200000) * (-1 if kind in (Kind.PAYOUT, Kind.REFUND) else 1)
        rows.append(LedgerEntry(kind=kind, amount_minor=amount, currency=rng.choice(["EUR", "EUR", "GBP"]), **fields))
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE payments_ledgerentry")
    by_kind: dict[str, int] = {}
    for row in rows[:mine]:
        by_kind[row.kind] = by_kind.get(row.kind, 0) + 1
    print(
        f"ledger: {mine:,} entries of {band.name} ({len(bookings)} gigs, {len(payments)} payments, "
        f"{len(refunds)} refunds, {len(payouts)} payouts; "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(by_kind.items()))
        + f") among {LedgerEntry.objects.count():,} in all, in {time.perf_counter() - started:.1f} s"
    )
    return SimpleNamespace(band=band, people=people, totals=totals, entries=mine)


def measure_balance(args, rng: random.Random, verdicts: Verdicts) -> None:
    from django.db import connection

    from payments.selectors import band_money, member_money

    world = ledger_world(rng, args.entries, args.other_entries)
    band = world.band
    result = band_money(band=band)
    samples, members = Samples(), Samples()
    for _ in range(args.runs):
        result = samples.take(lambda: band_money(band=band))
    for i in range(args.runs):
        members.take(lambda: member_money(user=world.people[i % len(world.people)]))  # noqa: B023
    print(
        f"\nbalance: band_money over {world.entries:,} entries of the band ({len(samples.ms)} reads on "
        f"{connection.vendor}; load average {search_bench.load_average()})\n  {samples}\n"
        f"  member_money of one of its members:\n  {members}"
    )
    for row in result:
        print(
            f"  {row.currency}: earned {row.earned_minor / 100:,.2f}, owed {row.owed_minor / 100:,.2f}, "
            f"paid out {row.paid_out_minor / 100:,.2f}"
        )
    expected = {
        currency: (t["share"] + t["outside"], t["share"] + t["payout"], -t["payout"])
        for currency, t in world.totals.items()
    }
    got = {r.currency: (r.earned_minor, r.owed_minor, r.paid_out_minor) for r in result}
    verdicts.check(got == expected, f"band_money says {got}, the rows hold {expected}")
    verdicts.budget("  band_money p95", samples.p95, BALANCE_BUDGET_P95_MS, "ms")
    if args.explain or samples.p95 >= BALANCE_BUDGET_P95_MS:
        sql, params = _band_money_sql(band)
        with connection.cursor() as cursor:
            prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
            cursor.execute(f"{prefix} {sql}", params)
            plan = "\n".join(f"    {' '.join(str(c) for c in row)}" for row in cursor.fetchall())
        print(f"\n{prefix} of band_money's query:\n{plan}")


def _band_money_sql(band) -> tuple[str, tuple]:
    """band_money's one query, caught as it runs."""
    from django.db import connection

    from payments.selectors import band_money

    caught = []

    def catch(execute, sql, params, many, context):
        caught.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        band_money(band=band)
    return caught[0]


# ---- 4. Fifty clients paying for one instant time -----------------------------------------------------------


@dataclass
class Answer:
    status: int
    latency: float  # seconds from sending the request to the end of its answer
    state: str = ""
    error: str = ""


def http_post(port: int, path: str, *, session: str, fields: dict | None = None) -> tuple[int, dict]:
    """POST a form as a signed-in browser does (session and CSRF cookies, the token in its header)."""
    from django.conf import settings

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, urlencode(fields or {}), headers=_form_headers(settings, session))
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {"body": body[:200].decode(errors="replace")}


def _form_headers(settings, session: str) -> dict:
    secret = booking_bench.CSRF_SECRET
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={secret}",
        "X-CSRFToken": secret,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }


def fire(port: int, jobs: list[tuple[str, str, dict]]) -> tuple[list[Answer], float]:
    """POST every (path, session, fields) at once: a thread each, its connection open, all released by
    one barrier. The answers in the order of `jobs` and the seconds until the last one."""
    from django.conf import settings

    barrier = threading.Barrier(len(jobs) + 1)
    answers: list[Answer | None] = [None] * len(jobs)

    def one(index: int, path: str, session: str, fields: dict) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        body, headers = urlencode(fields), _form_headers(settings, session)
        try:
            connection.connect()
        except OSError as exc:
            barrier.wait()
            answers[index] = Answer(0, 0.0, error=f"connect: {exc}")
            return
        barrier.wait()
        start = time.monotonic()
        try:
            connection.request("POST", path, body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            latency = time.monotonic() - start
            try:
                state = json.loads(data).get("state", "")
            except ValueError:
                state = data[:80].decode(errors="replace")
            answers[index] = Answer(response.status, latency, state)
        except Exception as exc:  # reported with the round, whatever it is
            answers[index] = Answer(0, time.monotonic() - start, error=f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return [a for a in answers if a is not None], time.monotonic() - began


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """Each process's CPU so far, in clock ticks (Linux /proc; nothing elsewhere)."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def backends(database: str) -> list[int]:
    """The PostgreSQL server's processes serving `database`, when it runs on this machine."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if command.startswith("postgres:") and f" {database} " in command:
                pids.append(int(entry.name))
    return pids


class CPUWatch:
    """CPU seconds that gunicorn's workers, localstripe and the database's backends use between start() and
    stop(): where a round's time goes on a machine with few cores."""

    def __init__(self, server, stripe_server, database: str) -> None:
        self.server, self.stripe_server, self.database = server, stripe_server, database

    def _snapshot(self) -> dict[str, dict[int, int]]:
        return {
            "gunicorn": cpu_ticks([int(p) for p in booking_bench.worker_pids(self.server)]),
            "localstripe": cpu_ticks([self.stripe_server.pid]),
            "PostgreSQL": cpu_ticks(backends(self.database)),
        }

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> dict[str, float]:
        after, tick = self._snapshot(), os.sysconf("SC_CLK_TCK")
        return {
            name: sum(t - self.before[name].get(pid, 0) for pid, t in ticks.items()) / tick
            for name, ticks in after.items()
        }


def race_world(count: int) -> SimpleNamespace:
    """A band with an instant package (900 EUR) and `count` clients, each signed in (a session of its own)."""
    from django.conf import settings
    from django.test import Client

    from bands.models import Package

    tag = uuid.uuid4().hex[:6]
    band, _leader, _people = new_band("Instant Band", tag, members=1, load_in_minutes=60, pack_down_minutes=30)
    package = Package.objects.create(
        band=band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True
    )
    clients = []
    for i in range(count):
        person = new_user(f"payer{i}", tag, zone="Europe/London")
        browser = Client()
        browser.force_login(person)
        clients.append((person, browser.cookies[settings.SESSION_COOKIE_NAME].value))
    return SimpleNamespace(band=band, package=package, clients=clients)


def race_round(args, world: SimpleNamespace, watch: CPUWatch, day: int, verdicts: Verdicts) -> list[Answer]:
    from bands.packages import package_price
    from bookings.models import Booking
    from payments import stripe_api
    from payments.models import Checkout, Payment
    from payments.services.checkout import checkout_start

    starts_at = berlin(day, 20)
    price = package_price(world.package)
    checkouts = [
        checkout_start(band=world.band, package=world.package, client=person, starts_at=starts_at, price=price)
        for person, _session in world.clients
    ]
    stripe = stripe_api.client()
    jobs, setups = [], []
    for checkout, (_person, session) in zip(checkouts, world.clients, strict=True):
        start = time.monotonic()
        status, reply = http_post(args.port, f"/payments/checkout/{checkout.uid}/setup/", session=session)
        setups.append(time.monotonic() - start)
        if status != 200 or reply.get("state") != "setup":
            raise SystemExit(f"setup of checkout {checkout.uid} answered {status}: {reply}")
        # What Stripe.js does with the card in the browser: a payment method, the SetupIntent confirmed.
        method = stripe.v1.payment_methods.create(params={"type": "card", "card": CARD})
        setup_id = reply["client_secret"].split("_secret_")[0]
        confirmed = stripe.v1.setup_intents.confirm(setup_id, params={"payment_method": method.id})
        jobs.append((f"/payments/checkout/{checkout.uid}/pay/", session, {"payment_method": confirmed.payment_method}))
    random.Random(day).shuffle(jobs)
    watch.start()
    answers, total = fire(args.port, jobs)
    cpu = watch.stop()
    load = search_bench.load_average()

    latency = [a.latency for a in answers]
    won = [a for a in answers if (a.status, a.state) == (200, "paid")]
    lost = [a for a in answers if (a.status, a.state) == (409, "lost")]
    other = [a for a in answers if (a.status, a.state) not in ((200, "paid"), (409, "lost"))]
    print(
        f"  {starts_at:%a %d %b %H:%M}: {len(answers)} at once: paid {len(won)}, lost {len(lost)}, other "
        f"{len(other)}  p50 {ms(statistics.median(latency)):5.0f} ms  p99 "
        f"{ms(search_bench.percentile(latency, 99)):5.0f} ms  max {ms(max(latency)):5.0f} ms  all answered in "
        f"{total:.2f} s  load average {load}\n    CPU a request: "
        + ", ".join(f"{name} {ms(seconds) / len(answers):.0f} ms" for name, seconds in cpu.items())
        + f" (the setups before: p50 {ms(statistics.median(setups)):.0f} ms)"
    )
    for answer in other[:3]:
        print(f"    !! {answer.status} {answer.state!r} {answer.error}")

    ids = [c.pk for c in checkouts]
    booked = Booking.objects.filter(band=world.band, starts_at=starts_at).exclude(status=Booking.Status.CANCELLED)
    statuses = {s: Checkout.objects.filter(pk__in=ids, status=s).count() for s in Checkout.Status.values}
    winner = Checkout.objects.filter(pk__in=ids, status=Checkout.Status.BOOKED).first()
    losers = list(Payment.objects.filter(checkout_id__in=ids).exclude(checkout=winner))
    # A loser's authorisation is cancelled at Stripe; one that never reached Stripe has no intent to cancel.
    intents = [p.intent_id for p in losers if p.intent_id]
    canceled_at_stripe = sum(stripe.v1.payment_intents.retrieve(i).status == "canceled" for i in intents)
    won_payment = Payment.objects.filter(checkout=winner).first() if winner else None
    print(
        f"    bookings for that time: {booked.count()} ({', '.join(b.status for b in booked)}); checkouts "
        + ", ".join(f"{s} {n}" for s, n in statuses.items() if n)
        + f"; the winner's payment {won_payment.status if won_payment else None}; the losers' payments "
        + ", ".join(f"{s} {sum(p.status == s for p in losers)}" for s in sorted({p.status for p in losers}))
        + f"; their PaymentIntents {len(intents)}, canceled at localstripe {canceled_at_stripe}"
    )
    n = len(checkouts)
    verdicts.check(len(won) == 1 and len(lost) == n - 1 and not other, "not one paid and every other lost")
    verdicts.check(booked.count() == 1 and booked[0].status == Booking.Status.BOOKED, "not exactly one booking")
    verdicts.check(
        statuses[Checkout.Status.BOOKED] == 1 and statuses[Checkout.Status.LOST] == n - 1, "checkouts not 1 + lost"
    )
    verdicts.check(
        won_payment is not None and won_payment.status == Payment.Status.SUCCEEDED, "the winner's payment not taken"
    )
    verdicts.check(
        len(losers) == n - 1 and all(p.status == Payment.Status.CANCELLED for p in losers),
        "a loser's payment is not cancelled",
    )
    verdicts.check(canceled_at_stripe == len(intents), "a loser's PaymentIntent is not canceled at localstripe")
    return answers


def measure_race(args, verdicts: Verdicts) -> None:
    from django.db import connection

    from payments import localstripe

    if connection.vendor != "postgresql":
        print("\nrace: skipped (PostgreSQL only: set DATABASE_URL)")
        return
    log = Path(tempfile.gettempdir()) / f"stageslot-bench-localstripe-{args.stripe_port}.log"
    stripe_server = localstripe.start(args.stripe_port, log=log)
    try:
        world = race_world(args.clients)
        server = booking_bench.gunicorn_start(SimpleNamespace(port=args.port, workers=args.workers))
        try:
            print(
                f"\nrace: {args.clients} clients pay for one instant time at once: gunicorn, {args.workers} sync "
                f"workers on port {args.port}, localstripe on port {args.stripe_port}; a thread and a connection "
                "each, released together"
            )
            answers: list[Answer] = []
            watch = CPUWatch(server, stripe_server, args.database_name)
            for r in range(args.rounds):
                answers += race_round(args, world, watch, 12 + 7 * r, verdicts)
            latency = [a.latency for a in answers]
            print(
                f"  {len(answers)} payments in {args.rounds} rounds: p50 {ms(statistics.median(latency)):.0f} ms, "
                f"p99 {ms(search_bench.percentile(latency, 99)):.0f} ms, max {ms(max(latency)):.0f} ms"
            )
            verdicts.budget("  race p99", search_bench.percentile(latency, 99), RACE_BUDGET_P99_S, "s")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        localstripe.stop(stripe_server)


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot-bench-payments.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")
    # The test settings point Stripe at localstripe on this port: the race starts it; nothing else calls it.
    os.environ["STAGESLOT_LOCALSTRIPE_PORT"] = str(args.stripe_port)

    import django

    django.setup()
    # The losers' 409s are logged as warnings; the figures count them.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("stripe").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.db import connection, connections

    from stageslot.celery_app import app as celery_app

    # As in production with a worker: requests queue their emails (an in-memory broker); nobody takes them.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"
    verdicts = Verdicts()
    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        print(
            f"database: {connection.vendor} ({where}); parts: {', '.join(args.parts)}; "
            f"load average {search_bench.load_average()}"
        )
        if "page" in args.parts or "webhook" in args.parts:
            world = booked_requests(args.bookings if "webhook" in args.parts else min(args.bookings, 20))
            if "page" in args.parts:
                measure_page(args, world, verdicts, label="deposit due", expect="Pay the deposit")
            if "webhook" in args.parts:
                measure_webhook(args, world, verdicts)
                if "page" in args.parts:
                    measure_page(args, world, verdicts, label="deposit paid, balance due", expect="Pay the balance")
        if "balance" in args.parts:
            measure_balance(args, rng, verdicts)
        if "race" in args.parts:
            measure_race(args, verdicts)
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")
        elif maintenance_url:
            print(f"\nkept database {args.database_name}")
    if verdicts.problems:
        print("\nmissed: " + "; ".join(verdicts.problems))
        sys.exit(1)
    print("\nevery budget met, every check right")


if __name__ == "__main__":
    main()
