"""Reads of a booking's reschedule proposals: the list on the reschedule page and the one an answer
names, and the next free times the gig could move to. The writes (propose, accept, decline, withdraw)
are in services.reschedule."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from core.fields.timezones import when_text

from ..models import Booking, RescheduleProposal
from .strip import band_strip

PROPOSALS_SHOWN = 20
FREE_TIMES_SHOWN = 6


def reschedule_proposals_of(*, booking: Booking, limit: int = PROPOSALS_SHOWN) -> list[RescheduleProposal]:
    """The booking's proposals in the model's order (newest first), at most `limit`, each with who
    proposed it. One query."""
    return list(RescheduleProposal.objects.filter(booking_id=booking.pk).select_related("proposed_by")[:limit])


def reschedule_proposals_all(*, booking: Booking) -> QuerySet[RescheduleProposal]:
    """Every proposal of the booking, each with who proposed and who answered it, for a paged list (the
    API's); the caller orders it."""
    return RescheduleProposal.objects.filter(booking_id=booking.pk).select_related("proposed_by", "answered_by")


def reschedule_proposal_of(*, booking: Booking, pk: int) -> RescheduleProposal | None:
    """Proposal `pk` of this booking, with the booking and who proposed and answered it; None when it is
    another booking's or none at all (the caller answers 404). One query."""
    return (
        RescheduleProposal.objects.filter(booking_id=booking.pk, pk=pk)
        .select_related("booking", "proposed_by", "answered_by")
        .first()
    )


@dataclass(frozen=True)
class FreeTime:
    """A time the gig could move to: its moment, and its start and end as the form reads them (wall time in
    the event's zone)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    start_local: dt.datetime  # naive, in the event's zone
    end_local: dt.datetime
    label: str  # "Sat 12 Dec 2026, 20:00–23:00 (Europe/Berlin)"

    @property
    def value(self) -> str:
        """What a pick posts: "2026-12-12T20:00/2026-12-12T23:00"."""
        return f"{self.start_local:%Y-%m-%dT%H:%M}/{self.end_local:%Y-%m-%dT%H:%M}"


def _clock_minutes(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> int:
    local = timezone.localtime(at, zone)
    return local.hour * 60 + local.minute


def reschedule_free_times(
    *, booking: Booking, now: dt.datetime | None = None, count: int = FREE_TIMES_SHOWN
) -> list[FreeTime]:
    """The next times a booked gig could move to, of its own length: the booking steps' rule (band_strip:
    every required member free with load-in, pack-down and travel, no other gig of the band, not too soon),
    with the gig itself set aside. One a day, the free start nearest the gig's own clock time, for the next
    `count` days that have one; never the gig's current times. band_strip's three queries."""
    now = now or timezone.now()
    length = booking.ends_at - booking.starts_at
    strip = band_strip(band=booking.band, length=length, viewer_zone=booking.zone.key, now=now, moving=booking)
    band_zone = zoneinfo.ZoneInfo(strip.band_zone)
    own = _clock_minutes(booking.starts_at, band_zone)
    found: list[FreeTime] = []
    for day in strip.days:
        starts = [s.at for s in day.starts if s.at != booking.starts_at]
        if not starts:
            continue
        at = min(starts, key=lambda a: abs(_clock_minutes(a, band_zone) - own))
        start_local = timezone.localtime(at, booking.zone)
        end_local = timezone.localtime(at + length, booking.zone)
        found.append(
            FreeTime(
                starts_at=at,
                ends_at=at + length,
                start_local=start_local.replace(tzinfo=None),
                end_local=end_local.replace(tzinfo=None),
                label=when_text(at, at + length, booking.zone),
            )
        )
        if len(found) == count:
            break
    return found
