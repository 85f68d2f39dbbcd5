"""A band's packages: what it offers clients at a set price. Reads, the price arithmetic, and the
leaders' writes (create, change, withdraw). Bookings of packages live in bookings.services.instant."""

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.formats import number_format
from django.utils.translation import gettext

from accounts.models import User
from core.fields.amounts import money_words

from .models import Band, Deliverable, Package
from .services import BandPermissionError, _manager_of

PACKAGE_LIMIT = 12
PACKAGE_FIELDS = (
    "name",
    "included",
    "sets",
    "set_minutes",
    "break_minutes",
    "price",
    "price_unit",
    "travel_included_km",
    "travel_fee",
    "instant",
    "deliverables",
    "active",
)


# ---- Reads ----------------------------------------------------------------------------------


def band_packages(*, band: Band, active_only: bool = True) -> QuerySet[Package]:
    """The band's packages in the order it chose (only those on offer unless `active_only` is False)."""
    qs = Package.objects.filter(band_id=band.pk).order_by("position", "pk")
    return qs.filter(active=True) if active_only else qs


def band_package_of(*, band: Band, pk: int, active_only: bool = True) -> Package:
    """One package of `band`: another band's package, or one withdrawn, is a 404."""
    return get_object_or_404(band_packages(band=band, active_only=active_only), pk=pk)


def package_length_label(package: Package) -> str:
    """ "3 × 45 min (2 h 45 with breaks)", "1 × 90 min"."""
    sets = {"sets": package.sets, "minutes": package.set_minutes}
    if package.sets == 1:
        return gettext("%(sets)s × %(minutes)s min") % sets
    hours, minutes = divmod(package.length_minutes, 60)
    if minutes:
        return gettext("%(sets)s × %(minutes)s min (%(hours)s h %(rest)02d with breaks)") % {
            **sets,
            "hours": hours,
            "rest": minutes,
        }
    return gettext("%(sets)s × %(minutes)s min (%(hours)s h with breaks)") % {**sets, "hours": hours}


def package_price(package: Package, *, minutes: int | None = None) -> int:
    """What the package costs for a gig of `minutes` (default: its own length): the fixed fee, the
    hourly price for every started hour, or the daily price for every started day; plus the travel fee."""
    minutes = package.length_minutes if minutes is None else minutes
    if package.price_unit == Package.PriceUnit.HOUR:
        base = package.price * math.ceil(minutes / 60)
    elif package.price_unit == Package.PriceUnit.DAY:
        base = package.price * max(1, math.ceil(minutes / (24 * 60)))
    else:
        base = package.price
    return base + (package.travel_fee or 0)


def package_price_label(package: Package) -> str:
    """ "1,800 EUR", "250 EUR per hour" – the price as listed."""
    values = {
        "amount": number_format(package.price, force_grouping=True),
        "currency": package.currency,
        "unit": package.get_price_unit_display(),
    }
    if package.price_unit == Package.PriceUnit.FIXED:
        return money_words(values["amount"], values["currency"])
    # Translators: a price and what it is for, e.g. "250 EUR per hour".
    return gettext("%(amount)s %(currency)s %(unit)s") % values


def package_travel_label(package: Package) -> str:
    """ "Travel included within 50 km", "Plus a travel fee of 80 EUR", or ""."""
    km = package.travel_included_km
    fee = (
        money_words(number_format(package.travel_fee, force_grouping=True), package.currency)
        if package.travel_fee
        else ""
    )
    if km and package.travel_fee:
        return gettext("Travel included within %(km)s km; travel fee %(fee)s") % {"km": km, "fee": fee}
    if km:
        return gettext("Travel included within %(km)s km") % {"km": km}
    if package.travel_fee:
        return gettext("Travel fee %(fee)s") % {"fee": fee}
    return ""


# ---- Writes ---------------------------------------------------------------------------------


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(PACKAGE_FIELDS)
    if unknown:
        raise TypeError(f"Not package fields: {', '.join(sorted(unknown))}")
    fields = {**fields}
    for name in ("name", "included"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "deliverables" in fields:
        chosen = set(fields["deliverables"] or ())
        if chosen - set(Deliverable.values):
            raise ValidationError({"deliverables": [gettext("Choose among the deliverables listed.")]})
        fields["deliverables"] = [value for value in Deliverable.values if value in chosen]
    return fields


def package_create(*, band: Band, by: User, **fields) -> Package:
    """Add a package to the band (leaders and admins). Raises BandPermissionError, ValidationError
    by field (as the model's validators say), or ValidationError when the band has PACKAGE_LIMIT."""
    fields = _clean(fields)
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=band.pk)
        _manager_of(band, by)
        count = Package.objects.filter(band=band).count()
        if count >= PACKAGE_LIMIT:
            raise ValidationError(
                gettext("A band can have at most %(limit)s packages; change or withdraw one.")
                % {"limit": PACKAGE_LIMIT}
            )
        package = Package(band=band, currency=band.currency, position=count + 1, **fields)
        package.full_clean()
        package.save()
    return package


def package_update(*, package: Package, by: User, **fields) -> Package:
    """Change a package (leaders and admins). Bookings made with it keep the times and price they had."""
    fields = _clean(fields)
    with transaction.atomic():
        package = Package.objects.select_for_update().select_related("band").get(pk=package.pk)
        _manager_of(package.band, by)
        for name, value in fields.items():
            setattr(package, name, value)
        package.currency = package.band.currency
        package.full_clean()
        package.save()
    return package


def band_cancel_terms_update(*, band: Band, by: User, cancel_free_days: int, cancel_late_percent: int) -> Band:
    """Set the band's cancellation terms (leaders and admins); bookings already made keep the terms
    they had. Locks the band row, so it queues behind any other change to the band, and checks the
    permission under the lock. Raises BandPermissionError. Returns the saved band."""
    with transaction.atomic():
        locked = Band.objects.select_for_update().get(pk=band.pk)
        _manager_of(locked, by)
        locked.cancel_free_days = cancel_free_days
        locked.cancel_late_percent = cancel_late_percent
        locked.save(update_fields=["cancel_free_days", "cancel_late_percent", "updated_at"])
    return locked


__all__ = [
    "PACKAGE_FIELDS",
    "PACKAGE_LIMIT",
    "BandPermissionError",
    "band_cancel_terms_update",
    "band_package_of",
    "band_packages",
    "package_create",
    "package_length_label",
    "package_price",
    "package_price_label",
    "package_travel_label",
    "package_update",
]
