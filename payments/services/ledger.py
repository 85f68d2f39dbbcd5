"""Postings to the append-only ledger: a payment taken, a refund given, a payout sent, a payment made
outside StageSlot, a door deal's settlement (for the record: what the band earned from the gig). Each
posting is written once (unique per payment, refund and kind); a booking's PAYMENT + REFUND entries
always equal its PLATFORM_FEE + AGENCY_COMMISSION + BAND_SHARE entries, and its MEMBER_SHARE entries add
up to its BAND_SHARE entries. An agency that represents the band when the money comes in, at a
commission, gets that share of the band's part (docs/decisions/0040-teams.md)."""

from decimal import Decimal

from bookings.models import Booking
from teams.models import LinkStatus, Representation

from ..models import LedgerEntry, MemberPayout, MemberSplit, Payment, Payout, Refund, Settlement
from ..selectors import playing_members

Kind = LedgerEntry.Kind


def member_shares(booking: Booking, amount: int) -> list[tuple[int, int]]:
    """`amount` split among the gig's members (user id, share): by the gig's own split where the band
    set one, else equally; the cents that do not divide go to the first members, so the shares add up
    exactly."""
    splits = list(MemberSplit.objects.filter(booking=booking).order_by("pk").values_list("member_id", "percent"))
    if splits:
        people = [member for member, _percent in splits]
        weights = [Decimal(percent) for _member, percent in splits]
    else:
        people = playing_members(booking)
        weights = [Decimal(1)] * len(people)
    total = sum(weights)
    if not people or total <= 0:
        return []
    sign = -1 if amount < 0 else 1
    amount = abs(amount)
    shares = [int(amount * w / total) for w in weights]
    left = amount - sum(shares)
    for i in range(left):
        shares[i % len(shares)] += 1
    return [(p, sign * s) for p, s in zip(people, shares, strict=True)]


def _entry(**fields) -> LedgerEntry:
    return LedgerEntry(**fields)


def commission_of(booking: Booking, share: int) -> tuple[int | None, int]:
    """(agency id, commission) on the band's part `share` of a payment: the agency that represents the band
    now at a commission (the first the band let in, if there are several), half a cent rounded up."""
    link = (
        Representation.objects.filter(
            band_id=booking.band_id, status=LinkStatus.ACTIVE, organisation__commission_bp__gt=0
        )
        .order_by("answered_at", "pk")
        .values_list("organisation_id", "organisation__commission_bp")
        .first()
    )
    if link is None or share <= 0:
        return None, 0
    organisation_id, basis_points = link
    return organisation_id, (share * basis_points + 5000) // 10000


def ledger_post_payment(*, payment: Payment, booking: Booking, first: bool = False) -> list[LedgerEntry]:
    """A payment taken through Stripe: the money in, the platform's fee and the band's share, split among
    its members. Written once: a second call finds the rows and adds none. `first`: the caller knows
    these are the first (the payment has just turned SUCCEEDED under its row lock), so nothing is looked
    up; the ledger_once_per_payment constraint still refuses a second posting."""
    if not first and LedgerEntry.objects.filter(payment=payment, refund__isnull=True, kind=Kind.PAYMENT).exists():
        return []
    amount, fee, cur = payment.amount_minor, payment.platform_fee_minor, payment.currency
    agency_id, commission = commission_of(booking, amount - fee)
    share = amount - fee - commission
    common = {"currency": cur, "booking": booking, "payment": payment}
    memo = payment.get_purpose_display()
    rows = [
        _entry(kind=Kind.PAYMENT, amount_minor=amount, memo=memo, **common),
        _entry(kind=Kind.PLATFORM_FEE, amount_minor=fee, memo=memo, **common),
        _entry(kind=Kind.BAND_SHARE, amount_minor=share, band_id=booking.band_id, memo=memo, **common),
    ]
    if commission:
        rows.append(
            _entry(
                kind=Kind.AGENCY_COMMISSION,
                amount_minor=commission,
                band_id=booking.band_id,
                organisation_id=agency_id,
                memo=memo,
                **common,
            )
        )
    rows += [
        _entry(
            kind=Kind.MEMBER_SHARE, amount_minor=part, band_id=booking.band_id, member_id=person, memo=memo, **common
        )
        for person, part in member_shares(booking, share)
    ]
    return LedgerEntry.objects.bulk_create(rows)


def ledger_post_outside(*, payment: Payment, booking: Booking) -> list[LedgerEntry]:
    """A payment the venue made to the band directly: the band earned it, StageSlot holds none of it."""
    if LedgerEntry.objects.filter(payment=payment, kind=Kind.OUTSIDE).exists():
        return []
    common = {"currency": payment.currency, "booking": booking, "payment": payment, "band_id": booking.band_id}
    rows = [_entry(kind=Kind.OUTSIDE, amount_minor=payment.amount_minor, memo=payment.reference, **common)]
    rows += [
        _entry(kind=Kind.MEMBER_SHARE, amount_minor=part, member_id=person, memo=payment.reference, **common)
        for person, part in member_shares(booking, payment.amount_minor)
    ]
    return LedgerEntry.objects.bulk_create(rows)


def refund_parts(payment: Payment, amount: int) -> tuple[int, int]:
    """How a refund of `amount` comes off the platform's fee and the band's share: in proportion."""
    fee_back = (payment.platform_fee_minor * amount + payment.amount_minor // 2) // payment.amount_minor
    return fee_back, amount - fee_back


def ledger_post_refund(*, refund: Refund, payment: Payment, booking: Booking) -> list[LedgerEntry]:
    if LedgerEntry.objects.filter(refund=refund, kind=Kind.REFUND).exists():
        return []
    fee_back, share_back = refund_parts(payment, refund.amount_minor)
    # The agency gives back its commission on the part refunded, in proportion to what it was paid.
    paid = (
        LedgerEntry.objects.filter(payment=payment, refund__isnull=True, kind=Kind.AGENCY_COMMISSION)
        .values_list("organisation_id", "amount_minor")
        .first()
    )
    commission_back = 0
    if paid is not None:
        parts = payment.amount_minor - payment.platform_fee_minor
        commission_back = (paid[1] * share_back + parts // 2) // parts if parts > 0 else 0
    share_back -= commission_back
    common = {"currency": refund.currency, "booking": booking, "payment": payment, "refund": refund}
    memo = refund.get_reason_display()
    rows = [
        _entry(kind=Kind.REFUND, amount_minor=-refund.amount_minor, memo=memo, **common),
        _entry(kind=Kind.PLATFORM_FEE, amount_minor=-fee_back, memo=memo, **common),
        _entry(kind=Kind.BAND_SHARE, amount_minor=-share_back, band_id=booking.band_id, memo=memo, **common),
    ]
    if commission_back:
        rows.append(
            _entry(
                kind=Kind.AGENCY_COMMISSION,
                amount_minor=-commission_back,
                band_id=booking.band_id,
                organisation_id=paid[0],
                memo=memo,
                **common,
            )
        )
    rows += [
        _entry(
            kind=Kind.MEMBER_SHARE, amount_minor=part, band_id=booking.band_id, member_id=person, memo=memo, **common
        )
        for person, part in member_shares(booking, -share_back)
    ]
    return LedgerEntry.objects.bulk_create(rows)


def ledger_post_payout(*, payout: Payout) -> LedgerEntry:
    return LedgerEntry.objects.create(
        kind=Kind.PAYOUT,
        amount_minor=-payout.amount_minor,
        currency=payout.currency,
        band_id=payout.band_id,
        payout=payout,
        memo=payout.reference,
    )


def ledger_post_settlement(*, settlement: Settlement, booking: Booking) -> LedgerEntry | None:
    """A settlement approved by both sides: the band's amount, for the record (no balance sums it; the
    money itself reaches the ledger as the payments that pay it). Written once per booking; the caller
    holds the booking's lock."""
    if LedgerEntry.objects.filter(booking=booking, kind=Kind.SETTLEMENT).exists():
        return None
    return LedgerEntry.objects.create(
        kind=Kind.SETTLEMENT,
        amount_minor=settlement.band_amount_minor,
        currency=settlement.currency,
        booking=booking,
        band_id=booking.band_id,
        memo=str(Payment.Purpose.SETTLEMENT.label),
    )


def ledger_post_member_payout(*, payout: MemberPayout) -> LedgerEntry:
    """What the band paid one of its members (-), or a payout to a member reversed (+): written once per
    row (ledger_once_per_member_payout)."""
    return LedgerEntry.objects.create(
        kind=Kind.MEMBER_PAYOUT,
        amount_minor=-payout.signed_minor,
        currency=payout.currency,
        band_id=payout.band_id,
        member_id=payout.member_id,
        member_payout=payout,
        memo=payout.reference or payout.get_method_display(),
    )
