"""The ledger against Stripe: every PAYMENT entry has its charge among Stripe's balance transactions and
every REFUND entry its refund, with the same amount and currency, and Stripe has no charge or refund
the ledger lacks; and each booking's entries add up (PAYMENT + REFUND = PLATFORM_FEE + AGENCY_COMMISSION +
BAND_SHARE, and the members' shares = BAND_SHARE + OUTSIDE, the payments made to the band directly).
Reads only.

Stripe's side is read from its balance transactions (charges and refunds, newest first, paged), our
PaymentIntents retrieved to learn their charge: nothing new is stored. With `since`, both sides are read
a day further back than the window, so an entry and its transaction written a moment apart across the
window's edge still meet; only what lies inside the window is reported. Against localstripe, the demo
data's payments and refunds (ids that say "demo", never sent to Stripe: stageslot/demo/payments.py) are
left out.
"""

import datetime as dt
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone

from .. import stripe_api
from ..models import LedgerEntry, Payment, Refund, StripeEvent

Kind = LedgerEntry.Kind
# Stripe's balance transaction types for money in from a card and back to it (Stripe names them
# "charge"/"refund"; newer accounts also "payment"/"payment_refund").
CHARGE_TYPES = {"charge", "payment"}
REFUND_TYPES = {"refund", "payment_refund"}
MARGIN = dt.timedelta(days=1)
DEMO_INTENT, DEMO_REFUND = "pi_demo_", "re_demo_"


def _demo(stripe_id: str) -> bool:
    """An id the demo data made up (seed_demo), when talking to localstripe."""
    return settings.STRIPE_LOCAL and stripe_id.startswith((DEMO_INTENT, DEMO_REFUND))


@dataclass(frozen=True)
class Difference:
    """One thing that does not match, in words for the operator's console."""

    what: str  # "missing at Stripe", "missing in our ledger", "amount differs", "currency differs", "ledger"
    text: str

    def __str__(self) -> str:
        return f"{self.what}: {self.text}"


@dataclass(frozen=True)
class Transaction:
    id: str
    type: str
    source: str
    amount: int
    currency: str
    created: dt.datetime


def _field(obj, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _id_of(value) -> str:
    """An id Stripe gives either as a string or as the expanded object."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(_field(value, "id", "") or "")


def stripe_transactions(*, since: dt.datetime | None) -> list[Transaction]:
    """Stripe's balance transactions of charges and refunds created since `since` (all without), newest
    first, every page. Raises stripe.StripeError when Stripe does not answer."""
    found = []
    listing = stripe_api.client().v1.balance_transactions.list(params={"limit": 100})
    for txn in listing.auto_paging_iter():
        created = dt.datetime.fromtimestamp(int(_field(txn, "created", 0)), tz=dt.UTC)
        if since is not None and created < since:
            break  # newest first: the rest is older still
        kind = _field(txn, "type", "")
        if kind not in CHARGE_TYPES | REFUND_TYPES:
            continue
        found.append(
            Transaction(
                id=_field(txn, "id", ""),
                type=kind,
                source=_id_of(_field(txn, "source")),
                amount=int(_field(txn, "amount", 0)),
                currency=str(_field(txn, "currency", "")).upper(),
                created=created,
            )
        )
    return found


def _charge_of(intent_id: str, cache: dict[str, str]) -> str:
    """The charge of a PaymentIntent ("" when it has none, or Stripe does not know it)."""
    if intent_id not in cache:
        try:
            intent = stripe_api.client().v1.payment_intents.retrieve(intent_id)
        except stripe.InvalidRequestError:
            cache[intent_id] = ""
        else:
            cache[intent_id] = _id_of(_field(intent, "latest_charge"))
    return cache[intent_id]


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"


def ledger_against_stripe(*, since: dt.datetime | None = None) -> list[Difference]:
    """Every difference between the ledger's PAYMENT and REFUND entries (and the payments and refunds
    that went through) and Stripe's balance transactions. Raises stripe.StripeError when Stripe does not
    answer."""
    wide = since - MARGIN if since is not None else None
    inside = (lambda moment: moment >= since) if since is not None else (lambda moment: True)
    transactions = stripe_transactions(since=wide)
    by_source = {t.source: t for t in transactions}
    matched: set[str] = set()
    differences: list[Difference] = []
    window = Q(created_at__gte=wide) if wide is not None else Q()

    def compare(txn: Transaction, amount: int, currency: str, label: str) -> None:
        matched.add(txn.id)
        if txn.currency != currency:
            differences.append(
                Difference("currency differs", f"{label}: ours {currency}, Stripe's {txn.currency} ({txn.id})")
            )
        elif txn.amount != amount:
            differences.append(
                Difference(
                    "amount differs",
                    f"{label}: ours {_money(amount, currency)}, Stripe's {_money(txn.amount, txn.currency)} ({txn.id})",
                )
            )

    charges: dict[str, str] = {}
    payments = (
        LedgerEntry.objects.filter(window, kind=Kind.PAYMENT)
        .select_related("payment", "booking")
        .order_by("created_at", "pk")
    )
    for entry in payments:
        payment = entry.payment
        if _demo(payment.intent_id):
            continue
        label = f"payment {payment.uid} ({payment.get_purpose_display()} of booking {entry.booking.uid})"
        charge = _charge_of(payment.intent_id, charges) if payment.intent_id else ""
        txn = by_source.get(charge) if charge else None
        if txn is not None:
            compare(txn, entry.amount_minor, entry.currency, label)
        elif inside(entry.created_at):
            why = "no PaymentIntent" if not payment.intent_id else f"no charge of {payment.intent_id} in its balance"
            differences.append(
                Difference("missing at Stripe", f"{label}, {_money(entry.amount_minor, entry.currency)}: {why}")
            )
    refunds = (
        LedgerEntry.objects.filter(window, kind=Kind.REFUND)
        .select_related("refund", "booking")
        .order_by("created_at", "pk")
    )
    for entry in refunds:
        refund = entry.refund
        if _demo(refund.refund_id):
            continue
        label = f"refund {refund.uid} (booking {entry.booking.uid})"
        txn = by_source.get(refund.refund_id) if refund.refund_id else None
        if txn is not None:
            compare(txn, entry.amount_minor, entry.currency, label)
        elif inside(entry.created_at):
            why = "no Stripe refund id" if not refund.refund_id else f"no {refund.refund_id} in its balance"
            differences.append(
                Difference("missing at Stripe", f"{label}, {_money(entry.amount_minor, entry.currency)}: {why}")
            )
    differences += _unposted(since=since) + _unresolved(since=since)
    settled = _orphans_settled(charges)
    for txn in transactions:
        if txn.id in matched or not inside(txn.created) or txn.source in settled:
            continue
        differences.append(Difference("missing in our ledger", _unmatched_text(txn, charges)))
    return differences


def _orphans_settled(charges: dict[str, str]) -> set[str]:
    """The charges and refunds of money that no payment of ours stood for and that was given back whole
    (payments.services.payments.payment_orphan_settle): in Stripe's balance, not in our ledger, rightly."""
    settled: set[str] = set()
    for intent_id in StripeEvent.objects.filter(type="orphan.settled").values_list("object_id", flat=True):
        back = stripe_api.client().v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data
        charge = _charge_of(intent_id, charges)
        if charge and back:
            settled |= {charge, *(_field(r, "id") for r in back)}
    return settled


def _unresolved(*, since: dt.datetime | None) -> list[Difference]:
    """Payments and refunds whose answer from Stripe was lost and is still being asked for."""
    window = Q(created_at__gte=since) if since is not None else Q()
    found = [
        Difference(
            "being confirmed", f"payment {p.uid}: Stripe's answer was lost ({p.sent_at or p.created_at:%Y-%m-%d %H:%M})"
        )
        for p in Payment.objects.filter(window, status=Payment.Status.UNKNOWN).order_by("pk")
    ]
    found += [
        Difference(
            "being confirmed", f"refund {r.uid}: Stripe's answer was lost ({r.sent_at or r.created_at:%Y-%m-%d %H:%M})"
        )
        for r in Refund.objects.filter(window, status=Refund.Status.UNKNOWN).order_by("pk")
    ]
    return found


def reconcile_fix(*, apply: bool, now: dt.datetime | None = None) -> list[str]:
    """What the money round does for a lost answer, by hand: every payment and refund whose answer was
    lost (or whose request died after sending) asked of Stripe, and every charge at Stripe that names a
    payment of ours but is not in our ledger applied to it (or given back when that payment ended). With
    `apply` False, only the list of what would be done. Raises stripe.StripeError when Stripe does not
    answer."""
    from .payments import CLAIM_SECONDS, payment_apply, payment_sync
    from .refunds import refund_resolve

    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    done: list[str] = []
    payments = Payment.objects.filter(method=Payment.Method.CARD).filter(
        Q(status=Payment.Status.UNKNOWN)
        | Q(status__in=(Payment.Status.CREATED, Payment.Status.PROCESSING), intent_id="", sent_at__lt=stale)
    )
    for payment in payments.order_by("pk"):
        line = f"payment {payment.uid} ({payment.status}): ask Stripe what became of it"
        if apply:
            line += f" -> {payment_sync(payment=payment, now=now).status}"
        done.append(line)
    for refund in Refund.objects.filter(status=Refund.Status.UNKNOWN).order_by("pk"):
        line = f"refund {refund.uid} ({refund.status}): ask Stripe what became of it"
        if apply:
            line += f" -> {refund_resolve(refund=refund, now=now).status}"
        done.append(line)
    known = set(LedgerEntry.objects.filter(kind=Kind.PAYMENT).values_list("payment__intent_id", flat=True))
    for txn in stripe_transactions(since=None):
        if txn.type not in CHARGE_TYPES:
            continue
        try:
            intent_id = _id_of(_field(stripe_api.client().v1.charges.retrieve(txn.source), "payment_intent"))
        except stripe.InvalidRequestError:
            continue
        if not intent_id or intent_id in known or _demo(intent_id):
            continue
        intent = stripe_api.client().v1.payment_intents.retrieve(intent_id)
        named = _field(_field(intent, "metadata") or {}, "payment") or ""
        try:
            if not named or not Payment.objects.filter(uid=named).exists():
                continue
        except ValidationError:  # not one of our ids
            continue
        if StripeEvent.objects.filter(event_id=f"orphan:{intent_id}").exists():
            continue
        line = f"charge {txn.source} of {_money(txn.amount, txn.currency)} names payment {named}: apply it"
        if apply:
            payment = payment_apply(intent=intent, now=now)
            line += f" -> {payment.status if payment else 'no payment'}"
        done.append(line)
    return done


def _unposted(*, since: dt.datetime | None) -> list[Difference]:
    """Card payments and refunds that went through but have no entry in the ledger."""
    window = Q(created_at__gte=since) if since is not None else Q()
    found = []
    payments = Payment.objects.filter(
        window, status=Payment.Status.SUCCEEDED, method=Payment.Method.CARD, booking__isnull=False
    ).exclude(entries__kind=Kind.PAYMENT)
    for p in payments.order_by("created_at", "pk"):
        found.append(Difference("missing in our ledger", f"payment {p.uid} went through but has no PAYMENT entry"))
    refunds = Refund.objects.filter(window, status=Refund.Status.SUCCEEDED).exclude(entries__kind=Kind.REFUND)
    for r in refunds.order_by("created_at", "pk"):
        found.append(Difference("missing in our ledger", f"refund {r.uid} went through but has no REFUND entry"))
    return found


def _unmatched_text(txn: Transaction, charges: dict[str, str]) -> str:
    """A Stripe transaction no entry of ours matches, with what our database knows of its source."""
    text = f"Stripe's {txn.type} {txn.source} of {_money(txn.amount, txn.currency)} ({txn.id})"
    if txn.type in REFUND_TYPES:
        refund = Refund.objects.filter(refund_id=txn.source).first()
        return text + (f": our refund {refund.uid} is {refund.status}" if refund else ": no refund of ours")
    intent_id = next((i for i, c in charges.items() if c == txn.source), "")
    if not intent_id:
        try:
            intent_id = _id_of(_field(stripe_api.client().v1.charges.retrieve(txn.source), "payment_intent"))
        except stripe.InvalidRequestError:
            intent_id = ""
    payment = Payment.objects.filter(intent_id=intent_id).first() if intent_id else None
    if payment is None:
        return text + ": no payment of ours"
    return text + f": our payment {payment.uid} is {payment.status}"


def ledger_invariants(*, since: dt.datetime | None = None) -> list[Difference]:
    """Each booking's entries, per currency: PAYMENT + REFUND = PLATFORM_FEE + AGENCY_COMMISSION + BAND_SHARE, and the
    members' shares = BAND_SHARE + OUTSIDE. With `since`, the bookings with an entry since then (all of
    their entries summed). One query."""
    entries = LedgerEntry.objects.filter(booking__isnull=False)
    if since is not None:
        recent = LedgerEntry.objects.filter(created_at__gte=since, booking__isnull=False).values("booking_id")
        entries = entries.filter(booking_id__in=recent)

    def total(*kinds, members: bool = False) -> Sum:
        return Sum("amount_minor", filter=Q(kind__in=kinds, member__isnull=not members))

    rows = (
        entries.values("booking_id", "booking__uid", "currency")
        .annotate(
            money=total(Kind.PAYMENT, Kind.REFUND),
            split=total(Kind.PLATFORM_FEE, Kind.AGENCY_COMMISSION, Kind.BAND_SHARE),
            band=total(Kind.BAND_SHARE, Kind.OUTSIDE),
            members=total(Kind.MEMBER_SHARE, members=True),
        )
        .order_by("booking_id", "currency")
    )
    found = []
    for r in rows:
        money, split = r["money"] or 0, r["split"] or 0
        band, members = r["band"] or 0, r["members"] or 0
        name = f"booking {r['booking__uid']} ({r['currency']})"
        if money != split:
            found.append(
                Difference(
                    "ledger",
                    f"{name}: payments less refunds {_money(money, r['currency'])} but fee and band's share "
                    f"{_money(split, r['currency'])}",
                )
            )
        if band != members:
            found.append(
                Difference(
                    "ledger",
                    f"{name}: the band's share {_money(band, r['currency'])} but the members' shares "
                    f"{_money(members, r['currency'])}",
                )
            )
    return found


def ledger_reconcile(*, since: dt.datetime | None = None) -> list[Difference]:
    """ledger_against_stripe and ledger_invariants: every difference. Raises stripe.StripeError when
    Stripe does not answer."""
    return ledger_against_stripe(since=since) + ledger_invariants(since=since)
