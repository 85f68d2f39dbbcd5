"""Payouts: StageSlot's staff send a band what it is owed by bank transfer and record it here, with the
transfer's reference; the ledger takes it off what the band is owed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Currency
from bands.selectors import band_managers
from bookings.errors import BookingPermissionError
from bookings.selectors.quotes import money_text, money_text_lazy

from ..models import Payout
from ..selectors import band_owed
from . import ledger


def payout_record(*, band: Band, amount_minor: int, currency: str, reference: str, by: User, note: str = "") -> Payout:
    """Record a bank transfer of `amount_minor` in `currency` to `band` and take it off what the band is
    owed in that currency (the ledger's PAYOUT entry); the band's leaders and admins are told.

    Raises BookingPermissionError (`by` is not staff), ValidationError (an amount of nothing or less,
    more than the band is owed in that currency, an unknown currency, no reference)."""
    if not getattr(by, "is_staff", False):
        raise BookingPermissionError(_("Only StageSlot's staff record payouts."))
    reference = (reference or "").strip()
    errors: dict[str, list[str]] = {}
    if currency not in Currency.values:
        errors["currency"] = [_("Choose a currency.")]
    if amount_minor is None or amount_minor <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    if not reference:
        errors["reference"] = [_("Enter the bank transfer's reference.")]
    elif len(reference) > 120:
        errors["reference"] = [_("Keep the reference to 120 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One payout of a band at a time: two staff recording at once never pay out more than is owed.
        band = Band.objects.select_for_update().get(pk=band.pk)
        owed = band_owed(band_id=band.pk, currency=currency)
        if amount_minor > owed:
            raise ValidationError(
                {
                    "amount": [
                        _("%(band)s is owed %(owed)s: a payout cannot be more.")
                        % {"band": band.name, "owed": money_text(max(owed, 0), currency)}
                    ]
                }
            )
        payout = Payout.objects.create(
            band=band,
            amount_minor=amount_minor,
            currency=currency,
            reference=reference,
            note=note[:300],
            recorded_by=by,
        )
        ledger.ledger_post_payout(payout=payout)
        notifications_create(
            recipients=band_managers(band.pk),
            kind="booking_payment",
            text=lazy_text(
                gettext_lazy("StageSlot sent %(band)s %(amount)s by bank transfer (reference %(reference)s)."),
                band=band.name,
                amount=money_text_lazy(amount_minor, currency),
                reference=reference,
            ),
            link=reverse("payments:band_money", args=[band.slug]),
            key=f"payout:{payout.pk}",
            actor=by,
        )
    return payout
