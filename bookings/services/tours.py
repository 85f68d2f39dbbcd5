"""Applying to the stops of a tour route: one application per slot, each standing on its own; and the
tours a band keeps (SavedTour) to ask routes for again."""

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from bands.models import Band
from places.models import City
from venues.models import Slot

from ..errors import BookingError, BookingPermissionError
from ..models import Booking, SavedTour
from ..selectors.bookings import can_manage_band
from ..selectors.tours import KINDS, tour_slots_to_apply
from ..tours import route_problem
from . import asking, checks

GONE = gettext_lazy("This slot is no longer open to applications.")


@dataclass(frozen=True)
class StopOutcome:
    """What became of one stop: the booking made, or why there is none."""

    slot_id: int
    slot: Slot | None
    booking: Booking | None = None
    reason: str = ""

    @property
    def applied(self) -> bool:
        return self.booking is not None


OVER_LIMIT = gettext_lazy(
    "Not sent: you have used up the applications you can send this hour. Try this stop again later."
)


def tour_apply(
    *, band: Band, by: User, picks: Sequence[tuple[int, str]], message: str = "", limit: int | None = None
) -> list[StopOutcome]:
    """Apply `band` to each picked (slot id, role) through asking.booking_apply, the gig finder's own
    service (same locks, rules and notifications), taking the fee each slot offers.

    Each application is its own transaction: a stop refused (taken meanwhile, the band booked at that
    time, invitation only…) is reported with the service's reason and the others still go through.
    A slot that is not public any more, or never was, is reported as no longer open. Raises
    ValidationError for a message that is too long before anything is written. With `limit` (what is
    left of the person's allowance of applications), the picks after the first `limit` are reported
    as not sent.
    """
    message = checks.message_check(message)
    slots = tour_slots_to_apply(ids=[pk for pk, _role in picks])
    outcomes = []
    for n, (pk, role) in enumerate(picks):
        slot = slots.get(pk)
        if limit is not None and n >= limit:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=str(OVER_LIMIT)))
            continue
        if slot is None:
            outcomes.append(StopOutcome(slot_id=pk, slot=None, reason=str(GONE)))
            continue
        try:
            booking = asking.booking_apply(slot=slot, band=band, by=by, role=role, fee=slot.fee, message=message)
        except BookingError as exc:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=str(exc)))
        except ValidationError as exc:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, reason=" ".join(exc.messages)))
        else:
            outcomes.append(StopOutcome(slot_id=pk, slot=slot, booking=booking))
    return outcomes


# ---- Saved tours ----------------------------------------------------------------------------------

TOUR_FIELDS = ("label", "start", "end", "first_day", "last_day", "drive_km", "kinds")


def _tour_check(tour: SavedTour) -> None:
    """What a saved tour must be for the planner to route it: days in order and at most MAX_DAYS, a
    drive of 1 to 1,500 km, open slots and/or support places. Raises ValidationError by field."""
    errors: dict[str, list[str]] = {
        k: [v]
        for k, v in route_problem(first_day=tour.first_day, last_day=tour.last_day, drive_km=tour.drive_km).items()
    }
    if tour.drive_km > 1500:
        errors.setdefault("drive_km", []).append(_("Enter at most 1,500 km a day."))
    if not tour.kinds or not set(tour.kinds) <= set(KINDS):
        errors["kinds"] = [_("Pick open slots, support places or both.")]
    if errors:
        raise ValidationError(errors)


def saved_tour_create(
    *,
    band: Band,
    by: User,
    start: City,
    end: City,
    first_day: dt.date,
    last_day: dt.date,
    drive_km: int,
    kinds: Collection[str] = KINDS,
    label: str = "",
) -> SavedTour:
    """Keep a tour for `band` to ask routes for again (its leaders and admins only, as planning). Raises
    BookingPermissionError, BookingError past SavedTour.MAX_PER_BAND, ValidationError by field."""
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can plan its tours.") % {"band": band.name}
        )
    tour = SavedTour(
        band=band,
        created_by=by,
        label=label[:120],
        start=start,
        end=end,
        first_day=first_day,
        last_day=last_day,
        drive_km=drive_km,
        kinds=[k for k in KINDS if k in set(kinds)],
    )
    _tour_check(tour)
    with transaction.atomic():
        Band.objects.select_for_update().filter(pk=band.pk).values_list("pk", flat=True).get()
        if SavedTour.objects.filter(band=band).count() >= SavedTour.MAX_PER_BAND:
            raise BookingError(_("A band can keep %(n)s tours; delete one first.") % {"n": SavedTour.MAX_PER_BAND})
        tour.save()
    return tour


def saved_tour_update(*, tour: SavedTour, by: User, **changes) -> SavedTour:
    """Change a kept tour's label, cities, days, daily drive or kinds of stop (any of TOUR_FIELDS).
    Raises BookingPermissionError, ValidationError by field (nothing is saved then)."""
    if not can_manage_band(tour.band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can change its tours."))
    unknown = set(changes) - set(TOUR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    if "label" in changes:
        changes["label"] = (changes["label"] or "")[:120]
    if "kinds" in changes:
        changes["kinds"] = [k for k in KINDS if k in set(changes["kinds"] or ())]
    before = {name: getattr(tour, name) for name in changes}
    for name, value in changes.items():
        setattr(tour, name, value)
    try:
        _tour_check(tour)
    except ValidationError:
        for name, value in before.items():
            setattr(tour, name, value)
        raise
    tour.save()
    return tour


def saved_tour_delete(*, tour: SavedTour, by: User) -> None:
    """Forget a kept tour (applications made from its routes stay). Raises BookingPermissionError."""
    if not can_manage_band(tour.band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can delete its tours."))
    tour.delete()
