"""Writes of a show's guest list: each side adds and takes off its own guests within its cap, the side that
runs the day sets the caps and its door staff tick guests in.

Adding locks the booking's row first and counts the side's places under that lock, so two people adding at
once queue and the cap holds (on SQLite the IMMEDIATE transaction serialises writers the same way).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings.errors import BookingConflict, BookingError, BookingPermissionError, StaleEdit
from bookings.models import Booking

from ..models import DaySheet, GuestEntry, Side
from ..selectors.day_sheets import is_editable, runs_the_day, sides_of
from ..selectors.guest_lists import guest_caps_of, guest_places_taken

NAME_MAX = GuestEntry._meta.get_field("name").max_length
NOTE_MAX = GuestEntry._meta.get_field("note").max_length
PLUS_ONES_MAX = 9
CAP_MAX = 999


def _refuse_unless_open(booking: Booking, *, now: dt.datetime) -> None:
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
        raise BookingError(_("This gig is not booked, so its guest list cannot change."))
    if not is_editable(booking, now=now):
        raise BookingError(_("This gig is over, so its guest list stays as it was."))


def _locked(booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
        raise BookingConflict(_("This gig changed meanwhile: reload the page and try again."))
    return locked


def guest_entry_add(
    *,
    booking: Booking,
    by: User,
    side: str,
    name: str,
    plus_ones: int = 0,
    note: str = "",
    now: dt.datetime | None = None,
) -> GuestEntry:
    """Put a guest on `side`'s part of the list. The side's places (each guest and their plus-ones) stay
    within its cap, counted under the booking's row lock. Raises ValidationError (by field) for an empty
    or too long name or note, plus-ones outside 0–9 or an unknown side; BookingPermissionError for anyone
    who does not speak for `side` (the side that runs the day for "venue", the band's leaders, admins and
    agency for "band"); BookingConflict when the cap would be passed; BookingError when the gig is not
    booked or is over. Nothing is written on a refusal."""
    name, note = (name or "").strip(), (note or "").strip()
    errors = {}
    if side not in Side.values:
        errors["side"] = _("Say whose guest this is: the band's or the venue's.")
    if not name:
        errors["name"] = _("Write the guest's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Keep the name to 120 characters.")
    if not isinstance(plus_ones, int) or not 0 <= plus_ones <= PLUS_ONES_MAX:
        errors["plus_ones"] = _("A guest brings from 0 to 9 people.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note to 200 characters.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    if side not in sides_of(booking, by):
        raise BookingPermissionError(_("You add guests for your own side only."))
    _refuse_unless_open(booking, now=now)
    with transaction.atomic():
        locked = _locked(booking)
        cap = guest_caps_of(DaySheet.objects.filter(booking_id=locked.pk).first())[side]
        if cap is not None:
            taken = guest_places_taken(booking_id=locked.pk, side=side)
            if taken + 1 + plus_ones > cap:
                left = max(0, cap - taken)
                raise BookingConflict(
                    ngettext(
                        "This side has %(left)d place left on the guest list of %(cap)d; this guest needs %(need)d.",
                        "This side has %(left)d places left on the guest list of %(cap)d; this guest needs %(need)d.",
                        left,
                    )
                    % {"left": left, "cap": cap, "need": 1 + plus_ones}
                )
        return GuestEntry.objects.create(
            booking=locked, side=side, name=name, plus_ones=plus_ones, note=note, added_by=by
        )


def _entry(locked: Booking, entry_id: int) -> GuestEntry:
    entry = GuestEntry.objects.filter(booking_id=locked.pk, pk=entry_id).first()
    if entry is None:
        raise BookingConflict(_("This guest is no longer on the list: reload the page."))
    return entry


def guest_entry_remove(*, booking: Booking, by: User, entry_id: int, now: dt.datetime | None = None) -> GuestEntry:
    """Take a guest off the list: a side takes off its own guests only. Raises BookingPermissionError for
    another side's guest, BookingConflict when the guest is gone already, BookingError when the gig is not
    booked or is over."""
    now = now or timezone.now()
    sides = sides_of(booking, by)
    if not sides:
        raise BookingPermissionError(_("You take guests off your own side's list only."))
    _refuse_unless_open(booking, now=now)
    with transaction.atomic():
        entry = _entry(_locked(booking), entry_id)
        if entry.side not in sides:
            raise BookingPermissionError(_("You take guests off your own side's list only."))
        entry.delete()
    return entry


def guest_check_in(
    *,
    booking: Booking,
    by: User,
    entry_id: int,
    checked_in: bool = True,
    seen: bool | None = None,
    now: dt.datetime | None = None,
) -> GuestEntry:
    """Door staff (the side that runs the day) tick a guest in, or untick a mistake. `seen`: whether the
    guest was checked in on the version the person acted on (a page, or a device offline); when that
    changed meanwhile, nothing changes and StaleEdit says both versions. Raises BookingPermissionError for
    anyone else, BookingConflict when the guest is gone, BookingError when the gig is not booked or is over."""
    now = now or timezone.now()
    if not runs_the_day(booking, by):
        raise BookingPermissionError(_("Only the venue's door staff tick guests in."))
    _refuse_unless_open(booking, now=now)
    with transaction.atomic():
        entry = _entry(_locked(booking), entry_id)
        if seen is not None and seen != (entry.checked_in_at is not None):
            raise StaleEdit(
                _("%(name)s was changed at the door meanwhile.") % {"name": entry.name},
                theirs=_check_in_words(entry.checked_in_at, booking),
                yours=_check_in_words(now if checked_in else None, booking),
            )
        if checked_in and entry.checked_in_at is not None:
            return entry  # ticked in already, on the version seen: nothing to change
        entry.checked_in_at = now if checked_in else None
        entry.save(update_fields=["checked_in_at"])
    return entry


def _check_in_words(at: dt.datetime | None, booking: Booking) -> str:
    if at is None:
        return _("not checked in")
    return _("checked in at %(time)s") % {"time": formats.time_format(at.astimezone(booking.zone), "CLOCK_FORMAT")}


def guest_caps_set(
    *, booking: Booking, by: User, band_cap: int | None, venue_cap: int | None, now: dt.datetime | None = None
) -> DaySheet:
    """The side that runs the day sets how many people each side may put on the list (None: no cap, 0: none).
    A cap below what a side has already keeps its guests and stops new ones. Raises ValidationError (by
    field) for a cap outside 0–999, BookingPermissionError for anyone else, BookingError when the gig is not
    booked or is over."""
    errors = {}
    for field, value in (("band_cap", band_cap), ("venue_cap", venue_cap)):
        if value is not None and (not isinstance(value, int) or not 0 <= value <= CAP_MAX):
            errors[field] = _("A cap is a number from 0 to 999, or empty for no cap.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    if not runs_the_day(booking, by):
        raise BookingPermissionError(_("Only the side that runs the day sets the guest list's places."))
    _refuse_unless_open(booking, now=now)
    with transaction.atomic():
        locked = _locked(booking)
        sheet = DaySheet.objects.filter(booking_id=locked.pk).first() or DaySheet(booking=locked)
        sheet.guest_cap_band, sheet.guest_cap_venue, sheet.updated_by = band_cap, venue_cap, by
        sheet.save()
    return sheet
