"""Writes of a party's legal details: a band's (by its leaders and admins), a venue's (by its staff), a
person's own (a client's name and address on contracts and invoices)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Band
from bookings.selectors.bookings import can_manage_band, is_venue_staff
from venues.models import Venue

from ..models import LegalDetails


def vat_rate_bp(rate: Decimal | str | int) -> int:
    """A VAT rate in per cent ("19", "7.5", "20.00") as basis points (1900, 750, 2000). Raises
    ValidationError for anything but a number from 0 to 100 with at most two decimals."""
    try:
        value = Decimal(str(rate).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Give the VAT rate as a number, e.g. 19 or 7.5."), code="vat_rate") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError(_("A VAT rate is 0 to 100 %."), code="vat_rate")
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ValidationError(_("A VAT rate has at most two decimals."), code="vat_rate")
    return int(value * 100)


def may_edit_legal(*, by: User, band: Band | None = None, venue: Venue | None = None, user: User | None = None) -> bool:
    """A band's leaders and admins edit the band's, a venue's owners and bookers the venue's, a person
    their own."""
    if not getattr(by, "is_authenticated", False):
        return False
    if band is not None:
        return can_manage_band(band.pk, by)
    if venue is not None:
        return is_venue_staff(venue.pk, by)
    return user is not None and user.pk == by.pk


def legal_details_set(
    *,
    by: User,
    band: Band | None = None,
    venue: Venue | None = None,
    user: User | None = None,
    legal_name: str,
    address: str,
    email: str = "",
    tax_number: str = "",
    vat_rate: Decimal | str | int = 0,
    reverse_charge: bool = False,
    invoice_note: str = "",
) -> LegalDetails:
    """Save the legal details of exactly one of band, venue and user, as `by`.

    Only a band issues invoices, so only a band's VAT rate and reverse charge count; a venue's and a
    person's are kept at none. A VAT rate above 0 or a reverse charge needs the band's VAT number (an
    invoice that charges VAT, or says the customer accounts for it, must show it). Raises
    PermissionDenied when `by` may not edit these details and ValidationError (by field) for bad input;
    nothing is saved then. Documents already issued keep the details they were issued with.
    """
    owners = [o for o in (band, venue, user) if o is not None]
    if len(owners) != 1:
        raise ValueError("legal_details_set takes exactly one of band, venue and user")
    if not may_edit_legal(by=by, band=band, venue=venue, user=user):
        raise PermissionDenied(_("You may not edit these legal details."))
    errors: dict[str, list[str]] = {}
    legal_name, address = (legal_name or "").strip(), (address or "").strip()
    tax_number, invoice_note, email = (tax_number or "").strip(), (invoice_note or "").strip(), (email or "").strip()
    if not legal_name:
        errors["legal_name"] = [_("Give the legal name that goes on paper.")]
    if not address:
        errors["address"] = [_("Give the postal address that goes on paper.")]
    rate = 0
    if band is not None:
        try:
            rate = vat_rate_bp(vat_rate)
        except ValidationError as exc:
            errors["vat_rate"] = exc.messages
        if reverse_charge and rate:
            errors.setdefault("vat_rate", []).append(_("A reverse charge charges no VAT: set the rate to 0."))
        if (rate or reverse_charge) and not tax_number:
            errors["tax_number"] = [_("An invoice that charges VAT or says reverse charge shows your VAT number.")]
    else:
        reverse_charge, invoice_note = False, ""
    details = LegalDetails(
        band=band,
        venue=venue,
        user=user,
        legal_name=legal_name,
        address=address,
        email=email,
        tax_number=tax_number,
        vat_rate_bp=rate,
        reverse_charge=bool(reverse_charge),
        invoice_note=invoice_note,
    )
    try:
        details.full_clean(exclude=["band", "venue", "user"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    owner = {"band": band} if band is not None else {"venue": venue} if venue is not None else {"user": user}
    values = {
        "legal_name": legal_name,
        "address": address,
        "email": email,
        "tax_number": tax_number,
        "vat_rate_bp": rate,
        "reverse_charge": bool(reverse_charge),
        "invoice_note": invoice_note,
    }
    with transaction.atomic():
        saved, _created = LegalDetails.objects.update_or_create(**owner, defaults=values)
    return saved
