"""A booked gig moves: the one place where its times, or its load-in and pack-down, change for its members.

Every door that changes a booked gig's times goes through gig_move: a reschedule accepted
(reschedule.py), a festival set moved (festivals.services.timetable.placement_move), an act's set in a
show's running order (shows.py) and a gig's own load-in and pack-down (detail.py). It asks the members'
check every booking asks (checks.gig_fit) at the new times, with the gig's own block aside, refuses a
move the band cannot play with a clear message (nothing moves), and gives the gig's block its new times
with who sits the gig out recomputed (BandBlock.absent, decision 0112): a member busy at the new times
sits it out, a member free again plays. See docs/decisions/0115.
"""

import datetime as dt

from django.utils.translation import gettext as _

from bands.lineup import band_lineup
from bands.models import Band, BandBlock
from bands.services import KEEP, band_gig_block_move, gig_busy_window, gig_window
from core.fields.timezones import when_text

from ..errors import MembersBusy
from ..models import Booking
from ..selectors.bookings import booking_point
from . import checks


def gig_move_refusal(
    *, band: Band, fit: checks.GigFit, starts_at: dt.datetime, ends_at: dt.datetime, zone
) -> MembersBusy:
    """The refusal of a move the band cannot play at the new times (fit.ok false): for a line-up, the short
    sections with counts and who is busy in them; else who is busy when."""
    who = checks.busy_members_text(fit.busy, zone) if fit.busy else ""
    if fit.short:
        return MembersBusy(
            # Translators: short lists sections with counts ("Trumpets (1 of 2)"); who says who is busy when, or
            # is empty.
            _(
                "Too few players of %(band)s are free %(when)s for the minimum line-up: %(short)s. %(who)s "
                "The gig was not moved."
            )
            % {
                "band": band.name,
                "when": when_text(starts_at, ends_at, zone),
                "short": _(", ").join(fit.short),
                "who": f"{who}." if who else "",
            },
            members=fit.busy,
        )
    return MembersBusy(
        # Translators: busy lists who is busy when ("Mara is busy Fri 12 Jun, 19:00–23:00").
        _("%(busy)s, which overlaps the new times with the load-in and pack-down, so the gig was not moved.")
        % {"busy": who},
        members=fit.busy,
    )


def gig_move(
    *,
    band: Band,
    booking: Booking,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    load_in_minutes: int | object | None = KEEP,
    pack_down_minutes: int | object | None = KEEP,
    times_change: bool = True,
) -> checks.GigFit:
    """Move a booked gig's members to its new times: check, then move its block.

    Call under the gig's locks (locks.booking_lock: band, slot, people, booking), before or after the
    booking row takes the new times, inside the caller's transaction. The check is checks.gig_fit over
    the new window (the given load-in and pack-down, else the block's own), the gig's own block aside, at
    the gig's place. A band with a minimum line-up is always checked (who sits out is recomputed); every
    band is checked when `times_change` (a new start or end) or when the new window reaches beyond the
    block's old one (gig_reaches: a longer load-in or pack-down, a set moved later in a show's running
    order), since that takes time the members did not give the gig before. A window that only shrinks or
    stays inside the old one takes nothing new, so a band without a line-up is not checked then. A band
    booked with a stand-in planned may keep a short line-up when only the load-in or running order changes.

    Raises MembersBusy (gig_move_refusal) when the band cannot play then; ValidationError by field for
    minutes outside 0–600. Returns the GigFit; the block's `absent` becomes its `sitting_out`."""
    block = BandBlock.objects.get(pk=booking.block_id) if booking.block_id else None
    load_in = block.load_in_minutes if block is not None and load_in_minutes is KEEP else load_in_minutes
    pack_down = block.pack_down_minutes if block is not None and pack_down_minutes is KEEP else pack_down_minutes
    lineup = band_lineup(band=band, members=()) is not None
    absent: object = KEEP
    fit = checks.GigFit(ok=True, busy=[])
    if (
        lineup
        or times_change
        or gig_reaches(block, band=band, starts_at=starts_at, ends_at=ends_at, load_in=load_in, pack_down=pack_down)
    ):
        fit = checks.gig_fit(
            band,
            starts_at,
            ends_at,
            exclude_block_id=booking.block_id,
            point=booking_point(booking),
            load_in_minutes=None if load_in is KEEP else load_in,
            pack_down_minutes=None if pack_down is KEEP else pack_down,
        )
        if not fit.ok and (times_change or not booking.stand_in_planned):
            raise gig_move_refusal(band=band, fit=fit, starts_at=starts_at, ends_at=ends_at, zone=booking.zone)
        absent = fit.sitting_out
    if block is not None:
        band_gig_block_move(
            block_id=block.pk,
            gig_starts_at=starts_at,
            gig_ends_at=ends_at,
            load_in_minutes=load_in_minutes,
            pack_down_minutes=pack_down_minutes,
            absent=absent,
        )
    return fit


def gig_reaches(
    block: BandBlock | None,
    *,
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    load_in: int | object | None,
    pack_down: int | object | None,
) -> bool:
    """Whether a gig's new window (`starts_at`–`ends_at` with the load-in and pack-down, None: the band's
    usual ones) takes time its block's old window (bands.services.gig_busy_window) did not: any part of it
    outside the old one. No block: nothing of the members' time is taken or moved, so False; a block
    without its gig times (never placed): True, so the move is checked."""
    if block is None:
        return False
    if block.gig_starts_at is None or block.gig_ends_at is None:
        return True
    old_start, old_end = gig_busy_window(block, band=band)
    new_start, new_end = gig_window(
        band,
        starts_at,
        ends_at,
        load_in_minutes=None if load_in is KEEP else load_in,
        pack_down_minutes=None if pack_down is KEEP else pack_down,
    )
    return new_start < old_start or new_end > old_end
