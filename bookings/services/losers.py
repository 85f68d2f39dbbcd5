"""Declining what a booked gig made impossible: the pending bookings of its band at an overlapping
time, and those for its slot's place once it is filled (ARCHITECTURE "Booking states"). book.py hands
them to the worker after its commit (losers_decline_soon); a periodic sweep catches a task that was
lost (booking_losers_sweep).

Locks: only the losers' booking rows (SELECT … FOR UPDATE), in a short transaction of its own after
the winner's commit, never the band or the slot. Checks: the winner is still BOOKED."""

import datetime as dt
import logging
from collections import defaultdict

from django.db import DatabaseError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.services import NotificationItem, lazy_text, notifications_create_many
from bands.models import Band
from bands.selectors import bands_managers
from core.fields.timezones import when_text, when_text_lazy
from core.queue import task_queue
from teams.selectors import acting_through
from venues.models import Slot

from ..models import Booking, BookingEvent
from ..selectors.bookings import (
    venue_teams,
)
from .ending import booking_status_stamps_bump
from .marks import job_mark, job_mark_set
from .notices import (
    booking_summary,
    kind_text,
    link_of,
)
from .request_groups import request_group_rivals_withdraw
from .webhooks import webhook_events_emit

logger = logging.getLogger(__name__)

Status = Booking.Status
Role = Booking.Role


def _auto_decline(*, winner: Booking, band: Band, slot: Slot | None, by: User, now: dt.datetime) -> list[Booking]:
    """Decline every pending booking that `winner` (just booked, committed) has made impossible; each
    loser's row is locked first, so a decline never meets an accept of the same booking half-way."""
    same_band = Q(band_id=band.pk, starts_at__lt=winner.ends_at, ends_at__gt=winner.starts_at)
    place = Q(pk__in=[])
    if slot is not None:
        if winner.role == Role.HEADLINER:
            place = Q(slot_id=slot.pk, role=Role.HEADLINER)
        elif slot.supports_booked >= slot.support_places:
            place = Q(slot_id=slot.pk, role=Role.SUPPORT)
    losers = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("band", "venue", "client")
        .filter(status=Status.PENDING)
        .filter(same_band | place)
        .exclude(pk=winner.pk)
        .order_by("pk")
    )
    if not losers:
        return []
    # Batched: a race's losers are declined in one go, right after the winner's commit, in a fixed
    # number of queries whatever their number and however many venues and bands they come from.
    teams = venue_teams({loser.venue_id for loser in losers if loser.venue_id})
    managers = bands_managers(
        {loser.band_id for loser in losers} | {lo.picker_band_id for lo in losers if lo.picker_band_id}
    )
    events, items = [], []
    # Who declined them, and for whom (an agent for the band, a venue group's booker for the venue): read
    # once for the winner, whose side the losers share.
    acting_org, acting_for = acting_through(booking=winner, user_id=by.pk) if by is not None else ("", "")
    booked_when: dict[str, str] = {}  # the winner's times, written once per zone the losers are in
    for loser in losers:
        if loser.band_id == band.pk:
            if loser.time_zone not in booked_when:
                booked_when[loser.time_zone] = when_text(winner.starts_at, winner.ends_at, loser.zone)
            # Both sides of the loser read this: the time, not where (another venue, a private address).
            note = f"Declined automatically: {band.name} is now booked {booked_when[loser.time_zone]}, which overlaps."
            reason = lazy_text(
                # Translators: why a booking was declined automatically; %(when)s are the times of the gig booked.
                gettext_lazy("%(band)s is now booked %(when)s, which overlaps."),
                band=band.name,
                when=when_text_lazy(winner.starts_at, winner.ends_at, loser.zone),
            )
        elif loser.role == Role.HEADLINER:
            note = "Declined automatically: the headliner place went to another band."
            reason = gettext_lazy("the headliner place went to another band.")
        else:
            note = "Declined automatically: every support place has been filled."
            reason = gettext_lazy("every support place has been filled.")
        note = note[:500]
        events.append(
            BookingEvent(
                booking=loser,
                actor=by,
                from_status=loser.status,
                to_status=Status.DECLINED,
                note=note,
                acting_org=acting_org,
                acting_for=acting_for,
            )
        )
        loser.status, loser.status_note, loser.status_changed_at, loser.updated_at = Status.DECLINED, note, now, now
        loser.sequence += 1
        team = teams.get(loser.venue_id, [])
        client = [loser.client] if loser.client_id else []
        asking = {"band": managers[loser.band_id], "venue": team, "client": client}[loser.asking_side]
        answering = {"venue": team, "headliner": managers.get(loser.picker_band_id, [])}.get(
            loser.answering_side, managers[loser.band_id]
        )
        items.append(
            NotificationItem(
                recipients=asking + answering,
                kind="booking_declined",
                text=kind_text(
                    loser,
                    application=gettext_lazy(
                        "Declined automatically: the application for %(band)s to %(gig)s – %(reason)s"
                    ),
                    offer=gettext_lazy("Declined automatically: the offer for %(band)s to %(gig)s – %(reason)s"),
                    request=gettext_lazy(
                        "Declined automatically: the private request for %(band)s to %(gig)s – %(reason)s"
                    ),
                    band=loser.band.name,
                    gig=booking_summary(loser),
                    reason=reason,
                ),
                link=link_of(loser),
                key=f"booking:{loser.uid}:declined:{loser.sequence}",
                starts_at=loser.starts_at,
                ends_at=loser.ends_at,
            )
        )
    BookingEvent.objects.bulk_create(events)
    # One UPDATE per distinct note (a handful: the zones the losers' times are written in), not a
    # CASE per row as bulk_update builds, which took seconds for a thousand losers under their locks.
    by_note: dict[str, list[int]] = defaultdict(list)
    for loser in losers:
        by_note[loser.status_note].append(loser.pk)
    for note, ids in by_note.items():
        for start in range(0, len(ids), 500):
            Booking.objects.filter(pk__in=ids[start : start + 500]).update(
                status=Status.DECLINED,
                status_note=note,
                status_changed_at=now,
                updated_at=now,
                sequence=F("sequence") + 1,
            )
    booking_status_stamps_bump(losers)
    notifications_create_many(items=items, actor=by)
    webhook_events_emit(event="booking.declined", bookings=losers, now=now)
    return losers


def _decline_losers(*, winner: Booking, band: Band, slot: Slot | None, by: User, now: dt.datetime) -> None:
    """Right after the winner's commit, in a short transaction of its own: decline what it made impossible.

    Until this commits, a loser may still read PENDING; its own accept is refused all the same by the
    checks under the band and slot locks, which now find the gig (or the full place). The winner is
    read again first: should it have been cancelled in between, its losers stay open. Should this
    transaction fail, the accept stands and its losers stay PENDING, still impossible to accept, until
    someone declines them or their date passes (bookings_expire).
    """
    try:
        with transaction.atomic():
            if not Booking.objects.filter(pk=winner.pk, status=Status.BOOKED).exists():
                return
            _auto_decline(winner=winner, band=band, slot=slot, by=by, now=now)
            # A request the client sent to several bands: the other bands' requests are withdrawn.
            request_group_rivals_withdraw(winner=winner, now=now)
    except DatabaseError:
        logger.exception("Booking %s was accepted, but declining the bookings it made impossible failed", winner.uid)


DECLINE_LOSERS_TASK = "bookings.tasks.booking_losers_decline_task"


def losers_decline_soon(*, winner: Booking, band: Band, slot: Slot | None, by: User | None, now: dt.datetime) -> None:
    """Hand the declines of what `winner` made impossible to the worker, so the winner's answer does
    not wait for them and their notifications; inline when the broker cannot be reached (or Celery
    is eager). A task that is lost anyway is caught up by the periodic sweep (booking_losers_sweep)."""
    kwargs = {"winner_id": winner.pk, "by_id": by.pk if by is not None else None, "now": now.isoformat()}
    try:
        task_queue(DECLINE_LOSERS_TASK, **kwargs)
    except OperationalError:
        logger.warning("Broker unreachable; declining the losers of booking %s inline", winner.uid)
        _decline_losers(winner=winner, band=band, slot=slot, by=by, now=now)


def booking_losers_decline(*, winner_id: int, by_id: int | None, now: str | None = None) -> None:
    """The worker's part of an accept: decline every pending booking the booked `winner_id` made
    impossible (its band at an overlapping time, its slot's place). Nothing when it is no longer
    booked."""
    winner = Booking.objects.select_related("band", "slot").filter(pk=winner_id, status=Status.BOOKED).first()
    if winner is None:
        return
    by = User.objects.filter(pk=by_id).first() if by_id is not None else None
    when = dt.datetime.fromisoformat(now) if now else timezone.now()
    _decline_losers(winner=winner, band=winner.band, slot=winner.slot, by=by, now=when)


SWEEP_JOB = "bookings-losers-sweep"
# How far before its mark a sweep reads again: a change is stamped when it is written, and its transaction may
# commit after the last run read.
SWEEP_OVERLAP = dt.timedelta(minutes=10)


def _changed_since(since: dt.datetime) -> Q | None:
    """The pending bookings that a change since `since` may have made losers: those of a band and of a slot
    with a booking booked or moved since (the accept whose decline task was lost, a gig rescheduled), those
    asked or changed since, and those of a slot whose support places, all taken, changed since (lowered to
    the places booked). None when nothing changed. Two queries, by the partial indexes
    `bookings_live_updated` and `venues_slot_supports_full`."""
    bands, slots, pending = set(), set(), set()
    changed = Booking.objects.filter(status__in=Booking.LIVE, updated_at__gte=since).order_by()
    for pk, status, band_id, slot_id in changed.values_list("pk", "status", "band_id", "slot_id"):
        if status == Status.BOOKED:
            bands.add(band_id)
            if slot_id is not None:
                slots.add(slot_id)
        else:
            pending.add(pk)
    full = Slot.objects.filter(
        support_places__gt=0, supports_booked__gte=F("support_places"), updated_at__gte=since
    ).order_by()
    slots.update(full.values_list("pk", flat=True))
    if not (bands or slots or pending):
        return None
    return Q(band_id__in=bands) | Q(slot_id__in=slots) | Q(pk__in=pending)


def booking_losers_sweep(*, now=None) -> int:
    """Periodic: decline the pending bookings that a booked gig has made impossible and that are still
    pending (their decline task was lost): the same band at an overlapping time, or a slot whose
    place is filled. Returns how many winners were swept for.

    A run reads only the pending bookings that something changed since the last run may have made losers
    (`_changed_since`, from its JobMark less SWEEP_OVERLAP); the first run, or one for a moment before the
    mark, reads every pending booking ahead. A run that declined losers leaves the mark where it was."""
    now = now or timezone.now()
    mark = job_mark(SWEEP_JOB, now=now)
    booked = Booking.objects.filter(
        band_id=OuterRef("band_id"),
        status=Status.BOOKED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    stuck = Booking.objects.filter(status=Status.PENDING, starts_at__gt=now).filter(
        Exists(booked)
        | Q(role=Role.HEADLINER, slot__headliner_booked__gte=1)
        | Q(role=Role.SUPPORT, slot__supports_booked__gte=F("slot__support_places"), slot__support_places__gt=0)
    )
    if mark is not None:
        changed = _changed_since(mark - SWEEP_OVERLAP)
        stuck = stuck.filter(changed) if changed is not None else stuck.none()
    winners: set[int] = set()
    for pk, band_id, slot_id, starts_at, ends_at in stuck.values_list(
        "pk", "band_id", "slot_id", "starts_at", "ends_at"
    ):
        winner = (
            Booking.objects.filter(
                Q(band_id=band_id, starts_at__lt=ends_at, ends_at__gt=starts_at) | Q(slot_id=slot_id),
                status=Status.BOOKED,
            )
            .exclude(pk=pk)
            .order_by("status_changed_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if winner is not None and winner not in winners:
            winners.add(winner)
            booking_losers_decline(winner_id=winner, by_id=None, now=now.isoformat())
    # A run that declined for a winner leaves its mark: the next one reads the same again, and tries again any
    # decline that failed (_decline_losers logs it and carries on); a run that had none to decline moves it.
    if not winners:
        job_mark_set(SWEEP_JOB, now)
    return len(winners)
