"""Reads of money: what a booking costs and when each part is due, what is paid, a band's balance.

Every total is a sum of rows (payments, ledger entries) in one aggregate query.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from accounts.models import User
from bands.models import Band, Membership, Package
from bookings.models import Booking, Quote
from bookings.selectors.bookings import PAGE_RELATED, booking_for_viewer, is_venue_staff, side_of
from bookings.selectors.quotes import money_text
from core.db.prepared import CompiledSQL, column_names
from teams.selectors import viewing_band_ids
from venues.models import VenueStaff

from .models import (
    Checkout,
    LedgerEntry,
    MemberPayout,
    MemberSplit,
    Payment,
    Payout,
    Refund,
    Settlement,
    SettlementBonus,
    SettlementCost,
)

Purpose = Payment.Purpose
Kind = LedgerEntry.Kind
LIVE = Payment.LIVE

# A payment's purpose inside a sentence ("Paid: the deposit of …"), where a language may write it apart
# from the label that stands alone (Purpose's labels): German keeps its capital, English lowers it.
PURPOSE_WORDS = {
    Purpose.DEPOSIT: pgettext_lazy("payment purpose in a sentence", "deposit"),
    Purpose.BALANCE: pgettext_lazy("payment purpose in a sentence", "balance"),
    Purpose.FULL: pgettext_lazy("payment purpose in a sentence", "full fee"),
    Purpose.SETTLEMENT: pgettext_lazy("payment purpose in a sentence", "settlement"),
}


@dataclass(frozen=True)
class Due:
    """One part of a booking's price: the deposit (due when it is confirmed), the balance (due on
    `due_at`), or the full fee at once; `paid` once a payment of it succeeded."""

    purpose: str
    amount_minor: int
    currency: str
    due_at: dt.datetime | None
    paid: bool = False

    @property
    def label(self) -> str:
        return Purpose(self.purpose).label

    @property
    def words(self) -> str:
        """The purpose inside a sentence ("The deposit due is …"), in the language active now."""
        return str(PURPOSE_WORDS[self.purpose])


def fee_minor_of(booking: Booking) -> int:
    """The fee the payer owes, in minor units: the agreed terms' guarantee, else the booking's fee.
    A door split alone is worked out after the gig (its settlement)."""
    quote = booking.agreed_quote
    if quote is not None:
        return quote.fee_minor or 0
    return (booking.fee or 0) * 100


def payer_side(booking: Booking) -> str | None:
    """Who pays the band through StageSlot: the client of a private event, the venue of a slot's gig;
    nobody for a show a band hosts itself."""
    if booking.client_id:
        return "client"
    if booking.venue_id:
        return "venue"
    return None


def may_pay(booking: Booking, user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    side = payer_side(booking)
    if side == "client":
        return booking.client_id == user.pk
    if side == "venue":
        return is_venue_staff(booking.venue_id, user)
    return False


def may_see_money(booking: Booking, user: User) -> bool:
    """The payer, the band's leaders and admins, and staff see a booking's payments."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or side_of(booking, user) in {"client", "venue", "band"}


def split_percent(amount: int, percent: int) -> int:
    """`percent` of `amount` in whole minor units, half up."""
    return (amount * percent + 50) // 100


def schedule_of(booking: Booking, payments: list[Payment] | None = None) -> list[Due]:
    """The parts of the booking's price and whether each is paid: a deposit now and the balance
    `balance_due_days` before the gig by the agreed terms; without a deposit in the terms, the
    whole fee at once. A balance already due when the deposit is paid is paid with it. Once a door
    deal's settlement is approved, what it adds takes the place of the parts not paid yet."""
    parts = _guarantee_parts(booking, payments)
    if not door_deal(booking) or payer_side(booking) is None:
        return parts
    settled = settlement_part(booking, payments if payments is not None else list(booking.payments.all()))
    if settled is None:
        return parts
    return [d for d in parts if d.paid] + [settled]


def paid_of(payments: list[Payment], *purposes: str) -> int:
    """What payments of these purposes took (by card or outside StageSlot), in minor units."""
    return sum(p.amount_minor for p in payments if p.status == Payment.Status.SUCCEEDED and p.purpose in purposes)


def _guarantee_parts(booking: Booking, payments: list[Payment] | None) -> list[Due]:
    """Each part of the agreed fee less what was paid towards it (due = agreed - paid): a fee raised
    after a part was paid asks for the difference. What was paid is counted against the deposit first,
    then the balance."""
    total = fee_minor_of(booking)
    if total <= 0 or payer_side(booking) is None:
        return []
    payments = payments if payments is not None else list(booking.payments.all())
    paid = paid_of(payments, Purpose.DEPOSIT, Purpose.BALANCE, Purpose.FULL)
    currency = booking.currency
    quote: Quote | None = booking.agreed_quote
    if quote is None or quote.deposit_percent in (0, 100):
        left = max(total - paid, 0)
        if quote is not None and quote.deposit_percent == 0:
            due_at = booking.starts_at - dt.timedelta(days=quote.balance_due_days)
            return [Due(Purpose.BALANCE, left or total, currency, due_at, left == 0)]
        return [Due(Purpose.FULL, left or total, currency, None, left == 0)]
    deposit = split_percent(total, quote.deposit_percent)
    balance_due = booking.starts_at - dt.timedelta(days=quote.balance_due_days)
    deposit_left = max(deposit - paid, 0)
    balance_left = max(total - deposit - max(paid - deposit, 0), 0)
    return [
        Due(Purpose.DEPOSIT, deposit_left or deposit, currency, None, deposit_left == 0),
        Due(Purpose.BALANCE, balance_left or total - deposit, currency, balance_due, balance_left == 0),
    ]


def door_deal(booking: Booking) -> bool:
    """The agreed terms share the door (a door split, or a guarantee versus one): settled after the gig."""
    quote = booking.agreed_quote
    return quote is not None and quote.deal in (Quote.Deal.DOOR, Quote.Deal.VERSUS)


def settlement_of(booking: Booking) -> Settlement | None:
    """The booking's settlement (read with it when select_related("settlement"), else one query; none
    for a gig that has not started, which cannot have one)."""
    if booking.starts_at > timezone.now() and not Booking.settlement.is_cached(booking):
        return None
    try:
        return booking.settlement
    except Settlement.DoesNotExist:
        return None


def settlement_part(booking: Booking, payments: list[Payment]) -> Due | None:
    """What an approved settlement adds to the booking's price: the band's amount (less the venue's
    merchandise cut) less what was paid before it (the guarantee's deposit and balance, through
    StageSlot or outside it, refunds taken off), due from its approval. None without an approved
    settlement or when it adds nothing."""
    settlement = settlement_of(booking)
    if settlement is None or not settlement.is_approved:
        return None
    amount = settlement.payable_minor - paid_before_settlement(payments)
    if amount <= 0:
        return None
    left = amount - paid_of(payments, Purpose.SETTLEMENT)
    return Due(Purpose.SETTLEMENT, left if left > 0 else amount, settlement.currency, settlement.approved_at, left <= 0)


# After the gig has started, only a settlement is still paid (a disputed gig waits for staff).
SETTLED_PAYABLE = (Booking.Status.IN_PROGRESS, Booking.Status.COMPLETED)


def due_now(booking: Booking, *, now: dt.datetime | None = None, payments: list[Payment] | None = None) -> Due | None:
    """What the payer pays next on the pay page: the deposit, then the balance (which may be paid early).
    A deposit paid when its balance is due already takes both at once. After the gig, what an approved
    settlement adds."""
    if booking.status != Booking.Status.BOOKED:
        if booking.status not in SETTLED_PAYABLE or not door_deal(booking):
            return None
        part = settlement_part(booking, payments if payments is not None else list(booking.payments.all()))
        return part if part is not None and not part.paid else None
    now = now or timezone.now()
    parts = [d for d in schedule_of(booking, payments) if not d.paid]
    if not parts:
        return None
    if len(parts) == 2 and parts[1].due_at is not None and parts[1].due_at <= now:
        return Due(Purpose.FULL, parts[0].amount_minor + parts[1].amount_minor, parts[0].currency, None)
    return parts[0]


def hold_ends_at(booking: Booking) -> dt.datetime | None:
    """A client's booked request that waits for its first payment keeps its time until then."""
    if booking.status != Booking.Status.BOOKED or booking.paid_minor or payer_side(booking) != "client":
        return None
    if not schedule_of(booking) or booking.instant:
        return None
    first = schedule_of(booking)[0]
    if first.purpose == Purpose.BALANCE:  # no deposit asked: nothing lapses
        return None
    start = booking.status_changed_at or booking.created_at
    return start + dt.timedelta(hours=settings.DEPOSIT_HOLD_HOURS)


def payments_of(*, booking: Booking) -> QuerySet[Payment]:
    return Payment.objects.filter(booking=booking).prefetch_related("refunds").order_by("created_at", "pk")


def payment_for_viewer(*, uid, user: User) -> Payment | None:
    payment = (
        Payment.objects.select_related("booking", "booking__band", "booking__agreed_quote", "checkout")
        .filter(uid=uid)
        .first()
    )
    if payment is None:
        return None
    if payment.booking_id is None:
        return payment if payment.checkout and payment.checkout.client_id == user.pk else None
    return payment if may_see_money(payment.booking, user) else None


def checkout_for_viewer(*, uid, user: User) -> Checkout | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Checkout.objects.select_related("band", "package", "booking").filter(uid=uid, client_id=user.pk).first()


def ledger_of_booking(*, booking: Booking) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(booking=booking).select_related("member").order_by("created_at", "pk")


@dataclass(frozen=True)
class BandMoney:
    currency: str
    earned_minor: int  # the band's shares of payments taken, plus what venues paid outside
    owed_minor: int  # shares not paid out yet
    paid_out_minor: int


def band_money(*, band: Band) -> list[BandMoney]:
    """A band's totals per currency, from its ledger entries: one aggregate query."""
    rows = (
        LedgerEntry.objects.filter(
            band=band, kind__in=(Kind.BAND_SHARE, Kind.OUTSIDE, Kind.PAYOUT), member__isnull=True
        )
        .values("currency")
        .annotate(
            shares=Sum("amount_minor", filter=Q(kind=Kind.BAND_SHARE)),
            outside=Sum("amount_minor", filter=Q(kind=Kind.OUTSIDE)),
            payouts=Sum("amount_minor", filter=Q(kind=Kind.PAYOUT)),
        )
        .order_by("currency")
    )
    return [
        BandMoney(
            currency=r["currency"],
            earned_minor=(r["shares"] or 0) + (r["outside"] or 0),
            owed_minor=(r["shares"] or 0) + (r["payouts"] or 0),
            paid_out_minor=-(r["payouts"] or 0),
        )
        for r in rows
    ]


def band_upcoming_minor(*, band: Band, now: dt.datetime | None = None) -> dict[str, int]:
    """What the band's booked gigs still have to be paid, per currency (the part not paid yet)."""
    now = now or timezone.now()
    out: dict[str, int] = {}
    bookings = (
        Booking.objects.filter(band=band, status=Booking.Status.BOOKED, starts_at__gt=now)
        .select_related("agreed_quote")
        .prefetch_related("payments")
    )
    for booking in bookings:
        for due in schedule_of(booking, list(booking.payments.all())):
            if not due.paid:
                out[due.currency] = out.get(due.currency, 0) + due.amount_minor
    return out


def member_money(*, user: User) -> dict[str, int]:
    """A member's shares of their bands' gigs, per currency (refunds taken off)."""
    rows = (
        LedgerEntry.objects.filter(member=user, kind=Kind.MEMBER_SHARE)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("currency")
    )
    return {r["currency"]: r["total"] or 0 for r in rows}


def payer_money(*, user: User) -> dict[str, dict[str, int]]:
    """What a client (or a venue's staff, for the venue's bookings) has paid and still owes, per currency."""
    paid = (
        Payment.objects.filter(payer=user, status=Payment.Status.SUCCEEDED)
        .values("currency")
        .annotate(total=Sum("amount_minor"), back=Sum("refunded_minor"))
        .order_by("currency")
    )
    out = {r["currency"]: {"paid": (r["total"] or 0) - (r["back"] or 0), "due": 0} for r in paid}
    bookings = (
        Booking.objects.filter(client=user, status=Booking.Status.BOOKED)
        .select_related("agreed_quote")
        .prefetch_related("payments")
    )
    for booking in bookings:
        for due in schedule_of(booking, list(booking.payments.all())):
            if not due.paid:
                out.setdefault(due.currency, {"paid": 0, "due": 0})["due"] += due.amount_minor
    return out


def playing_members(booking: Booking) -> list[int]:
    """The members who share the band's fee of a gig (their user ids): every member of the band, in
    joining order."""
    return list(
        Membership.objects.filter(band_id=booking.band_id).order_by("joined_at", "pk").values_list("user_id", flat=True)
    )


# ---- A door deal's settlement ------------------------------------------------------------------

SETTLEMENT_RELATED = ("band", "venue", "client", "agreed_quote", "settlement")


def settlement_booking_for_viewer(*, uid, user: User) -> Booking | None:
    """The booking whose settlement `user` may read (the payer's people, the band's leaders and admins),
    with its agreed terms and its settlement read in the same query; None for anyone else, or when its
    terms share no door."""
    if not getattr(user, "is_authenticated", False):
        return None
    booking = booking_for_viewer(uid=uid, user=user, related=SETTLEMENT_RELATED)
    if booking is None or not may_see_money(booking, user) or not door_deal(booking):
        return None
    return booking


def settlement_items(settlement: Settlement) -> tuple[list[SettlementCost], list[SettlementBonus]]:
    """A settlement's costs (the agreed terms' first) and bonus tiers (by ticket count), with who added
    each: two queries."""
    costs = list(settlement.costs.select_related("added_by").order_by("-agreed", "pk"))
    bonuses = list(settlement.bonuses.select_related("added_by").order_by("tickets"))
    return costs, bonuses


@dataclass(frozen=True)
class Unagreed:
    """One way a settlement differs from the agreed terms. `what`: cost_added, cost_taken_off,
    cost_changed, tier_added, tier_taken_off, tier_changed or merch_cut; `text`: it in words."""

    what: str
    text: str


def _cost_words(kind: str, label: str) -> str:
    name = str(SettlementCost.Kind(kind).label) if kind in SettlementCost.Kind.values else kind
    return f"{name}: {label}" if label else name


def settlement_unagreed(
    settlement: Settlement,
    *,
    quote: Quote | None = None,
    costs: list[SettlementCost] | None = None,
    bonuses: list[SettlementBonus] | None = None,
) -> list[Unagreed]:
    """Everything on `settlement` that differs from the agreed terms (`quote`, by default the booking's
    agreed quote): a cost or a bonus tier added, taken off or changed, a merchandise cut the terms never
    named. The one list the band's approval must accept by name (services.settlement.settlement_approve),
    the page and the sheet show. Compared with the terms themselves, not the rows' `agreed` flags, so no
    row can pass for agreed. `costs`/`bonuses`: the rows when already read (else two queries)."""
    quote = quote or settlement.booking.agreed_quote
    cur = settlement.currency
    if costs is None:
        costs = list(settlement.costs.select_related("added_by"))
    if bonuses is None:
        bonuses = list(settlement.bonuses.select_related("added_by"))
    out: list[Unagreed] = []

    # Costs: a multiset of (kind, label, amount); what is left on either side differs.
    terms = [(c["kind"], c.get("label", ""), c["amount_minor"]) for c in quote.door_costs or []]
    extra = []
    for cost in sorted(costs, key=lambda c: c.pk or 0):
        key = (cost.kind, cost.label, cost.amount_minor)
        if key in terms:
            terms.remove(key)
        else:
            extra.append(cost)
    for cost in extra:
        was = next((t for t in terms if t[:2] == (cost.kind, cost.label)), None)
        name = _cost_words(cost.kind, cost.label)
        if was is not None:
            terms.remove(was)
            text = gettext("Cost changed: %(cost)s %(amount)s, the agreed terms say %(agreed)s") % {
                "cost": name,
                "amount": money_text(cost.amount_minor, cur),
                "agreed": money_text(was[2], cur),
            }
            out.append(Unagreed("cost_changed", text))
        else:
            text = gettext("Cost added at settlement by %(who)s: %(cost)s %(amount)s") % {
                "who": cost.added_by.name if cost.added_by_id else gettext("someone"),
                "cost": name,
                "amount": money_text(cost.amount_minor, cur),
            }
            out.append(Unagreed("cost_added", text))
    for kind, label, amount in terms:
        text = gettext("Cost of the agreed terms taken off: %(cost)s %(amount)s") % {
            "cost": _cost_words(kind, label),
            "amount": money_text(amount, cur),
        }
        out.append(Unagreed("cost_taken_off", text))

    # Bonus tiers: one per ticket count.
    agreed_tiers = {b["tickets"]: b["amount_minor"] for b in quote.bonus_tiers or []}
    for bonus in sorted(bonuses, key=lambda b: b.tickets):
        agreed_amount = agreed_tiers.pop(bonus.tickets, None)
        values = {"tickets": bonus.tickets, "amount": money_text(bonus.amount_minor, cur)}
        if agreed_amount is None:
            values["who"] = bonus.added_by.name if bonus.added_by_id else gettext("someone")
            text = gettext("Bonus tier added at settlement by %(who)s: %(amount)s at %(tickets)s tickets") % values
            out.append(Unagreed("tier_added", text))
        elif agreed_amount != bonus.amount_minor:
            values["agreed"] = money_text(agreed_amount, cur)
            text = gettext("Bonus tier changed: %(amount)s at %(tickets)s tickets, the agreed terms say %(agreed)s") % (
                values
            )
            out.append(Unagreed("tier_changed", text))
    for tickets, amount in sorted(agreed_tiers.items()):
        text = gettext("Bonus tier of the agreed terms taken off: %(amount)s at %(tickets)s tickets") % {
            "tickets": tickets,
            "amount": money_text(amount, cur),
        }
        out.append(Unagreed("tier_taken_off", text))

    # The terms name no merchandise cut: any cut is the door side's alone.
    if settlement.merch_venue_percent:
        text = gettext("The venue's merchandise cut of %(percent)s %%: the agreed terms name none") % {
            "percent": settlement.merch_venue_percent
        }
        out.append(Unagreed("merch_cut", text))
    return out


def settlement_warnings(*, settlement: Settlement, quote: Quote) -> list[str]:
    """What the figures make worth a second look, in words: never a refusal."""
    warnings = []
    if quote.capacity and settlement.tickets_sold > quote.capacity:
        warnings.append(
            gettext("More tickets than the agreed capacity of %(capacity)s: check the count.")
            % {"capacity": number_format(quote.capacity, force_grouping=True)}
        )
    if settlement.costs_minor > settlement.gross_minor:
        warnings.append(gettext("The costs are more than the takings, so the net is 0."))
    if settlement.gross_entered and quote.ticket_price_minor:
        expected = settlement.tickets_sold * quote.ticket_price_minor
        if expected != settlement.gross_minor:
            warnings.append(
                gettext("The takings differ from the tickets at the agreed price (%(expected)s).")
                % {"expected": money_text(expected, settlement.currency)}
            )
    return warnings


def paid_before_settlement(payments: list[Payment]) -> int:
    """What the payer paid before the settlement (the guarantee's parts, refunds taken off). A payment
    known only by its purpose (unpaid_parts' stand-ins) counts for nothing."""
    return sum(p.kept_minor for p in payments if p.purpose != Purpose.SETTLEMENT and p.amount_minor is not None)


# ---- The money pages and the dashboard's totals -------------------------------------------------

MANAGING_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)
# What the payer side has paid for a booking: money in through StageSlot (less refunds), or straight
# to the band outside it.
PAID_KINDS = (Kind.PAYMENT, Kind.REFUND, Kind.OUTSIDE)


@dataclass(frozen=True)
class BandTotals:
    """A band's money in one currency: earned (its shares, and what venues paid it directly), upcoming
    (what its booked gigs still have to be paid), owed (shares StageSlot has not paid out yet), paid out."""

    currency: str
    earned_minor: int = 0
    upcoming_minor: int = 0
    owed_minor: int = 0
    paid_out_minor: int = 0


@dataclass(frozen=True)
class PayerTotals:
    """What a client or a venue has paid (refunds taken off) and still has to pay, in one currency."""

    currency: str
    paid_minor: int = 0
    due_minor: int = 0


def band_totals(*, band: Band, now: dt.datetime | None = None) -> list[BandTotals]:
    """band_money and band_upcoming_minor together, per currency (three queries)."""
    money = {m.currency: m for m in band_money(band=band)}
    upcoming = band_upcoming_minor(band=band, now=now)
    out = []
    for currency in sorted(set(money) | set(upcoming)):
        m = money.get(currency)
        out.append(
            BandTotals(
                currency=currency,
                earned_minor=m.earned_minor if m else 0,
                upcoming_minor=upcoming.get(currency, 0),
                owed_minor=m.owed_minor if m else 0,
                paid_out_minor=m.paid_out_minor if m else 0,
            )
        )
    return out


def band_owed(*, band_id: int, currency: str) -> int:
    """What StageSlot owes a band in one currency: its shares less what was paid out (one query)."""
    total = LedgerEntry.objects.filter(
        band_id=band_id, currency=currency, member__isnull=True, kind__in=(Kind.BAND_SHARE, Kind.PAYOUT)
    ).aggregate(total=Sum("amount_minor"))["total"]
    return total or 0


@dataclass(frozen=True)
class RosterMoney:
    """A band's money as its agency's roster shows it: totals per currency (earned, upcoming, owed, paid
    out, as band_totals), and the soonest booked gig that still has a part to be paid."""

    totals: list[BandTotals]
    first_unpaid: Booking | None = None


def bands_money(*, band_ids: list[int], now: dt.datetime | None = None) -> dict[int, RosterMoney]:
    """band_totals for many bands at once, with the soonest gig still to be paid of each: two queries
    whatever the number of bands and gigs (the ledger's sums by band, and the booked gigs to come with
    what was paid towards each part, unpaid_parts). Bands with no money are left out."""
    if not band_ids:
        return {}
    now = now or timezone.now()
    rows = (
        LedgerEntry.objects.filter(
            band_id__in=band_ids, member__isnull=True, kind__in=(Kind.BAND_SHARE, Kind.OUTSIDE, Kind.PAYOUT)
        )
        .values("band_id", "currency")
        .annotate(
            shares=Sum("amount_minor", filter=Q(kind=Kind.BAND_SHARE)),
            outside=Sum("amount_minor", filter=Q(kind=Kind.OUTSIDE)),
            payouts=Sum("amount_minor", filter=Q(kind=Kind.PAYOUT)),
        )
        .order_by("band_id", "currency")
    )
    ledger: dict[int, dict[str, dict]] = {}
    for r in rows:
        ledger.setdefault(r["band_id"], {})[r["currency"]] = r
    upcoming: dict[int, dict[str, int]] = {}
    first_unpaid: dict[int, Booking] = {}
    bookings = (
        Booking.objects.filter(band_id__in=band_ids, status=Booking.Status.BOOKED, starts_at__gt=now)
        .select_related("agreed_quote")
        .annotate(**_paid_purposes())
        .order_by("starts_at", "pk")
    )
    for booking in bookings:
        parts = unpaid_parts(booking)
        if parts:
            first_unpaid.setdefault(booking.band_id, booking)
        for part in parts:
            sums = upcoming.setdefault(booking.band_id, {})
            sums[part.currency] = sums.get(part.currency, 0) + part.amount_minor
    out = {}
    for band_id in band_ids:
        money, coming = ledger.get(band_id, {}), upcoming.get(band_id, {})
        if not money and not coming:
            continue
        totals = []
        for currency in sorted(set(money) | set(coming)):
            r = money.get(currency, {})
            shares, outside, payouts = r.get("shares") or 0, r.get("outside") or 0, r.get("payouts") or 0
            totals.append(
                BandTotals(
                    currency=currency,
                    earned_minor=shares + outside,
                    upcoming_minor=coming.get(currency, 0),
                    owed_minor=shares + payouts,
                    paid_out_minor=-payouts,
                )
            )
        out[band_id] = RosterMoney(totals=totals, first_unpaid=first_unpaid.get(band_id))
    return out


def bands_owed() -> QuerySet:
    """Every band StageSlot owes money, per currency, largest first: rows of band id, band name,
    currency and owed (one query), for the staff's payout form."""
    return (
        LedgerEntry.objects.filter(member__isnull=True, kind__in=(Kind.BAND_SHARE, Kind.PAYOUT), band__isnull=False)
        .values("band_id", "band__name", "currency")
        .annotate(owed=Sum("amount_minor"))
        .filter(owed__gt=0)
        .order_by("-owed", "band__name")
    )


def _ledger_sum(kinds, **more) -> Sum:
    return Sum(
        "ledger_entries__amount_minor",
        filter=Q(ledger_entries__kind__in=kinds, ledger_entries__member__isnull=True, **more),
    )


def _paid_purposes() -> dict:
    """Annotations of what the payments that went through took towards each part of a booking's price,
    so its schedule is worked out without loading its payments."""
    out = {}
    for p in (Purpose.DEPOSIT, Purpose.BALANCE, Purpose.FULL):
        paid = (
            Payment.objects.filter(booking=OuterRef("pk"), status=Payment.Status.SUCCEEDED, purpose=p)
            .order_by()
            .values("booking")
            .annotate(s=Sum("amount_minor"))
            .values("s")
        )
        out[f"paid_{p}"] = Subquery(paid)
    return out


def unpaid_parts(booking: Booking) -> list[Due]:
    """The parts of a booking's price not paid yet, for a booking read with _paid_purposes()."""
    paid = [
        Payment(purpose=p, status=Payment.Status.SUCCEEDED, amount_minor=getattr(booking, f"paid_{p}"))
        for p in (Purpose.DEPOSIT, Purpose.BALANCE, Purpose.FULL)
        if getattr(booking, f"paid_{p}", None)
    ]
    return [due for due in schedule_of(booking, paid) if not due.paid]


def band_gigs_money(*, band: Band) -> QuerySet[Booking]:
    """The band's gigs with money on them (ledger entries, or a fee to be paid for a gig that is booked
    or played), the latest first, each with its payments, and what was paid in, the platform's fee and
    the band's share summed from the ledger (`paid_in_minor`, `fee_minor`, `share_minor`)."""
    has_entries = Exists(LedgerEntry.objects.filter(booking=OuterRef("pk")))
    played = Q(status__in=Booking.PLAYED) & (Q(client__isnull=False) | Q(venue__isnull=False))
    return (
        Booking.objects.filter(band=band)
        .filter(has_entries | played)
        .select_related("band", "venue", "client", "agreed_quote", "settlement")
        .prefetch_related("payments")
        .annotate(
            paid_in_minor=_ledger_sum(PAID_KINDS),
            fee_minor=_ledger_sum((Kind.PLATFORM_FEE,)),
            share_minor=_ledger_sum((Kind.BAND_SHARE, Kind.OUTSIDE)),
        )
        .order_by("-starts_at", "-pk")
    )


@dataclass(frozen=True)
class MemberShare:
    member_id: int
    name: str
    amount_minor: int
    currency: str


def member_shares_of(*, booking_ids: list[int]) -> dict[int, list[MemberShare]]:
    """Each member's share of each booking, summed from the ledger (refunds taken off): one query."""
    rows = (
        LedgerEntry.objects.filter(booking_id__in=booking_ids, kind=Kind.MEMBER_SHARE)
        .values("booking_id", "member_id", "member__display_name", "member__email", "currency")
        .annotate(total=Sum("amount_minor"), first=Min("pk"))
        .order_by("booking_id", "first")
    )
    out: dict[int, list[MemberShare]] = {pk: [] for pk in booking_ids}
    for r in rows:
        name = r["member__display_name"] or (r["member__email"] or "").split("@", 1)[0]
        out[r["booking_id"]].append(MemberShare(r["member_id"], name, r["total"] or 0, r["currency"]))
    return out


def band_payouts(*, band: Band) -> QuerySet[Payout]:
    return Payout.objects.filter(band=band).order_by("-created_at", "-pk")


def band_gig_for_money(*, band: Band, uid) -> Booking | None:
    """One of the band's bookings, with what its money page shows about it."""
    return Booking.objects.select_related("band", "venue", "client", "agreed_quote").filter(band=band, uid=uid).first()


@dataclass(frozen=True)
class SplitRow:
    """A member of the band on a gig's split: their share in per cent from now on, and what the ledger
    has given them for this gig so far."""

    membership: Membership
    percent: Decimal
    posted_minor: int


def equal_percents(count: int) -> list[Decimal]:
    """100 % in `count` equal parts of two decimals that add up exactly (the first take the odd cents)."""
    if count <= 0:
        return []
    base = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    left = int((Decimal(100) - base * count) * 100)
    return [base + (Decimal("0.01") if i < left else 0) for i in range(count)]


def gig_split(*, booking: Booking) -> tuple[list[SplitRow], bool]:
    """The split of a gig's band share among the band's members: the one the band set for this gig, or
    equal shares among everyone in the band; and whether the band set it (three queries)."""
    members = list(
        Membership.objects.filter(band_id=booking.band_id).select_related("user").order_by("joined_at", "pk")
    )
    splits = {s.member_id: s.percent for s in MemberSplit.objects.filter(booking=booking)}
    posted = dict(
        LedgerEntry.objects.filter(booking=booking, kind=Kind.MEMBER_SHARE)
        .values_list("member_id")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    percents = [Decimal(splits.get(m.user_id, 0)) for m in members] if splits else equal_percents(len(members))
    rows = [SplitRow(m, p, posted.get(m.user_id, 0) or 0) for m, p in zip(members, percents, strict=True)]
    return rows, bool(splits)


def member_gigs_money(*, user: User) -> QuerySet:
    """A member's share of each gig, summed from the ledger (refunds taken off), the latest first: rows
    of booking id, currency, total and the last entry's time."""
    return (
        LedgerEntry.objects.filter(member=user, kind=Kind.MEMBER_SHARE)
        .values("booking_id", "currency")
        .annotate(total=Sum("amount_minor"), last=Max("created_at"))
        .order_by("-last", "-booking_id")
    )


def bookings_by_id(ids) -> dict[int, Booking]:
    return Booking.objects.select_related("band", "venue", "client").in_bulk(list(ids))


def payer_q(*, user: User, venue_ids) -> Q:
    """The bookings `user` pays for: their own private events, and their venues' gigs."""
    return Q(client_id=user.pk) | Q(venue_id__in=list(venue_ids), client__isnull=True)


def payer_venue_ids(*, user: User) -> list[int]:
    """The venues `user` is on the staff of."""
    return list(VenueStaff.objects.filter(user=user).values_list("venue_id", flat=True))


def payer_gigs_money(*, user: User, venue_ids) -> QuerySet[Booking]:
    """The bookings `user` pays for (payer_q) with money on them, the latest first, with what was paid
    (`paid_in_minor`, summed from the ledger) and which parts are paid (see unpaid_parts)."""
    has_entries = Exists(LedgerEntry.objects.filter(booking=OuterRef("pk"), kind__in=PAID_KINDS))
    return (
        Booking.objects.filter(payer_q(user=user, venue_ids=venue_ids))
        .filter(has_entries | Q(status__in=Booking.PLAYED))
        .select_related("band", "venue", "client", "agreed_quote", "settlement")
        .annotate(paid_in_minor=_ledger_sum(PAID_KINDS), **_paid_purposes())
        .order_by("-starts_at", "-pk")
    )


def payer_totals(*, user: User, venue_ids) -> list[PayerTotals]:
    """What `user` (as a client, and for their venues) has paid and has still to pay, per currency
    (two queries)."""
    paid = dict(
        LedgerEntry.objects.filter(
            kind__in=PAID_KINDS,
            member__isnull=True,
            booking__in=Booking.objects.filter(payer_q(user=user, venue_ids=venue_ids)),
        )
        .values_list("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    due: dict[str, int] = {}
    booked = (
        Booking.objects.filter(payer_q(user=user, venue_ids=venue_ids), status=Booking.Status.BOOKED)
        .select_related("agreed_quote")
        .annotate(**_paid_purposes())
    )
    for booking in booked:
        for part in unpaid_parts(booking):
            due[part.currency] = due.get(part.currency, 0) + part.amount_minor
    return [
        PayerTotals(currency=c, paid_minor=paid.get(c, 0) or 0, due_minor=due.get(c, 0))
        for c in sorted(set(paid) | set(due))
    ]


@dataclass(frozen=True)
class DashboardMoney:
    """The dashboard's money cards, each a list per currency (empty when the person has none of it)."""

    bands: list[BandTotals]
    member: dict[str, int]
    client: list[PayerTotals]
    venues: list[PayerTotals]

    def __bool__(self) -> bool:
        return bool(self.bands or self.member or self.client or self.venues)

    @property
    def payer_cards(self) -> list[tuple[str, list[PayerTotals]]]:
        """(title, totals) of the cards of what was paid and is due, for a client and for venues."""
        cards = [
            (gettext_lazy("Your events: payments"), self.client),
            (gettext_lazy("Your venues: payments"), self.venues),
        ]
        return [(title, totals) for title, totals in cards if totals]


def _dashboard_sums(
    *, user_id: int, managed_band_ids: list[int], member: bool, client: bool, venue_ids: list[int]
) -> QuerySet:
    """Per currency, the ledger's sums the dashboard's money cards show: the managed bands' shares, money
    taken outside StageSlot and payouts; the person's own member shares; what they paid as a client and
    for their venues."""
    wanted = Q(pk__isnull=True)
    sums = {}
    paid = Q(kind__in=PAID_KINDS, member__isnull=True)
    if managed_band_ids:
        mine = Q(band_id__in=managed_band_ids, member__isnull=True)
        wanted |= mine & Q(kind__in=(Kind.BAND_SHARE, Kind.OUTSIDE, Kind.PAYOUT))
        sums |= {
            "band_shares": Sum("amount_minor", filter=mine & Q(kind=Kind.BAND_SHARE)),
            "band_outside": Sum("amount_minor", filter=mine & Q(kind=Kind.OUTSIDE)),
            "band_payouts": Sum("amount_minor", filter=mine & Q(kind=Kind.PAYOUT)),
        }
    if member:
        wanted |= Q(member_id=user_id, kind=Kind.MEMBER_SHARE)
        sums["member_total"] = Sum("amount_minor", filter=Q(member_id=user_id, kind=Kind.MEMBER_SHARE))
    if client:
        as_client = paid & Q(booking__client_id=user_id)
        wanted |= as_client
        sums["client_paid"] = Sum("amount_minor", filter=as_client)
    if venue_ids:
        as_venue = paid & Q(booking__venue_id__in=venue_ids, booking__client__isnull=True)
        wanted |= as_venue
        sums["venue_paid"] = Sum("amount_minor", filter=as_venue)
    return LedgerEntry.objects.filter(wanted).values("currency").annotate(**sums).order_by()


# The money cards' sums compiled once per shape (how many bands and venues, which cards).
_DASHBOARD_SUMS = CompiledSQL(_dashboard_sums)


def _booked_for_money(
    *, user_id: int, managed_band_ids: list[int], client: bool, venue_ids: list[int], now: dt.datetime
) -> QuerySet[Booking]:
    """The booked gigs whose unpaid parts the money cards count: the managed bands' gigs to come, the
    person's own private events and their venues' gigs, with their agreed terms and what was paid."""
    scope = Q(pk__isnull=True)
    if managed_band_ids:
        scope |= Q(band_id__in=managed_band_ids, starts_at__gt=now)
    if client:
        scope |= Q(client_id=user_id)
    if venue_ids:
        scope |= Q(venue_id__in=venue_ids, client__isnull=True)
    return (
        Booking.objects.filter(scope, status=Booking.Status.BOOKED)
        .select_related("agreed_quote")
        .annotate(**_paid_purposes())
    )


_BOOKED_FOR_MONEY = CompiledSQL(_booked_for_money)


def _ledger_rows(sql: str, params: list) -> list[dict]:
    """The rows of _dashboard_sums' SQL as the ORM's values() gives them (sums as whole minor units)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = column_names(cursor)
        return [
            {
                name: (value if name == "currency" or value is None else int(value))
                for name, value in zip(names, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


def dashboard_money(
    *,
    user: User,
    managed_band_ids: list[int],
    member: bool,
    venue_ids: list[int],
    client: bool,
    booked: bool,
    now: dt.datetime | None = None,
) -> DashboardMoney:
    """The totals of the dashboard's money cards: the bands `user` leads or runs (earned, upcoming, owed),
    their own shares as a member, what they paid and owe as a client and for their venues. At most two
    queries, whatever the number of bookings: one sum over the ledger, and `booked` says whether there
    are booked gigs to work out what is still to be paid on (one query more)."""
    now = now or timezone.now()
    sums_wanted = bool(managed_band_ids or member or client or venue_ids)
    rows = (
        _ledger_rows(
            *_DASHBOARD_SUMS(
                user_id=user.pk,
                managed_band_ids=sorted(managed_band_ids),
                member=member,
                client=client,
                venue_ids=sorted(venue_ids),
            )
        )
        if sums_wanted
        else []
    )
    upcoming: dict[str, int] = {}
    client_due: dict[str, int] = {}
    venue_due: dict[str, int] = {}
    if booked and sums_wanted:
        bookings = _BOOKED_FOR_MONEY.instances(
            user_id=user.pk,
            managed_band_ids=sorted(managed_band_ids),
            client=client,
            venue_ids=sorted(venue_ids),
            now=now,
        )
        for booking in bookings:
            parts = unpaid_parts(booking)
            targets = []
            if booking.band_id in managed_band_ids and booking.starts_at > now:
                targets.append(upcoming)
            if client and booking.client_id == user.pk:
                targets.append(client_due)
            if booking.venue_id in venue_ids and booking.client_id is None:
                targets.append(venue_due)
            for part in parts:
                for target in targets:
                    target[part.currency] = target.get(part.currency, 0) + part.amount_minor
    by_currency = {r["currency"]: r for r in rows}

    def of(currency: str, name: str) -> int:
        return (by_currency.get(currency) or {}).get(name) or 0

    band_currencies = {c for c in by_currency if of(c, "band_shares") or of(c, "band_outside") or of(c, "band_payouts")}
    bands = [
        BandTotals(
            currency=c,
            earned_minor=of(c, "band_shares") + of(c, "band_outside"),
            upcoming_minor=upcoming.get(c, 0),
            owed_minor=of(c, "band_shares") + of(c, "band_payouts"),
            paid_out_minor=-of(c, "band_payouts"),
        )
        for c in sorted(band_currencies | set(upcoming))
    ]
    member_totals = {c: of(c, "member_total") for c in sorted(by_currency) if of(c, "member_total")}
    client_currencies = {c for c in by_currency if of(c, "client_paid")} | set(client_due)
    venue_currencies = {c for c in by_currency if of(c, "venue_paid")} | set(venue_due)
    return DashboardMoney(
        bands=bands,
        member=member_totals,
        client=[PayerTotals(c, of(c, "client_paid"), client_due.get(c, 0)) for c in sorted(client_currencies)],
        venues=[PayerTotals(c, of(c, "venue_paid"), venue_due.get(c, 0)) for c in sorted(venue_currencies)],
    )


# ---- Reads of the API ------------------------------------------------------------------------


def booking_for_money(*, uid, user: User) -> Booking | None:
    """The booking at `uid` for someone who takes part in it (bookings' booking_for_viewer, with their
    standing) or for staff, with its agreed terms; None for anyone else. Whether they see its money is
    may_see_money's call."""
    related = (*PAGE_RELATED, "agreed_quote", "settlement")
    booking = booking_for_viewer(uid=uid, user=user, related=related)
    if booking is None and getattr(user, "is_staff", False):
        booking = Booking.objects.select_related(*related).filter(uid=uid).first()
    return booking


def may_cancel_with_refund(booking: Booking, user: User) -> bool:
    """Who booking_cancel_refund lets cancel a gig: the band's leaders and admins, and the payer (client
    or venue)."""
    side = side_of(booking, user)
    return side == "band" or (side in {"client", "venue"} and payer_side(booking) is not None)


def refunds_of(*, booking: Booking) -> QuerySet[Refund]:
    """Every refund of the booking's payments, with its payment."""
    return Refund.objects.filter(payment__booking=booking).select_related("payment")


def ledger_of_band(*, band: Band, kind: str | None = None, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """The band's ledger entries (its shares, its members' shares, payments made outside StageSlot, payouts),
    optionally of one kind and currency, with what each names (booking, member, payment, refund, payout)."""
    entries = LedgerEntry.objects.filter(band=band)
    if kind:
        entries = entries.filter(kind=kind)
    if currency:
        entries = entries.filter(currency=currency)
    return entries.select_related("band", "booking", "member", "payment", "refund", "payout")


def ledger_of_member(*, user: User) -> QuerySet[LedgerEntry]:
    """A member's own shares of their bands' gigs (refunds taken off as negative shares)."""
    return LedgerEntry.objects.filter(member=user, kind=Kind.MEMBER_SHARE).select_related(
        "band", "booking", "member", "payment", "refund", "payout"
    )


def checkout_payments(*, checkout: Checkout) -> QuerySet[Payment]:
    """A checkout's payment attempts, the latest first, with their refunds and the booking once made."""
    return (
        Payment.objects.filter(checkout=checkout)
        .select_related("booking", "checkout")
        .prefetch_related("refunds")
        .order_by("-created_at", "-pk")
    )


# ---- Reads of the pay pages ------------------------------------------------------------------------

MOVING = (Payment.Status.PROCESSING, Payment.Status.REQUIRES_ACTION, Payment.Status.AUTHORIZED)


def payments_moving(*, booking: Booking | None = None, checkout: Checkout | None = None) -> list[Payment]:
    """A booking's (or a checkout's) payments still under way at Stripe: the pages read them from Stripe."""
    rows = Payment.objects.filter(status__in=MOVING)
    rows = rows.filter(booking=booking) if booking is not None else rows.filter(checkout=checkout)
    return list(rows.select_related("checkout"))


def payment_of_booking(*, booking: Booking, uid) -> Payment | None:
    """The payment `uid` (a string from a form) of `booking`, or None."""
    try:
        key = uuid.UUID(str(uid))
    except ValueError:
        return None
    return Payment.objects.select_related("booking").filter(booking=booking, uid=key).first()


def instant_choice(*, slug: str, package_id) -> tuple[Band | None, Package | None]:
    """The band and its package an instant booking's checkout is opened for (from the client's session)."""
    band = Band.objects.filter(slug=slug).first()
    if band is None or not str(package_id or "").isdigit():
        return band, None
    return band, Package.objects.filter(pk=int(package_id), band=band).first()


def checkout_fresh(checkout: Checkout) -> Checkout:
    """The checkout as the database has it now (after its payment was applied)."""
    return Checkout.objects.select_related("band", "package", "booking").get(pk=checkout.pk)


# ---- The treasurer's year: members' statements, payouts to members, the year's summary ------------
# (docs/decisions/0071-the-treasurers-year.md)

# What the band owes a member: their shares of its gigs (refunds taken off) less what it paid them.
STATEMENT_KINDS = (Kind.MEMBER_SHARE, Kind.MEMBER_PAYOUT)


@dataclass(frozen=True)
class Period:
    """From `start` to `end` (both days included) in the band's time zone: a gig counts in it by the day
    it starts there, a payout to a member by the day it was paid."""

    start: dt.date
    end: dt.date
    zone: ZoneInfo
    year: int | None = None

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=self.zone)

    @property
    def ends_before(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)

    @property
    def slug(self) -> str:
        return str(self.year) if self.year else f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def band_year(*, band: Band, year: int) -> Period:
    """The calendar year `year` in the band's time zone."""
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), ZoneInfo(band.time_zone), year)


def band_of(*, slug: str) -> Band:
    """The band at `slug` (404 if none), for the treasurer's pages, which check who reads it themselves."""
    return get_object_or_404(Band, slug=slug)


def band_today(band: Band) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(band.time_zone)).date()


def owed_today_q(now: dt.datetime) -> Q:
    """The entries of what the band owes a person today: their shares of gigs that have started (played
    up to now) and every payout to them. A share of a gig still to come is not owed yet: paying it is
    an advance. The one rule for the payout's check (member_due) and the statements' figure."""
    return Q(kind=Kind.MEMBER_SHARE, booking__starts_at__lte=now) | Q(kind=Kind.MEMBER_PAYOUT)


def member_due(*, band_id: int, member_id: int, currency: str, now: dt.datetime | None = None) -> int:
    """due = agreed − paid for one person and one currency today: their shares of the band's gigs played
    up to `now` (refunds taken off) less what the band paid them (reversals added back), from the ledger
    (owed_today_q). The one place this is worked out; a negative figure is an advance. One query."""
    total = (
        LedgerEntry.objects.filter(band_id=band_id, member_id=member_id, currency=currency, kind__in=STATEMENT_KINDS)
        .filter(owed_today_q(now or timezone.now()))
        .aggregate(total=Sum("amount_minor"))["total"]
    )
    return total or 0


def members_due(*, band: Band, now: dt.datetime | None = None, member_id: int | None = None) -> dict:
    """{(person id, currency): due today} for everyone the band's ledger has lines of (member_due's rule,
    owed_today_q, in one query)."""
    entries = LedgerEntry.objects.filter(band=band, kind__in=STATEMENT_KINDS).filter(
        owed_today_q(now or timezone.now())
    )
    if member_id is not None:
        entries = entries.filter(member_id=member_id)
    rows = entries.values("member_id", "currency").annotate(total=Sum("amount_minor")).order_by()
    return {(r["member_id"], r["currency"]): r["total"] or 0 for r in rows}


def member_currencies(*, band_id: int, member_id: int) -> list[str]:
    """The currencies in which the band's ledger has shares of or payouts to this person."""
    return list(
        LedgerEntry.objects.filter(band_id=band_id, member_id=member_id, kind__in=STATEMENT_KINDS)
        .values_list("currency", flat=True)
        .distinct()
        .order_by("currency")
    )


def _before(moment: dt.datetime, day: dt.date) -> Q:
    """The statement's entries before a point: shares of gigs that started before `moment`, payouts paid
    before `day`."""
    return Q(kind=Kind.MEMBER_SHARE, booking__starts_at__lt=moment) | Q(
        kind=Kind.MEMBER_PAYOUT, member_payout__paid_on__lt=day
    )


def member_balances(*, band: Band, moment: dt.datetime, day: dt.date, member_id: int | None = None) -> dict:
    """{(person id, currency): due} before a point (see _before): what the band owed each person then
    (negative: paid ahead). One query."""
    entries = LedgerEntry.objects.filter(band=band, kind__in=STATEMENT_KINDS).filter(_before(moment, day))
    if member_id is not None:
        entries = entries.filter(member_id=member_id)
    rows = entries.values("member_id", "currency").annotate(total=Sum("amount_minor")).order_by()
    return {(r["member_id"], r["currency"]): r["total"] or 0 for r in rows}


@dataclass
class StatementLine:
    """A gig (the person's share of it) or a payout to them, with the balance after it."""

    on: dt.date
    booking: Booking | None = None
    payout: MemberPayout | None = None
    owed_minor: int = 0
    paid_minor: int = 0
    balance_minor: int = 0


@dataclass
class CurrencyStatement:
    currency: str
    opening_minor: int = 0
    lines: list[StatementLine] = field(default_factory=list)
    owed_minor: int = 0
    paid_minor: int = 0
    closing_minor: int = 0
    # What the band owes the person today (member_due's rule): negative, paid ahead.
    due_today_minor: int = 0

    @property
    def ahead_today_minor(self) -> int:
        """What the band has paid the person beyond the gigs played up to now."""
        return max(-self.due_today_minor, 0)


@dataclass
class MemberStatement:
    """One person's statement with the band over a period, per currency. `member`: whether they are in
    the band now (else a stand-in, or someone who has left, who shared a gig's fee)."""

    user: User
    member: bool
    currencies: list[CurrencyStatement] = field(default_factory=list)


def statement_access(*, band: Band, user: User) -> int | bool:
    """Whose statements `user` may read: True for everyone's (the band's leaders and admins), their own
    user id (a member; a stand-in or former member the band's ledger has shares of), False for none.
    Agencies read none: what a band pays its members is the band's own business. One or two queries."""
    if not getattr(user, "is_authenticated", False):
        return False
    role = Membership.objects.filter(band=band, user_id=user.pk).values_list("role", flat=True).first()
    if role in MANAGING_ROLES:
        return True
    if role is not None:
        return user.pk
    shared = LedgerEntry.objects.filter(band=band, member_id=user.pk, kind__in=STATEMENT_KINDS).exists()
    return user.pk if shared else False


def member_statements(*, band: Band, period: Period, member_id: int | None = None) -> list[MemberStatement]:
    """Each person's statement with the band over `period` (only `member_id`'s when given): the band's
    members now (in joining order), then everyone else its ledger has lines of (stand-ins), by name.
    Per currency: the balance brought forward, each gig's share and each payout by day with the balance
    after it, the totals and the balance carried, and what is owed today (members_due). Seven queries,
    whatever the number of gigs and people."""
    memberships = Membership.objects.filter(band=band).select_related("user").order_by("joined_at", "pk")
    if member_id is not None:
        memberships = memberships.filter(user_id=member_id)
    people: dict[int, User] = {m.user_id: m.user for m in memberships}
    members = set(people)
    entries = LedgerEntry.objects.filter(band=band, kind__in=STATEMENT_KINDS)
    if member_id is not None:
        entries = entries.filter(member_id=member_id)
    shares = list(
        entries.filter(
            kind=Kind.MEMBER_SHARE,
            booking__starts_at__gte=period.starts_at,
            booking__starts_at__lt=period.ends_before,
        )
        .values("member_id", "booking_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    payouts = list(
        entries.filter(
            kind=Kind.MEMBER_PAYOUT,
            member_payout__paid_on__gte=period.start,
            member_payout__paid_on__lte=period.end,
        ).select_related("member_payout")
    )
    opening = member_balances(band=band, moment=period.starts_at, day=period.start, member_id=member_id)
    today = members_due(band=band, member_id=member_id)
    bookings = bookings_by_id({r["booking_id"] for r in shares})
    others = {r["member_id"] for r in shares} | {e.member_id for e in payouts} | {k[0] for k, v in opening.items() if v}
    others -= set(people)
    if others:
        people.update(sorted(User.objects.in_bulk(list(others)).items(), key=lambda kv: (kv[1].name.lower(), kv[0])))

    lines: dict[tuple[int, str], list[tuple]] = {}
    for r in shares:
        booking = bookings.get(r["booking_id"])
        if booking is None:
            continue
        day = booking.starts_at.astimezone(period.zone).date()
        line = StatementLine(on=day, booking=booking, owed_minor=r["total"] or 0)
        lines.setdefault((r["member_id"], r["currency"]), []).append((day, 0, booking.starts_at, booking.pk, line))
    for e in payouts:
        p = e.member_payout
        line = StatementLine(on=p.paid_on, payout=p, paid_minor=-e.amount_minor)
        lines.setdefault((e.member_id, e.currency), []).append((p.paid_on, 1, None, p.pk, line))

    out = []
    for user_id, user in people.items():
        statement = MemberStatement(user=user, member=user_id in members)
        currencies = sorted(
            {c for (u, c) in lines if u == user_id} | {c for (u, c), v in opening.items() if u == user_id and v}
        )
        for currency in currencies:
            cs = CurrencyStatement(currency=currency, opening_minor=opening.get((user_id, currency), 0))
            balance = cs.opening_minor
            for *_key, line in sorted(lines.get((user_id, currency), []), key=lambda t: (t[0], t[1], t[3])):
                balance += line.owed_minor - line.paid_minor
                line.balance_minor = balance
                cs.lines.append(line)
                cs.owed_minor += line.owed_minor
                cs.paid_minor += line.paid_minor
            cs.closing_minor = balance
            cs.due_today_minor = today.get((user_id, currency), 0)
            statement.currencies.append(cs)
        out.append(statement)
    return out


def payees_of(*, band: Band) -> list[tuple[User, bool]]:
    """Who the band may pay: its members now, then the stand-ins and former members its ledger has shares
    of, as (user, is a member now). Two queries."""
    people = [
        (m.user, True) for m in Membership.objects.filter(band=band).select_related("user").order_by("joined_at", "pk")
    ]
    known = {u.pk for u, _m in people}
    others = User.objects.filter(
        pk__in=LedgerEntry.objects.filter(band=band, kind=Kind.MEMBER_SHARE).values("member_id")
    ).exclude(pk__in=known)
    return people + sorted(((u, False) for u in others), key=lambda p: (p[0].name.lower(), p[0].pk))


def member_payout_of(*, band: Band, pk: int) -> MemberPayout | None:
    """One payout to a member of the band's, or None (a number longer than an id is no row of ours)."""
    if not 0 < pk < 2**63:
        return None
    return MemberPayout.objects.filter(band=band, pk=pk).select_related("member").first()


@dataclass(frozen=True)
class YearTotals:
    """A band's money over a period in one currency: its gigs (booked or played), what payers paid
    (refunds off, outside StageSlot included), StageSlot's fee, the agency's commission, the band's share;
    what the band paid its members in the period, and what it owed them (and had paid ahead) at its end."""

    currency: str
    gigs: int = 0
    gross_minor: int = 0
    platform_fee_minor: int = 0
    commission_minor: int = 0
    band_share_minor: int = 0
    paid_to_members_minor: int = 0
    owed_to_members_minor: int = 0
    advanced_minor: int = 0


def band_year_totals(*, band: Band, period: Period) -> list[YearTotals]:
    """The band's YearTotals per currency (never summed across currencies), for gigs that start within
    `period`. Four queries."""
    in_period = {"booking__starts_at__gte": period.starts_at, "booking__starts_at__lt": period.ends_before}
    gigs = dict(
        Booking.objects.filter(
            band=band,
            status__in=Booking.PLAYED,
            starts_at__gte=period.starts_at,
            starts_at__lt=period.ends_before,
        )
        .values_list("currency")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def total(*kinds) -> Sum:
        return Sum("amount_minor", filter=Q(kind__in=kinds))

    money = {
        r["currency"]: r
        for r in LedgerEntry.objects.filter(booking__band=band, member__isnull=True, **in_period)
        .values("currency")
        .annotate(
            gross=total(Kind.PAYMENT, Kind.REFUND, Kind.OUTSIDE),
            fee=total(Kind.PLATFORM_FEE),
            commission=total(Kind.AGENCY_COMMISSION),
            share=total(Kind.BAND_SHARE, Kind.OUTSIDE),
        )
        .order_by()
    }
    paid = dict(
        LedgerEntry.objects.filter(
            band=band,
            kind=Kind.MEMBER_PAYOUT,
            member_payout__paid_on__gte=period.start,
            member_payout__paid_on__lte=period.end,
        )
        .values_list("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    end = period.end + dt.timedelta(days=1)
    owed: dict[str, int] = {}
    ahead: dict[str, int] = {}
    for (_person, currency), due in member_balances(band=band, moment=period.ends_before, day=end).items():
        if due > 0:
            owed[currency] = owed.get(currency, 0) + due
        elif due < 0:
            ahead[currency] = ahead.get(currency, 0) - due
    out = []
    for currency in sorted(set(gigs) | set(money) | set(paid) | set(owed) | set(ahead)):
        m = money.get(currency, {})
        out.append(
            YearTotals(
                currency=currency,
                gigs=gigs.get(currency, 0),
                gross_minor=m.get("gross") or 0,
                platform_fee_minor=m.get("fee") or 0,
                commission_minor=m.get("commission") or 0,
                band_share_minor=m.get("share") or 0,
                paid_to_members_minor=-(paid.get(currency) or 0),
                owed_to_members_minor=owed.get(currency, 0),
                advanced_minor=ahead.get(currency, 0),
            )
        )
    return out


def year_totals_access(*, band: Band, user: User) -> bool:
    """Whether `user` reads the band's yearly totals: its leaders and admins, and the people of an agency
    that represents it now (the commission is theirs; no member's own money is shown). Plain members and
    stand-ins do not (the band's money page is its leaders' too)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if Membership.objects.filter(band=band, user_id=user.pk, role__in=MANAGING_ROLES).exists():
        return True
    return band.pk in viewing_band_ids(user=user)
