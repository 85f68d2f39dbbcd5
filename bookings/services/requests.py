"""A client's request sent to several bands at once (GigSalad's way): one pending request per band,
made together through asking.booking_request, kept as one RequestGroup. Each band answers or
quotes on its own booking; the first one booked withdraws the others (services/request_groups.py,
docs/decisions/0035-one-request-to-several-bands.md)."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bands.models import Band

from ..errors import BookingConflict
from ..models import Booking, RequestGroup
from ..models_requests import MAX_BANDS
from ..selectors.bookings import band_gig_overlapping
from . import asking
from .asking import REPEAT_WINDOW

Status = Booking.Status


def names_text(names: Sequence[str]) -> str:
    """ "The Night Shift, Brass Kings": the bands a refusal is about."""
    # Translators: between the names of bands in a list.
    return _(", ").join(names)


def request_bands_check(bands: Sequence[Band]) -> None:
    """Raise ValidationError({"bands": …}) unless `bands` are 1 to MAX_BANDS different bands."""
    if not bands:
        raise ValidationError({"bands": [_("Choose at least one band to ask.")]})
    seen: set[int] = set()
    twice = []
    for band in bands:
        if band.pk in seen and band.name not in twice:
            twice.append(band.name)
        seen.add(band.pk)
    if twice:
        raise ValidationError(
            {
                "bands": [
                    ngettext(
                        "%(bands)s is on the list twice; ask each band once.",
                        "%(bands)s are on the list twice; ask each band once.",
                        len(twice),
                    )
                    % {"bands": names_text(twice)}
                ]
            }
        )
    if len(bands) > MAX_BANDS:
        raise ValidationError(
            {
                "bands": [
                    ngettext(
                        "Ask at most %(max)d band at once (this list has %(count)d).",
                        "Ask at most %(max)d bands at once (this list has %(count)d).",
                        MAX_BANDS,
                    )
                    % {"max": MAX_BANDS, "count": len(bands)}
                ]
            }
        )


def _resent(
    *, client: User, band_ids: set[int], starts_at: dt.datetime, ends_at: dt.datetime, message: str
) -> RequestGroup | None:
    """The group this same request (same bands, times and message, all still pending) made moments ago."""
    rows = set(
        Booking.objects.filter(
            kind=Booking.Kind.REQUEST,
            client_id=client.pk,
            band_id__in=band_ids,
            status=Status.PENDING,
            starts_at=starts_at,
            ends_at=ends_at,
            message=message,
            request_group__isnull=False,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).values_list("request_group_id", "band_id")
    )
    groups = {group_id for group_id, _band in rows}
    if len(groups) != 1 or {band for _group, band in rows} != band_ids:
        return None
    group = RequestGroup.objects.get(pk=groups.pop())
    return group if group.bookings.count() == len(band_ids) else None


def _asked_check(*, client: User, bands: Sequence[Band], starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Refuse, naming them, bands the client has already asked (pending or booked) for an overlapping time."""
    asked = set(
        Booking.objects.filter(
            kind=Booking.Kind.REQUEST,
            client_id=client.pk,
            band_id__in=[band.pk for band in bands],
            status__in=Booking.LIVE,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).values_list("band_id", flat=True)
    )
    names = [band.name for band in bands if band.pk in asked]
    if names:
        raise BookingConflict(
            ngettext(
                "You have already asked %(bands)s for an overlapping time. Leave it out, or withdraw that "
                "request first. Nothing was sent.",
                "You have already asked %(bands)s for an overlapping time. Leave them out, or withdraw those "
                "requests first. Nothing was sent.",
                len(names),
            )
            % {"bands": names_text(names)}
        )


def _booked_check(*, bands: Sequence[Band], starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Refuse, naming every one of them, bands that already have a gig at some moment of the event."""
    names = [
        band.name
        for band in bands
        if band_gig_overlapping(band_id=band.pk, starts_at=starts_at, ends_at=ends_at) is not None
    ]
    if names:
        raise BookingConflict(
            ngettext(
                "%(bands)s already has a gig then. Leave it out or choose another time. Nothing was sent.",
                "%(bands)s already have a gig then. Leave them out or choose another time. Nothing was sent.",
                len(names),
            )
            % {"bands": names_text(names)}
        )


def booking_request_many(
    *,
    bands: Sequence[Band],
    client: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    event_type: str = "",
    location: str = "",
    guests: int | None = None,
    fee: int | None = None,
    message: str = "",
    setting: str = "",
    power_notes: str = "",
    load_in_notes: str = "",
    now: dt.datetime | None = None,
) -> RequestGroup:
    """A client asks up to MAX_BANDS bands at once to play the same private event: one pending request
    each, made by asking.booking_request (its checks, its notice to each band), kept as one group.

    All or nothing, in one transaction that locks the bands in a fixed order. Raises
    ValidationError({"bands": …}) (no band, more than five, a band twice), ValidationError by field as
    booking_request does, and on "fee" for a budget given to bands that quote in different
    currencies; BookingConflict naming every band that already has a gig then, or that the client
    has already asked for an overlapping time; BookingError and BookingPermissionError as
    booking_request (a band not taking requests; a band the client plays in). The same request sent
    again within REPEAT_WINDOW (same bands, times and message, still pending) returns the group made
    then: nothing is added and no band is told twice.
    """
    now = now or timezone.now()
    bands = list(bands)
    request_bands_check(bands)
    currencies = sorted({band.currency for band in bands})
    if fee is not None and len(currencies) > 1:
        raise ValidationError(
            {
                "fee": [
                    _(
                        "These bands quote in different currencies (%(currencies)s): leave the budget empty "
                        "and compare their quotes."
                    )
                    % {"currencies": names_text(currencies)}
                ]
            }
        )
    message = message.strip()
    # Times the request refuses anyway (booking_request says why) need no look at gigs or earlier requests.
    times_make_sense = starts_at < ends_at and starts_at > now
    with transaction.atomic():
        # Every band locked, in one order, before anything is read: two sends to the same bands queue.
        locked = {
            band.pk: band
            for band in Band.objects.select_for_update().filter(pk__in=[b.pk for b in bands]).order_by("pk")
        }
        bands = [locked.get(band.pk, band) for band in sorted(bands, key=lambda band: band.pk)]
        band_ids = {band.pk for band in bands}
        same = _resent(client=client, band_ids=band_ids, starts_at=starts_at, ends_at=ends_at, message=message)
        if same is not None:
            return same
        if times_make_sense:
            _asked_check(client=client, bands=bands, starts_at=starts_at, ends_at=ends_at)
            _booked_check(bands=bands, starts_at=starts_at, ends_at=ends_at)
        made = [
            asking.booking_request(
                band=band,
                client=client,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=time_zone,
                event_type=event_type,
                location=location,
                guests=guests,
                fee=fee,
                message=message,
                setting=setting,
                power_notes=power_notes,
                load_in_notes=load_in_notes,
                now=now,
            )
            for band in bands
        ]
        group = RequestGroup.objects.create(client=client)
        Booking.objects.filter(pk__in=[booking.pk for booking in made]).update(request_group=group)
    return group
