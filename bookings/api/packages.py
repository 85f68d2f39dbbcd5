"""A band's packages: listed and read by anyone (those on offer, of an approved band), added, changed
and withdrawn by the band's leaders and admins with a token of the "packages" scope.

Instant book (POST …/packages/<id>/book, "bookings" scope) books an instant-bookable package through
bookings.services.instant.booking_instant, as the booking page's last step does: the same checks
under the same band lock; a time taken meanwhile, or a price that changed, is a 409 problem.

Reads go through bands.packages (band_packages / band_package_of) and writes through its services
(package_create / package_update), exactly as /bands/<slug>/manage/packages/ does: the same limits,
the same model validation (a 422 naming the fields) and the same manager check (a 403).
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from accounts.models import ApiToken
from bands.packages import (
    BandPermissionError,
    band_package_of,
    band_packages,
    package_create,
    package_price,
    package_update,
)
from bands.selectors import band_approved_of, band_for_manage
from core.fields.api_fields import ApiLine, ApiText
from core.fields.dates import ApiDateTime

from ..services.instant import booking_instant, booking_instant_check
from .bookings import OUT_OF_RANGE, BookingOut, _limited, _mine_or_404, booking_out
from .core import COMMON_ERRORS, PUBLIC, ApiProblem, Problem, caller, public_auth, token_auth

router = Router(auth=token_auth)

READ_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {404: Problem}
WRITE_ERRORS = READ_ERRORS | {403: Problem}


class PackageOut(Schema):
    id: int
    band: str  # the band's slug
    name: str
    included: str
    sets: int
    set_minutes: int
    break_minutes: int
    length_minutes: int
    price: int  # as the band lists it, in `currency`, per `price_unit`
    price_unit: str  # fixed, hour, day
    currency: str
    travel_included_km: int | None
    travel_fee: int | None
    total: int  # what the package costs for its own length, travel fee included
    instant: bool
    active: bool


class PackageIn(Schema):
    name: ApiLine(80) = Field(..., min_length=1)
    included: ApiText(1000) = Field("")
    sets: int = Field(1, ge=1, le=10)
    set_minutes: int = Field(45, ge=10, le=480)
    break_minutes: int = Field(15, ge=0, le=120)
    price: int = Field(..., ge=0, le=10_000_000)
    price_unit: Literal["fixed", "hour", "day"] = "fixed"
    travel_included_km: int | None = Field(None, ge=0, le=20_000)
    travel_fee: int | None = Field(None, ge=0, le=1_000_000)
    instant: bool = False


class PackagePatch(Schema):
    """Only the fields sent change; `active: false` withdraws the package (bookings made with it stay)."""

    name: ApiLine(80) | None = Field(None, min_length=1)
    included: ApiText(1000) | None = Field(None)
    sets: int | None = Field(None, ge=1, le=10)
    set_minutes: int | None = Field(None, ge=10, le=480)
    break_minutes: int | None = Field(None, ge=0, le=120)
    price: int | None = Field(None, ge=0, le=10_000_000)
    price_unit: Literal["fixed", "hour", "day"] | None = None
    travel_included_km: int | None = Field(None, ge=0, le=20_000)
    travel_fee: int | None = Field(None, ge=0, le=1_000_000)
    instant: bool | None = None
    active: bool | None = None


# Fields a PATCH may set to null; the others are left as they are when null.
NULLABLE = {"travel_included_km", "travel_fee"}


def package_out(package, slug: str) -> dict:
    return {
        "id": package.pk,
        "band": slug,
        "name": package.name,
        "included": package.included,
        "sets": package.sets,
        "set_minutes": package.set_minutes,
        "break_minutes": package.break_minutes,
        "length_minutes": package.length_minutes,
        "price": package.price,
        "price_unit": package.price_unit,
        "currency": package.currency,
        "travel_included_km": package.travel_included_km,
        "travel_fee": package.travel_fee,
        "total": package_price(package),
        "instant": package.instant,
        "active": package.active,
    }


def _public_band(slug: str):
    return band_approved_of(slug=slug)


def _managed_band(request: HttpRequest, slug: str):
    """The band at `slug` when the caller's token has the packages scope and the caller manages it."""
    user = caller(request, ApiToken.Scope.PACKAGES)
    band, membership = band_for_manage(slug=slug, user=user)
    if membership is None or not membership.can_manage:
        raise ApiProblem(
            403, _("Only the leaders and admins of %(band)s can change its packages.") % {"band": band.name}
        )
    return band, user


@router.get(
    "/bands/{slug}/packages",
    response={200: list[PackageOut], **READ_ERRORS},
    auth=public_auth,
    openapi_extra=PUBLIC,
    tags=["packages"],
)
def packages_list(request: HttpRequest, slug: str):
    """The packages an approved band offers, in its order (a band has at most a dozen, so one page)."""
    band = _public_band(slug)
    return [package_out(p, band.slug) for p in band_packages(band=band)]


@router.get(
    "/bands/{slug}/packages/{package_id}",
    response={200: PackageOut, **READ_ERRORS},
    auth=public_auth,
    openapi_extra=PUBLIC,
    tags=["packages"],
)
def package_detail(request: HttpRequest, slug: str, package_id: int):
    """One package on offer; a withdrawn one, or another band's, is a 404."""
    band = _public_band(slug)
    return package_out(band_package_of(band=band, pk=package_id), band.slug)


@router.post("/bands/{slug}/packages", response={201: PackageOut, **WRITE_ERRORS}, tags=["packages"])
def package_add(request: HttpRequest, slug: str, payload: PackageIn):
    """Add a package (leaders and admins; at most a dozen per band). Its currency is the band's."""
    band, user = _managed_band(request, slug)
    try:
        package = package_create(band=band, by=user, **payload.dict())
    except BandPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    return Status(201, package_out(package, band.slug))


@router.patch("/bands/{slug}/packages/{package_id}", response={200: PackageOut, **WRITE_ERRORS}, tags=["packages"])
def package_change(request: HttpRequest, slug: str, package_id: int, payload: PackagePatch):
    """Change a package, withdrawn or not; bookings made with it keep the times and price they had."""
    band, user = _managed_band(request, slug)
    package = band_package_of(band=band, pk=package_id, active_only=False)
    sent = payload.dict(exclude_unset=True)
    fields = {k: v for k, v in sent.items() if v is not None or k in NULLABLE}
    try:
        package = package_update(package=package, by=user, **fields)
    except BandPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    return package_out(package, band.slug)


@router.delete("/bands/{slug}/packages/{package_id}", response={200: PackageOut, **WRITE_ERRORS}, tags=["packages"])
def package_retire(request: HttpRequest, slug: str, package_id: int):
    """Withdraw a package: clients no longer see it; bookings made with it stay. Answers the package."""
    band, user = _managed_band(request, slug)
    package = band_package_of(band=band, pk=package_id, active_only=False)
    try:
        package = package_update(package=package, by=user, active=False)
    except BandPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    return package_out(package, band.slug)


# ---- Instant book ------------------------------------------------------------------------------


class InstantIn(Schema):
    """A start in the band's green zone (GET /bands/{slug}/availability) and the total you were shown
    (the package's `total`, or its price for `minutes` when it is priced by the hour or day)."""

    starts_at: ApiDateTime.ANY_AHEAD = Field(..., description="With its UTC offset")
    price: int = Field(..., ge=0, le=100_000_000, description="The total you agree to pay")
    minutes: int | None = Field(None, ge=1, le=24 * 60, description="A longer gig of a package priced by time")
    event_type: ApiLine(60) = Field("")
    location: ApiLine(200) = Field("")
    guests: int | None = Field(None, ge=0, le=1_000_000)
    setting: Literal["", "indoor", "outdoor"] = ""
    power_notes: ApiText(300) = Field("")
    load_in_notes: ApiText(300) = Field("")
    message: ApiText(2000) = Field("")


BOOK_ERRORS = WRITE_ERRORS | {409: Problem}


@router.post("/bands/{slug}/packages/{package_id}/book", response={201: BookingOut, **BOOK_ERRORS}, tags=["packages"])
def package_book(request: HttpRequest, slug: str, package_id: int, body: InstantIn):
    """Book an instant-bookable package at once: the gig is BOOKED without the band answering. A time
    no longer free (taken meanwhile, or outside the band's green zone) or a changed price is a 409 and
    books nothing; a package that is not instant-bookable is a 422."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    band = _public_band(slug)
    package = band_package_of(band=band, pk=package_id)
    if body.starts_at.tzinfo is None:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [_("Give the UTC offset.")]})
    try:
        starts_at = body.starts_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    texts = {
        name: getattr(body, name) for name in ("event_type", "location", "power_notes", "load_in_notes", "message")
    }
    gig = {"band": band, "package": package, "client": user, "starts_at": starts_at, "price": body.price}
    gig.update(minutes=body.minutes, guests=body.guests, setting=body.setting)
    if body.price > 0:
        # Paid at once: the card is authorised first, then the booking made (the payments API's checkout).
        # Every check of the booking still answers first, as it would there.
        booking_instant_check(**gig, texts=texts, now=timezone.now())
        raise ApiProblem(
            409,
            _(
                "This package is paid when it is booked: open a checkout with POST /api/v1/checkouts and pay it, "
                "and the gig is booked the moment the card is accepted. Nothing was booked."
            ),
        )
    # A place of the per-person limit is taken first and given back when nothing was booked.
    with _limited("booking_request", user):
        booking = booking_instant(**gig, **texts)
    return Status(201, booking_out(request, _mine_or_404(request, booking.uid)))
