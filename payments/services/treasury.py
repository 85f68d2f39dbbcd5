"""Payouts to members: the band's leaders record what the band paid one of its members (or a stand-in) of
what their shares of its gigs earned them, and reverse a payout recorded by mistake. Each row has its
MEMBER_PAYOUT entry in the ledger, so what the band owes a person stays one sum (selectors.member_due);
nothing is changed or deleted (docs/decisions/0071-the-treasurers-year.md)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Currency, Membership
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.selectors.quotes import money_text, money_text_lazy

from ..models import LedgerEntry, MemberPayout
from ..selectors import MANAGING_ROLES, STATEMENT_KINDS, band_today, member_due
from . import ledger

# The most one payout to a member may be (in minor units): a typing slip of a few zeros is refused.
MEMBER_PAYOUT_MAX_MINOR = 100_000_000
# A payout may be dated a day ahead (the transfer is sent tonight), never further.
DAYS_AHEAD = 1
EARLIEST = dt.date(2000, 1, 1)


def _may_record(band: Band, by: User) -> None:
    if not Membership.objects.filter(band=band, user_id=by.pk, role__in=MANAGING_ROLES).exists():
        raise BookingPermissionError(_("Only the band's leaders and admins record what the band paid its members."))


def member_payout_record(
    *,
    band: Band,
    member_id: int,
    amount_minor: int,
    currency: str,
    paid_on: dt.date,
    method: str,
    by: User,
    reference: str = "",
    note: str = "",
    advance: bool = False,
    today: dt.date | None = None,
) -> MemberPayout:
    """Record that the band paid `member_id` `amount_minor` in `currency` on `paid_on`, and post it to the
    ledger (MEMBER_PAYOUT, negative); the person is told. Never more than the band owes them in that
    currency today (member_due: shares of gigs played up to now), unless `advance` says the leader
    knowingly pays ahead (a gig not played yet is paid ahead).

    Under the band's row lock, as staff payouts are: two payouts at once queue, and the second sees the
    first. Raises BookingPermissionError (`by` is not a leader or admin of the band), ValidationError
    (an amount of nothing, less or too much; a currency the person has no share or payout in with this
    band; someone the band has never shared a gig's fee with; a day more than a day ahead; more than is
    owed without `advance`)."""
    _may_record(band, by)
    today = today or band_today(band)
    reference = (reference or "").strip()
    errors: dict[str, list[str]] = {}
    if currency not in Currency.values:
        errors["currency"] = [_("Choose a currency.")]
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    elif amount_minor > MEMBER_PAYOUT_MAX_MINOR:
        errors["amount"] = [
            _("One payout is at most %(most)s.") % {"most": money_text(MEMBER_PAYOUT_MAX_MINOR, currency or "EUR")}
        ]
    if paid_on is None or paid_on > today + dt.timedelta(days=DAYS_AHEAD):
        errors["paid_on"] = [_("Give the day it was paid: today, a day before, or at most tomorrow.")]
    elif paid_on < EARLIEST:
        errors["paid_on"] = [_("Give a day from the year 2000 on.")]
    if method not in MemberPayout.Method.values:
        errors["method"] = [_("Choose how it was paid.")]
    if len(reference) > 120:
        errors["reference"] = [_("Keep the reference to 120 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One payout to the band's people at a time: two leaders recording at once never pay more than is owed.
        band = Band.objects.select_for_update().get(pk=band.pk)
        member = User.objects.filter(pk=member_id).first()
        known = LedgerEntry.objects.filter(band=band, member_id=member_id, kind__in=STATEMENT_KINDS)
        if member is None or not (Membership.objects.filter(band=band, user_id=member_id).exists() or known.exists()):
            raise ValidationError({"member": [_("Choose someone in the band, or a stand-in who played with it.")]})
        if not known.filter(currency=currency).exists():
            raise ValidationError(
                {
                    "currency": [
                        _("%(name)s has no share of a gig in %(currency)s with %(band)s.")
                        % {"name": member.name, "currency": currency, "band": band.name}
                    ]
                }
            )
        due = member_due(band_id=band.pk, member_id=member_id, currency=currency)
        if amount_minor > due and not advance:
            raise ValidationError(
                {
                    "amount": [
                        _("%(band)s owes %(name)s %(due)s: a payout cannot be more, unless you tick “Advance payment”.")
                        % {"band": band.name, "name": member.name, "due": money_text(max(due, 0), currency)}
                    ]
                }
            )
        payout = MemberPayout.objects.create(
            band=band,
            member=member,
            amount_minor=amount_minor,
            currency=currency,
            paid_on=paid_on,
            method=method,
            reference=reference,
            note=(note or "").strip()[:300],
            advance=amount_minor > due,
            recorded_by=by,
        )
        ledger.ledger_post_member_payout(payout=payout)
        notifications_create(
            recipients=[member],
            kind="booking_payment",
            text=lazy_text(
                gettext_lazy("%(band)s recorded that it paid you %(amount)s."),
                band=band.name,
                amount=money_text_lazy(amount_minor, currency),
            ),
            link=reverse("payments:band_statements", args=[band.slug]),
            key=f"member_payout:{payout.pk}",
            actor=by,
        )
    return payout


def member_payout_reverse(
    *, payout: MemberPayout, by: User, note: str = "", today: dt.date | None = None
) -> MemberPayout:
    """Undo a payout recorded by mistake: a reversing row of the same amount, dated today, and its ledger
    entry (+), so what the band owes the person is as before. The payout itself stays as recorded.

    Raises BookingPermissionError (`by` is not a leader or admin of the band), BookingConflict (the
    payout is a reversal itself, or was reversed already, also by someone at the same moment)."""
    _may_record(payout.band, by)
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=payout.band_id)
        payout = MemberPayout.objects.select_related("member").get(pk=payout.pk)
        if payout.reverses_id is not None:
            raise BookingConflict(_("This row reverses a payout: it cannot be reversed itself."))
        if MemberPayout.objects.filter(reverses=payout).exists():
            raise BookingConflict(_("This payout is reversed already."))
        reversal = MemberPayout.objects.create(
            band=band,
            member=payout.member,
            amount_minor=payout.amount_minor,
            currency=payout.currency,
            paid_on=today or band_today(band),
            method=payout.method,
            reference=payout.reference,
            note=(note or "").strip()[:300],
            reverses=payout,
            recorded_by=by,
        )
        ledger.ledger_post_member_payout(payout=reversal)
        notifications_create(
            recipients=[payout.member],
            kind="booking_payment",
            text=lazy_text(
                gettext_lazy("%(band)s reversed a payout to you of %(amount)s recorded by mistake."),
                band=band.name,
                amount=money_text_lazy(payout.amount_minor, payout.currency),
            ),
            link=reverse("payments:band_statements", args=[band.slug]),
            key=f"member_payout:{reversal.pk}",
            actor=by,
        )
    return reversal
