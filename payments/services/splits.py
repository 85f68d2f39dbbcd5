"""How a gig's band share is split among the band's members: equal by default, set per gig by the
band's leaders and admins. A split applies to the shares posted after it is set; shares the ledger has
posted already stay as they were posted (the ledger is never changed)."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Membership
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking

from ..models import MemberSplit
from ..selectors import MANAGING_ROLES, playing_members

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def member_split_set(*, booking: Booking, by: User, shares: dict[int, Decimal]) -> list[MemberSplit]:
    """Set the gig's split: `shares` maps band members' user ids to their share in per cent (two
    decimals at most, 0 to 100, adding up to 100; a member left out gets nothing). Payments and refunds
    posted from now on use it; shares posted before stay as posted.

    Raises BookingPermissionError (`by` is not a leader or admin of the gig's band), BookingConflict
    (the gig is not booked or played), ValidationError (someone not in the band, a share that is not a
    number from 0 to 100 with at most two decimals, shares that do not add up to 100)."""
    if not Membership.objects.filter(band_id=booking.band_id, user_id=by.pk, role__in=MANAGING_ROLES).exists():
        raise BookingPermissionError(_("Only the band's leaders and admins set how a gig's fee is split."))
    parsed: dict[int, Decimal] = {}
    for user_id, value in shares.items():
        try:
            percent = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError({"shares": [_("Each share is a number of per cent.")]}) from None
        if not percent.is_finite() or percent < 0 or percent > HUNDRED:
            raise ValidationError({"shares": [_("Each share is from 0 to 100 %.")]})
        if percent != percent.quantize(CENT):
            raise ValidationError({"shares": [_("Give each share with at most two decimals.")]})
        parsed[int(user_id)] = percent
    with transaction.atomic():
        # Under the booking's lock, as payments post their shares: a payment is split one way or the other.
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if booking.status not in Booking.PLAYED:
            raise BookingConflict(_("Only a gig that is booked or played has a split of its fee."))
        members = set(Membership.objects.filter(band_id=booking.band_id).values_list("user_id", flat=True))
        if set(parsed) - members:
            raise ValidationError({"shares": [_("Only the band's members share its fee.")]})
        total = sum(parsed.values(), Decimal(0))
        if total != HUNDRED:
            raise ValidationError(
                {"shares": [_("The shares add up to %(total)s %%; they must add up to 100 %%.") % {"total": total}]}
            )
        MemberSplit.objects.filter(booking=booking).delete()
        return MemberSplit.objects.bulk_create(
            MemberSplit(booking=booking, member_id=user_id, percent=percent)
            for user_id, percent in sorted(parsed.items())
            if percent > 0
        )


def member_split_stand_in(*, booking: Booking, member_id: int, stand_in_user_id: int) -> list[MemberSplit]:
    """A stand-in takes an absent member's share of one gig's fee: the gig's split (or, where the band set
    none, the equal split among its playing members, written out) with the member's per cent moved to the
    stand-in's account. Shares the ledger posted before stay as posted. Call inside the caller's
    transaction (gigs.services.stand_ins, under the place's lock)."""
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    splits = list(MemberSplit.objects.filter(booking=booking).order_by("pk"))
    if not splits:
        people = playing_members(booking)
        if not people:
            return []
        each = (HUNDRED / len(people)).quantize(CENT, rounding=ROUND_DOWN)
        percents = [each] * len(people)
        percents[0] += HUNDRED - each * len(people)
        splits = MemberSplit.objects.bulk_create(
            MemberSplit(booking=booking, member_id=user_id, percent=percent)
            for user_id, percent in zip(people, percents, strict=True)
        )
        splits = list(MemberSplit.objects.filter(booking=booking).order_by("pk"))
    absent = next((s for s in splits if s.member_id == member_id), None)
    if absent is None or absent.percent == 0:
        return splits
    taker = next((s for s in splits if s.member_id == stand_in_user_id), None)
    if taker is None:
        MemberSplit.objects.create(booking=booking, member_id=stand_in_user_id, percent=absent.percent)
    else:
        MemberSplit.objects.filter(pk=taker.pk).update(percent=taker.percent + absent.percent)
    MemberSplit.objects.filter(pk=absent.pk).update(percent=Decimal(0))
    return list(MemberSplit.objects.filter(booking=booking).order_by("pk"))
