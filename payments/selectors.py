"""Reads of money: what a booking costs and when each part is due, what is paid, a band's balance.

Every total is a sum of rows (payments, ledger entries) in one aggregate query.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.prepared import CompiledSQL
from bands.models import Band, Membership, Package
from bookings.models import Booking, Quote
from bookings.selectors.bookings import PAGE_RELATED, booking_for_viewer, is_venue_staff, side_of
from bookings.selectors.quotes import money_text
from venues.models import VenueStaff

from .models import (
    Checkout,
    LedgerEntry,
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
        names = [column[0] for column in cursor.description]
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
