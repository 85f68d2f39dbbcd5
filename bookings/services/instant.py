"""Instant booking: a client books one of a band's instant-bookable packages at a start in its green
zone, and the gig is BOOKED at once, without the band answering.

This is a door to book.booking_book, the one path to BOOKED, as accepting is: it takes the locks
(band; an instant booking has no slot) and runs checks.bookable under them, writes the event and
`sequence` through ending.booking_transition, and declines what the gig made impossible after its
commit. The door's own checks stay here: before the locks, booking_instant_check (package, price,
times, the band taking bookings, the client not a member, a plain read that the band is free); under
the band lock (BookPlan.door), the band's instant limits per day and week and the green zone as the
availability strip reads it (bookings.selectors.strip.start_fits, with one gig a day).
"""

import datetime as dt
import logging
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text
from bands.models import ApprovalStatus, Band, Membership, Package
from bands.packages import package_price
from core.fields.scheduling import scheduling_day_problem, scheduling_today
from core.fields.timezones import when_text

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking
from ..selectors.blocks import side_parties
from ..selectors.strip import instant_limit_problem, start_fits
from . import book
from .asking import cancel_terms_of
from .checks import band_free_check, contact_check, new_contact_check, too_long_text
from .notices import booking_summary

logger = logging.getLogger(__name__)

Status = Booking.Status

TEXT_FIELDS = ("event_type", "location", "message", "power_notes", "load_in_notes")


def package_minutes(package: Package, minutes: int | None) -> int:
    """How long a gig of `package` is: its own length, or a longer one asked for a package priced by
    the hour or day (never shorter, never longer than a day). Raises ValidationError("minutes")."""
    if minutes is None or package.price_unit == Package.PriceUnit.FIXED:
        return package.length_minutes
    if not package.length_minutes <= minutes <= 24 * 60:
        raise ValidationError(
            {
                "minutes": [
                    _("%(package)s lasts at least %(minutes)d minutes and at most 24 hours.")
                    % {"package": package.name, "minutes": package.length_minutes}
                ]
            }
        )
    return minutes


def _check_input(
    *,
    band: Band,
    package: Package,
    starts_at: dt.datetime,
    price: int,
    minutes: int,
    texts: dict,
    setting: str,
    guests,
    now,
) -> None:
    errors: dict[str, list[str]] = {}
    if package.band_id != band.pk or not package.active:
        errors["package"] = [_("Choose one of this band's packages.")]
    elif not package.instant:
        errors["package"] = [
            _("%(package)s is not instant-bookable: send %(band)s a request instead.")
            % {"package": package.name, "band": band.name}
        ]
    zone = zoneinfo.ZoneInfo(band.time_zone)
    if starts_at <= now:
        errors["starts_at"] = [_("This start is in the past. Choose a free time from the strip.")]
    elif problem := scheduling_day_problem(starts_at.astimezone(zone).date(), today=scheduling_today(zone, now=now)):
        errors["starts_at"] = [problem]
    elif starts_at < now + dt.timedelta(hours=band.instant_notice_hours):
        errors["starts_at"] = [instant_limit_problem(band=band, starts_at=starts_at, now=now)]
    if setting not in ("", *Booking.Setting.values):
        errors["setting"] = [_("Choose indoors or outdoors.")]
    if guests is not None and guests < 0:
        errors["guests"] = [_("The number of guests cannot be negative.")]
    for name, value in texts.items():
        limit = Booking._meta.get_field(name).max_length
        if len(value) > limit:
            errors[name] = [too_long_text(limit, len(value))]
    if errors:
        raise ValidationError(errors)
    if price != package_price(package, minutes=minutes):
        # A page drawn before the band changed its price, or a tampered form: never book at a price not shown.
        raise BookingConflict(
            _(
                "The price of %(package)s is now %(price)s %(currency)s, not %(shown)s. Nothing was booked; "
                "check the new price and confirm again."
            )
            % {
                "package": package.name,
                "price": number_format(package_price(package, minutes=minutes), force_grouping=True),
                "currency": package.currency,
                "shown": number_format(price, force_grouping=True),
            }
        )


def booking_instant_check(
    *,
    band: Band,
    package: Package,
    client: User,
    starts_at: dt.datetime,
    price: int,
    minutes: int | None,
    guests: int | None,
    setting: str,
    texts: dict[str, str],
    now: dt.datetime,
) -> tuple[int, dict[str, str]]:
    """Every check of an instant booking that needs no lock, as booking_instant makes them (the payments
    app runs them before a checkout is paid). Returns the gig's length in minutes and the stripped
    texts; raises as booking_instant does."""
    texts = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    minutes = package_minutes(package, minutes)
    _check_input(
        band=band,
        package=package,
        starts_at=starts_at,
        price=price,
        minutes=minutes,
        texts=texts,
        setting=setting,
        guests=guests,
        now=now,
    )
    if band.status != ApprovalStatus.APPROVED:
        raise BookingError(_("%(band)s is not taking bookings on StageSlot right now.") % {"band": band.name})
    if Membership.objects.filter(band_id=band.pk, user_id=client.pk).exists():
        raise BookingPermissionError(_("You play in %(band)s, so you cannot book it.") % {"band": band.name})
    contact_check(asking=side_parties(user_ids=[client.pk]), asked=side_parties(band_ids=[band.pk]), name=band.name)
    new_contact_check(by=client, asked=("band", band.pk), now=now)
    # A race already decided is refused without queueing on the band lock: a plain read that finds a
    # live gig then is true when read (as answering._check_not_decided). Finding none decides nothing.
    band_free_check(band, starts_at, starts_at + dt.timedelta(minutes=minutes), zoneinfo.ZoneInfo(band.time_zone))
    return minutes, texts


def booking_instant(
    *,
    band: Band,
    package: Package,
    client: User,
    starts_at: dt.datetime,
    price: int,
    event_type: str = "",
    location: str = "",
    guests: int | None = None,
    setting: str = "",
    power_notes: str = "",
    load_in_notes: str = "",
    message: str = "",
    minutes: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `package` of `band` for `client` at `starts_at`, BOOKED at once; `price` is the total the
    client was shown and must still be the package's price. `minutes`: a longer gig of a package priced
    by the hour or day (at least the package's length; a fixed-price package keeps its own).

    Raises ValidationError by field (another band's, a withdrawn or a non-instant package, a past or
    too distant start or one sooner than the band's minimum notice, bad details),
    BookingPermissionError (the client plays in the band), BookingError (the band is not taking
    bookings), BookingConflict (the price changed; the time is no longer free: taken by another gig
    meanwhile, or outside the band's green zone; the day or week has the band's most gigs for
    instant booking). Nothing is written unless it succeeds.
    """
    now = now or timezone.now()
    minutes, texts = booking_instant_check(
        band=band,
        package=package,
        client=client,
        starts_at=starts_at,
        price=price,
        minutes=minutes,
        guests=guests,
        setting=setting,
        texts=dict(zip(TEXT_FIELDS, (event_type, location, message, power_notes, load_in_notes), strict=True)),
        now=now,
    )
    length = dt.timedelta(minutes=minutes)
    ends_at = starts_at + length
    zone = zoneinfo.ZoneInfo(band.time_zone)

    def door(band: Band, booking: Booking) -> None:
        # The band's notice and its most gigs a day and a week, counted under the lock: a burst of
        # instant bookings takes them one after another and none passes a limit.
        if problem := instant_limit_problem(band=band, starts_at=starts_at, now=now):
            # Translators: problem is a sentence saying which of the band's limits the gig would pass.
            raise BookingConflict(_("%(problem)s Nothing was booked.") % {"problem": problem})
        if not start_fits(band=band, starts_at=starts_at, length=length, now=now):
            raise BookingConflict(
                _(
                    "%(band)s is not free %(when)s any more (with its set-up before and pack-down after). "
                    "Nothing was booked; choose another free time."
                )
                % {"band": band.name, "when": when_text(starts_at, ends_at, zone)}
            )

    booking = Booking(
        kind=Booking.Kind.REQUEST,
        role=Booking.Role.HEADLINER,
        instant=True,
        band=band,
        client=client,
        requested_by=client,
        package=package,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=band.time_zone,
        fee=price,
        currency=package.currency,
        guests=guests,
        setting=setting,
        **texts,
        **cancel_terms_of(band, starts_at),
    )
    plan = book.BookPlan(
        booking=booking,
        by=client,
        text=lazy_text(
            # Translators: %(package)s is the name of the band's package the client booked.
            gettext_lazy("Booked instantly: %(client)s booked %(band)s (%(package)s) to %(gig)s."),
            client=client.name,
            band=band.name,
            package=package.name,
            gig=booking_summary(booking),
        ),
        note=f"Booked instantly: {package.name}, {price:,} {package.currency}",
        door=door,
        taken=_("%(band)s was booked at an overlapping time meanwhile. Nothing was booked.") % {"band": band.name},
    )
    return book.booking_book(plan=plan, now=now)
